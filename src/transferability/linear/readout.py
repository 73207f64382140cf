"""Linear transfer: a ridge readout on the frozen, significant features of a pretrained network.

Shapes: ``B`` instances, ``d`` inputs, ``r = min(n, d)``, ``k`` significant features, ``K`` ridge strengths.
"""

from __future__ import annotations

import numpy as np

from .models import feature_map
from .tasks import Design, design_targets

__all__ = ["significant_features", "linear_transfer"]


def significant_features(layers: list[np.ndarray], rank_tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Feature directions of ``W_1...W_{L-1}`` above ``rank_tol`` times the top singular value.

    Returns:
        ``features (B, d, k_max)`` = left singular vectors times singular values (zero-padded) and ``rank (B,)``.
    """
    U, sv, _ = np.linalg.svd(feature_map(layers), full_matrices=False)
    rank = np.sum(sv > rank_tol * sv[:, :1], axis=1)
    kmax = int(rank.max())
    feats = U[:, :, :kmax] * sv[:, None, :kmax]
    for b, k in enumerate(rank):
        feats[b, :, k:] = 0.0
    return feats, rank


def linear_transfer(
    features: np.ndarray,
    rank: np.ndarray,
    design: Design,
    beta_t: np.ndarray,
    sigma: float,
    lambdas: np.ndarray,
) -> dict[str, np.ndarray]:
    """Refit the last layer by ridge on frozen features: ``W_L = (Z^T Z + n lambda I)^+ Z^T y``.

    Args:
        features: ``(B, d, k_max)`` significant feature directions of ``W_1...W_{L-1}`` (left singular
            vectors times singular values, see ``significant_features``); columns past ``rank`` are unused.
        rank: ``(B,)`` number of significant directions (singular value above a stated fraction of the top).
        design, beta_t, sigma: target data and task.
        lambdas: ``(K,)`` ridge strengths. At lambda = 0 the fit is the minimum-norm least-squares solution on
            the significant subspace, i.e. the alpha -> 0 limit of the theory.

    Returns:
        ``risk (B, K)`` and ``train_loss (B, K)``.
    """
    t = design_targets(design, beta_t, sigma)
    lambdas = np.asarray(lambdas, dtype=float)
    B = features.shape[0]
    risk = np.empty((B, lambdas.size))
    loss = np.empty((B, lambdas.size))
    for b in range(B):
        Fk = features[b, :, : int(rank[b])]  # (d, k)
        G = design.s[b][:, None] * (design.V[b].T @ Fk)  # (r, k): features of X/sqrt(n) in the SVD basis
        gram, rhs = G.T @ G, G.T @ t[b]
        for j, lam in enumerate(lambdas):
            if lam == 0.0:
                c = np.linalg.lstsq(G, t[b], rcond=None)[0]
            else:
                c = np.linalg.solve(gram + lam * np.eye(Fk.shape[1]), rhs)
            risk[b, j] = np.sum((Fk @ c - beta_t[b]) ** 2)
            loss[b, j] = np.sum((G @ c - t[b]) ** 2) + sigma**2 * design.resid[b]
    return {"risk": risk, "train_loss": loss}
