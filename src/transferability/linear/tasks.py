"""Source/target regression tasks and target designs.

Shapes: ``B`` instances, input dimension ``d``, ``n`` target samples, ``r = min(n, d)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.seeding import rng_for

__all__ = ["make_tasks", "target_task", "Design", "make_design", "design_targets"]


def make_tasks(d: int, instances: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit source tasks ``beta_s`` and unit ``nu`` orthogonal to them, each ``(B, d)``."""
    beta_s = np.empty((instances, d))
    nu = np.empty((instances, d))
    for i in range(instances):
        g = rng_for(seed, "tasks", d, i).standard_normal((2, d))
        b = g[0] / np.linalg.norm(g[0])
        v = g[1] - (g[1] @ b) * b
        beta_s[i], nu[i] = b, v / np.linalg.norm(v)
    return beta_s, nu


def target_task(beta_s: np.ndarray, nu: np.ndarray, theta: float) -> np.ndarray:
    """``beta_t = cos(theta) beta_s + sin(theta) nu``, shape ``(B, d)``; theta in radians."""
    return np.cos(theta) * beta_s + np.sin(theta) * nu


@dataclass(frozen=True)
class Design:
    """A target design ``X (n, d)`` with standard-normal noise ``xi (n,)`` per instance, in SVD form.

    ``X / sqrt(n) = U diag(s) V^T``. The empirical loss ``(1/n)||X b - y||^2`` with ``y = X beta + sigma xi``
    equals ``||s * (V^T b) - t||^2 + sigma^2 * resid`` where ``t = s * (V^T beta) + sigma * e``.

    Attributes:
        n: number of samples.
        s: ``(B, r)`` singular values of ``X / sqrt(n)``.
        V: ``(B, d, r)`` right singular vectors (orthonormal columns).
        e: ``(B, r)`` noise in the singular basis, ``U^T xi / sqrt(n)``.
        resid: ``(B,)`` noise outside the column space, ``||(I - U U^T) xi||^2 / n``.
    """

    n: int
    s: np.ndarray
    V: np.ndarray
    e: np.ndarray
    resid: np.ndarray

    @property
    def instances(self) -> int:
        return self.s.shape[0]

    @property
    def d(self) -> int:
        return self.V.shape[1]


def make_design(n: int, d: int, instances: int, seed: int, role: str = "design") -> Design:
    """Draw ``X ~ N(0, I_d)^n`` and ``xi ~ N(0, 1)^n`` for each instance, keyed by ``(seed, role, n, d, i)``."""
    if n < 1 or d < 1:
        raise ValueError(f"need n >= 1 and d >= 1, got n={n}, d={d}")
    r = min(n, d)
    s = np.empty((instances, r))
    V = np.empty((instances, d, r))
    e = np.empty((instances, r))
    resid = np.empty(instances)
    for i in range(instances):
        rng = rng_for(seed, role, n, d, i)
        X = rng.standard_normal((n, d))
        xi = rng.standard_normal(n)
        U, sv, Vt = np.linalg.svd(X / np.sqrt(n), full_matrices=False)
        s[i], V[i] = sv, Vt.T
        proj = U.T @ xi
        e[i] = proj / np.sqrt(n)
        resid[i] = max(xi @ xi - proj @ proj, 0.0) / n
    return Design(n=n, s=s, V=V, e=e, resid=resid)


def design_targets(design: Design, beta: np.ndarray, sigma: float) -> np.ndarray:
    """Rotated targets ``t = s * (V^T beta) + sigma * e``, shape ``(B, r)``, for labels ``y = X beta + sigma xi``."""
    proj = np.einsum("bdr,bd->br", design.V, beta)
    return design.s * proj + sigma * design.e
