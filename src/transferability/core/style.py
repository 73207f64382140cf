"""Plot conventions shared by every study: theme, diverging palette centred on T = 0, cell edges."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from cycler import cycler  # noqa: E402

__all__ = ["CMAP", "DEEP", "style", "sample_colormap", "edges", "log_edges", "save"]

# Blue where transfer helps (T > 0), red where it hurts.
CMAP = "RdBu"


# seaborn's "deep" palette; with _THEME the look of seaborn's paper context, ticks style, font scale 1.1, set
# without importing seaborn (which imports scipy.stats: about a second per figure job).
DEEP = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"]
_THEME = {
    "axes.axisbelow": True, "axes.edgecolor": ".15", "axes.labelcolor": ".15", "axes.labelsize": 10.56,
    "axes.linewidth": 1.0, "axes.prop_cycle": cycler("color", DEEP), "axes.titlesize": 10.56,
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "font.size": 10.56, "grid.color": ".8", "legend.fontsize": 9.68, "legend.title_fontsize": 10.56,
    "lines.linewidth": 1.2, "lines.markersize": 4.8, "lines.solid_capstyle": "round", "patch.edgecolor": "w",
    "patch.force_edgecolor": True, "patch.linewidth": 0.8, "text.color": ".15",
    **{f"{axis}.{key}": value for axis in ("xtick", "ytick") for key, value in (
        ("color", ".15"), ("labelsize", 9.68), ("major.size", 4.8), ("major.width", 1.0), ("minor.size", 3.2),
        ("minor.width", 0.8))},
}


def style() -> None:
    matplotlib.rcParams.update(_THEME)


def sample_colormap(name: str, n: int) -> list:
    """``n`` colours of a continuous colormap, its ends excluded (as seaborn's ``color_palette(name, n)``)."""
    return [tuple(c) for c in plt.get_cmap(name)(np.linspace(0, 1, n + 2)[1:-1])]


def edges(centres) -> np.ndarray:
    """Cell edges around grid centres (midpoints inside, mirrored half-steps at the ends); ``(k,) -> (k + 1,)``."""
    c = np.asarray(centres, dtype=float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def log_edges(centres) -> np.ndarray:
    """Cell edges of a grid drawn on a log axis."""
    return np.exp(edges(np.log(np.asarray(centres, float))))


def save(fig, png_path: str, pdf_path: str | None = None) -> None:
    """Write the figure as PNG (for viewing) and, when ``pdf_path`` is given, as PDF (for papers); then close it."""
    fig.savefig(png_path, dpi=150)
    if pdf_path:
        fig.savefig(pdf_path)
    plt.close(fig)
