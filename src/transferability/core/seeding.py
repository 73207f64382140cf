"""Deterministic random streams keyed by (experiment seed, role, identifying values).

A draw never depends on job order or parallelism: the stream for, say, instance 3 of the target data at
n = 50 is the same whether the grid has one gamma value or twenty.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["rng_for", "role_id"]


def role_id(role: str) -> int:
    """A stable 32-bit integer for a role name (crc32, identical across runs and platforms)."""
    return zlib.crc32(role.encode("utf-8"))


def rng_for(seed: int, role: str, *keys: int) -> np.random.Generator:
    """A PCG64 generator for ``(seed, role, *keys)``; keys must be non-negative integers."""
    words = [int(seed), role_id(role), *(int(k) for k in keys)]
    if any(w < 0 for w in words):
        raise ValueError(f"seed and keys must be non-negative integers, got {words}")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))
