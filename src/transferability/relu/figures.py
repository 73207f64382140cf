"""Which ReLU figure is drawn from which tables: the figure jobs' single entry point (tables in, Figure out).

``tables``: ``means``, ``fit``, ``theory``, ``scratch``, ``gram``; ``settings``: ``ReluStudy.figure_settings``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import plots

__all__ = ["NAMES", "draw"]


def _gram(t: dict, column: str) -> np.ndarray:
    g = t["gram"]
    size = int(g.i.max()) + 1
    return g[column].to_numpy().reshape(size, size)


def _size(s: dict) -> str:
    return f"d = {s['d']}, m* = {s['m_star']}, m = {s['width']}"


_DRAW = {
    "phase_linear_transfer": lambda t, s: plots.relu_phase_figure(
        t["means"], t["theory"], t["fit"], "linear_transfer",
        f"ReLU, linear transfer (λ = {s['phase_lambda']:g}; {_size(s)})", lam=s["phase_lambda"]),
    "phase_fine_tune": lambda t, s: plots.relu_phase_figure(t["means"], t["theory"], t["fit"], "fine_tune",
                                                            f"ReLU, fine-tuning ({_size(s)})"),
    "scratch_power_law": lambda t, s: plots.relu_scratch_figure(t["scratch"], t["fit"], t["theory"],
                                                                f"ReLU scratch training ({_size(s)})"),
    "p_perp": lambda t, s: plots.p_perp_figure(t["theory"], t["means"], s["phase_lambda"],
                                               f"Target outside the source features ({_size(s)})"),
    "degrees": lambda t, s: plots.degree_figure(t["theory"], s["phase_lambda"],
                                                f"Target outside the features, by Hermite degree ({_size(s)})"),
    "kernels": lambda t, s: plots.kernel_figure(_gram(t, "student"), _gram(t, "source"), t["theory"],
                                                s["kernel_figure_mu"], f"Hidden-layer kernels ({_size(s)})"),
}
NAMES = tuple(_DRAW)


def draw(name: str, tables: dict[str, pd.DataFrame], settings: dict):
    """The ReLU figure ``name``."""
    return _DRAW[name](tables, settings)
