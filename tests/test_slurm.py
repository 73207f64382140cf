"""The workflow on a real SLURM cluster (single node, started by tests/slurm/cluster.sh; .ci/run does it).

Skipped, with the reason printed, where no cluster is running; fails instead when
TRANSFERABILITY_REQUIRE_SLURM=1 (set by .ci/run after it started the cluster).
"""

import copy
import os
import shutil
import subprocess

import numpy as np
import pytest
from workflow_utils import REPO, TINY, _write, cell_arrays, smk

pytestmark = pytest.mark.workflow


def _cluster_up() -> bool:
    if not shutil.which("sinfo"):
        return False
    out = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True)
    return out.returncode == 0 and ("idle" in out.stdout or "mix" in out.stdout)


@pytest.fixture(scope="module")
def cluster():
    if not _cluster_up():
        if os.environ.get("TRANSFERABILITY_REQUIRE_SLURM") == "1":
            pytest.fail("TRANSFERABILITY_REQUIRE_SLURM=1 but no SLURM cluster answers (sinfo)")
        pytest.skip("NO SLURM CLUSTER RUNNING: the SLURM integration test did not run "
                    "(start one as root with tests/slurm/cluster.sh start)")
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        pytest.fail('snakemake-executor-plugin-slurm is not installed: pip install -e ".[slurm]"')


def _sacct_ids() -> set[str]:
    out = subprocess.run(["sacct", "-X", "-n", "-P", "-o", "JobID", "-S", "now-1days"], capture_output=True,
                         text=True, check=True)
    return set(out.stdout.split())


def _slurm(wd, *extra):
    return smk(wd, "--profile", str(REPO / "profiles" / "slurm"), "--default-resources", "slurm_account=root",
               "--slurm-init-seconds-before-status-checks", "2", "--jobs", "4", "--cores", "2", *extra)


def test_cluster_run_equals_local_run_and_extends_incrementally(cluster, tmp_path):
    local, remote = tmp_path / "local", tmp_path / "slurm"
    local.mkdir()
    remote.mkdir()
    _write(local, TINY)
    _write(remote, TINY)
    smk(local, "--cores", "2")
    before = _sacct_ids()
    _slurm(remote)
    first = _sacct_ids() - before
    a, b = cell_arrays(local), cell_arrays(remote)
    assert set(a) == set(b)
    for name in a:
        for key in a[name]:
            assert np.array_equal(a[name][key], b[name][key]), (name, key)
    # 12 per-job files (tasks, pretrain, 2 x (design, scratch, linear transfer), 4 fine-tuning cells made by 2
    # gamma-row jobs) go out as a few SLURM jobs
    assert len(a) == 12
    assert 1 <= len(first) <= 4, first

    # every file but linear transfer's (one per gamma, holding every angle) is kept as it is
    kept = {p: p.stat().st_mtime_ns for p in (remote / "res/tiny").glob("*/*.npz")
            if p.parent.name != "linear_transfer"}
    assert len(kept) == 10
    cfg = copy.deepcopy(TINY)
    cfg["experiments"]["tiny"]["theta_deg"] = [30, 45, 60]
    _write(remote, cfg)
    before = _sacct_ids()
    _slurm(remote)
    second = _sacct_ids() - before
    # the two gamma rows' fine-tuning jobs (each makes only its new cell) bundled in one group job ("cells"), and
    # the two rewritten linear-transfer jobs (one per gamma) in another ("baselines")
    assert len(second) == 2, second
    # Snakemake renews the time stamps of a batch job's outputs; the old fine-tuning cells keep their content
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items() if p.parent.name != "fine_tune")
    c = cell_arrays(remote)
    for name in a:
        if name.startswith("fine_tune/"):
            for key in a[name]:
                assert np.array_equal(c[name][key], a[name][key]), (name, key)
    assert (remote / "res/tiny/fine_tune/theta45_gamma1.5_seed0.npz").exists()
    for gamma in ("0.5", "1.5"):
        name = f"linear_transfer/gamma{gamma}_seed0.npz"
        assert c[name]["risk"].shape[0] == 3  # the new angle too
        for key in ("risk", "train_loss"):  # the old angles (positions 0 and 1 before, 0 and 2 now) unchanged
            assert np.array_equal(c[name][key][[0, 2]], a[name][key]), (name, key)


def test_cluster_runs_the_relu_study_like_a_local_run(cluster, tmp_path):
    """A tiny ReLU block on SLURM gives the same per-job files, bit for bit, as on the local machine, and every
    job asks for the run time of the study's cost model (``ReluStudy.resources``)."""
    from test_relu_study import TINY_RELU
    from transferability.core.store import load_cell
    from transferability import config as tcfg

    local, remote = tmp_path / "local", tmp_path / "slurm"
    for wd in (local, remote):
        wd.mkdir()
        _write(wd, TINY_RELU)
    smk(local, "--cores", "2")
    before = _sacct_ids()
    _slurm(remote)
    jobs = _sacct_ids() - before
    files = sorted(p.relative_to(local) for p in (local / "res/relu").glob("*/*.npz"))
    assert len(files) == 2 * 2 + 3 + 2 * 3  # pretraining and linear transfer per mu, scratch per n, cells
    for rel in files:
        a, b = load_cell(local / rel)[1], load_cell(remote / rel)[1]
        assert set(a) == set(b)
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=f"{rel} {key}")  # NaN (no removed neuron) = NaN
    study = tcfg.studies(tcfg.validate_config(TINY_RELU))["relu"]
    expected = {study.resources(kind, {"mu": "0.5", "n": "8", "seed": "0"}, 1)["runtime"]
                for kind in ("pretrain", "scratch", "linear_transfer", "fine_tune")}
    out = subprocess.run(["sacct", "-X", "-n", "-P", "-o", "JobID,TimelimitRaw", "-S", "now-1days"],
                         capture_output=True, text=True, check=True).stdout
    limits = {int(line.split("|")[1]) for line in out.split() if line.split("|")[0] in jobs}
    # a group job (bundled cells) asks for the sum of its members' minutes, never less than one of them
    assert jobs and limits and min(limits) >= min(expected), (limits, expected)
