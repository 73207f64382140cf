"""The ReLU study's configuration, tables and workflow (tiny grid end to end)."""

import numpy as np
import pandas as pd
import pytest
import yaml
from workflow_utils import _write, job_counts, smk

from transferability import config as tcfg
from transferability.linear.study import LinearStudy
from transferability.relu.aggregate import relu_tables
from transferability.relu.study import ReluStudy

TINY_RELU = {
    "results": "res",
    "relu": {
        "d": 6, "m_star": 6, "width": 40, "instances": 2, "mu": [0.0, 0.5], "n": [8, 16, 24],
        "ridge": [0.0, 1.0e-2], "kernel_points": 50, "kernel_figure_mu": 0.5,
        "train": {"tol": 1.0e-4},
    },
}


def _errors(relu_block: dict, experiments: dict | None = None) -> str:
    with pytest.raises(tcfg.ConfigError) as err:
        tcfg.validate_config({"experiments": experiments or {}, "relu": relu_block})
    return str(err.value)


def test_relu_config_errors_name_the_key():
    assert "relu.mu[1]': 1.0 is outside [0, 1)" in _errors({"mu": [0.0, 1.0]})
    assert "relu.mu[0]': 0.9 leaves no source neuron" in _errors({"mu": [0.9], "m_star": 2, "kernel_figure_mu": 0.9})
    assert "relu.phase_lambda" in _errors({"phase_lambda": 0.5})
    assert "relu.kernel_figure_mu" in _errors({"kernel_figure_mu": 0.25})
    assert "relu.n': need at least 3" in _errors({"n": [10, 20]})
    assert "relu.train.lr_max" in _errors({"train": {"lr": 2.0, "lr_max": 1.0}})
    assert "relu.width" in _errors({"width": 0})
    assert "'relu.teacher_output': zero_mean needs an even m_star (got 5)" in _errors(
        {"teacher_output": "zero_mean", "m_star": 5})
    assert "relu.teacher_output" in _errors({"teacher_output": "centred"})
    assert "'relu.depth': unknown key" in _errors({"depth": 3})
    assert "experiments.relu" in _errors({}, experiments={"relu": {"d": 10, "sigma": 0, "instances": 1,
                                                                   "theta_deg": [30], "gamma": [0.5]}})
    with pytest.raises(tcfg.ConfigError, match="'run': nothing to build"):
        tcfg.validate_config({"relu": None})


def test_relu_only_config_is_valid_and_specs_carry_their_inputs():
    cfg = tcfg.validate_config({"relu": {}})
    built = tcfg.studies(cfg)
    assert list(built) == ["relu"]
    study = built["relu"]
    r = study.cfg
    assert r.mus[0] == 0.0 and r.ns == (10, 20, 40, 80, 160, 320) and r.pretrain["tol"] == 1e-4
    pretrain = study.spec("pretrain", {"mu": "0.5", "seed": "0"})
    # a transfer cell is two jobs, each on the pretrained student: its fine-tuning job and the linear-transfer job
    # of its (mu, seed), which covers every n
    cell = {"mu": "0.5", "n": "40", "seed": "0"}
    assert study.cell_files(cell) == [study.job("fine_tune", **cell), study.job("linear_transfer", mu="0.5", seed="0")]
    for kind, wc in (("linear_transfer", {"mu": "0.5", "seed": "0"}), ("fine_tune", cell)):
        spec = study.spec(kind, wc)
        assert spec["inputs"]["pretrain"] == pretrain
        assert spec["code"] == ReluStudy.code_versions()[kind] != LinearStudy.code_versions()[kind]
    assert study.spec("linear_transfer", {"mu": "0.5", "seed": "0"})["ns"] == list(r.ns)
    assert ReluStudy.from_record(study.record()).cfg == r
    assert "relu" not in tcfg.studies(tcfg.validate_config({"relu": None, "experiments": {"a": {
        "d": 10, "sigma": 0, "instances": 1, "theta_deg": [30], "gamma": [0.5]}}}))


def _parts(prefix: str, total: float) -> dict:
    """A total split 1 : 2 : 1 over the Hermite degrees (constant, linear, degree >= 2)."""
    return {f"{prefix}_deg0": total / 4, f"{prefix}_deg1": total / 2, f"{prefix}_deg2": total / 4}


