"""Job ``linear_transfer``: readouts on the frozen pretrained features of one (mu, seed), at every n and lambda
(``lambda = 0``: least squares on the significant feature subspace), with their n -> infinity limits.

Arrays: ``risk (N, B, K)`` (N sample sizes in config order) and its Hermite-degree parts ``risk_parts (N, B, K, 3)``;
the limit ``limit (B, K)``, ``limit_parts (B, K, 3)`` and ``limit_high (B, K)``, the limit when the constant and
the linear functions of x join the features (only degree >= 2 is left to miss); ``rank (B,)``, the dimension of
the significant subspace.
"""

from __future__ import annotations

import numpy as np

from .. import model as R
from ..hermite import residual_parts
from ..readout import limit_readouts, sample_readouts, significant_basis


def compute(spec: dict, inputs: dict, log) -> dict:
    B, seed, tol = spec["instances"], spec["seed"], spec["feature_rank_tol"]
    pre, lams = inputs["pretrain"], np.array(spec["ridge"])
    risk_parts = np.empty((len(spec["ns"]), B, lams.size, 3))
    limit_parts = np.empty((B, lams.size, 3))
    limit_high = np.empty((B, lams.size))
    rank = np.empty(B, dtype=int)
    for b in range(B):
        Wt, a = R.make_teacher(spec["d"], spec["m_star"], seed, b, spec["teacher_output"])
        Wp = pre["W"][b]
        basis = significant_basis(Wp, tol)
        rank[b] = basis.shape[1]
        fitted = [sample_readouts(*R.target_sample(Wt, a, n, spec["sigma"], seed, b), Wp, lams, basis)
                  for n in spec["ns"]]  # (N, K, m) output weights, then one degree split for all of them
        parts = residual_parts(Wp, np.concatenate([limit_readouts(Wp, Wt, a, lams, basis),
                                                   limit_readouts(Wp, Wt, a, lams, basis, high_only=True),
                                                   *fitted]), Wt, a).reshape(-1, lams.size, 3)
        limit_parts[b], limit_high[b], risk_parts[:, b] = parts[0], parts[1, :, 2], parts[2:]
    log(f"linear transfer mu={spec['mu']}: significant subspace of dimension {rank.min()}-{rank.max()}")
    return {"risk": risk_parts.sum(axis=-1), "risk_parts": risk_parts, "limit": limit_parts.sum(axis=-1),
            "limit_parts": limit_parts, "limit_high": limit_high, "rank": rank}
