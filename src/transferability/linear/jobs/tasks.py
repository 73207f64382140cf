"""Job ``tasks``: source tasks ``beta_s (B, d)`` and the orthogonal directions ``nu (B, d)`` of one seed."""

from __future__ import annotations

from ..tasks import make_tasks


def compute(spec: dict, inputs: dict, log) -> dict:
    beta_s, nu = make_tasks(spec["d"], spec["instances"], spec["seed"])
    return {"beta_s": beta_s, "nu": nu}
