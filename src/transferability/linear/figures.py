"""Which figure is drawn from which tables: the figure jobs' single entry point (tables in, Figure out).

``tables`` maps table names (``runs``, ``cell_means``, ``pretraining``, ``ridge_curve``, ``theory``) to frames;
``settings`` are the experiment's figure settings (``LinearStudy.figure_settings``).
"""

from __future__ import annotations

import pandas as pd

from . import plots
from .plots import save

__all__ = ["NAMES", "draw", "draw_cross", "save"]


def _phase_lt(t: dict, s: dict):
    lam = s["phase_lambda"]
    return plots.phase_diagram(t["cell_means"], t["theory"], "linear_transfer", "T_lt_exact",
                               f"{s['name']}: linear transfer (λ = {lam:g})", lam=lam)


_DRAW = {
    "phase_linear_transfer": _phase_lt,
    "phase_fine_tune": lambda t, s: plots.phase_diagram(t["cell_means"], t["theory"], "fine_tune", "T_ft_exact",
                                                        f"{s['name']}: fine-tuning"),
    "slices": lambda t, s: plots.slices_figure(t["cell_means"], t["theory"], s["slices_deg"], s["name"],
                                               lam=s["phase_lambda"]),
    "scratch": lambda t, s: plots.scratch_figure(t["cell_means"], {s["name"]: t["theory"]}, s["name"]),
    "ridge": lambda t, s: plots.ridge_figure(t["runs"], t["ridge_curve"], s["name"]),
    "pretraining": lambda t, s: plots.pretraining_figure(t["pretraining"], s["name"]),
    "phase_linear_transfer_tuned": lambda t, s: plots.tuned_phase_figure(t["cell_means"], t["theory"], s["name"],
                                                                         lam=s["phase_lambda"]),
    "fine_tune_theta": lambda t, s: plots.fine_tune_theta_figure(t["cell_means"], t["theory"], s["name"]),
    "agreement_z": lambda t, s: plots.agreement_z_figure(t["cell_means"], t["agreement"], s["name"]),
}
NAMES = tuple(_DRAW)


def draw(name: str, tables: dict[str, pd.DataFrame], settings: dict):
    """The figure ``name`` of one experiment."""
    return _DRAW[name](tables, settings)


def draw_cross(name: str, means: pd.DataFrame, theories: dict[str, pd.DataFrame]):
    """A figure across experiments: ``scratch_double_descent`` or ``overview``."""
    if name == "scratch_double_descent":
        return plots.scratch_figure(means, theories, "scratch training")
    if name == "overview":
        return plots.overview_figure(means, theories)
    raise KeyError(f"unknown cross-experiment figure {name!r}")
