"""Memory estimates bound what jobs allocate, and jobs that cannot fit are refused before any job runs."""

import copy
import tracemalloc
from pathlib import Path

import pytest
from workflow_utils import REPO, TINY, _write, smk

from transferability import capacity
from transferability import config as tcfg
from transferability.core.runner import run_batch, run_job

LINEAR = {"relu": None, "distances": None, "experiments": {"m": {
    "d": 120, "width": 90, "depth": 3, "sigma": 0.2, "instances": 4, "theta_deg": [30, 120], "gamma": [0.4, 2.5],
    "ridge": [0.0, 0.1], "scratch_weight_decay": [0.0, 0.01], "fine_tune_rank_one": False,
    "train": {"max_steps": 150}}}}
RELU = {"distances": None, "relu": {
    "d": 20, "m_star": 10, "width": 200, "instances": 2, "mu": [0.5], "n": [20, 100, 400], "ridge": [0.01],
    "phase_lambda": 0.01, "kernel_figure_mu": 0.5, "pretrain": {"max_steps": 20}, "train": {"max_steps": 20}}}


@pytest.mark.parametrize("raw, name", [(LINEAR, "linear"), (RELU, "relu")])
def test_memory_estimate_bounds_the_traced_peak_of_every_job(tmp_path, raw, name):
    """Every job (a whole batch, for a batched kind), run in this process under tracemalloc, allocates at most its
    ``peak_bytes`` estimate. Importing torch (the ReLU pretraining's) is the interpreter's share, outside the
    estimate, so it happens first; torch's own buffers are not traced (pretraining holds two (width, width)
    matrices per evaluation, where the estimate counts eight)."""
    import torch  # noqa: F401
    cfg = tcfg.validate_config({**copy.deepcopy(raw), "results": str(tmp_path / "res")})
    study = tcfg.studies(cfg)[name]
    kinds = set()
    for job in dict.fromkeys(study.job_of(j) for j in study.jobs()):
        kind = study.kinds[job.kind]
        if kind.batch:
            outs = [study.path(job.kind, {**job.wc, kind.batch: v}) for v in study.batch_values(job.kind, job.wc)]
        else:
            outs = [study.path(job.kind, job.wc)]
        Path(outs[0]).parent.mkdir(parents=True, exist_ok=True)
        tracemalloc.start()
        try:
            if kind.batch:
                run_batch(study.batch_specs(job.kind, job.wc), kind.kernel, study.input_paths(job.kind, job.wc),
                          outs, str(tmp_path / "job.log"))
                assert len(outs) > 1
            else:
                run_job(study.spec(job.kind, job.wc), kind.kernel, study.input_paths(job.kind, job.wc), outs[0],
                        str(tmp_path / "job.log"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak <= study.peak_bytes(job.kind, job.wc), (job, peak)
        kinds.add(job.kind)
    assert kinds == set(study.kinds)


def test_a_job_larger_than_memory_is_named_with_its_keys():
    cfg = copy.deepcopy(TINY)
    cfg["experiments"]["tiny"].update(d=100_000, instances=40)
    studies = tcfg.studies(tcfg.validate_config(cfg)).values()
    errors, _ = capacity.check(studies, local=True)
    assert errors and all("experiments.tiny.d" in e and "experiments.tiny.instances" in e for e in errors)
    assert any(e.startswith("job linear_pretrain (exp=tiny, seed=0) needs about") for e in errors)
    small = tcfg.studies(tcfg.validate_config(copy.deepcopy(TINY))).values()
    assert capacity.check(small, local=True) == ([], [])
    # --resources mem_mb below the estimate of every job
    errors, _ = capacity.check(small, local=True, mem_limit_mb=100)
    assert errors and "--resources mem_mb=100" in errors[0]


def test_cluster_requests_below_the_estimate_are_refused_or_reported():
    studies = list(tcfg.studies(tcfg.validate_config(copy.deepcopy(TINY))).values())
    est = {e.rule: e for e in capacity.kind_estimates(studies[0])}
    low = {"mem_mb": {"linear_pretrain": est["linear_pretrain"].mem_mb - 1}, "runtime": {"linear_scratch": 1}}
    errors, warnings = capacity.check(studies, local=False, requested=low)
    assert len(errors) == 1 and errors[0].startswith("job linear_pretrain") and "--set-resources" in errors[0]
    assert len(warnings) == 1 and warnings[0].startswith("job linear_scratch")
    enough = {"mem_mb": {"linear_pretrain": est["linear_pretrain"].mem_mb}}
    assert capacity.check(studies, local=False, requested=enough) == ([], [])


@pytest.mark.workflow
def test_a_run_that_cannot_fit_stops_before_any_job(tmp_path):
    cfg = copy.deepcopy(TINY)
    cfg["experiments"]["tiny"]["d"] = 100_000
    _write(tmp_path, cfg)
    out = smk(tmp_path, "--cores", "1", check=False)
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert "refused before any job ran" in text and "experiments.tiny.d" in text
    assert not (tmp_path / "res").exists()


def test_plan_without_benchmarks_estimates_from_the_prior(tmp_path):
    """A fresh directory has no benchmark files: plan still gives a time, from the studies' priors, which are
    the default config's measured job times when applied to the default config."""
    from transferability.plan import plan_report

    (tmp_path / "config.yaml").write_text((REPO / "config.yaml").read_text())
    text = plan_report("config.yaml", str(tmp_path), cores=2)
    line = text.splitlines()[-1]
    assert line.startswith("estimate: about ") and "from the default config's run times" in line
    seconds = float(line.split("about ")[1].split(" CPU")[0])
    # the default run's job seconds summed to 204 (2026-12-01, benchmarks/bench.py --default; 428 on a slower
    # machine the same day): the prior reproduces that scale
    assert 150 < seconds < 450, seconds
    study = tcfg.studies(tcfg.validate_config(copy.deepcopy(TINY))).values()
    for s in study:
        assert all(s.prior_seconds(j.kind, j.wc) > 0 for j in s.jobs())
