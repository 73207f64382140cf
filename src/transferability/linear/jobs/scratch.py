"""Job ``scratch``: the scratch baseline at one ``n``, once per weight decay; arrays ``(B, K)``."""

from __future__ import annotations

from .. import procedures
from ..training import GDSettings
from .arrays import design_from


def compute(spec: dict, inputs: dict, log) -> dict:
    design = design_from(inputs["design"], spec["inputs"]["design"]["n"])
    beta_t = inputs["tasks"]["beta_s"]  # scratch risk is theta-independent; train on the theta = 0 target
    out = procedures.scratch(
        design, beta_t, spec["sigma"], spec["width"], spec["depth"], spec["init_scale"], spec["seed"],
        GDSettings(**spec["train"]), weight_decays=spec["weight_decays"], label=f"scratch n={design.n}",
        progress=log,
    )
    arrays = {"risk": out.risk, "train_loss": out.train_loss, "steps": out.steps, "converged": out.converged,
              "stop_reason": out.stop_reason}
    if out.risk.ndim == 1:  # always store (B, K) with K weight decays
        arrays = {k: v[:, None] for k, v in arrays.items()}
    return arrays
