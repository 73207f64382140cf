"""Read and verify the cell files of one experiment and build its tables (I/O edge of aggregation)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import aggregate
from . import config as tcfg
from .store import load_cell

__all__ = ["collect_experiment"]


def collect_experiment(record: dict, results: str, numerics: str | None = None) -> dict[str, pd.DataFrame]:
    """Tables ``runs`` (tidy), ``means``, ``agreement``, ``pretraining``, ``break_even`` for one experiment.

    Every file's recorded spec must match the spec the current config implies (``store.StaleCellError``);
    ``numerics`` is the code version the running workflow stamped (default: the current sources).
    """
    if numerics is not None:
        tcfg.pin_numerics_version(numerics)
    e = tcfg.experiment_from_record(record)
    exp = {"name": e.name, "d": e.d, "sigma": e.sigma, "source_gamma": e.source_gamma, "source_sigma": e.source_sigma}
    frames, pre_rows = [], []
    for seed in e.seeds:
        _, pre = load_cell(tcfg.pretrain_path(results, e.name, seed), expect=tcfg.pretrain_spec(e, seed))
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
            _, a = load_cell(tcfg.scratch_path(results, e.name, g, seed), expect=tcfg.scratch_spec(e, g, seed))
            frames.append(aggregate.scratch_rows(exp, g, n, seed, a, e.weight_decays))
            for th in e.thetas_deg:
                _, a = load_cell(tcfg.cell_path(results, e.name, th, g, seed), expect=tcfg.cell_spec(e, th, g, seed))
                frames.append(aggregate.cell_rows(exp, th, g, n, seed, a, e.ridge))
    runs = aggregate.tidy_table(frames)
    means = aggregate.cell_means(runs)
    return {
        "runs": runs,
        "means": means,
        "agreement": aggregate.agreement_summary(means),
        "break_even": aggregate.fine_tune_break_even(means),
        "pretraining": pd.DataFrame(pre_rows),
    }
