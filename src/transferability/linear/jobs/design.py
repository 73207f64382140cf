"""Job ``design``: one target design per instance at ``n`` samples, in SVD form (see ``tasks.Design``)."""

from __future__ import annotations

from ..tasks import make_design


def compute(spec: dict, inputs: dict, log) -> dict:
    D = make_design(spec["n"], spec["d"], spec["instances"], spec["seed"])
    return {"s": D.s, "V": D.V, "e": D.e, "resid": D.resid}
