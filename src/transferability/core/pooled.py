"""A pooled test of many cell means against a theory, with the dependence between cells left in.

Every cell of an experiment is measured on the same instances (an instance carries its tasks, designs and
pretraining through every cell), so the cells' errors are correlated and counting "cells within 3 standard
errors" treats dependent checks as independent. The pooled test resamples whole instances instead.

Data: ``x (U, C)``, the value of U independent instances (units) in each of C cells, and the theory's
expectation ``theory (C,)``. Per cell ``z_c = soft(mean_c - theory_c, tol_c) / se_c``, where ``soft`` pulls a
deviation towards 0 by ``tol_c`` (a bounded, known numerical error, such as GD's stopping error: deviations within
it count as none). Two statistics: the shift
``(sum_c z_c)^2 / C`` (a bias of one sign across cells) and the spread ``sum_c z_c^2`` (any pattern). Their joint
null distribution is the bootstrap of units on the residuals ``x - mean`` (the data moved onto the theory, their
dependence kept), each draw studentised with its own standard errors (which keeps the test calibrated on the
skewed risks of small n; with ten or fewer instances its power is low); the pooled p-value is that of the
smaller of the two p-values (min-p), calibrated on the same draws.

Beside it, on the same ``x (U, C)``: ``separation`` (where the data lie between two theories and how many
instances would tell them apart), ``hotelling`` (a quadratic test with the instances' covariance) and ``crossing``
(where the cell means fall through zero, with its error from resampling whole instances).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import fdtrc

from .tables import zero_between

__all__ = ["PooledTest", "pooled_test", "cell_z", "z_scores", "soft", "separation", "hotelling", "crossing"]

# z_{0.975} + z_{0.80}: a two-sided 5% test with 80% power
Z_SEPARATE = 2.8016


@dataclass(frozen=True)
class PooledTest:
    """``statistic`` (the smaller single p-value), its bootstrap ``p_value``, the ``power_1se`` of the test at
    ``level`` against every cell mean shifted by one of its standard errors, and the sizes (``cells``,
    ``units``)."""

    statistic: float
    p_value: float
    power_1se: float
    cells: int
    units: int


def soft(deviation: np.ndarray, tol: np.ndarray | float) -> np.ndarray:
    """``sign(d) max(|d| - tol, 0)``: a deviation beyond a known bounded error."""
    return np.sign(deviation) * np.maximum(np.abs(deviation) - tol, 0.0)


def z_scores(deviation: np.ndarray, se: np.ndarray, tol: np.ndarray | float = 0.0) -> np.ndarray:
    """``soft(deviation, tol) / se``: 0 where the deviation is within ``tol``, inf where it is beyond it and the
    cell has no spread (a deterministic disagreement)."""
    d = soft(np.asarray(deviation, float), tol)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d == 0, 0.0, d / np.asarray(se, float))


def cell_z(x: np.ndarray, theory: np.ndarray, tol: np.ndarray | float = 0.0) -> np.ndarray:
    """Per-cell z-scores of ``x (U, C)`` against ``theory (C,)`` (``z_scores``), shape ``(C,)``."""
    x = np.asarray(x, float)
    return z_scores(x.mean(axis=0) - theory, x.std(axis=0, ddof=1) / np.sqrt(x.shape[0]), tol)


def _upper_p(null: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``(1 + #(null >= v)) / (len(null) + 1)`` for each value."""
    ranked = np.sort(null)
    return (1 + len(ranked) - np.searchsorted(ranked, values, side="left")) / (len(ranked) + 1)


