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
    # why GD stopped: 0 converged, 1 step budget, 2 predicted from the convergence rate, 3 from the design's
    # spectrum (never for a converged run)
    assert set(runs.stop_reason) <= {0, 1, 2, 3} and (runs.converged == (runs.stop_reason == 0)).all()
    means = pd.read_csv(wd / "res/tiny/cell_means.csv")
    assert (means.stopped_by_rate + means.stopped_by_spectrum <= means.unconverged).all()
    ft = runs[runs.method == "fine_tune"]
    assert np.allclose(ft["T"], ft.merge(runs[runs.method == "scratch"], on=["gamma", "instance"]).eval("risk_y - risk_x"))
    agree = pd.read_csv(wd / "res/agreement.csv")
    assert set(agree.method) == {"scratch", "linear_transfer", "fine_tune"}
    assert (agree.unconverged_away == 0).all()
    theory = pd.read_csv(wd / "res/tiny/theory.csv")
    assert {"T_lt_exact", "T_ft_exact", "R_sc"} <= set(theory.columns)
    for fig in ("phase_linear_transfer", "phase_fine_tune", "slices", "scratch", "ridge", "pretraining",
                "fine_tune_theta"):
        png = wd / f"res/tiny/figures/{fig}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
        assert not (wd / f"res/tiny/figures/{fig}.pdf").exists()  # PDFs only on request (pdf: true)
    # no weight-decay list to tune over: the tuned-baseline diagram would repeat the untuned one, so it is not drawn
    assert not (wd / "res/tiny/figures/phase_linear_transfer_tuned.png").exists()


def test_nothing_to_do_after_a_complete_run(tiny_run):
    out = smk(tiny_run, "-n", "--cores", "2")
    assert "Nothing to be done" in out.stdout + out.stderr


def _linear_transfer_by_angle(arrays: dict, thetas) -> dict:
    """Each linear-transfer file's (T, B, K) arrays split by angle: {(file, theta, key): (B, K) array}."""
    return {(name, th, key): cell[key][i] for name, cell in arrays.items() if name.startswith("linear_transfer/")
            for key in ("risk", "train_loss") for i, th in enumerate(thetas)}


def test_extending_the_grid_runs_only_new_cells(tiny_run, tmp_path):
    wd = tiny_run
    before = {p: p.stat().st_mtime_ns for p in (wd / "res/tiny").glob("*/*.npz")}
    old_arrays = cell_arrays(wd)
    cfg = yaml.safe_load((wd / "cfg.yaml").read_text())
    old_thetas = cfg["experiments"]["tiny"]["theta_deg"]
    assert old_thetas == [30, 60]
    cfg["experiments"]["tiny"]["theta_deg"] = [30, 45, 60]
    _write(wd, cfg)
    try:
        out = smk(wd, "-n", "--cores", "2")
        counts = job_counts(out.stdout + out.stderr)
        # the fine-tuning job of each gamma row (it makes only the row's new cell: below), the linear-transfer
        # job of each gamma (one job covers every angle, so it is rewritten with the new one), the tables (with
        # their report pages), and the figures (one job per experiment, one for the figures across experiments)
        assert counts == {
            "linear_linear_transfer": 2, "linear_fine_tune_tiny": 2, "linear_aggregate": 1,
            "linear_agreement_all": 1,
            "linear_figures_tiny": 1, "linear_figures_all": 1,
            "all": 1,
        }, counts
        smk(wd, "--cores", "2")
        for gamma in ("0.5", "1.5"):
            log = (wd / f"res/tiny/logs/fine_tune/gamma{gamma}_seed0.log").read_text().splitlines()
            assert "batch: 1 of 3 files to make (the other 2 are up to date)" in log[-3], log
        new_arrays = cell_arrays(wd)
        # every file other than the linear-transfer ones keeps its content; all but the fine-tuning cells also
        # their mtime (Snakemake touches every output of a job it ran, and a row's old cells are outputs of its
        # fine-tuning job; the log above shows that job made only the new cell)
        kept = {p: t for p, t in before.items() if p.parent.name != "linear_transfer"}
        assert {p.parent.name for p in kept} == {"tasks", "pretrain", "design", "scratch", "fine_tune"}
        assert len(kept) == 10
        assert all(p.stat().st_mtime_ns == t for p, t in kept.items() if p.parent.name != "fine_tune")
        for p in kept:
            name = str(p.relative_to(wd / "res/tiny"))
            for key, value in old_arrays[name].items():
                assert np.array_equal(new_arrays[name][key], value), (name, key)
        # the rewritten linear-transfer files hold the old angles bit-identically, and the new one
        lt = sorted(p for p in before if p.parent.name == "linear_transfer")
        assert [p.name for p in lt] == ["gamma0.5_seed0.npz", "gamma1.5_seed0.npz"]
        old_lt = _linear_transfer_by_angle(old_arrays, old_thetas)
        new_lt = _linear_transfer_by_angle(new_arrays, cfg["experiments"]["tiny"]["theta_deg"])
        assert len(old_lt) == 8 and len(new_lt) == 12
        for k, value in old_lt.items():
            assert np.array_equal(new_lt[k], value), k
        for name in ("linear_transfer/gamma0.5_seed0.npz", "linear_transfer/gamma1.5_seed0.npz"):
            assert new_arrays[name]["risk"].shape == (3, 3, 2)  # (angles, instances, ridge values)
            assert np.array_equal(new_arrays[name]["feature_rank"], old_arrays[name]["feature_rank"])
        for gamma in ("0.5", "1.5"):
            assert (wd / f"res/tiny/fine_tune/theta45_gamma{gamma}_seed0.npz").exists()
    finally:
        _write(wd, TINY)  # restore for other tests: the linear-transfer files go back to the two angles
        smk(wd, "--cores", "2")
    restored = cell_arrays(wd)
    for name in ("linear_transfer/gamma0.5_seed0.npz", "linear_transfer/gamma1.5_seed0.npz"):
        for key, value in old_arrays[name].items():
            assert np.array_equal(restored[name][key], value), (name, key)


