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
from ..core.pooled import crossing, hotelling, pooled_test, separation, z_scores
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
    "away_from_one",
    "gd_tolerance",
    "with_theory",
    "fine_tune_break_even",
]

METHODS = ("scratch", "linear_transfer", "fine_tune")
# Cells with |gamma - 1| < NEAR_ONE (in decimal: 0.9 and 1.1 are kept) are excluded from the agreement summary
# (the theory diverges there).
NEAR_ONE = 0.1
# Bootstrap draws of the pooled test (fixed seed: the same runs give the same p-value).
POOLED_DRAWS = 2000
AGREEMENT_COLUMNS = ["experiment", "method", "theory", "quantity", "cells", "units", "p_value", "power_1se",
                     "mae", "max_abs_error", "within_3se", "unconverged", "unconverged_away", "position",
                     "position_se", "instances_to_separate"]
BREAK_EVEN_COLUMNS = ["experiment", "gamma", "n", "sigma", "depth", "cells", "units", "observed_deg",
                      "observed_se_deg", "paper_deg", "balanced_deg", "balanced_depth2_deg", "chi2_paper", "p_paper",
                      "chi2_balanced", "p_balanced", "chi2_balanced_depth2", "p_balanced_depth2"]


def _base(exp: dict, gamma: float, n: int, seed: int, B: int) -> dict:
    sg = exp.get("source_gamma")
    return {
        "experiment": exp["name"],
        "gamma": gamma,
        "n": n,
        "d": exp["d"],
        "depth": exp.get("depth", 2),
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
    and ``stop_reason`` ``(B,)``, carried into every row (and into linear transfer's own convergence).

    Built as one frame from stacked columns (``B`` fine-tuning rows, then ``B`` rows per ridge value): a frame
    per method and ridge value made aggregation spend most of its time constructing small frames."""
    pre_ok = pre["converged"].astype(bool)
    B, K = ft["risk"].shape[0], len(ridge)
    base = _base(exp, gamma, n, seed, B)
    base["instance"] = np.tile(base["instance"], K + 1)
    by_ridge = lambda a: np.asarray(a).T.reshape(-1)  # noqa: E731  ((B, K) -> ridge-major (K B,))
    return pd.DataFrame(
        {
            **base,
            "method": np.array(["fine_tune"] * B + ["linear_transfer"] * (K * B), dtype=object),
            "theta_deg": theta_deg,
            "lam": np.concatenate([np.full(B, np.nan), np.repeat(np.asarray(ridge, dtype=float), B)]),
            "risk": np.concatenate([ft["risk"], by_ridge(lt["risk"])]),
            "train_loss": np.concatenate([ft["train_loss"], by_ridge(lt["train_loss"])]),
            "steps": np.concatenate([ft["steps"], np.zeros(K * B, dtype=np.asarray(ft["steps"]).dtype)]),
            "converged": np.concatenate([ft["converged"].astype(bool), np.tile(pre_ok, K)]),
            "stop_reason": np.concatenate([ft["stop_reason"], np.tile(pre["stop_reason"], K)]),
            "pretrain_converged": np.tile(pre_ok, K + 1),
        }
    )


def tidy_table(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate rows; add the tuned scratch baseline and the paired transferabilities.

    ``T = R_scratch(wd = 0) - R_method`` and ``T_tuned = R_scratch_tuned - R_method``, paired by
    (gamma, seed, instance). The tuned baseline (method ``scratch_tuned``) of an instance is the weight decay
    with the lowest mean scratch risk over the *other* instances of its gamma (leave one out: a baseline is never
    tuned on the instance it is scored on); its ``weight_decay`` is left empty, as it varies by instance (equal to
    the untuned one when only wd = 0 was run). ``weight_decay_sgd = 2 weight_decay`` is the same penalty in the
    convention of SGD's ``weight_decay`` (a gradient term ``weight_decay * W``, as in torch and the authors'
    scripts): the pipeline's penalty is ``wd * |W|_F^2``, gradient ``2 wd W``.
    """
    df = pd.concat(frames, ignore_index=True)
    key = ["gamma", "seed", "instance"]
    sc_all = df[df.method == "scratch"]
    total = sc_all.groupby(["gamma", "weight_decay"]).risk.agg(["sum", "count"]).reset_index()
    loo = sc_all.merge(total, on=["gamma", "weight_decay"])
    loo["held_out"] = np.where(loo["count"] > 1, (loo["sum"] - loo.risk) / (loo["count"] - 1).clip(lower=1),
                               loo.risk)
    best = loo.loc[loo.groupby(key).held_out.idxmin(), key + ["weight_decay"]]
    tuned = sc_all.merge(best, on=key + ["weight_decay"]).assign(method="scratch_tuned", weight_decay=np.nan)
    df = pd.concat([df, tuned], ignore_index=True)
    sc = sc_all[sc_all.weight_decay == 0.0][key + ["risk", "converged"]].rename(
        columns={"risk": "scratch_risk", "converged": "scratch_converged"}
    )
    tu = tuned[key + ["risk"]].rename(columns={"risk": "tuned_risk"})
    df = df.merge(sc, on=key, how="left").merge(tu, on=key, how="left")
    transfer = ~df.method.isin(["scratch", "scratch_tuned"])
    df["T"] = np.where(transfer, df["scratch_risk"] - df["risk"], np.nan)
    df["T_tuned"] = np.where(transfer, df["tuned_risk"] - df["risk"], np.nan)
    df["weight_decay_sgd"] = 2.0 * df["weight_decay"]
    cols = ["experiment", "method", "theta_deg", "gamma", "n", "d", "depth", "sigma", "source_gamma", "source_sigma",
            "seed", "instance", "lam", "weight_decay", "weight_decay_sgd", "risk", "train_loss", "steps", "converged",
            "stop_reason", "pretrain_converged", "scratch_converged", "T", "T_tuned"]
    order = ["method", "lam", "weight_decay", "theta_deg", "gamma", "seed", "instance"]
    return df[cols].sort_values(order).reset_index(drop=True)


def cell_means(df: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard error of risk and T per (method, lam, theta, gamma).

    ``unconverged`` counts the method's own runs that did not converge (``stopped_by_rate`` of them stopped by
    their measured rate, ``stopped_by_spectrum`` by their design's spectrum); ``pretrain_unconverged`` and
    ``scratch_unconverged`` the runs whose pretraining or paired scratch run did not; ``flagged`` the runs with
    any of the three (each makes the cell's T unreliable).
    """
    keys = ["experiment", "method", "lam", "weight_decay", "weight_decay_sgd", "theta_deg", "gamma", "n", "d",
            "depth", "sigma", "source_gamma", "source_sigma"]
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


def away_from_one(gamma) -> np.ndarray:
    """``|gamma - 1| >= NEAR_ONE`` in decimal (rounded to 9 digits first: 0.9 and 1.1 are away, as written)."""
    return np.round(np.abs(np.asarray(gamma, dtype=float) - 1.0), 9) >= NEAR_ONE


def gd_tolerance(gamma, tol: float, risk) -> np.ndarray:
    """Absolute error a risk may carry because GD stopped at excess train loss ``tol`` (not at its end point).

    Where n > d the end point is unique and the excess train loss ``|s * (z - z*)|^2 <= tol`` bounds the distance
    to it, ``e = |beta - beta*| <= sqrt(tol) / s_min``, with ``s_min`` at the Marchenko-Pastur edge
    ``1 - gamma^(-1/2)`` (halved, for its finite-d fluctuations); a risk ``R`` then moves by at most
    ``e^2 + 2 e sqrt(R)``. Where n < d the stopping error is not set by the train loss alone (it is part of the
    method's finite-tol end point, within 2%; see the engine): 0 there.
    """
    gamma = np.asarray(gamma, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.where(gamma > 1.0, 2.0 * np.sqrt(tol) / (1.0 - 1.0 / np.sqrt(gamma)), 0.0)
    return e**2 + 2.0 * e * np.sqrt(np.maximum(np.nan_to_num(np.asarray(risk, float)), 0.0))


def _cells(m: pd.DataFrame, method: str) -> tuple:
    return (method, m.theta_deg.fillna(0.0).to_numpy(), m.n.to_numpy(), m.d.to_numpy(), m.sigma.to_numpy(),
            m["lam"].fillna(0.0).to_numpy(), m.source_gamma.to_numpy(), m.source_sigma.to_numpy())


def _theory(m: pd.DataFrame, method: str, tol: float, form: str = "exact", depth=None) -> dict[str, np.ndarray]:
    """Theory of risk and T at the cells of ``m`` (one method) and the GD tolerance of each (``gd_tolerance``:
    scratch and fine-tuning are trained by GD; T carries the scratch run's and, for fine-tuning, its own).
    ``depth`` overrides the cells' own network depth (which only the balanced fine-tuning form uses)."""
    depth = m.depth.to_numpy() if depth is None else depth
    risk_th, T_th = predict(*_cells(m, method), form=form, depth=depth)
    sc_risk = predict(*_cells(m, "scratch"))[0]
    g = m.gamma.to_numpy()
    own = gd_tolerance(g, tol, risk_th) if method in ("scratch", "fine_tune") else np.zeros(len(m))
    return {"risk": risk_th, "T": T_th, "risk_tol": own, "T_tol": own + gd_tolerance(g, tol, sc_risk)}


def with_theory(means: pd.DataFrame, tol: float) -> pd.DataFrame:
    """``cell_means`` with the exact theory of each cell (``risk_theory``, ``T_theory``; nan without a closed form)
    and per-cell z-scores ``z_risk``, ``z_T``: the deviation beyond the tolerance GD's stopping rule allows
    (``gd_tolerance`` from the train tolerance ``tol``) over the standard error (``core.pooled.z_scores``)."""
    out = means.copy()
    for col in ("risk_theory", "T_theory", "z_risk", "z_T"):
        out[col] = np.nan
    for method, m in out.groupby("method"):
        if method == "scratch_tuned":
            continue
        th = _theory(m, method, tol)
        out.loc[m.index, "risk_theory"] = th["risk"]
        out.loc[m.index, "T_theory"] = th["T"]
        for q in ("risk", "T"):
            out.loc[m.index, f"z_{q}"] = z_scores(m[f"{q}_mean"].to_numpy() - th[q], m[f"{q}_se"].to_numpy(),
                                                  th[f"{q}_tol"])
    return out


def _unit_values(runs: pd.DataFrame, m: pd.DataFrame, column: str) -> np.ndarray:
    """``(U, C)``: the value of each instance (seed, instance) in each cell of ``m`` (its row order)."""
    key = lambda df: list(zip(df.theta_deg.fillna(0.0), df.gamma, df["lam"].fillna(0.0)))  # noqa: E731
    r = runs.assign(_cell=key(runs))
    table = r.pivot_table(index=["seed", "instance"], columns="_cell", values=column, aggfunc="first")
    x = table.reindex(columns=pd.Index(key(m))).to_numpy(dtype=float)
    if not np.isfinite(x).all():
        raise ValueError(f"runs.csv lacks {column} for some instance of some cell: the pooled test needs them all")
    return x


def _theories(method: str, m: pd.DataFrame) -> list[tuple[str, str, object, np.ndarray]]:
    """The theories each method is scored against: ``(label, form, depth override, cells)``.

    Linear transfer: the exact form at lambda = 0 (``exact``) and, pooled over every lambda > 0, the exact
    finite-n ridge expectation (``exact_ridge``). Fine-tuning after an infinite source: eq. (15) (``exact``), the
    balancedness-corrected end point of the network's depth (``balanced``) and, where the depth is not 2, the
    depth-2 factor applied anyway (``balanced_depth2``).
    """
    every = np.ones(len(m), bool)
    if method == "linear_transfer":
        lam = m["lam"].fillna(0.0).to_numpy()
        return [("exact", "exact", None, lam == 0), ("exact_ridge", "exact", None, lam > 0)]
    if method == "fine_tune" and not np.isfinite(m.source_gamma).any():
        out = [("exact", "exact", None, every), ("balanced", "balanced", None, every)]
        if (m.depth != 2).any():
            out.append(("balanced_depth2", "balanced", 2, every))
        return out
    return [("exact", "exact", None, every)]


def agreement_summary(means: pd.DataFrame, runs: pd.DataFrame, tol: float) -> pd.DataFrame:
    """Per experiment, method, theory and quantity (risk, T): the pooled test against the theory, MAE, and the
    fraction of cells within 3 standard errors plus their GD tolerance.

    ``theory`` labels are those of ``_theories``: ``exact`` (the paper's closed forms at finite size), for linear
    transfer with ridge ``exact_ridge``, for fine-tuning also ``balanced`` (the end point with the balancedness
    factor of the network's depth, a claim beyond the paper) and ``balanced_depth2``. ``p_value`` and
    ``power_1se`` are the pooled test's (``core.pooled``: instances resampled whole, so the cells' shared
    randomness is kept) and its power against a bias of one standard error in every cell; ``units`` the
    instances it resamples. For a fine-tuning theory beyond the paper, ``position``, ``position_se`` and
    ``instances_to_separate`` (``separation``) place the data between eq. (15) (0) and that theory (1).

    Cells with ``|gamma - 1| < NEAR_ONE`` or without a finite closed form are excluded; ``unconverged``
    counts the flagged runs (own training, pretraining or paired scratch run not converged) over all cells,
    ``unconverged_away`` those away from gamma = 1. ``tol`` is the experiment's train tolerance.
    """
    rows = []
    means = means[means.weight_decay.fillna(0.0) == 0.0]
    runs = runs[runs.weight_decay.fillna(0.0) == 0.0]
    for (exp, method), m in means.groupby(["experiment", "method"]):
        if method == "scratch_tuned":
            continue
        away = away_from_one(m.gamma)
        mine = runs[(runs.experiment == exp) & (runs.method == method)]
        computed = {}  # (form, depth) -> theory: linear transfer's two labels share one, eq. (15) is used twice

        def theory_of(form: str, depth) -> dict[str, np.ndarray]:
            if (form, depth) not in computed:
                computed[form, depth] = _theory(m, method, tol, form, depth)
            return computed[form, depth]

        paper = theory_of("exact", None)
        for label, form, depth, cells in _theories(method, m):
            th = theory_of(form, depth)
            for quantity in ("risk", "T"):
                mean, se = m[f"{quantity}_mean"].to_numpy(), m[f"{quantity}_se"].to_numpy()
                use = cells & away & np.isfinite(th[quantity]) & np.isfinite(mean)
                if not use.any():
                    continue
                err = np.abs(mean[use] - th[quantity][use])
                tolerance = th[f"{quantity}_tol"][use]
                x = _unit_values(mine, m[use], "risk" if quantity == "risk" else "T")
                test = pooled_test(x, th[quantity][use], tol=tolerance, draws=POOLED_DRAWS, seed=0)
                between = (separation(x, mean[use], paper[quantity][use], th[quantity][use])
                           if method == "fine_tune" and form == "balanced" else {})
                rows.append(
                    {
                        "experiment": exp,
                        "method": method,
                        "theory": label,
                        "quantity": quantity,
                        "cells": int(use.sum()),
                        "units": test.units,
                        "p_value": test.p_value,
                        "power_1se": test.power_1se,
                        "mae": float(err.mean()),
                        "max_abs_error": float(err.max()),
                        "within_3se": float(np.mean(err <= 3.0 * se[use] + tolerance)),
                        "unconverged": int(m.flagged.sum()),
                        "unconverged_away": int(m.flagged.to_numpy()[away].sum()),
                        **between,
                    }
                )
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def fine_tune_break_even(means: pd.DataFrame, runs: pd.DataFrame, draws: int = 1000) -> pd.DataFrame:
    """Where fine-tuning stops helping, per experiment and gamma < 1: data against the candidate theories.

    ``observed_deg`` is the angle where the cell means of T_ft first cross zero (linear interpolation between
    the two grid angles that bracket the sign change) and ``observed_se_deg`` its bootstrap error over whole
    instances (``crossing``). Predictions: eq. (15) (60 degrees) or eq. (23) for a finite source, the
    balancedness-corrected end point of the network's depth, and the depth-2 factor. ``chi2_*`` is Hotelling's
    T^2 of all cells of that gamma against each curve with the instances' covariance (``hotelling``) and
    ``p_*`` its p-value.
    """
    rows = []
    ft = means[(means.method == "fine_tune") & (means.gamma < 1.0 - NEAR_ONE / 2)
               & (means.weight_decay.fillna(0.0) == 0.0)]
    runs = runs[(runs.method == "fine_tune") & (runs.weight_decay.fillna(0.0) == 0.0)]
    for (exp, g), m in ft.groupby(["experiment", "gamma"]):
        m = m.sort_values("theta_deg")
        deg = m.theta_deg.to_numpy()
        n, d, sig = float(m.n.iloc[0]), float(m.d.iloc[0]), float(m.sigma.iloc[0])
        gs, sig_s, depth = float(m.source_gamma.iloc[0]), float(m.source_sigma.iloc[0]), int(m.depth.iloc[0])
        x = _unit_values(runs[runs.experiment == exp], m, "T")
        angle, angle_se = crossing(deg, x, draws)
        row = {"experiment": exp, "gamma": g, "n": int(n), "sigma": sig, "depth": depth, "cells": int(len(m)),
               "units": int(x.shape[0]), "observed_deg": angle, "observed_se_deg": angle_se}
        curves = {"paper": predict("fine_tune", deg, n, d, sig, 0.0, gs, sig_s)[1]}
        if np.isfinite(gs):
            row["paper_deg"] = float(np.rad2deg(theory.finite_source_break_even_angle(gs, sig_s**2)))
        else:
            row["paper_deg"] = 60.0
            for name, L in (("balanced", depth), ("balanced_depth2", 2)):
                curves[name] = predict("fine_tune", deg, n, d, sig, form="balanced", depth=L)[1]
                row[f"{name}_deg"] = float(theory.fine_tune_break_even_balanced(n, d, sig**2, L))
        for name, curve in curves.items():
            row[f"chi2_{name}"], row[f"p_{name}"] = hotelling(x, curve)
        rows.append(row)
    return pd.DataFrame(rows, columns=BREAK_EVEN_COLUMNS)
