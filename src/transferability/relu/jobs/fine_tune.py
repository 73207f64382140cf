"""Job ``fine_tune``: GD on both layers from the pretrained student, per instance; arrays ``(B,)``."""

from __future__ import annotations

import numpy as np

from .. import model as R


def compute(spec: dict, inputs: dict, log) -> dict:
    B, m, n, seed = spec["instances"], spec["width"], spec["n"], spec["seed"]
    pre, t = inputs["pretrain"], spec["train"]
    out = {key: [] for key in ("risk", "train_loss", "steps", "converged")}
    for b in range(B):
        Wt, a = R.make_teacher(spec["d"], spec["m_star"], seed, b)
        X, y = R.target_sample(Wt, a, n, spec["sigma"], seed, b)
        W, c, steps, conv, loss = R.train_student(X, y, pre["W"][b], pre["c"][b], t["lr"], t["max_steps"], t["tol"],
                                                  t["lr_max"],
                                                  progress=lambda line: log(f"fine-tune n={n} instance {b}: {line}"))
        for key, val in (("risk", R.population_risk(W, c / m, Wt, a)), ("train_loss", loss), ("steps", steps),
                         ("converged", conv)):
            out[key].append(val)
    log(f"fine-tune mu={spec['mu']} n={n}: converged {sum(out['converged'])}/{B}")
    return {key: np.asarray(val) for key, val in out.items()}
