"""Functions of ReLU neurons split by Hermite degree: the constant, the linear and the degree >= 2 parts.

For ``x ~ N(0, I_d)`` one neuron splits orthogonally as
``relu(u . x) = |u| / sqrt(2 pi) + (u . x) / 2 + r_u(x)``: the constant is ``E relu(u . x)``, the linear part is the
projection on ``x`` (``E[relu(u . x) x] = u / 2``), and ``r_u`` has no degree-0 or degree-1 component. The inner
products of the parts follow from the arc-cosine kernel ``E[relu(u.x) relu(v.x)] = |u| |v| k(t)`` (t the cosine):
``|u| |v| / (2 pi)``, ``u . v / 4`` and ``|u| |v| (k(t) - 1 / (2 pi) - t / 4)``, the last being the sum of the
ReLU's Hermite coefficients of degree >= 2 (all even degrees).
"""

from __future__ import annotations

import numpy as np

from .model import relu_gram

__all__ = ["DEGREES", "part_grams", "high_gram", "degree_parts", "residual_parts"]

DEGREES = ("deg0", "deg1", "deg2")  # column suffixes: constant, linear, degree >= 2


def part_grams(U: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gram matrices ``(p, q)`` of the degree-0, degree-1 and degree >= 2 parts of ``relu(U_i x)``, ``relu(V_j x)``.

    They sum to ``relu_gram(U, V)``.
    """
    norms = np.outer(np.linalg.norm(U, axis=1), np.linalg.norm(V, axis=1))
    g0, g1 = norms / (2.0 * np.pi), U @ V.T / 4.0
    return g0, g1, relu_gram(U, V) - g0 - g1


def high_gram(U: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Gram matrix ``(p, q)`` of the degree >= 2 parts alone (the features once constants and linear functions of
    ``x`` are projected out)."""
    return part_grams(U, V)[2]


def degree_parts(rows: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """Squared norms of the degree-0, degree-1 and degree >= 2 parts of ``f = sum_i coef_i relu(rows_i x)``.

    ``rows (k, d)``; ``coef (k,)`` gives ``(3,)``, a stack ``coef (..., k)`` gives ``(..., 3)`` from one kernel. The
    three sum to ``E f^2``. The first two are computed directly (a mean and a vector), the third from its own kernel,
    so none is a small difference of large numbers.
    """
    coef = np.asarray(coef, dtype=float)
    if rows.shape[0] == 0:
        return np.zeros(coef.shape[:-1] + (3,))
    mean = coef @ np.linalg.norm(rows, axis=1) / np.sqrt(2.0 * np.pi)
    linear = coef @ rows / 2.0
    high = np.einsum("...i,ij,...j->...", coef, high_gram(rows, rows), coef)
    return np.stack([mean**2, np.sum(linear * linear, axis=-1), np.maximum(high, 0.0)], axis=-1)


def residual_parts(W: np.ndarray, b: np.ndarray, Wt: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Degree parts of the error ``sum_i b_i relu(W_i x) - sum_j a_j relu(Wt_j x)``; they sum to its risk.

    ``b (m,)`` gives ``(3,)``; a stack of readouts ``b (..., m)`` gives ``(..., 3)``, sharing one kernel.
    """
    b = np.asarray(b, dtype=float)
    return degree_parts(np.vstack([W, Wt]), np.concatenate([b, np.broadcast_to(-a, b.shape[:-1] + a.shape)], axis=-1))
