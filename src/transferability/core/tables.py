"""Table helpers shared by the studies: mean and standard error, where a curve crosses zero, run summaries."""

from __future__ import annotations

import numpy as np

__all__ = ["mean_se", "zero_between", "nearest", "convergence_summary"]


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


def convergence_summary(name: str, means) -> str:
    """One line on a study's or experiment's runs from its cell-means table (columns ``method, count,
    unconverged, pretrain_unconverged, scratch_unconverged, flagged``): how many runs, how many did not converge
    (by method), and how many stand on an unconverged pretraining or paired scratch run."""
    own = means.groupby("method").unconverged.sum()
    parts = ", ".join(f"{m} {int(v):,}" for m, v in own.items() if v)
    return (f"{name}: {int(means['count'].sum()):,} runs; not converged: {int(own.sum()):,}"
            + (f" ({parts})" if parts else "")
            + f"; on an unconverged pretraining: {int(means.pretrain_unconverged.sum()):,}"
            + f", on an unconverged scratch run: {int(means.scratch_unconverged.sum()):,}")
