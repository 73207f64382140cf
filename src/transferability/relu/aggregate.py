"""Tables of the ReLU study: tidy runs, cell means, the scratch power law, theory and the phase boundary.

Sign convention as in the linear study: ``T = R_scratch - R_transfer`` (positive: the pretrained start wins),
per instance on the same target data and teacher, then averaged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.tables import mean_se, zero_between
from .hermite import DEGREES
from .model import fit_power_law, power_law_crossing
from .study import ReluStudy

__all__ = ["collect_relu", "relu_tables"]


def collect_relu(record: dict) -> dict[str, pd.DataFrame]:
    """Read and verify every per-job file of a ``ReluStudy`` record; return the tidy tables of ``relu_tables``
    and the first seed's Gram matrices at ``kernel_figure_mu`` (``gram``: long table i, j, student, source)."""
    study = ReluStudy.from_record(record)
    r = study.cfg

    load = study.load

    pre_rows, scratch_rows, cell_rows = [], [], []
    for seed in r.seeds:
        for mu in r.mus:
            p = load("pretrain", mu=mu, seed=seed)
            for b in range(r.instances):
                pre_rows.append({"mu": mu, "seed": seed, "instance": b, **{
                    k: float(p[k][b]) for k in ("steps", "converged", "loss", "source_var", "p_perp", "p_perp_high",
                                                "target_norm2", "target_var", "cka", "cka_init", "cka_removed")},
                    **_parts("p_perp", p["p_perp_parts"][b]), **_parts("target", p["target_parts"][b])})
        lts = {mu: load("linear_transfer", mu=mu, seed=seed) for mu in r.mus}
        pre_ok = {mu: load("pretrain", mu=mu, seed=seed)["converged"].astype(bool) for mu in r.mus}
        for i, n in enumerate(r.ns):
            s = load("scratch", n=n, seed=seed)
            for b in range(r.instances):
                scratch_rows.append({"n": n, "seed": seed, "instance": b, "risk": float(s["risk"][b]),
                                     **_parts("risk", s["risk_parts"][b]),
                                     "converged": bool(s["converged"][b]), "steps": int(s["steps"][b])})
            for mu in r.mus:
                ft, lt = load("fine_tune", mu=mu, n=n, seed=seed), lts[mu]
                for b in range(r.instances):
                    # linear transfer is a closed-form readout: its convergence is its pretraining's
                    base = {"mu": mu, "n": n, "seed": seed, "instance": b, "pretrain_converged": bool(pre_ok[mu][b])}
                    cell_rows.append({**base, "method": "fine_tune", "lam": np.nan, "risk": float(ft["risk"][b]),
                                      **_parts("risk", ft["risk_parts"][b]),
                                      "converged": bool(ft["converged"][b]), "steps": int(ft["steps"][b])})
                    for k, lam in enumerate(r.ridge):
                        readout = {"lam": lam, "converged": bool(pre_ok[mu][b]), "steps": 0,
                                   "rank": int(lt["rank"][b])}
                        cell_rows.append({**base, "method": "linear_transfer", **readout,
                                          "risk": float(lt["risk"][i, b, k]),
                                          **_parts("risk", lt["risk_parts"][i, b, k])})
                        cell_rows.append({**base, "method": "linear_transfer_limit", **readout,
                                          "risk": float(lt["limit"][b, k]), **_parts("risk", lt["limit_parts"][b, k]),
                                          "risk_high": float(lt["limit_high"][b, k])})
    tables = relu_tables(pd.DataFrame(pre_rows), pd.DataFrame(scratch_rows), pd.DataFrame(cell_rows),
                         r.phase_lambda)
    p = load("pretrain", mu=r.kernel_figure_mu, seed=r.seeds[0])
    i, j = np.indices(p["gram_student"].shape)
    tables["gram"] = pd.DataFrame({"i": i.ravel(), "j": j.ravel(), "student": p["gram_student"].ravel(),
                                   "source": p["gram_source"].ravel()})
    return tables


