"""Run independent calls in forked worker processes, which inherit this process's imports and data.

Figure jobs spend about a second importing pandas and matplotlib and then draw figures that do not depend on each
other; forking after the imports lets a job use the cores Snakemake gave it without paying the imports again.
"""

from __future__ import annotations

import multiprocessing
from typing import Callable, Sequence

__all__ = ["map_forked"]

_FN: Callable | None = None


def _call(item):
    return _FN(item)


def map_forked(fn: Callable, items: Sequence, processes: int) -> list:
    """``[fn(item) for item in items]``, in order, spread over ``processes`` forked workers (in this process when
    ``processes <= 1`` or there is one item). An exception in a worker is raised here."""
    global _FN
    items = list(items)
    if processes <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    _FN = fn  # set before the fork: the workers inherit it
    with multiprocessing.get_context("fork").Pool(min(processes, len(items))) as pool:
        return pool.map(_call, items, chunksize=1)
