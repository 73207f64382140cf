"""End-to-end workflow runs in a temporary directory (slower: each runs Snakemake)."""

import numpy as np
import pandas as pd
import pytest
import yaml
from workflow_utils import TINY, _write, cell_arrays, job_counts, smk

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    wd = tmp_path_factory.mktemp("tiny")
    _write(wd, TINY)
    smk(wd, "--cores", "2")
    return wd


def test_tiny_grid_runs_end_to_end(tiny_run):
    wd = tiny_run
    runs = pd.read_csv(wd / "res/tiny/runs.csv")
    # scratch: 2 gammas x 3 instances; fine-tuning: 4 cells x 3; linear transfer: 4 cells x 3 x 2 lambdas
    assert runs.groupby("method").size().to_dict() == {
        "scratch": 6, "scratch_tuned": 6, "fine_tune": 12, "linear_transfer": 24,
    }
    assert runs.risk.notna().all() and (runs.risk >= 0).all()
    ft = runs[runs.method == "fine_tune"]
    assert np.allclose(ft["T"], ft.merge(runs[runs.method == "scratch"], on=["gamma", "instance"]).eval("risk_y - risk_x"))
    agree = pd.read_csv(wd / "res/agreement.csv")
    assert set(agree.method) == {"scratch", "linear_transfer", "fine_tune"}
    assert (agree.unconverged_away == 0).all()
    theory = pd.read_csv(wd / "res/tiny/theory.csv")
    assert {"T_lt_exact", "T_ft_exact", "R_sc"} <= set(theory.columns)
    for fig in ("phase_linear_transfer", "phase_fine_tune", "slices", "scratch", "ridge", "pretraining",
                "phase_linear_transfer_tuned", "fine_tune_theta"):
        png = wd / f"res/tiny/figures/{fig}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
        assert (wd / f"res/tiny/figures/{fig}.pdf").read_bytes()[:4] == b"%PDF"


def test_nothing_to_do_after_a_complete_run(tiny_run):
    out = smk(tiny_run, "-n", "--cores", "2")
    assert "Nothing to be done" in out.stdout + out.stderr


def test_extending_the_grid_runs_only_new_cells(tiny_run, tmp_path):
    wd = tiny_run
    before = {p: p.stat().st_mtime_ns for p in (wd / "res/tiny").glob("*/*.npz")}
    cfg = yaml.safe_load((wd / "cfg.yaml").read_text())
    cfg["experiments"]["tiny"]["theta_deg"] = [30, 45, 60]
    _write(wd, cfg)
    out = smk(wd, "-n", "--cores", "2")
    counts = job_counts(out.stdout + out.stderr)
    # the two new cells (a linear-transfer and a fine-tuning job each), the tables, and every figure (one job each)
    assert counts == {
        "linear_linear_transfer": 2, "linear_fine_tune": 2, "linear_aggregate": 1, "linear_agreement_all": 1,
        **{f"linear_figure_{f}": 1 for f in ("phase_linear_transfer", "phase_fine_tune", "slices", "scratch",
                                              "ridge", "pretraining", "phase_linear_transfer_tuned",
                                              "fine_tune_theta", "scratch_double_descent", "overview")},
        "all": 1,
    }, counts
    smk(wd, "--cores", "2")
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())
    for kind in ("linear_transfer", "fine_tune"):
        assert (wd / f"res/tiny/{kind}/theta45_gamma0.5_seed0.npz").exists()
    _write(wd, TINY)  # restore for other tests


def test_cells_are_bit_identical_with_one_or_two_cores(tiny_run, tmp_path):
    _write(tmp_path, TINY)
    smk(tmp_path, "--cores", "1")
    one, two = cell_arrays(tmp_path), cell_arrays(tiny_run)
    assert set(one) <= set(two) and len(one) >= 14  # tasks, pretrain, 2 designs, 2 scratch, 4 cells x 2 files
    for name, arrays in one.items():
        for key, value in arrays.items():
            assert np.array_equal(value, two[name][key]), (name, key)


def test_bad_config_stops_before_any_job(tmp_path):
    bad = yaml.safe_load(yaml.safe_dump(TINY))
    bad["experiments"]["tiny"]["sigma"] = -1
    _write(tmp_path, bad)
    out = smk(tmp_path, "--cores", "1", check=False)
    assert out.returncode != 0
    assert "experiments.tiny.sigma" in out.stdout + out.stderr
    assert not (tmp_path / "res").exists()


def test_report_bundles_every_figure_with_a_caption(tiny_run):
    smk(tiny_run, "--report", str(tiny_run / "report.html"))
    html = (tiny_run / "report.html").read_text(errors="replace")
    for fig in ("phase_linear_transfer", "phase_fine_tune", "slices", "ridge", "pretraining", "overview"):
        assert f"{fig}.png" in html, fig
    assert "Features are fate" in html
    assert "Phase diagrams" in html and "Agreement" in html


def test_plan_counts_done_and_remaining_cells(tiny_run):
    from transferability.plan import plan_report

    text = plan_report(str(tiny_run / "cfg.yaml"), str(tiny_run), cores=2)
    assert "tiny: 4 transfer cells (2 theta x 2 gamma x 1 seed), 4 done, 0 to do" in text
    cfg = yaml.safe_load((tiny_run / "cfg.yaml").read_text())
    cfg["experiments"]["tiny"]["gamma"] = [0.5, 1.5, 2.0]
    (tiny_run / "plan.yaml").write_text(yaml.safe_dump(cfg))
    text = plan_report(str(tiny_run / "plan.yaml"), str(tiny_run), cores=2)
    assert "6 transfer cells" in text and "4 done, 2 to do" in text
    assert "estimate from recorded benchmarks" in text
