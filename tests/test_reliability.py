"""Interrupted runs, stale and corrupt cells, bad input and concurrent runs never lose or mix results."""

import copy
import os
import shutil
import signal
import subprocess
import time

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workflow_utils import SNAKEMAKE, TINY, _write, cell_arrays, smk

from transferability.config import ConfigError, load_schema, validate_config
from transferability.linear.config import experiments

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run of the tiny config."""
    wd = tmp_path_factory.mktemp("reference")
    _write(wd, TINY)
    smk(wd, "--cores", "2")
    return cell_arrays(wd)


def _start(wd):
    cmd = SNAKEMAKE + ["-d", str(wd), "--configfile", str(wd / "cfg.yaml"), "--cores", "1"]
    # A shell starts background jobs with SIGINT ignored, and children inherit that; restore the default so the
    # Ctrl-C below reaches Snakemake even when the test suite itself runs in the background.
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for(path, count, timeout=120):
    t = time.time()
    while time.time() - t < timeout:
        if path.exists() and len([p for p in path.iterdir() if p.suffix == ".npz"]) >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {count} files in {path}")


def _assert_same(a, b):
    assert set(a) == set(b)
    for name in a:
        for key in a[name]:
            assert np.array_equal(a[name][key], b[name][key]), (name, key)


def test_sigint_then_plain_rerun_gives_identical_results(tmp_path, reference):
    _write(tmp_path, TINY)
    p = _start(tmp_path)
    _wait_for(tmp_path / "res/tiny/linear_transfer", 1)
    os.killpg(p.pid, signal.SIGINT)
    p.communicate(timeout=60)
    assert not (tmp_path / "res/tiny/runs.csv").exists()  # really interrupted
    smk(tmp_path, "--cores", "2")  # the plain command resumes (profiles/default sets rerun-incomplete)
    _assert_same(cell_arrays(tmp_path), reference)


def test_sigkill_mid_cell_then_unlock_and_rerun_gives_identical_results(tmp_path, reference):
    _write(tmp_path, TINY)
    p = _start(tmp_path)
    _wait_for(tmp_path / "res/tiny/scratch", 1)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    kept = {q: q.stat().st_mtime_ns for q in (tmp_path / "res/tiny").glob("*/*.npz")}
    assert kept, "some cells had finished before the kill"
    out = smk(tmp_path, "--cores", "2", check=False)
    assert out.returncode != 0 and "--unlock" in out.stdout + out.stderr  # the lock survives a hard kill
    smk(tmp_path, "--unlock")
    smk(tmp_path, "--cores", "2")
    # finished cells are kept; only the job that was running at the kill (one core) may be redone
    redone = [q for q, t in kept.items() if q.stat().st_mtime_ns != t]
    assert len(redone) <= 1, redone
    _assert_same(cell_arrays(tmp_path), reference)
    assert not list((tmp_path / "res").rglob("*.tmp"))


def test_cell_from_another_config_is_refused_by_aggregation(tmp_path):
    other = copy.deepcopy(TINY)
    other["experiments"]["tiny"]["sigma"] = 0.5
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _write(tmp_path / "a", TINY)
    _write(tmp_path / "b", other)
    smk(tmp_path / "a", "--cores", "2")
    smk(tmp_path / "b", "--cores", "2", "--until", "linear_linear_transfer")
    cell = "res/tiny/linear_transfer/gamma0.5_seed0.npz"
    shutil.copy(tmp_path / "b" / cell, tmp_path / "a" / cell)
    shutil.rmtree(tmp_path / "a" / ".snakemake")  # Snakemake's own metadata gone, as after copying results around
    out = smk(tmp_path / "a", "--cores", "1", "--forcerun", "linear_aggregate", check=False)
    log = (tmp_path / "a/res/tiny/logs/aggregate.log").read_text()
    assert out.returncode != 0
    assert cell in log and "sigma: file has 0.5, config wants 0.2" in log


def test_corrupt_cell_is_named_with_the_remedy(tmp_path):
    _write(tmp_path, TINY)
    smk(tmp_path, "--cores", "2")
    cell = tmp_path / "res/tiny/fine_tune/theta60_gamma1.5_seed0.npz"
    cell.write_bytes(cell.read_bytes()[:300])
    out = smk(tmp_path, "--cores", "1", "--forcerun", "linear_aggregate", check=False)
    log = (tmp_path / "res/tiny/logs/aggregate.log").read_text()
    assert out.returncode != 0
    assert "fine_tune/theta60_gamma1.5_seed0.npz is truncated or corrupt" in log
    assert "delete it and run the same snakemake command again" in log


def test_divergence_fails_the_job_with_the_remedy(tmp_path):
    cfg = copy.deepcopy(TINY)
    cfg["experiments"]["tiny"]["train"] = {"lr_scale": 50.0, "grad_weight": 0.0}
    _write(tmp_path, cfg)
    out = smk(tmp_path, "--cores", "1", check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "diverged" in text and "train.lr_scale" in text


def test_two_runs_on_one_directory_do_not_mix(tmp_path, reference):
    _write(tmp_path, TINY)
    first = _start(tmp_path)
    _wait_for(tmp_path / "res/tiny/tasks", 1)
    second = smk(tmp_path, "--cores", "1", check=False)
    assert second.returncode != 0 and "cannot be locked" in second.stdout + second.stderr
    assert first.wait(timeout=300) == 0
    _assert_same(cell_arrays(tmp_path), reference)


# ---- property-based tests of config validation ----

_KEYS = ["d", "sigma", "instances", "theta_deg", "gamma", "depth", "init_scale", "seeds", "ridge"]
_BAD_VALUES = {
    "d": st.one_of(st.integers(max_value=2), st.integers(min_value=100_001), st.text(max_size=3),
                   st.floats(min_value=3.01, max_value=1000).filter(lambda x: x != int(x))),
    "sigma": st.one_of(st.floats(max_value=-1e-9), st.text(min_size=1, max_size=3), st.just(float("nan")), st.just(float("inf"))),
    "instances": st.one_of(st.integers(max_value=0), st.just("ten"), st.just(2.5)),
    "theta_deg": st.one_of(st.just([]), st.lists(st.floats(min_value=180.001, max_value=1e6), min_size=1, max_size=3),
                           st.just([30, 30]), st.just("30")),
    "gamma": st.one_of(st.just([]), st.lists(st.floats(max_value=0), min_size=1, max_size=3), st.just([0.5, 0.5])),
    "depth": st.one_of(st.integers(max_value=1), st.just("two")),
    "init_scale": st.one_of(st.floats(max_value=0), st.just(None)),
    "seeds": st.one_of(st.just([]), st.just([-1]), st.just([0, 0])),
    "ridge": st.one_of(st.just([-0.1]), st.just([])),
}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(_KEYS), data=st.data())
def test_invalid_values_are_rejected_naming_the_key(key, data):
    cfg = copy.deepcopy(TINY)
    cfg["experiments"]["tiny"][key] = data.draw(_BAD_VALUES[key])
    with pytest.raises(ConfigError) as err:
        validate_config(cfg)
    assert f"experiments.tiny.{key}" in str(err.value)


@settings(max_examples=30, deadline=None)
@given(
    drop=st.sampled_from(["d", "sigma", "instances", "theta_deg", "gamma"]),
    extra=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8),
    name=st.sampled_from(["../x", "a/b", "", ".h", "x y", "~"]),
)
def test_missing_unknown_keys_and_unsafe_names_are_rejected(drop, extra, name):
    base = copy.deepcopy(TINY)
    del base["experiments"]["tiny"][drop]
    with pytest.raises(ConfigError, match=rf"experiments\.tiny\.{drop}'"):
        validate_config(base)
    if extra not in load_schema()["$defs"]["experiment"]["properties"]:
        cfg = copy.deepcopy(TINY)
        cfg["experiments"]["tiny"][extra] = 1
        with pytest.raises(ConfigError, match=rf"experiments\.tiny\.{extra}': unknown key"):
            validate_config(cfg)
    cfg = copy.deepcopy(TINY)
    cfg["experiments"] = {name: TINY["experiments"]["tiny"]}
    cfg["run"] = [name]
    with pytest.raises(ConfigError):
        validate_config(cfg)


_valid_experiment = st.fixed_dictionaries(
    {
        "d": st.integers(min_value=4, max_value=12),
        "sigma": st.floats(min_value=0, max_value=1),
        "instances": st.integers(min_value=1, max_value=3),
        "theta_deg": st.lists(st.sampled_from([0, 15, 30, 45, 90, 135, 180]), min_size=1, max_size=2, unique=True),
        "gamma": st.lists(st.sampled_from([0.75, 1.5, 2.0]), min_size=1, max_size=2, unique=True),
        "train": st.just({"max_steps": 3000}),
    }
)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(exp=_valid_experiment)
def test_small_valid_configs_run(tmp_path_factory, exp):
    cfg = {"results": "res", "run": ["h"], "experiments": {"h": exp}}
    (e,) = experiments(validate_config(cfg))
    wd = tmp_path_factory.mktemp("hyp")
    _write(wd, cfg)
    smk(wd, "--cores", "2")
    runs = __import__("pandas").read_csv(wd / "res/h/runs.csv")
    assert len(runs) == e.instances * len(e.gammas) * (2 + len(e.thetas_deg) * (1 + len(e.ridge)))
    assert yaml.safe_load((wd / "cfg.yaml").read_text()) == cfg
