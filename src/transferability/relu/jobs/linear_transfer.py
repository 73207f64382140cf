"""Job ``linear_transfer``: ridge readouts on the frozen pretrained features of one (mu, seed), at every n and
lambda; arrays ``risk (N, B, K)`` (N sample sizes in config order) and the n -> infinity limit ``limit (B, K)``."""

from __future__ import annotations

import numpy as np

from .. import model as R


def compute(spec: dict, inputs: dict, log) -> dict:
    B, seed = spec["instances"], spec["seed"]
    pre, lams = inputs["pretrain"], np.array(spec["ridge"])
    risk = np.empty((len(spec["ns"]), B, lams.size))
    limit = np.empty((B, lams.size))
    for b in range(B):
        Wt, a = R.make_teacher(spec["d"], spec["m_star"], seed, b)
        Wp = pre["W"][b]
        limit[b] = [R.ridge_limit(Wp, Wt, a, lam) for lam in lams]
        for i, n in enumerate(spec["ns"]):
            X, y = R.target_sample(Wt, a, n, spec["sigma"], seed, b)
            risk[i, b] = [R.population_risk(Wp, cf, Wt, a) for cf in R.ridge_readout(X, y, Wp, lams)]
    return {"risk": risk, "limit": limit}
