"""A pooled test of many cell means against a theory, with the dependence between cells left in.

Every cell of an experiment is measured on the same instances (an instance carries its tasks, designs and
pretraining through every cell), so the cells' errors are correlated and counting "cells within 3 standard
errors" treats dependent checks as independent. The pooled test resamples whole instances instead.

Data: ``x (U, C)``, the value of U independent instances (units) in each of C cells, and the theory's
expectation ``theory (C,)``. Per cell ``z_c = (mean_c - theory_c) / s_c`` with ``s_c^2 = se_c^2 + floor_c^2``
(``floor_c``: a numerical tolerance for cells whose spread vanishes). Two statistics: the shift
``(sum_c z_c)^2 / C`` (a bias of one sign across cells) and the spread ``sum_c z_c^2`` (any pattern). Their joint
null distribution is the bootstrap of units on the residuals ``x - mean`` (the data moved onto the theory, their
dependence kept), each draw studentised with its own standard errors (which keeps the test calibrated on the
skewed risks of small n; with ten or fewer instances its power is low); the pooled p-value is that of the
smaller of the two p-values (min-p), calibrated on the same draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PooledTest", "pooled_test", "cell_z"]


@dataclass(frozen=True)
class PooledTest:
    """``statistic`` (the smaller single p-value), its bootstrap ``p_value``, the ``power_1se`` of the test at ``level`` against every cell
    mean shifted by one of its standard errors, and the sizes (``cells``, ``units``)."""

    statistic: float
    p_value: float
    power_1se: float
    cells: int
    units: int


def _scales(x: np.ndarray, floor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cell means ``(C,)`` and studentising scales ``sqrt(se^2 + floor^2)`` ``(C,)`` of ``x (U, C)``."""
    U = x.shape[0]
    se = x.std(axis=0, ddof=1) / np.sqrt(U)
    return x.mean(axis=0), np.sqrt(se**2 + floor**2)


def cell_z(x: np.ndarray, theory: np.ndarray, floor: np.ndarray | float = 0.0) -> np.ndarray:
    """Per-cell z-scores ``(mean - theory) / sqrt(se^2 + floor^2)``, shape ``(C,)``."""
    mean, scale = _scales(np.asarray(x, float), np.broadcast_to(np.asarray(floor, float), theory.shape))
    return (mean - theory) / scale


def _upper_p(null: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``(1 + #(null >= v)) / (len(null) + 1)`` for each value."""
    ranked = np.sort(null)
    return (1 + len(ranked) - np.searchsorted(ranked, values, side="left")) / (len(ranked) + 1)


def _statistics(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shift and spread statistics of z-scores ``(..., C)``."""
    C = z.shape[-1]
    return np.sum(z, axis=-1) ** 2 / C, np.sum(z**2, axis=-1)


def pooled_test(x: np.ndarray, theory: np.ndarray, floor: np.ndarray | float = 0.0, draws: int = 2000,
                seed: int = 0, level: float = 0.05) -> PooledTest:
    """The pooled test of ``x (U, C)`` against ``theory (C,)`` (module docstring); fixed ``seed``: the same data
    give the same p-value. ``statistic`` is the smaller of the two single p-values. With fewer than 3 instances
    every number is nan (no test).

    ``power_1se`` is the fraction of bootstrap draws in which data whose every cell mean sits one standard error
    (``s_c``) above the theory would be rejected at ``level``: what a bias of that size would show at this
    number of instances, given how strongly the cells move together.
    """
    x = np.asarray(x, dtype=float)
    theory = np.asarray(theory, dtype=float)
    U, C = x.shape
    if U < 3:  # no resampling to speak of: no test (nan), not an error
        return PooledTest(statistic=np.nan, p_value=np.nan, power_1se=np.nan, cells=C, units=U)
    floor = np.broadcast_to(np.asarray(floor, dtype=float), (C,))
    mean, scale = _scales(x, floor)
    resid = x - mean
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(U, np.full(U, 1.0 / U), size=draws) / U  # (draws, U), rows sum to 1
    m1 = weights @ resid  # bootstrap means of the residuals, (draws, C)
    m2 = weights @ resid**2
    boot_scale = np.sqrt(np.maximum(m2 - m1**2, 0.0) / (U - 1) + floor**2)
    boot_scale = np.where(boot_scale > 0, boot_scale, np.inf)  # a draw of one repeated unit: no information
    safe = np.where(scale > 0, scale, np.inf)  # a cell without spread or floor: no information
    shift0, spread0 = _statistics(m1 / boot_scale)
    shift1, spread1 = _statistics((m1 + np.where(scale > 0, scale, 0.0)) / boot_scale)
    shift, spread = _statistics(np.where(scale > 0, (mean - theory) / safe, 0.0))
    minp_null = np.minimum(_upper_p(shift0, shift0), _upper_p(spread0, spread0))
    minp = min(_upper_p(shift0, np.array([shift]))[0], _upper_p(spread0, np.array([spread]))[0])
    minp_alt = np.minimum(_upper_p(shift0, shift1), _upper_p(spread0, spread1))
    crit = np.quantile(minp_null, level)
    p_value = float((1 + np.sum(minp_null <= minp)) / (draws + 1))
    return PooledTest(statistic=float(minp), p_value=p_value, power_1se=float(np.mean(minp_alt < crit)),
                      cells=C, units=U)