def test_cells_are_bit_identical_with_one_or_two_cores(tiny_run, tmp_path):
    _write(tmp_path, TINY)
    smk(tmp_path, "--cores", "1")
    one, two = cell_arrays(tmp_path), cell_arrays(tiny_run)
    # tasks, pretrain, 2 designs, 2 scratch, 2 linear transfer (one per gamma), 4 fine-tuning cells
    assert set(one) <= set(two) and len(one) == 12
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
    assert "1 Phase diagrams" in html and "5 Agreement" in html and "7 Tables" in html
    # small tables as HTML pages read in place, the long ones as CSV to download
    for table in ("agreement.html", "cell_means.html", "fine_tune_break_even.html", "pretraining.html",
                  "runs.csv", "theory.csv"):
        assert table in html, table
    assert "Experiments in this report: tiny." in html  # the built experiments, not every one in the config
    page = (tiny_run / "res/tiny/report/agreement.html").read_text()
    agree = pd.read_csv(tiny_run / "res/tiny/agreement.csv")
    assert page.count("<tr") == len(agree) + 1 and f"{len(agree):,} rows" in page


def test_plan_counts_done_and_remaining_cells(tiny_run):
    from transferability.plan import plan_report

    text = plan_report(str(tiny_run / "cfg.yaml"), str(tiny_run), cores=2)
    assert "tiny: 4 transfer cells (2 theta x 2 gamma x 1 seed), 4 done, 0 to do; 0 of 10 jobs to run" in text
    cfg = yaml.safe_load((tiny_run / "cfg.yaml").read_text())
    cfg["experiments"]["tiny"]["gamma"] = [0.5, 1.5, 2.0]
    (tiny_run / "plan.yaml").write_text(yaml.safe_dump(cfg))
    text = plan_report(str(tiny_run / "plan.yaml"), str(tiny_run), cores=2)
    # the new gamma: its design, scratch and linear-transfer jobs and its row's fine-tuning job (2 cells)
    assert "6 transfer cells" in text and "4 done, 2 to do; 4 of 14 jobs to run" in text
    assert "estimate from recorded benchmarks" in text
    # and the whole job count, the same as Snakemake's own dry run
    (tiny_run / "cfg_backup.yaml").write_text((tiny_run / "cfg.yaml").read_text())
    (tiny_run / "cfg.yaml").write_text((tiny_run / "plan.yaml").read_text())
    try:
        total = sum(job_counts(smk(tiny_run, "-n").stdout).values())
    finally:
        (tiny_run / "cfg.yaml").write_text((tiny_run / "cfg_backup.yaml").read_text())
    assert f"snakemake -n plans {total} jobs in all" in text and total > 5


def test_pdf_on_request_reruns_only_figure_jobs(tiny_run):
    wd = tiny_run
    cfg = yaml.safe_load((wd / "cfg.yaml").read_text())
    _write(wd, {**cfg, "pdf": True})
    try:
        counts = job_counts(smk(wd, "-n", "--cores", "2").stdout)
        assert counts == {"linear_figures_tiny": 1, "linear_figures_all": 1, "all": 1}, counts
        smk(wd, "--cores", "2")
        for fig in ("phase_linear_transfer", "ridge", "pretraining"):
            assert (wd / f"res/tiny/figures/{fig}.pdf").read_bytes()[:4] == b"%PDF"
    finally:
        _write(wd, cfg)


def test_shipped_test_config_builds_only_what_it_names_with_plain_snakemake(tmp_path):
    """config/test.yaml merged over config.yaml, as a user runs it (no --cores: the profile uses every core):
    its run list selects the tiny experiment, the distance study and the ReLU study, nothing of config.yaml's."""
    import shutil
    import subprocess

    from workflow_utils import REPO, SNAKEMAKE

    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    cmd = SNAKEMAKE + ["-d", str(tmp_path), "--configfile", str(REPO / "config/test.yaml")]
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    res = tmp_path / "results/test"
    assert sorted(p.name for p in res.iterdir() if p.is_dir()) == ["distances", "figures", "logs", "relu", "report",
                                                                    "tiny"]
    agree = pd.read_csv(res / "agreement.csv")
    assert set(agree.method) == {"scratch", "linear_transfer", "fine_tune"} and (agree.cells > 0).all()
    assert (pd.read_csv(res / "relu/means.csv").flagged == 0).all()
    dist = pd.read_csv(res / "distances/distances.csv")
    assert np.isfinite(dist.select_dtypes("number")).any().any() and len(dist) > 0
    assert "tiny: 60 runs; not converged: 0" in out.stdout and "relu: 60 runs; not converged: 0" in out.stdout
    assert job_counts(out.stdout + out.stderr).get("linear_fine_tune_tiny") == 2  # one job per gamma row
