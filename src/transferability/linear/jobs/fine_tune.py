"""Job ``fine_tune``: GD on every layer from the pretrained weights, on one cell's target data; arrays ``(B,)``.

A batched kind: one job fine-tunes every angle of a gamma row at once (``compute_batch``), one file per cell.
"""

from __future__ import annotations

import numpy as np

from .. import procedures
from ..tasks import target_task
from ..training import GDSettings
from .arrays import design_from, layers_from

# What the cells of one batch must share (they differ in theta_deg only).
_SHARED = ("sigma", "fine_tune_rank_one", "train", "inputs")


def compute_batch(specs: list[dict], inputs: dict, log) -> list[dict]:
    """One array dict per spec (cells of one gamma row, any subset of its angles)."""
    first = specs[0]
    for spec in specs[1:]:
        bad = [k for k in _SHARED if spec[k] != first[k]]
        if bad:
            raise ValueError(f"fine-tuning cells of one batch differ in {bad}")
    design = design_from(inputs["design"], first["inputs"]["design"]["n"])
    tasks, pre = inputs["tasks"], inputs["pretrain"]
    thetas = [spec["theta_deg"] for spec in specs]
    beta_ts = np.stack([target_task(tasks["beta_s"], tasks["nu"], np.deg2rad(th)) for th in thetas])
    start = layers_from(pre, "chain") if first["fine_tune_rank_one"] else layers_from(pre, "layer")
    outcomes = procedures.fine_tune_targets(
        start, design, beta_ts, first["sigma"], GDSettings(**first["train"]),
        label=f"fine-tune n={design.n}, {len(thetas)} angles x {design.instances} instances", progress=log,
    )
    return [{"risk": ft.risk, "train_loss": ft.train_loss, "steps": ft.steps, "converged": ft.converged,
             "stop_reason": ft.stop_reason} for ft in outcomes]


def compute(spec: dict, inputs: dict, log) -> dict:
    """One cell alone (the same numbers as in any batch)."""
    return compute_batch([spec], inputs, log)[0]