def test_relu_tables_pair_scratch_and_transfer_per_instance():
    """T = R_scratch - R_transfer per instance; the crossing of T through zero is bracketed by grid values."""
    ns, mus = [10, 20, 40, 80], [0.2, 0.6]
    pre = pd.DataFrame([{"mu": mu, "seed": 0, "instance": b, "steps": 1, "converged": 1.0, "loss": 0.0,
                         "source_var": 1.0, "p_perp": 0.1 * mu, "target_norm2": 1.0, "target_var": 0.5,
                         "cka": 0.99, "cka_init": 0.5, "cka_removed": 0.2, "p_perp_high": 0.05 * mu,
                         **_parts("p_perp", 0.1 * mu), **_parts("target", 1.0)} for mu in mus for b in range(2)])
    scratch = pd.DataFrame([{"n": n, "seed": 0, "instance": b, "risk": 1.0 / n * (1 + 0.1 * b), "converged": True,
                             "steps": 5} for n in ns for b in range(2)])
    rows = []
    for mu in mus:
        for n in ns:
            for b in range(2):
                # instance 1 at mu = 0.6 has an unconverged pretraining: every transfer row of it is flagged
                ok = not (mu == 0.6 and b == 1)
                base = {"mu": mu, "n": n, "seed": 0, "instance": b, "converged": True, "steps": 0,
                        "pretrain_converged": ok, "rank": 3}
                rows.append({**base, "method": "linear_transfer", "lam": 0.01, "risk": 0.1 * mu,
                             **_parts("risk", 0.1 * mu)})
                rows.append({**base, "method": "linear_transfer_limit", "lam": 0.01, "risk": 0.1 * mu,
                             **_parts("risk", 0.1 * mu), "risk_high": 0.05 * mu})
                rows.append({**base, "method": "fine_tune", "lam": np.nan, "risk": 0.5 / n, **_parts("risk", 0.5 / n)})
    t = relu_tables(pre, scratch, pd.DataFrame(rows), phase_lambda=0.01)
    runs = t["runs"]
    assert np.allclose(runs["T"], runs.scratch_risk - runs.risk)
    ft = t["means"].query("method == 'fine_tune' and n == 20")
    assert np.allclose(ft.T_mean, (1.0 / 20 * 1.05) - 0.5 / 20)
    flagged = t["means"].groupby("mu").flagged.sum()
    assert flagged[0.2] == 0 and flagged[0.6] == 3 * len(ns)  # three methods x every n
    assert (t["means"].pretrain_unconverged == t["means"].flagged).all()
    th = t["theory"].set_index("mu")
    # mean scratch risk 1.05/n meets 0.02 (mu = 0.2) between n = 40 and 80, and 0.06 (mu = 0.6) between 10 and 20
    assert th.loc[0.2, "n_cross_lt_lo"] == 40 and th.loc[0.2, "n_cross_lt_hi"] == 80
    assert th.loc[0.6, "n_cross_lt_lo"] == 10 and th.loc[0.6, "n_cross_lt_hi"] == 20
    # the fitted law is exact here (nu = 1, A = 1.05): n* = 1.05 / p_perp
    assert t["fit"].nu.iloc[0] == pytest.approx(1.0) and th.loc[0.2, "n_star"] == pytest.approx(1.05 / 0.02, rel=1e-6)
    assert th.loc[0.2, "n_cross_lt"] == pytest.approx(1.05 / 0.02, rel=0.1)  # T interpolated linearly in log n
    # degree parts are carried through: means per cell, theory per mu; no subspace readout (no lambda = 0) here
    assert th.loc[0.6, "lt_limit_deg1"] == pytest.approx(0.03) and th.loc[0.6, "p_perp_deg0"] == pytest.approx(0.015)
    assert th.loc[0.6, "lt_limit_high"] == pytest.approx(0.03) and th.loc[0.6, "p_perp_high"] == pytest.approx(0.03)
    assert t["means"].query("method == 'fine_tune' and n == 20").risk_deg2_mean.iloc[0] == pytest.approx(0.5 / 80)
    assert not any(c.startswith("subspace_") for c in th.columns)


