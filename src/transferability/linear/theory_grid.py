"""Closed-form theory tabulated on a fine (theta, gamma) grid (every value from ``dispatch.predict``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .dispatch import predict

__all__ = ["theory_grid"]


def theory_grid(d: int, sigma: float, theta_max_deg: float = 90.0, gamma_max: float = 2.0,
                n_theta: int = 181, n_gamma: int = 400, source_gamma: float | None = None,
                source_sigma: float = 0.0, depth: int = 2) -> pd.DataFrame:
    """Asymptotic and finite-size (at dimension ``d``) risks and transferabilities.

    Columns: ``theta_deg, gamma, R_sc, R_sc_exact, R_lt, R_lt_exact, R_ft_exact, T_lt, T_lt_exact, T_ft,
    T_ft_exact, T_ft_balanced`` (the balancedness factor of a network of ``depth`` layers; for depth other than 2
    also ``T_ft_balanced_depth2``); ``gamma`` runs over ``(0, gamma_max]`` on an even grid that includes 1.
    With a finite source (``source_gamma``), ``T_ft``/``T_ft_exact`` follow eq. (22) and ``T_lt``/``T_lt_exact``
    the one-feature formula with the learned feature's overlap; the infinite-source values move to
    ``*_inf_source`` columns.
    """
    th_deg = np.linspace(0.0, theta_max_deg, n_theta)
    gam = np.linspace(gamma_max / n_gamma, gamma_max, n_gamma)
    TH, G = np.meshgrid(th_deg, gam, indexing="ij")
    n = G * d

    def at(method, form="exact", gs=np.nan):
        return predict(method, TH, n, d, sigma, 0.0, gs, source_sigma, form, depth)

    gs = np.nan if source_gamma is None else source_gamma
    cols = {
        "R_sc": at("scratch", "asymptotic")[0],
        "R_sc_exact": at("scratch")[0],
        "R_lt": np.sin(np.deg2rad(TH)) ** 2,  # the n -> infinity limit of linear transfer, sin^2(theta)
        "R_lt_exact": at("linear_transfer", gs=gs)[0],
        "R_ft_exact": at("fine_tune", gs=gs)[0],
        "T_lt": at("linear_transfer", "asymptotic", gs)[1],
        "T_lt_exact": at("linear_transfer", gs=gs)[1],
        "T_ft": at("fine_tune", "asymptotic", gs)[1],
        "T_ft_exact": at("fine_tune", gs=gs)[1],
        "T_ft_balanced": at("fine_tune", "balanced")[1],
    }
    if depth != 2:
        cols["T_ft_balanced_depth2"] = predict("fine_tune", TH, n, d, sigma, form="balanced", depth=2)[1]
    df = pd.DataFrame({"theta_deg": TH.ravel(), "gamma": G.ravel(), **{k: v.ravel() for k, v in cols.items()}})
    if source_gamma is not None:
        for col in ("T_lt", "T_lt_exact", "T_ft", "T_ft_exact", "R_lt_exact", "R_ft_exact"):
            method = "linear_transfer" if "_lt" in col else "fine_tune"
            form = "exact" if col.endswith("exact") else "asymptotic"
            value = at(method, form)
            df[col + "_inf_source"] = (value[0] if col.startswith("R") else value[1]).ravel()
    return df
