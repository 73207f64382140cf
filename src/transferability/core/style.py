"""Plot conventions shared by every study: theme, diverging palette centred on T = 0, cell edges."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

__all__ = ["CMAP", "style", "edges", "log_edges", "save"]

# Blue where transfer helps (T > 0), red where it hurts.
CMAP = "RdBu"


def style() -> None:
    sns.set_theme(context="paper", style="ticks", font_scale=1.1)


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
    """Write the figure as PNG (for viewing) and PDF (for papers; beside the PNG unless given), then close it."""
    fig.savefig(png_path, dpi=150)
    fig.savefig(pdf_path or png_path[: -len(".png")] + ".pdf")
    plt.close(fig)
