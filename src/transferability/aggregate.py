"""Tidy tables, cell means with standard errors, exact theory at each cell, and the agreement summary.

The tidy table has one row per (method, theta, gamma, seed, instance, lambda) with columns
``experiment, method, theta_deg, gamma, n, d, sigma, seed, instance, lam, risk, train_loss, steps,
converged, T`` where ``T = R_scratch - R_method`` is paired by (gamma, seed, instance).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import theory

__all__ = [
    "METHODS",
    "scratch_rows",
    "cell_rows",
    "tidy_table",
    "cell_means",
    "exact_theory",
    "agreement_summary",
    "NEAR_ONE",
]

METHODS = ("scratch", "linear_transfer", "fine_tune")
# Cells with |gamma - 1| < NEAR_ONE are excluded from the agreement summary (the theory diverges there).
NEAR_ONE = 0.1
# A cell agrees with theory when |mean - theory| <= 3 SE + ATOL. ATOL is a numerical floor for cells whose
# spread is zero in exact arithmetic (sigma = 0 and gamma > 1, where every risk is 0 up to the train tolerance).
ATOL = 1e-3


def _base(exp: dict, gamma: float, n: int, seed: int, B: int) -> dict:
    return {
        "experiment": exp["name"],
        "gamma": gamma,
        "n": n,
        "d": exp["d"],
        "sigma": exp["sigma"],
        "seed": seed,
        "instance": np.arange(B),
    }


def scratch_rows(exp: dict, gamma: float, n: int, seed: int, a: dict) -> pd.DataFrame:
    """Rows of one scratch file (arrays ``risk, train_loss, steps, converged`` of shape ``(B,)``)."""
    B = a["risk"].shape[0]
    return pd.DataFrame(
        {
            **_base(exp, gamma, n, seed, B),
            "method": "scratch",
            "theta_deg": np.nan,
            "lam": np.nan,
            "risk": a["risk"],
            "train_loss": a["train_loss"],
            "steps": a["steps"],
            "converged": a["converged"].astype(bool),
        }
    )


def cell_rows(exp: dict, theta_deg: float, gamma: float, n: int, seed: int, a: dict, ridge) -> pd.DataFrame:
    """Rows of one transfer cell: fine-tuning ``(B,)`` and linear transfer ``(B, K)`` for each ridge value."""
    B = a["ft_risk"].shape[0]
    frames = [
        pd.DataFrame(
            {
                **_base(exp, gamma, n, seed, B),
                "method": "fine_tune",
                "theta_deg": theta_deg,
                "lam": np.nan,
                "risk": a["ft_risk"],
                "train_loss": a["ft_train_loss"],
                "steps": a["ft_steps"],
                "converged": a["ft_converged"].astype(bool),
            }
        )
    ]
    for j, lam in enumerate(ridge):
        frames.append(
            pd.DataFrame(
                {
                    **_base(exp, gamma, n, seed, B),
                    "method": "linear_transfer",
                    "theta_deg": theta_deg,
                    "lam": float(lam),
                    "risk": a["lt_risk"][:, j],
                    "train_loss": a["lt_train_loss"][:, j],
                    "steps": 0,
                    "converged": True,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def tidy_table(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate rows and add the paired transferability ``T = R_scratch - R_method``."""
    df = pd.concat(frames, ignore_index=True)
    key = ["gamma", "seed", "instance"]
    sc = df[df.method == "scratch"][key + ["risk", "converged"]].rename(
        columns={"risk": "scratch_risk", "converged": "scratch_converged"}
    )
    df = df.merge(sc, on=key, how="left")
    df["T"] = np.where(df.method == "scratch", np.nan, df["scratch_risk"] - df["risk"])
    cols = ["experiment", "method", "theta_deg", "gamma", "n", "d", "sigma", "seed", "instance", "lam",
            "risk", "train_loss", "steps", "converged", "scratch_converged", "T"]
    return df[cols].sort_values(["method", "lam", "theta_deg", "gamma", "seed", "instance"]).reset_index(drop=True)


