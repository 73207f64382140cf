"""Read and verify the per-job files of one experiment and build its tables (the I/O edge of aggregation)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.tables import nearest
from . import aggregate, theory
from .study import LinearStudy

__all__ = ["collect_experiment", "ridge_curve"]


def ridge_curve(theta_deg: float, gamma: float, n: int, sigma: float, lam_max: float,
                finite_source: bool) -> pd.DataFrame:
    """Linear-transfer risk against lambda at one cell: eq. (13) (n -> infinity) and, for an infinite source,
    the exact finite-n expectation of the ridge estimator (``theory.ridge_transfer_risk_exact``); 200 lambdas."""
    lam = np.linspace(0, max(lam_max, 0.5) * 1.05, 200)
    th = np.deg2rad(theta_deg)
    exact = np.full_like(lam, np.nan)
    if not finite_source:
        exact = theory.ridge_transfer_risk_exact(th, n, sigma**2, lam)
    return pd.DataFrame({"theta_deg": theta_deg, "gamma": gamma, "n": n, "lam": lam,
                         "risk_n_inf": theory.ridge_transfer_risk(th, lam), "risk_exact": exact})


def collect_experiment(record: dict) -> dict[str, pd.DataFrame]:
    """Tables ``runs`` (tidy), ``cell_means``, ``agreement``, ``pretraining``, ``fine_tune_break_even`` and
    ``ridge_curve`` for the one experiment of a ``LinearStudy`` record.

    Every file's recorded spec must equal the spec the study implies (``store.StaleCellError`` otherwise).
    """
    study = LinearStudy.from_record(record)
    (e,) = study.experiments.values()

    def load(kind: str, **wc):
        return study.load(kind, exp=e.name, **wc)

    exp = {"name": e.name, "d": e.d, "depth": e.depth, "sigma": e.sigma, "source_gamma": e.source_gamma,
           "source_sigma": e.source_sigma}
    frames, pre_rows = [], []
    for seed in e.seeds:
        pre = load("pretrain", seed=seed)
        for i in range(e.instances):
            pre_rows.append(
                {
                    "experiment": e.name,
                    "seed": seed,
                    "instance": i,
                    "source_risk": float(pre["source_risk"][i]),
                    "alignment": float(pre["alignment"][i]),
                    "balancedness_max": float(np.max(pre["balancedness"][i])),
                    "feature_rank": int(pre["feature_rank"][i]),
                    "steps": int(pre["steps"][i]),
                    "converged": bool(pre["converged"][i]),
                    **{f"sv{k + 1}": float(v) for k, v in enumerate(pre["singular_values"][i])},
                }
            )
        for g in e.gammas:
            n = e.n_of(g)
            frames.append(aggregate.scratch_rows(exp, g, n, seed, load("scratch", gamma=g, seed=seed),
                                                 e.weight_decays))
            lt = load("linear_transfer", gamma=g, seed=seed)
            for i, th in enumerate(e.thetas_deg):
                ft = load("fine_tune", theta=th, gamma=g, seed=seed)
                lt_i = {k: lt[k][i] for k in ("risk", "train_loss")}
                frames.append(aggregate.cell_rows(exp, th, g, n, seed, ft, lt_i, e.ridge, pre))
    runs = aggregate.tidy_table(frames)
    tol = e.train_spec()["tol"]
    means = aggregate.with_theory(aggregate.cell_means(runs), tol)
    th = nearest(e.thetas_deg, e.ridge_figure_theta_deg)
    g = nearest(e.gammas, e.ridge_figure_gamma)
    return {
        "runs": runs,
        "cell_means": means,
        "agreement": aggregate.agreement_summary(means, runs, tol),
        "fine_tune_break_even": aggregate.fine_tune_break_even(means, runs),
        "pretraining": pd.DataFrame(pre_rows),
        "ridge_curve": ridge_curve(th, g, e.n_of(g), e.sigma, max(e.ridge), e.source_gamma is not None),
    }
