"""Job ``fine_tune``: GD on every layer from the pretrained weights, on one cell's target data; arrays ``(B,)``."""

from __future__ import annotations

import numpy as np

from .. import procedures
from ..tasks import target_task
from ..training import GDSettings
from .arrays import design_from, layers_from


def compute(spec: dict, inputs: dict, log) -> dict:
    design = design_from(inputs["design"], spec["inputs"]["design"]["n"])
    tasks, pre = inputs["tasks"], inputs["pretrain"]
    beta_t = target_task(tasks["beta_s"], tasks["nu"], np.deg2rad(spec["theta_deg"]))
    start = layers_from(pre, "chain") if spec["fine_tune_rank_one"] else layers_from(pre, "layer")
    ft = procedures.fine_tune(start, design, beta_t, spec["sigma"], GDSettings(**spec["train"]), reduce=False,
                              label=f"fine-tune theta={spec['theta_deg']}deg n={design.n}", progress=log)
    return {"risk": ft.risk, "train_loss": ft.train_loss, "steps": ft.steps, "converged": ft.converged,
            "stop_reason": ft.stop_reason}
