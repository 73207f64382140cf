"""Distances between the source and target joint laws p(x, y) (Appendix A of the paper).

For tasks ``beta_s, beta_t`` (unit vectors at angle theta) and label noise ``sigma``:
KL is closed form, the empirical Wasserstein-1 distance between finite samples comes from POT's exact
optimal-transport solver, and the bounded-Lipschitz (Dudley) metric is bounded below by explicit test
functions. Shapes: samples are ``(m, d + 1)`` arrays of ``(x, y)``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..core.seeding import rng_for
from .dispatch import predict
from .theory import kl_divergence

__all__ = [
    "with_theory",
    "distances_at",
    "kl_divergence",
    "w1_population_upper_bound",
    "sample_joint",
    "empirical_w1",
    "dudley_lower_bound",
]


def w1_population_upper_bound(theta):
    """``sqrt(2/pi) |beta_s - beta_t|`` with ``|beta_s - beta_t| = 2 sin(theta/2)`` (couple x and the noise)."""
    return np.sqrt(2.0 / np.pi) * 2.0 * np.abs(np.sin(np.asarray(theta, dtype=float) / 2.0))


def sample_joint(theta: float, d: int, sigma: float, m: int, seed: int, which: str) -> np.ndarray:
    """``m`` samples of ``(x, y)`` from the source (``which='s'``) or target (``'t'``) law, ``(m, d + 1)``.

    ``beta_s = e_1`` and ``beta_t = cos(theta) e_1 + sin(theta) e_2`` (every pair at angle theta is a rotation of
    this one, which leaves all distances unchanged). Source and target samples use independent streams.
    """
    rng = rng_for(seed, f"joint_{which}", d, m, int(round(math.degrees(theta) * 1000)))
    x = rng.standard_normal((m, d))
    beta = np.zeros(d)
    if which == "s":
        beta[0] = 1.0
    else:
        beta[0] = math.cos(theta)
        if d > 1:
            beta[1] = math.sin(theta)
    y = x @ beta + sigma * rng.standard_normal(m)
    return np.column_stack([x, y])


def empirical_w1(a: np.ndarray, b: np.ndarray) -> float:
    """Exact W1 between two empirical measures (uniform weights, Euclidean cost), via ``ot.emd2``."""
    import ot  # POT: imported here so the rest of the package does not need it

    cost = ot.dist(a, b, metric="euclidean")
    w = np.full(a.shape[0], 1.0 / a.shape[0])
    v = np.full(b.shape[0], 1.0 / b.shape[0])
    return float(ot.emd2(w, v, cost, numItermax=10_000_000))


def _mean_clipped_abs(scale, a):
    """``E[min(|Z|, a)]`` for ``Z ~ N(0, scale^2)``."""
    scale = np.asarray(scale, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = a / (scale * math.sqrt(2.0))
        val = a * np.vectorize(math.erfc)(u) + scale * math.sqrt(2.0 / math.pi) * (1.0 - np.exp(-(u**2)))
    return np.where(scale > 0, val, 0.0)


def dudley_lower_bound(theta, sigma: float, levels=np.geomspace(0.01, 20, 200)) -> np.ndarray:
    """Lower bound on the bounded-Lipschitz distance from ``f(x, y) = min(|y - beta_s . x|, a) / (a + sqrt 2)``.

    ``f`` has sup norm ``a/(a + sqrt 2)`` and Lipschitz constant ``sqrt 2/(a + sqrt 2)`` in (x, y), so
    ``|f|_BL <= 1``. Under p_s the residual is N(0, sigma^2), under p_t N(0, sigma^2 + |beta_s - beta_t|^2); the
    bound is the best gap over the levels ``a``. It is below 1, hence below the metric's ceiling of 2.
    """
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    delta2 = (2.0 * np.sin(theta / 2.0)) ** 2
    best = np.zeros_like(theta)
    for a in levels:
        gap = (_mean_clipped_abs(np.sqrt(sigma**2 + delta2), a) - _mean_clipped_abs(sigma, a)) / (a + math.sqrt(2))
        best = np.maximum(best, gap)
    return best


def distance_table(sweep_deg, sigma: float, dims, samples, seed: int = 0) -> pd.DataFrame:
    """Every distance over a theta sweep: KL, the W1 bound, the Dudley lower bound, empirical W1 per (d, m).

    Columns: ``theta_deg, kl, w1_bound, dudley_lb`` and ``w1_d{d}_m{m}`` for each dimension and sample size.
    """
    th = np.deg2rad(np.asarray(sweep_deg, dtype=float))
    out = pd.DataFrame({
        "theta_deg": np.asarray(sweep_deg, dtype=float),
        "kl": kl_divergence(th, sigma**2),
        "w1_bound": w1_population_upper_bound(th),
        "dudley_lb": dudley_lower_bound(th, sigma),
    })
    for d in dims:
        for m in samples:
            out[f"w1_d{d}_m{m}"] = [
                empirical_w1(sample_joint(t, d, sigma, m, seed, "s"), sample_joint(t, d, sigma, m, seed, "t"))
                for t in th
            ]
    return out


def with_theory(table: pd.DataFrame, gamma: float, sigma: float) -> pd.DataFrame:
    """The distance table with the asymptotic transferabilities at ``gamma`` beside each angle
    (``T_lt_theory``, eq. 11; ``T_ft_theory``, eq. 15)."""
    cells = (table.theta_deg.to_numpy(), gamma, 1.0, sigma)
    return table.assign(gamma=gamma, T_lt_theory=predict("linear_transfer", *cells, form="asymptotic")[1],
                        T_ft_theory=predict("fine_tune", *cells, form="asymptotic")[1])


def distances_at(theta_deg: float, sigma: float) -> dict[str, float]:
    """The closed-form distances of one pair of tasks: KL, the W1 upper bound and the Dudley lower bound."""
    t = np.deg2rad(theta_deg)
    return {"kl": float(kl_divergence(t, sigma**2)), "w1_bound": float(w1_population_upper_bound(t)),
            "dudley_lb": float(dudley_lower_bound(t, sigma)[0])}
