"""Table helpers shared by the studies: mean and standard error, and where a curve crosses zero."""

from __future__ import annotations

import numpy as np

__all__ = ["mean_se", "zero_between", "nearest"]


def mean_se(x) -> tuple[float, float]:
    """Mean and standard error (``ddof = 1``) of a sample; the error is nan for a single value."""
    x = np.asarray(x, dtype=float)
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else np.nan


def zero_between(x0: float, x1: float, y0: float, y1: float, log: bool = False) -> float:
    """Where the straight line through ``(x0, y0)`` and ``(x1, y1)`` crosses ``y = 0`` (in ``log x`` if ``log``)."""
    f = y0 / (y0 - y1)
    if log:
        return float(np.exp(np.log(x0) + f * (np.log(x1) - np.log(x0))))
    return float(x0 + f * (x1 - x0))


def nearest(values, target: float) -> float:
    """The element of ``values`` closest to ``target``."""
    values = np.asarray(sorted(set(values)), dtype=float)
    return float(values[np.argmin(np.abs(values - target))])
