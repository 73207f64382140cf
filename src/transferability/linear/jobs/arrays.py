"""Rebuilding typed inputs from the arrays of per-job files (shared by the kernels of the linear study)."""

from __future__ import annotations

import numpy as np

from ..tasks import Design

__all__ = ["design_from", "layers_from"]


def design_from(arrays: dict[str, np.ndarray], n: int) -> Design:
    """The ``Design`` stored by a design job (``s (B, r)``, ``V (B, d, r)``, ``e (B, r)``, ``resid (B,)``)."""
    return Design(n=n, s=arrays["s"], V=arrays["V"], e=arrays["e"], resid=arrays["resid"])


def layers_from(arrays: dict[str, np.ndarray], prefix: str) -> list[np.ndarray]:
    """Layers stored as ``<prefix>0, <prefix>1, ...`` (each ``(B, fan_in, fan_out)``), in order."""
    keys = sorted((k for k in arrays if k.startswith(prefix)), key=lambda k: int(k[len(prefix):]))
    return [arrays[k] for k in keys]
