"""Failures are never hidden: unconverged inputs reach every row, count and log; errors reach the console;
a grid the schema accepts finishes."""

import copy

import numpy as np
import pandas as pd
import pytest
from workflow_utils import TINY, _write, smk

from transferability.core.runner import convergence_line

pytestmark = pytest.mark.workflow


def test_unconverged_pretraining_reaches_every_row_count_log_and_summary(tmp_path):
    cfg = copy.deepcopy(TINY)
    cfg["experiments"]["tiny"]["train"] = {"max_steps": 5}
    _write(tmp_path, cfg)
    out = smk(tmp_path, "--cores", "2")
    res = tmp_path / "res/tiny"
    pre = pd.read_csv(res / "pretraining.csv")
    assert not pre.converged.any()
    runs = pd.read_csv(res / "runs.csv")
    transfer = runs[runs.method.isin(["linear_transfer", "fine_tune"])]
    assert not transfer.pretrain_converged.any()
    assert not runs[runs.method == "linear_transfer"].converged.any()  # a readout is as good as its features
    means = pd.read_csv(res / "cell_means.csv")
    m = means[means.method.isin(["linear_transfer", "fine_tune"])]
    assert (m.flagged == m["count"]).all() and (m.pretrain_unconverged == m["count"]).all()
    agree = pd.read_csv(res / "agreement.csv")
    per_method = m.groupby("method")["count"].sum()
    for row in agree.itertuples():
        if row.method in per_method:
            assert row.unconverged == per_method[row.method]
    log = (res / "logs/pretrain/seed0.log").read_text()
    assert "NOT CONVERGED: 3 of 3 runs (instances 0, 1, 2); stopped by step budget: 3" in log
    n_transfer = len(transfer)
    assert f"tiny: {len(runs[runs.method != 'scratch_tuned']):,} runs" in out.stdout
    assert f"on an unconverged pretraining: {n_transfer}" in out.stdout


def test_a_grid_whose_gammas_all_lie_near_one_finishes(tmp_path):
    """Every cell is excluded from the agreement summary: the tables are empty but well formed, figures drawn."""
    cfg = copy.deepcopy(TINY)
    cfg["experiments"]["tiny"].update(gamma=[0.95, 1.0], train={"max_steps": 3000})
    _write(tmp_path, cfg)
    smk(tmp_path, "--cores", "2")
    agree = pd.read_csv(tmp_path / "res/agreement.csv")
    assert len(agree) == 0 and "within_3se" in agree.columns
    assert len(pd.read_csv(tmp_path / "res/tiny/fine_tune_break_even.csv").columns) > 0
    assert (tmp_path / "res/figures/overview.png").stat().st_size > 10_000


def test_a_failing_table_job_puts_its_error_on_the_console(tmp_path):
    _write(tmp_path, TINY)
    smk(tmp_path, "--cores", "2", "res/tiny/fine_tune/theta60_gamma1.5_seed0.npz")
    cell = tmp_path / "res/tiny/fine_tune/theta60_gamma1.5_seed0.npz"
    cell.write_bytes(cell.read_bytes()[:300])
    out = smk(tmp_path, "--cores", "2", check=False)
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert "error: CellFileError: cell file res/tiny/fine_tune/theta60_gamma1.5_seed0.npz is truncated" in text
    assert "delete it and run the same snakemake command again" in text


def test_convergence_line_names_every_unconverged_run_and_why():
    line = convergence_line({"converged": np.array([1, 0, 1, 0]), "stop_reason": np.array([0, 1, 0, 2])})
    assert line == "NOT CONVERGED: 2 of 4 runs (instances 1, 3); stopped by step budget: 1, measured rate: 1"
    assert convergence_line({"converged": np.array([[1, 0], [1, 1]])}) == \
        "NOT CONVERGED: 1 of 4 runs ((instance, column) (0, 1))"
    assert convergence_line({"converged": np.ones(3)}) == "all 3 runs converged"
    assert convergence_line({"risk": np.ones(3)}) is None
