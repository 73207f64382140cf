"""Time-left estimates for progress lines of long trainings."""

from __future__ import annotations

import math

__all__ = ["time_left"]


def _fmt(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def time_left(loss: float, target: float, rate: float, seconds_per_step: float, steps_left: int) -> str:
    """``about T at the current rate, at most U (step budget)``: the loss decays as ``exp(-rate t)`` per step
    from ``loss`` to ``target``; ``steps_left`` of the budget remain. Without a positive rate only the bound."""
    bound = f"at most {_fmt(steps_left * seconds_per_step)} (step budget)"
    if not (rate > 0 and loss > target > 0 and math.isfinite(rate)):
        return "time left: " + bound
    steps = min(math.log(loss / target) / rate, steps_left)
    return f"time left: about {_fmt(steps * seconds_per_step)} at the current rate, {bound}"
