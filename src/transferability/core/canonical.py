"""One text form for grid values and one canonical form for job specs.

A spec is what a job's output depends on; two specs that mean the same must compare (and print) equal, so
reordering YAML keys or writing ``1`` for ``1.0`` in a float field never reruns anything.
"""

from __future__ import annotations

import json
import math

__all__ = ["fmt", "NUMBER_REGEX", "canonical"]

NUMBER_REGEX = r"[0-9]+(?:\.[0-9]+)?"


def fmt(x: float) -> str:
    """Canonical decimal text for a grid value: ``0.30000000000000004 -> '0.3'``, ``90.0 -> '90'``."""
    text = f"{round(float(x), 9):.9f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _canon(value):
    if isinstance(value, dict):
        return {str(k): _canon(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [_canon(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"spec value {value} is not finite")
        return float(repr(value)) if value != 0 else 0.0
    if hasattr(value, "item"):  # numpy scalar
        return _canon(value.item())
    raise TypeError(f"spec value {value!r} of type {type(value).__name__} has no canonical form")


def canonical(spec: dict) -> dict:
    """``spec`` with keys sorted at every level, tuples as lists, numpy scalars as Python numbers.

    Integers stay integers and floats stay floats (the config layer casts each field to its declared type),
    so the JSON text of a canonical spec is unique: ``json.dumps(canonical(a)) == json.dumps(canonical(b))``
    exactly when the two specs mean the same job.
    """
    out = _canon(spec)
    json.dumps(out)  # fail here, not in a job, if something is not JSON
    return out
