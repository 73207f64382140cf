"""Job ``scratch``: a fresh small-init student per instance trained on the n target samples; arrays ``(B,)``."""

from __future__ import annotations

import numpy as np

from .. import model as R


def compute(spec: dict, inputs: dict, log) -> dict:
    B, d, m, n, seed = spec["instances"], spec["d"], spec["width"], spec["n"], spec["seed"]
    t = spec["train"]
    out = {key: [] for key in ("risk", "train_loss", "steps", "converged")}
    for b in range(B):
        Wt, a = R.make_teacher(d, spec["m_star"], seed, b)
        X, y = R.target_sample(Wt, a, n, spec["sigma"], seed, b)
        W0, c0 = R.init_student(d, m, spec["init_scale"], seed, "relu_scratch", n, b)
        W, c, steps, conv, loss = R.train_student(X, y, W0, c0, t["lr"], t["max_steps"], t["tol"], t["lr_max"],
                                                  progress=lambda line: log(f"scratch n={n} instance {b}: {line}"))
        for key, val in (("risk", R.population_risk(W, c / m, Wt, a)), ("train_loss", loss), ("steps", steps),
                         ("converged", conv)):
            out[key].append(val)
    log(f"scratch n={n}: mean risk {np.mean(out['risk']):.4e}, converged {sum(out['converged'])}/{B}")
    return {key: np.asarray(val) for key, val in out.items()}