def cell_means(df: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard error of risk and T per (method, lam, theta, gamma).

    ``unconverged`` counts the method's own runs that hit the step budget; ``scratch_unconverged`` counts the
    paired scratch runs that did (either makes the cell's T unreliable).
    """
    keys = ["experiment", "method", "lam", "theta_deg", "gamma", "n", "d", "sigma"]
    g = df.assign(
        unconverged=~df.converged,
        scratch_unconverged=(df.method != "scratch") & ~df.scratch_converged.fillna(True).astype(bool),
    ).groupby(keys, dropna=False)
    out = g.agg(
        risk_mean=("risk", "mean"),
        risk_sd=("risk", "std"),
        T_mean=("T", "mean"),
        T_sd=("T", "std"),
        count=("risk", "size"),
        unconverged=("unconverged", "sum"),
        scratch_unconverged=("scratch_unconverged", "sum"),
    ).reset_index()
    out["risk_se"] = out.risk_sd / np.sqrt(out["count"])
    out["T_se"] = out.T_sd / np.sqrt(out["count"])
    return out.drop(columns=["risk_sd", "T_sd"])


def exact_theory(method: str, theta_deg, n, d, sigma, lam=0.0) -> tuple[np.ndarray, np.ndarray]:
    """Finite-size theory ``(risk, T)`` for a method at given cells; nan where no closed form applies.

    Linear transfer has an exact finite-n formula only at lambda = 0 (eq. 10); fine-tuning uses the
    finite-size version of eq. (15); scratch has no T.
    """
    th = np.deg2rad(np.asarray(theta_deg, dtype=float))
    n, d, s2 = np.asarray(n, float), np.asarray(d, float), np.asarray(sigma, float) ** 2
    r_sc = theory.scratch_risk_exact(n, d, s2)
    if method == "scratch":
        return r_sc, np.full_like(r_sc, np.nan)
    if method == "linear_transfer":
        lam = np.asarray(lam, dtype=float)
        r = np.where(lam == 0, theory.linear_transfer_risk_exact(th, n, s2), np.nan)
        return r, r_sc - r
    if method == "fine_tune":
        r = theory.fine_tune_risk_exact(th, n, d, s2)
        return r, r_sc - r
    raise ValueError(f"unknown method {method!r}")


def agreement_summary(means: pd.DataFrame) -> pd.DataFrame:
    """Per experiment, method and quantity (risk, T): MAE against exact theory, fraction within 3 SE.

    Cells with ``|gamma - 1| < NEAR_ONE`` or without a finite closed form are excluded; ``unconverged``
    counts runs over all cells, ``unconverged_away`` those away from gamma = 1.
    """
    rows = []
    for (exp, method), m in means.groupby(["experiment", "method"]):
        lam = m["lam"].fillna(0.0).to_numpy()
        risk_th, T_th = exact_theory(method, m.theta_deg.fillna(0.0), m.n, m.d, m.sigma, lam)
        away = (np.abs(m.gamma.to_numpy() - 1.0) >= NEAR_ONE)
        for quantity, th, mean, se in (
            ("risk", risk_th, m.risk_mean.to_numpy(), m.risk_se.to_numpy()),
            ("T", T_th, m.T_mean.to_numpy(), m.T_se.to_numpy()),
        ):
            use = away & np.isfinite(th) & np.isfinite(mean)
            if not use.any():
                continue
            err = np.abs(mean[use] - th[use])
            rows.append(
                {
                    "experiment": exp,
                    "method": method,
                    "quantity": quantity,
                    "cells": int(use.sum()),
                    "mae": float(err.mean()),
                    "max_abs_error": float(err.max()),
                    "within_3se": float(np.mean(err <= 3.0 * se[use] + ATOL)),
                    "unconverged": int(m.unconverged.sum()),
                    "unconverged_away": int(m.unconverged.to_numpy()[away].sum()),
                }
            )
    return pd.DataFrame(rows)