def _parts(prefix: str, parts: np.ndarray) -> dict[str, float]:
    """``{prefix_deg0: ..., prefix_deg1: ..., prefix_deg2: ...}`` from the Hermite-degree parts ``(3,)``."""
    return {f"{prefix}_{deg}": float(v) for deg, v in zip(DEGREES, parts)}


def _crossing(ns: np.ndarray, T: np.ndarray) -> tuple[float, float, float]:
    """The n beyond which ``T(n)`` stays non-positive: log-interpolated between the last n with ``T > 0`` and the
    next grid value, with those two values (a dip below zero at small n, where the readout overfits, is not it).

    ``(nan, 0, n_min)`` when ``T <= 0`` at every n; ``(nan, n_max, inf)`` when ``T > 0`` at the largest n.
    """
    positive = np.nonzero(T > 0)[0]
    if positive.size == 0:
        return np.nan, 0.0, float(ns[0])
    i = int(positive[-1])
    if i == len(ns) - 1:
        return np.nan, float(ns[-1]), np.inf
    return zero_between(ns[i], ns[i + 1], T[i], T[i + 1], log=True), float(ns[i]), float(ns[i + 1])


def _agrees(n_star, n_lo, n_hi, n_cross, cross_lo, cross_hi) -> bool:
    """Observed crossing inside the predicted band (or, when it falls outside the n grid, its bracket overlaps)."""
    if not np.isfinite(n_star):
        return bool(np.isnan(n_cross) and np.isinf(cross_hi))  # no boundary predicted, none observed
    if np.isfinite(n_cross):
        return bool(n_lo <= n_cross <= n_hi)
    return bool(cross_lo <= n_hi and n_lo <= cross_hi)


def _readout_theory(means: pd.DataFrame, cells: pd.DataFrame, fit: dict, mu: float, lam: float,
                    predicted: tuple[float, float, float]) -> dict:
    """One readout's side of the theory row at ``mu``: the student's n -> infinity limit with its degree parts
    (``lt_limit_high``: with constants and linear functions added to the features), the observed crossing of
    linear transfer at ridge ``lam`` and whether it lies in the predicted band, and the same prediction made
    from the student's own limit."""
    lim = cells[(cells.method == "linear_transfer_limit") & np.isclose(cells.lam, lam) & np.isclose(cells.mu, mu)]
    lim = lim.drop_duplicates(["seed", "instance"])
    lt = means[(means.method == "linear_transfer") & np.isclose(means.lam, lam) & np.isclose(means.mu, mu)]
    lt = lt.sort_values("n")
    l_mean, l_se = mean_se(lim.risk)
    n_cross, cross_lo, cross_hi = _crossing(lt.n.to_numpy(float), lt.T_mean.to_numpy())
    n_student, n_student_lo, n_student_hi = power_law_crossing(fit, l_mean)
    return {
        "lt_limit": l_mean, "lt_limit_se": l_se,
        **{f"lt_limit_{deg}": float(lim[f"risk_{deg}"].mean()) for deg in DEGREES},
        "lt_limit_high": float(lim.risk_high.mean()),
        **({"rank": float(lim["rank"].mean())} if lam == 0 else {}),
        "n_cross_lt": n_cross, "n_cross_lt_lo": cross_lo, "n_cross_lt_hi": cross_hi,
        "boundary_agrees": _agrees(*predicted, n_cross, cross_lo, cross_hi),
        "n_star_student": n_student, "n_star_student_lo": n_student_lo, "n_star_student_hi": n_student_hi,
        "student_boundary_agrees": _agrees(n_student, n_student_lo, n_student_hi, n_cross, cross_lo, cross_hi),
    }


