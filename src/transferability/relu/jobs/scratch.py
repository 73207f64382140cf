"""Job ``scratch``: a fresh small-init student per instance trained on the n target samples; arrays ``(B,)``."""

from __future__ import annotations

import numpy as np

from .. import model as R
from .target import train_on_target


def compute(spec: dict, inputs: dict, log) -> dict:
    d, m, n, seed = spec["d"], spec["width"], spec["n"], spec["seed"]
    out = train_on_target(spec, lambda b: R.init_student(d, m, spec["init_scale"], seed, "relu_scratch", n, b),
                          f"scratch n={n}", log)
    log(f"scratch n={n}: mean risk {np.mean(out['risk']):.4e}, converged {int(out['converged'].sum())}/{len(out['risk'])}")
    return out
