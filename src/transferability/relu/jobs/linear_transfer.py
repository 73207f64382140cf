"""Job ``linear_transfer``: ridge readouts on the frozen pretrained features, every lambda, with their
n -> infinity limits; arrays ``risk (B, K)`` and ``limit (B, K)``."""

from __future__ import annotations

import numpy as np

from .. import model as R


def compute(spec: dict, inputs: dict, log) -> dict:
    B, n, seed = spec["instances"], spec["n"], spec["seed"]
    pre, lams = inputs["pretrain"], np.array(spec["ridge"])
    risk, limit = [], []
    for b in range(B):
        Wt, a = R.make_teacher(spec["d"], spec["m_star"], seed, b)
        X, y = R.target_sample(Wt, a, n, spec["sigma"], seed, b)
        Wp = pre["W"][b]
        risk.append([R.population_risk(Wp, cf, Wt, a) for cf in R.ridge_readout(X, y, Wp, lams)])
        limit.append([R.ridge_limit(Wp, Wt, a, lam) for lam in lams])
    return {"risk": np.asarray(risk), "limit": np.asarray(limit)}
