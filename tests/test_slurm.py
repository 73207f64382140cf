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
    # 14 per-job files (tasks, pretrain, 2 designs, 2 scratch, 4 cells x (linear transfer, fine-tuning)) go out
    # as a few SLURM jobs
    assert 1 <= len(first) <= 4, first

    kept = {p: p.stat().st_mtime_ns for p in (remote / "res/tiny").glob("*/*.npz")}
    cfg = copy.deepcopy(TINY)
    cfg["experiments"]["tiny"]["theta_deg"] = [30, 45, 60]
    _write(remote, cfg)
    before = _sacct_ids()
    _slurm(remote)
    second = _sacct_ids() - before
    assert len(second) == 1, second  # the two new cells (4 jobs), bundled in one group job
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())
    for kind in ("linear_transfer", "fine_tune"):
        assert (remote / f"res/tiny/{kind}/theta45_gamma1.5_seed0.npz").exists()
