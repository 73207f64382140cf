"""Job ``linear_transfer``: ridge readouts on the frozen pretrained features, every lambda; arrays ``(B, K)``."""

from __future__ import annotations

import numpy as np

from ..readout import linear_transfer
from ..tasks import target_task
from .arrays import design_from


def compute(spec: dict, inputs: dict, log) -> dict:
    design = design_from(inputs["design"], spec["inputs"]["design"]["n"])
    tasks, pre = inputs["tasks"], inputs["pretrain"]
    beta_t = target_task(tasks["beta_s"], tasks["nu"], np.deg2rad(spec["theta_deg"]))
    lt = linear_transfer(pre["features"], pre["feature_rank"], design, beta_t, spec["sigma"], np.array(spec["ridge"]))
    return {"risk": lt["risk"], "train_loss": lt["train_loss"], "feature_rank": pre["feature_rank"]}