def relu_tables(pre: pd.DataFrame, scratch: pd.DataFrame, cells: pd.DataFrame, phase_lambda: float):
    """From per-instance rows to the study's tables.

    Returns a dict with ``runs`` (every run), ``means`` (per (mu, n, method, lam): risks, T mean and s.e.),
    ``fit`` (scratch power law), ``theory`` (per mu: ``||P_perp f_t||^2`` and the target by Hermite degree, n* and
    the range of n where ``||P_perp f_t||^2`` lies in the fit's 95% band; per readout, the ridge at
    ``phase_lambda`` and, when lambda = 0 was run, the subspace readout with columns prefixed ``subspace_``: the
    student's limit, the observed crossing, and the prediction from the student's own limit) and ``pretraining``
    (per pretrained student).
    """
    sc = scratch.rename(columns={"risk": "scratch_risk", "converged": "scratch_converged"})[
        ["n", "seed", "instance", "scratch_risk", "scratch_converged"]]
    runs = cells.merge(sc, on=["n", "seed", "instance"], how="left")
    runs["T"] = runs.scratch_risk - runs.risk
    rows = []
    for (mu, n, method, lam), g in runs.groupby(["mu", "n", "method", "lam"], dropna=False):
        r_mean, r_se = mean_se(g.risk)
        t_mean, t_se = mean_se(g["T"])
        s_mean, s_se = mean_se(g.scratch_risk)
        own, pre_ok, base_ok = (g[c].astype(bool).to_numpy() for c in ("converged", "pretrain_converged",
                                                                        "scratch_converged"))
        parts = {f"risk_{deg}_mean": float(g[f"risk_{deg}"].mean()) for deg in DEGREES}
        rows.append({"mu": mu, "n": n, "method": method, "lam": lam, "risk_mean": r_mean, "risk_se": r_se, **parts,
                     "scratch_mean": s_mean, "scratch_se": s_se, "T_mean": t_mean, "T_se": t_se,
                     "unconverged": int((~own).sum()), "pretrain_unconverged": int((~pre_ok).sum()),
                     "scratch_unconverged": int((~base_ok).sum()),
                     "flagged": int((~(own & pre_ok & base_ok)).sum()),
                     "count": len(g)})
    means = pd.DataFrame(rows)

    sm = scratch.groupby("n").risk.agg(["mean", "sem", "count"]).reset_index()
    fit = fit_power_law(sm.n.to_numpy(), sm["mean"].to_numpy())
    fit_row = {**fit, "n_min": int(sm.n.min()), "n_max": int(sm.n.max()), "points": len(sm)}

    subspace = phase_lambda > 0 and np.isclose(cells.lam, 0.0).any()  # with phase_lambda = 0 it is the first
    readouts = [("", phase_lambda)] + ([("subspace_", 0.0)] if subspace else [])
    theory_rows = []
    for mu, g in pre.groupby("mu"):
        p_mean, p_se = mean_se(g.p_perp)
        n_star, n_lo, n_hi = power_law_crossing(fit, p_mean)
        row = {
            "mu": mu, "p_perp": p_mean, "p_perp_se": p_se,
            **{f"{c}_{deg}": float(g[f"{c}_{deg}"].mean()) for c in ("p_perp", "target") for deg in DEGREES},
            "p_perp_high": float(g.p_perp_high.mean()),
            # the linear model's angle with the same fraction of the target outside the features: sin^2 = rho/|f_t|^2
            "theta_eff_deg": float(np.degrees(np.arcsin(np.sqrt(min(p_mean / g.target_norm2.mean(), 1.0))))),
            "target_var": float(g.target_var.mean()), "target_norm2": float(g.target_norm2.mean()),
            "n_star": n_star, "n_star_lo": n_lo, "n_star_hi": n_hi,
            "cka": float(g.cka.mean()), "cka_init": float(g.cka_init.mean()),
            "cka_removed": float(g.cka_removed.mean()) if g.cka_removed.notna().any() else np.nan,
        }
        for prefix, lam in readouts:
            side = _readout_theory(means, cells, fit, mu, lam, (n_star, n_lo, n_hi))
            row.update({prefix + k: v for k, v in side.items()})
        theory_rows.append(row)
    theory = pd.DataFrame(theory_rows)
    return {"runs": runs, "means": means, "fit": pd.DataFrame([fit_row]), "theory": theory, "pretraining": pre,
            "scratch": scratch}
