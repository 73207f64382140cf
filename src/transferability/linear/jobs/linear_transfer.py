"""Job ``linear_transfer``: ridge readouts on the frozen pretrained features at one (gamma, seed), for every
angle and lambda at once; arrays ``risk``, ``train_loss`` of shape ``(T, B, K)`` (T angles, in config order)."""

from __future__ import annotations

import numpy as np

from ..readout import linear_transfer
from ..tasks import target_task
from .arrays import design_from


def compute(spec: dict, inputs: dict, log) -> dict:
    design = design_from(inputs["design"], spec["inputs"]["design"]["n"])
    tasks, pre = inputs["tasks"], inputs["pretrain"]
    risk, loss = [], []
    for theta_deg in spec["thetas_deg"]:
        beta_t = target_task(tasks["beta_s"], tasks["nu"], np.deg2rad(theta_deg))
        lt = linear_transfer(pre["features"], pre["feature_rank"], design, beta_t, spec["sigma"],
                             np.array(spec["ridge"]))
        risk.append(lt["risk"])
        loss.append(lt["train_loss"])
    return {"risk": np.asarray(risk), "train_loss": np.asarray(loss), "feature_rank": pre["feature_rank"]}
