"""Job ``fine_tune``: GD on both layers from the pretrained student, per instance; arrays ``(B,)``."""

from __future__ import annotations

from .target import train_on_target


def compute(spec: dict, inputs: dict, log) -> dict:
    pre, n = inputs["pretrain"], spec["n"]
    out = train_on_target(spec, lambda b: (pre["W"][b], pre["c"][b]), f"fine-tune n={n}", log)
    log(f"fine-tune mu={spec['mu']} n={n}: converged {int(out['converged'].sum())}/{len(out['risk'])}")
    return out
