"""Closed-form theory tabulated on a fine (theta, gamma) grid for figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import theory

__all__ = ["theory_grid"]


def theory_grid(d: int, sigma: float, theta_max_deg: float = 90.0, gamma_max: float = 2.0,
                n_theta: int = 181, n_gamma: int = 400, source_gamma: float | None = None,
                source_sigma: float = 0.0) -> pd.DataFrame:
    """Asymptotic and finite-size (at dimension ``d``) risks and transferabilities.

    Columns: ``theta_deg, gamma, R_sc, R_sc_exact, R_lt, R_lt_exact, R_ft_exact, T_lt, T_lt_exact, T_ft,
    T_ft_exact, T_ft_balanced``; ``gamma`` runs over ``(0, gamma_max]`` on an even grid that includes 1.
    With a finite source (``source_gamma``), ``T_ft``/``T_ft_exact`` follow eq. (22) and ``T_lt``/``T_lt_exact``
    the one-feature formula with the learned feature's overlap; the infinite-source values move to
    ``*_inf_source`` columns.
    """
    th_deg = np.linspace(0.0, theta_max_deg, n_theta)
    gam = np.linspace(gamma_max / n_gamma, gamma_max, n_gamma)
    TH, G = np.meshgrid(th_deg, gam, indexing="ij")
    th, s2, n = np.deg2rad(TH), sigma**2, G * d
    r_sc_exact = theory.scratch_risk_exact(n, d, s2)
    r_lt_exact = theory.linear_transfer_risk_exact(th, n, s2)
    r_ft_exact = theory.fine_tune_risk_exact(th, n, d, s2)
    df = pd.DataFrame(
        {
            "theta_deg": TH.ravel(),
            "gamma": G.ravel(),
            "R_sc": theory.scratch_risk(G, s2).ravel(),
            "R_sc_exact": r_sc_exact.ravel(),
            "R_lt": theory.linear_transfer_risk(th).ravel(),
            "R_lt_exact": r_lt_exact.ravel(),
            "R_ft_exact": r_ft_exact.ravel(),
            "T_lt": theory.linear_transferability(th, G, s2).ravel(),
            "T_lt_exact": (r_sc_exact - r_lt_exact).ravel(),
            "T_ft": theory.fine_tune_transferability(th, G).ravel(),
            "T_ft_exact": theory.fine_tune_transferability_exact(th, n, d).ravel(),
            "T_ft_balanced": theory.fine_tune_transferability_balanced(th, n, d, s2).ravel(),
        }
    )
    if source_gamma is not None:
        for col in ("T_lt", "T_lt_exact", "T_ft", "T_ft_exact", "R_lt_exact", "R_ft_exact"):
            df[col + "_inf_source"] = df[col]
        ss2 = source_sigma**2
        rho = 1.0 - theory.finite_source_feature_overlap(th, source_gamma, ss2)
        r_lt = theory.linear_transfer_risk_k_features(rho, 1, n, s2)
        t_ft = theory.finite_source_fine_tune_transferability(th, G, source_gamma, ss2)
        df["R_lt_exact"] = r_lt.ravel()
        df["T_lt_exact"] = (r_sc_exact - r_lt).ravel()
        df["T_lt"] = (theory.scratch_risk(G, s2) - rho).ravel()
        df["T_ft"] = df["T_ft_exact"] = t_ft.ravel()
        df["R_ft_exact"] = (r_sc_exact - t_ft).ravel()
    return df
