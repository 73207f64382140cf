"""Training a student on the target sample of each instance: shared by the scratch and fine-tuning kernels."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .. import model as R
from ..hermite import residual_parts


def train_on_target(spec: dict, start: Callable[[int], tuple[np.ndarray, np.ndarray]], label: str, log) -> dict:
    """GD from ``start(b) -> (W0 (m, d), c0 (m,))`` on the ``n`` target samples of instance ``b``, per instance.

    Returns arrays ``risk``, ``train_loss``, ``steps``, ``converged``, each ``(B,)``, and the risk's Hermite-degree
    parts ``risk_parts (B, 3)``.
    """
    m, n, seed, t = spec["width"], spec["n"], spec["seed"], spec["train"]
    out = {key: [] for key in ("risk", "risk_parts", "train_loss", "steps", "converged")}
    for b in range(spec["instances"]):
        Wt, a = R.make_teacher(spec["d"], spec["m_star"], seed, b, spec["teacher_output"])
        X, y = R.target_sample(Wt, a, n, spec["sigma"], seed, b)
        W0, c0 = start(b)
        W, c, steps, conv, loss = R.train_student(X, y, W0, c0, t["lr"], t["max_steps"], t["tol"], t["lr_max"],
                                                  progress=lambda line: log(f"{label} instance {b}: {line}"),
                                                  cap_until=t["cap_until"],
                                                  float32_while_capped=t["float32_while_capped"])
        parts = residual_parts(W, c / m, Wt, a)
        for key, val in (("risk", parts.sum()), ("risk_parts", parts), ("train_loss", loss), ("steps", steps),
                         ("converged", conv)):
            out[key].append(val)
    return {key: np.asarray(val) for key, val in out.items()}