def _statistics(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shift and spread statistics of z-scores ``(..., C)``."""
    C = z.shape[-1]
    return np.sum(z, axis=-1) ** 2 / C, np.sum(z**2, axis=-1)


def pooled_test(x: np.ndarray, theory: np.ndarray, tol: np.ndarray | float = 0.0, draws: int = 2000,
                seed: int = 0, level: float = 0.05) -> PooledTest:
    """The pooled test of ``x (U, C)`` against ``theory (C,)`` (module docstring); fixed ``seed``: the same data
    give the same p-value. ``statistic`` is the smaller of the two single p-values. With fewer than 3 instances
    every number is nan (no test).

    ``power_1se`` is the fraction of bootstrap draws in which data whose every cell mean sits one standard error
    beyond its tolerance above (or, averaged with it, below) the theory would be rejected at ``level``: what a bias
    of that size would show at this number of instances, given how strongly the cells move together. (On skewed
    cells the two signs differ: a two-sided test of a left-skewed statistic sees a downward bias more easily.)
    """
    x = np.asarray(x, dtype=float)
    theory = np.asarray(theory, dtype=float)
    U, C = x.shape
    if U < 3:  # no resampling to speak of: no test (nan), not an error
        return PooledTest(statistic=np.nan, p_value=np.nan, power_1se=np.nan, cells=C, units=U)
    tol = np.broadcast_to(np.asarray(tol, dtype=float), (C,))
    mean = x.mean(axis=0)
    se = x.std(axis=0, ddof=1) / np.sqrt(U)
    resid = x - mean
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(U, np.full(U, 1.0 / U), size=draws) / U  # (draws, U), rows sum to 1
    m1 = weights @ resid  # bootstrap means of the residuals, (draws, C)
    m2 = weights @ resid**2
    boot_se = np.sqrt(np.maximum(m2 - m1**2, 0.0) / (U - 1))
    boot_se = np.where(boot_se > 0, boot_se, np.inf)  # a draw of one repeated unit: no information
    shift0, spread0 = _statistics(z_scores(m1, boot_se, tol))
    with np.errstate(invalid="ignore"):
        shift, spread = _statistics(z_scores(mean - theory, se, tol))
    minp_null = np.minimum(_upper_p(shift0, shift0), _upper_p(spread0, spread0))
    minp = min(_upper_p(shift0, np.array([shift]))[0], _upper_p(spread0, np.array([spread]))[0])
    crit = np.quantile(minp_null, level)
    power = []
    for sign in (1.0, -1.0):  # skewed cells make the two signs differ: the power is their average
        shift1, spread1 = _statistics(z_scores(m1 + sign * (tol + se), boot_se, tol))
        power.append(np.mean(np.minimum(_upper_p(shift0, shift1), _upper_p(spread0, spread1)) < crit))
    p_value = float((1 + np.sum(minp_null <= minp)) / (draws + 1))
    return PooledTest(statistic=float(minp), p_value=p_value, power_1se=float(np.mean(power)), cells=C, units=U)


def separation(x: np.ndarray, data: np.ndarray, paper: np.ndarray, other: np.ndarray) -> dict[str, float]:
    """Where the data lie between two theories, and how many instances would tell them apart.

    ``x (U, C)``: each instance's value in each cell; ``data (C,)`` the cell means; ``paper``, ``other (C,)`` the
    two theories. Along ``delta = other - paper`` the data sit at ``position = delta.(data - paper)/|delta|^2``
    (0 on ``paper``, 1 on ``other``), with standard error ``sqrt(delta' S delta / U)/|delta|^2`` from the
    instances' covariance S (cells sharing an instance are not independent). A two-sided 5% test along delta
    separates the two with 80% power once that error is ``1/2.80``: ``instances_to_separate = 2.80^2 delta' S
    delta / |delta|^4`` (inf where the theories coincide).
    """
    delta = other - paper
    dd = float(delta @ delta)
    U = x.shape[0]
    if U < 2 or dd == 0.0:
        return {"position": np.nan, "position_se": np.nan, "instances_to_separate": np.inf if dd == 0 else np.nan}
    var = float(delta @ np.cov(x, rowvar=False, ddof=1).reshape(len(delta), len(delta)) @ delta)
    return {"position": float(delta @ (data - paper)) / dd, "position_se": np.sqrt(var / U) / dd,
            "instances_to_separate": float(np.ceil((Z_SEPARATE**2) * var / dd**2))}


def _first_crossing(deg: np.ndarray, T: np.ndarray) -> float:
    """The angle where ``T`` first falls from positive to non-positive, linearly interpolated; nan if never."""
    cross = np.nonzero((T[:-1] > 0) & (T[1:] <= 0))[0]
    if not cross.size:
        return np.nan
    i = cross[0]
    return float(zero_between(deg[i], deg[i + 1], T[i], T[i + 1]))


def crossing(deg: np.ndarray, x: np.ndarray, draws: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Where the mean of ``x (U, C)`` (instances by angles ``deg (C,)``, ascending) first falls through zero, and
    that angle's standard deviation over ``draws`` bootstrap resamplings of whole instances (nan when under half
    of them cross): the angles share their instances, so their errors are not independent."""
    boot = x[np.random.default_rng(seed).integers(0, x.shape[0], (draws, x.shape[0]))].mean(axis=1)
    found = np.array([_first_crossing(deg, b) for b in boot])
    found = found[np.isfinite(found)]
    se = float(np.std(found, ddof=1)) if len(found) >= max(draws / 2, 2) else np.nan
    return _first_crossing(deg, x.mean(axis=0)), se


def hotelling(x: np.ndarray, theory: np.ndarray) -> tuple[float, float]:
    """Hotelling's ``T^2 = U r' S^-1 r`` of the cell means against ``theory (C,)`` with the instances' covariance
    ``S`` (``x (U, C)``), and its p-value from ``F(C, U - C)``: cells sharing an instance are not independent.
    nan when there are no more instances than cells."""
    U, C = x.shape
    if U <= C:
        return np.nan, np.nan
    r = x.mean(axis=0) - theory
    t2 = float(U * r @ np.linalg.pinv(np.cov(x, rowvar=False, ddof=1).reshape(C, C)) @ r)
    return t2, float(fdtrc(C, U - C, t2 * (U - C) / (C * (U - 1))))
