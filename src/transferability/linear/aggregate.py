"""Tidy tables, cell means with standard errors, exact theory at each cell, and the agreement summary.

The tidy table has one row per (method, theta, gamma, seed, instance, lambda) with columns
``experiment, method, theta_deg, gamma, n, d, sigma, seed, instance, lam, risk, train_loss, steps,
converged, stop_reason, pretrain_converged, scratch_converged, T`` where ``T = R_scratch - R_method`` is paired
by (gamma, seed, instance). Convergence travels with every row: ``converged`` is the run's own training (linear
transfer has none, a closed-form readout, so it carries its pretraining's), ``pretrain_converged`` and
``scratch_converged`` those of its inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import theory
from ..core.tables import zero_between
from .dispatch import predict
from .training import STOP_PREDICTED, STOP_SPECTRUM

__all__ = [
    "METHODS",
    "scratch_rows",
    "cell_rows",
    "tidy_table",
    "cell_means",
    "agreement_summary",
    "NEAR_ONE",
    "fine_tune_break_even",
]

METHODS = ("scratch", "linear_transfer", "fine_tune")
# Cells with |gamma - 1| < NEAR_ONE are excluded from the agreement summary (the theory diverges there).
NEAR_ONE = 0.1
# A cell agrees with theory when |mean - theory| <= 3 SE + ATOL. ATOL is a numerical floor for cells whose
# spread is zero in exact arithmetic (sigma = 0 and gamma > 1, where every risk is 0 up to the train tolerance).
ATOL = 1e-3
AGREEMENT_COLUMNS = ["experiment", "method", "theory", "quantity", "cells", "mae", "max_abs_error", "within_3se",
                     "unconverged", "unconverged_away"]
BREAK_EVEN_COLUMNS = ["experiment", "gamma", "n", "sigma", "cells", "observed_deg", "observed_se_deg", "paper_deg",
                      "balanced_deg", "chi2_paper", "chi2_balanced"]


def _base(exp: dict, gamma: float, n: int, seed: int, B: int) -> dict:
    sg = exp.get("source_gamma")
    return {
        "experiment": exp["name"],
        "gamma": gamma,
        "n": n,
        "d": exp["d"],
        "sigma": exp["sigma"],
        "source_gamma": np.nan if sg is None else sg,
        "source_sigma": exp.get("source_sigma", 0.0),
        "seed": seed,
        "instance": np.arange(B),
        "weight_decay": 0.0,
    }


def scratch_rows(exp: dict, gamma: float, n: int, seed: int, a: dict, weight_decays=(0.0,)) -> pd.DataFrame:
    """Rows of one scratch file (arrays ``risk, train_loss, steps, converged`` of shape ``(B, K)``)."""
    B = a["risk"].shape[0]
    frames = []
    for k, wd in enumerate(weight_decays):
        frames.append(
            pd.DataFrame(
                {
                    **_base(exp, gamma, n, seed, B),
                    "weight_decay": float(wd),
                    "method": "scratch",
                    "theta_deg": np.nan,
                    "lam": np.nan,
                    "risk": a["risk"][:, k],
                    "train_loss": a["train_loss"][:, k],
                    "steps": a["steps"][:, k],
                    "converged": a["converged"][:, k].astype(bool),
                    "stop_reason": a["stop_reason"][:, k],
                    "pretrain_converged": True,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def cell_rows(exp: dict, theta_deg: float, gamma: float, n: int, seed: int, ft: dict, lt: dict,
              ridge, pre: dict) -> pd.DataFrame:
    """Rows of one cell: fine-tuning (arrays ``(B,)`` of the fine_tune job) and linear transfer (arrays
    ``(B, K)`` of the linear_transfer job) for each ridge value; ``pre`` holds the pretraining's ``converged``
    and ``stop_reason`` ``(B,)``, carried into every row (and into linear transfer's own convergence)."""
    pre_ok = pre["converged"].astype(bool)
    B = ft["risk"].shape[0]
    frames = [
        pd.DataFrame(
            {
                **_base(exp, gamma, n, seed, B),
                "method": "fine_tune",
                "theta_deg": theta_deg,
                "lam": np.nan,
                "risk": ft["risk"],
                "train_loss": ft["train_loss"],
                "steps": ft["steps"],
                "converged": ft["converged"].astype(bool),
                "stop_reason": ft["stop_reason"],
                "pretrain_converged": pre_ok,
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
                    "risk": lt["risk"][:, j],
                    "train_loss": lt["train_loss"][:, j],
                    "steps": 0,
                    "converged": pre_ok,
                    "stop_reason": pre["stop_reason"],
                    "pretrain_converged": pre_ok,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def tidy_table(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate rows; add the tuned scratch baseline and the paired transferabilities.

    ``T = R_scratch(wd = 0) - R_method`` and ``T_tuned = R_scratch_tuned - R_method``, paired by
    (gamma, seed, instance). The tuned baseline (method ``scratch_tuned``) is, per gamma, the weight decay with
    the lowest mean scratch risk over all instances (equal to the untuned one when only wd = 0 was run).
    """
    df = pd.concat(frames, ignore_index=True)
    key = ["gamma", "seed", "instance"]
    sc_all = df[df.method == "scratch"]
    best = sc_all.groupby(["gamma", "weight_decay"]).risk.mean().reset_index()
    best = best.loc[best.groupby("gamma").risk.idxmin(), ["gamma", "weight_decay"]]
    tuned = sc_all.merge(best, on=["gamma", "weight_decay"]).assign(method="scratch_tuned")
    df = pd.concat([df, tuned], ignore_index=True)
    sc = sc_all[sc_all.weight_decay == 0.0][key + ["risk", "converged"]].rename(
        columns={"risk": "scratch_risk", "converged": "scratch_converged"}
    )
    tu = tuned[key + ["risk"]].rename(columns={"risk": "tuned_risk"})
    df = df.merge(sc, on=key, how="left").merge(tu, on=key, how="left")
    transfer = ~df.method.isin(["scratch", "scratch_tuned"])
    df["T"] = np.where(transfer, df["scratch_risk"] - df["risk"], np.nan)
    df["T_tuned"] = np.where(transfer, df["tuned_risk"] - df["risk"], np.nan)
    cols = ["experiment", "method", "theta_deg", "gamma", "n", "d", "sigma", "source_gamma", "source_sigma",
            "seed", "instance", "lam", "weight_decay", "risk", "train_loss", "steps", "converged",
            "stop_reason", "pretrain_converged", "scratch_converged", "T", "T_tuned"]
    order = ["method", "lam", "weight_decay", "theta_deg", "gamma", "seed", "instance"]
    return df[cols].sort_values(order).reset_index(drop=True)


def cell_means(df: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard error of risk and T per (method, lam, theta, gamma).

    ``unconverged`` counts the method's own runs that did not converge (``stopped_by_rate`` of them stopped by
    their measured rate, ``stopped_by_spectrum`` by their design's spectrum); ``pretrain_unconverged`` and ``scratch_unconverged`` the runs whose pretraining or
    paired scratch run did not; ``flagged`` the runs with any of the three (each makes the cell's T unreliable).
    """
    keys = ["experiment", "method", "lam", "weight_decay", "theta_deg", "gamma", "n", "d", "sigma",
            "source_gamma", "source_sigma"]
    scratch_ok = (df.method == "scratch") | df.scratch_converged.fillna(True).astype(bool)
    pre_ok = df.pretrain_converged.astype(bool)
    g = df.assign(
        unconverged=~df.converged,
        stopped_by_rate=df.stop_reason == STOP_PREDICTED,
        stopped_by_spectrum=df.stop_reason == STOP_SPECTRUM,
        pretrain_unconverged=~pre_ok,
        scratch_unconverged=~scratch_ok,
        flagged=~(df.converged.astype(bool) & pre_ok & scratch_ok),
    ).groupby(keys, dropna=False)
    out = g.agg(
        risk_mean=("risk", "mean"),
        risk_sd=("risk", "std"),
        T_mean=("T", "mean"),
        T_sd=("T", "std"),
        T_tuned_mean=("T_tuned", "mean"),
        T_tuned_sd=("T_tuned", "std"),
        count=("risk", "size"),
        unconverged=("unconverged", "sum"),
        stopped_by_rate=("stopped_by_rate", "sum"),
        stopped_by_spectrum=("stopped_by_spectrum", "sum"),
        pretrain_unconverged=("pretrain_unconverged", "sum"),
        scratch_unconverged=("scratch_unconverged", "sum"),
        flagged=("flagged", "sum"),
    ).reset_index()
    out["risk_se"] = out.risk_sd / np.sqrt(out["count"])
    out["T_se"] = out.T_sd / np.sqrt(out["count"])
    out["T_tuned_se"] = out.T_tuned_sd / np.sqrt(out["count"])
    return out.drop(columns=["risk_sd", "T_sd", "T_tuned_sd"])


def agreement_summary(means: pd.DataFrame) -> pd.DataFrame:
    """Per experiment, method and quantity (risk, T): MAE against exact theory, fraction within 3 SE.

    ``theory`` is ``exact`` (the paper's closed forms at finite size) or, for fine-tuning, also ``balanced``
    (the end point with the balancedness factor c, a claim beyond the paper).

    Cells with ``|gamma - 1| < NEAR_ONE`` or without a finite closed form are excluded; ``unconverged``
    counts the flagged runs (own training, pretraining or paired scratch run not converged) over all cells,
    ``unconverged_away`` those away from gamma = 1.
    """
    rows = []
    means = means[means.weight_decay.fillna(0.0) == 0.0]
    for (exp, method), m in means.groupby(["experiment", "method"]):
        if method == "scratch_tuned":
            continue
        cells = (method, m.theta_deg.fillna(0.0).to_numpy(), m.n.to_numpy(), m.d.to_numpy(), m.sigma.to_numpy(),
                 m["lam"].fillna(0.0).to_numpy(), m.source_gamma.to_numpy(), m.source_sigma.to_numpy())
        away = (np.abs(m.gamma.to_numpy() - 1.0) >= NEAR_ONE)
        mean, se = {"risk": m.risk_mean.to_numpy(), "T": m.T_mean.to_numpy()}, \
            {"risk": m.risk_se.to_numpy(), "T": m.T_se.to_numpy()}
        # the balancedness-corrected fine-tuning end point (a claim beyond the paper), side by side with eq. (15)
        forms = ("exact", "balanced") if method == "fine_tune" and not np.isfinite(m.source_gamma).any() \
            else ("exact",)
        checks = []
        for form in forms:
            risk_th, T_th = predict(*cells, form=form)
            checks += [(form, "risk", risk_th, mean["risk"], se["risk"]), (form, "T", T_th, mean["T"], se["T"])]
        for which, quantity, th, mean, se in checks:
            use = away & np.isfinite(th) & np.isfinite(mean)
            if not use.any():
                continue
            err = np.abs(mean[use] - th[use])
            rows.append(
                {
                    "experiment": exp,
                    "method": method,
                    "theory": which,
                    "quantity": quantity,
                    "cells": int(use.sum()),
                    "mae": float(err.mean()),
                    "max_abs_error": float(err.max()),
                    "within_3se": float(np.mean(err <= 3.0 * se[use] + ATOL)),
                    "unconverged": int(m.flagged.sum()),
                    "unconverged_away": int(m.flagged.to_numpy()[away].sum()),
                }
            )
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def fine_tune_break_even(means: pd.DataFrame) -> pd.DataFrame:
    """Where fine-tuning stops helping, per experiment and gamma < 1: data against the candidate theories.

    ``observed_deg`` is the angle where the cell means of T_ft cross zero (linear interpolation between the
    two grid angles that bracket the first sign change), with ``observed_se_deg`` from the standard errors
    and the local slope. Predictions: eq. (15) (60 degrees) or eq. (23) for a finite source, and the
    balancedness-corrected end point. ``chi2_*`` compare all cells of that gamma with each curve.
    """
    rows = []
    ft = means[(means.method == "fine_tune") & (means.gamma < 1.0 - NEAR_ONE / 2)]
    for (exp, g), m in ft.groupby(["experiment", "gamma"]):
        m = m.sort_values("theta_deg")
        deg, T, se = m.theta_deg.to_numpy(), m.T_mean.to_numpy(), m.T_se.to_numpy()
        n, d, s2 = float(m.n.iloc[0]), float(m.d.iloc[0]), float(m.sigma.iloc[0]) ** 2
        gs, s2s = float(m.source_gamma.iloc[0]), float(m.source_sigma.iloc[0]) ** 2
        obs = obs_se = np.nan
        cross = np.nonzero((T[:-1] > 0) & (T[1:] <= 0))[0]
        if cross.size:
            i = cross[0]
            slope = (T[i + 1] - T[i]) / (deg[i + 1] - deg[i])
            obs = zero_between(deg[i], deg[i + 1], T[i], T[i + 1])
            obs_se = float(np.hypot(se[i], se[i + 1]) / 2 / abs(slope))
        grid_deg = np.rad2deg(np.deg2rad(np.linspace(0, 180, 36001)))
        sig, sig_s = float(m.sigma.iloc[0]), float(m.source_sigma.iloc[0])
        paper = predict("fine_tune", deg, n, d, sig, 0.0, gs, sig_s)[1]
        if np.isfinite(gs):
            paper_deg = np.rad2deg(theory.finite_source_break_even_angle(gs, s2s))
            bal, bal_deg = np.full_like(T, np.nan), np.nan
        else:
            paper_deg = 60.0
            bal = predict("fine_tune", deg, n, d, sig, form="balanced")[1]
            bal_grid = predict("fine_tune", grid_deg, n, d, sig, form="balanced")[1]
            bal_deg = float(grid_deg[np.argmax(bal_grid <= 0)])
        ok = se > 0
        rows.append({
            "experiment": exp, "gamma": g, "n": int(n), "sigma": np.sqrt(s2), "cells": int(len(m)),
            "observed_deg": obs, "observed_se_deg": obs_se,
            "paper_deg": float(paper_deg), "balanced_deg": bal_deg,
            "chi2_paper": float(np.sum(((T - paper) / se)[ok] ** 2)),
            "chi2_balanced": float(np.sum(((T - bal) / se)[ok] ** 2)) if np.isfinite(bal).all() else np.nan,
        })
    return pd.DataFrame(rows, columns=BREAK_EVEN_COLUMNS)
