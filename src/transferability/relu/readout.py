"""Linear transfer in the ReLU study: refit the output weights on the frozen hidden layer ``relu(W x)``.

Two rules, one per ridge strength ``lam`` (relative to the mean feature power ``readout_scale(W)``):
``lam > 0`` is ridge; ``lam = 0`` is the minimum-norm least-squares fit on the **significant feature subspace**,
the rule of the linear study: eigen-directions of the population feature Gram ``K = E relu(Wx) relu(Wx)^T`` whose
singular value (square root of the eigenvalue) is below ``rank_tol`` times the largest are dropped, so the
near-zero neurons a small init leaves behind do not fit noise with huge weights.

Shapes: ``m`` hidden units, ``d`` inputs, ``n`` samples, ``K`` strengths, ``k`` significant directions. Every
function returns output weights ``(K, m)``: the predictor is ``sum_i coef_i relu(W_i x)`` (no 1/m).
"""

from __future__ import annotations

import numpy as np

from .hermite import degree_parts, high_gram, residual_parts
from .model import relu_gram

__all__ = ["readout_scale", "significant_basis", "sample_readouts", "limit_readouts", "projection_coefficients",
           "projection_parts", "projection_residual"]


def readout_scale(W: np.ndarray) -> float:
    """Mean population feature power ``tr K / m`` with ``K = E relu(Wx) relu(Wx)^T``: the unit of the ridge."""
    return float(np.sum(W * W) / (2 * W.shape[0]))


def significant_basis(W: np.ndarray, rank_tol: float) -> np.ndarray:
    """Orthonormal eigenvectors ``(m, k)`` of ``K`` whose eigenvalue is at least ``rank_tol^2`` times the largest."""
    vals, vecs = np.linalg.eigh(relu_gram(W, W))
    return vecs[:, vals >= rank_tol**2 * vals[-1]]


def sample_readouts(X: np.ndarray, y: np.ndarray, W: np.ndarray, lams, basis: np.ndarray) -> np.ndarray:
    """Output weights fitted on ``X (n, d)``, ``y (n,)``: ``argmin mean((H a - y)^2) + lam s |a|^2`` for ``lam > 0``,
    the minimum-norm least squares on the significant subspace ``basis (m, k)`` (``significant_basis``) for
    ``lam = 0``; shape ``(K, m)``."""
    H = np.maximum(X @ W.T, 0.0)
    n, m = H.shape
    G, rhs = H.T @ H / n, H.T @ y / n
    s = readout_scale(W)
    out = []
    for lam in np.atleast_1d(lams):
        if lam > 0:
            out.append(np.linalg.solve(G + lam * s * np.eye(m), rhs))
        else:
            out.append(basis @ np.linalg.lstsq(H @ basis, y, rcond=None)[0])
    return np.array(out)


def limit_readouts(W: np.ndarray, Wt: np.ndarray, a: np.ndarray, lams, basis: np.ndarray,
                   high_only: bool = False) -> np.ndarray:
    """The ``n -> infinity`` readouts ``(K, m)`` against ``f_t = sum_j a_j relu(Wt_j x)``, same rules.

    ``high_only``: fit the degree >= 2 part of ``f_t`` with the degree >= 2 parts of the features, which is the
    readout on the features plus the constant and the linear functions of ``x`` (their span splits orthogonally);
    the coefficients are those on the features, the constant and linear terms being fitted exactly.
    """
    gram = high_gram if high_only else relu_gram
    K, b = gram(W, W), gram(W, Wt) @ a
    s = readout_scale(W)
    out = []
    for lam in np.atleast_1d(lams):
        if lam > 0:
            out.append(np.linalg.solve(K + lam * s * np.eye(len(K)), b))
        else:
            out.append(basis @ np.linalg.lstsq(basis.T @ K @ basis, basis.T @ b, rcond=None)[0])
    return np.array(out)


def projection_coefficients(W_feat: np.ndarray, Wt: np.ndarray, a: np.ndarray, high_only: bool = False,
                            ridge: float = 1e-10) -> np.ndarray:
    """Output weights ``(k,)`` of the projection of ``g = sum a_j relu(Wt_j x)`` on the span of ``relu(W_feat_i x)``.

    ``high_only``: the span also holds the constant and the linear functions of ``x`` (see ``hermite``), so only
    the degree >= 2 parts are projected. A relative ridge of ``ridge`` keeps coinciding neurons solvable.
    """
    gram = high_gram if high_only else relu_gram
    K = gram(W_feat, W_feat)
    K = K + ridge * max(np.trace(K), 1e-300) / K.shape[0] * np.eye(K.shape[0])
    return np.linalg.solve(K, gram(W_feat, Wt) @ a)


def projection_parts(W_feat: np.ndarray, Wt: np.ndarray, a: np.ndarray, high_only: bool = False) -> np.ndarray:
    """Hermite-degree parts ``(3,)`` of the residual of ``g = sum a_j relu(Wt_j x)`` outside the span of
    ``relu(W_feat_i x)`` (with ``high_only``, of the span plus constants and linear functions: only the last part is
    then non-zero). Parts below ``1e-9 E g^2``, the regularisation's resolution, are set to 0."""
    if W_feat.shape[0] == 0:
        parts = degree_parts(Wt, a)
        return parts * np.array([0.0, 0.0, 1.0]) if high_only else parts
    parts = residual_parts(W_feat, projection_coefficients(W_feat, Wt, a, high_only), Wt, a)
    if high_only:
        parts[:2] = 0.0
    parts[parts < 1e-9 * float(a @ relu_gram(Wt, Wt) @ a)] = 0.0
    return parts


def projection_residual(W_feat: np.ndarray, Wt: np.ndarray, a: np.ndarray) -> float:
    """``|P_perp g|^2``: the part of ``g = sum a_j relu(Wt_j x)`` outside the span of ``relu(W_feat_i x)``."""
    return float(projection_parts(W_feat, Wt, a).sum())