@pytest.mark.workflow
def test_tiny_relu_study_end_to_end_and_extends_incrementally(tmp_path):
    _write(tmp_path, TINY_RELU)
    smk(tmp_path, "--cores", "2")
    root = tmp_path / "res/relu"
    runs = pd.read_csv(root / "runs.csv")
    # per (mu, n, instance): one fine-tune, 2 readouts (lambda = 0: the significant subspace), 2 population limits
    assert runs.groupby("method").size().to_dict() == {"fine_tune": 12, "linear_transfer": 24,
                                                      "linear_transfer_limit": 24}
    assert runs.risk.notna().all() and (runs.risk >= 0).all() and runs.converged.all()
    # every risk is the sum of its Hermite-degree parts (constant, linear, degree >= 2), each non-negative
    parts = runs[["risk_deg0", "risk_deg1", "risk_deg2"]]
    assert (parts >= 0).all().all() and np.allclose(parts.sum(axis=1), runs.risk, rtol=1e-9, atol=1e-15)
    pre = pd.read_csv(root / "pretraining.csv")
    assert pre.converged.all() and (pre.loss <= 1e-4 * pre.source_var).all()
    assert (pre.cka > 0.9).all() and (pre.cka > pre.cka_init).all()
    theory = pd.read_csv(root / "theory.csv").set_index("mu")
    assert theory.loc[0.0, "p_perp"] == 0.0 and 0 < theory.loc[0.5, "p_perp"] < theory.loc[0.5, "target_norm2"]
    parts = theory[["p_perp_deg0", "p_perp_deg1", "p_perp_deg2"]].sum(axis=1)
    assert np.allclose(parts, theory.p_perp, rtol=1e-9) and (theory.p_perp_high <= theory.p_perp).all()
    # the equal-weight teacher's constant part is (sum a / sqrt(2 pi))^2 = 1/(2 pi)
    assert np.allclose(theory.target_deg0, 1 / (2 * np.pi))
    # the subspace readout drops the near-zero neurons: fewer directions than neurons, limits of both readouts
    assert (theory.subspace_rank < 40).all() and (theory.subspace_rank >= 3).all()
    assert theory.loc[0.5, "subspace_lt_limit"] < theory.loc[0.5, "target_norm2"]
    # mu = 0: the source is the target, so the readout on the pretrained features is nearly exact at large n
    lt = runs[(runs.method == "linear_transfer") & (runs.mu == 0.0) & (runs.n == 24)]
    assert lt.risk.max() < 0.1 * pd.read_csv(root / "scratch.csv").query("n == 24").risk.mean()
    fit = pd.read_csv(root / "fit.csv")
    assert fit.points.iloc[0] == 3 and np.isfinite(fit.nu.iloc[0])
    for fig in ("phase_linear_transfer", "phase_fine_tune", "scratch_power_law", "p_perp", "degrees", "kernels"):
        png = root / f"figures/{fig}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert not (tmp_path / "res/agreement.csv").exists()  # no linear experiments configured

    before = {p: p.stat().st_mtime_ns for p in root.glob("*/*.npz")}
    cfg = yaml.safe_load(yaml.safe_dump(TINY_RELU))
    cfg["relu"]["mu"] = [0.0, 0.5, 0.75]
    _write(tmp_path, cfg)
    from transferability.plan import plan_report

    text = plan_report(str(tmp_path / "cfg.yaml"), str(tmp_path), cores=2)
    assert "relu: 9 transfer cells (3 mu x 3 n x 1 seed), 6 done, 3 to do; 5 of 18 jobs to run" in text, text
    assert "estimate from recorded benchmarks" in text
    counts = job_counts(smk(tmp_path, "-n", "--cores", "2").stdout)
    # one new pretraining (mu = 0.75), its linear-transfer job (every n), its 3 fine-tuning cells, tables (and
    # their report pages), figures
    assert counts == {"relu_pretrain": 1, "relu_linear_transfer": 1, "relu_fine_tune": 3, "relu_aggregate": 1,
                      "relu_figures": 1,
                      "all": 1}, counts
    smk(tmp_path, "--cores", "2")
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())
    assert len(pd.read_csv(root / "theory.csv")) == 3

    # a new n: its scratch job and fine-tuning cells, and the linear-transfer job of every (mu, seed) (one job
    # covers every n)
    cfg["relu"]["n"] = [8, 16, 24, 32]
    _write(tmp_path, cfg)
    counts = job_counts(smk(tmp_path, "-n", "--cores", "2").stdout)
    assert {k: v for k, v in counts.items() if k != "relu_figures"} == {
        "relu_scratch": 1, "relu_linear_transfer": 3, "relu_fine_tune": 3, "relu_aggregate": 1, "all": 1}, counts


@pytest.mark.workflow
def test_relu_cells_are_bit_identical_with_one_or_two_cores(tmp_path):
    from transferability.core.store import load_cell

    cfg = yaml.safe_load(yaml.safe_dump(TINY_RELU))
    cfg["relu"].update(mu=[0.5], n=[8, 16, 24], kernel_figure_mu=0.5)
    arrays = []
    for cores, wd in (("1", tmp_path / "one"), ("2", tmp_path / "two")):
        wd.mkdir()
        _write(wd, cfg)
        smk(wd, "--cores", cores)
        root = wd / "res/relu"
        arrays.append({str(p.relative_to(root)): load_cell(p)[1] for p in sorted(root.glob("*/*.npz"))})
    # 1 pretraining, 3 scratch, 1 linear-transfer (every n) and 3 fine-tuning files
    assert len(arrays[0]) == 8 and arrays[0].keys() == arrays[1].keys()
    for name, cell in arrays[0].items():
        for key, value in cell.items():
            assert np.array_equal(value, arrays[1][name][key]), (name, key)
