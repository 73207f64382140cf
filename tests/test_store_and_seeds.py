"""Cell files (atomic, verified) and deterministic seeding."""

import os

import numpy as np
import pytest

from transferability.core.seeding import rng_for
from transferability.core.store import CellFileError, StaleCellError, load_cell, save_cell
from transferability.linear import tasks


def test_round_trip_and_stale_spec(tmp_path):
    path = tmp_path / "c.npz"
    spec = {"job": "cell", "theta_deg": 30.0, "inputs": {"a": {"n": 3}}}
    save_cell(path, spec, {"x": np.arange(3.0)})
    got_spec, arrays = load_cell(path, expect=spec)
    assert got_spec == spec and np.array_equal(arrays["x"], [0.0, 1.0, 2.0])
    with pytest.raises(StaleCellError, match=r"theta_deg: file has 30.0, config wants 45.0"):
        load_cell(path, expect={**spec, "theta_deg": 45.0})
    assert not list(tmp_path.glob(".*tmp"))  # no temporary files left behind


@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_corrupt_files_are_detected_with_a_remedy(tmp_path, damage):
    path = tmp_path / "c.npz"
    save_cell(path, {"job": "x"}, {"x": np.arange(1000.0)})
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2] if damage == "truncate" else raw[:100] + b"\x00" * 50 + raw[150:])
    with pytest.raises(CellFileError, match=r"c.npz.*(truncated or corrupt).*run the same snakemake command again"):
        load_cell(path)


def test_missing_file(tmp_path):
    with pytest.raises(CellFileError, match="missing"):
        load_cell(tmp_path / "none.npz")


def test_streams_depend_only_on_their_keys():
    a = rng_for(0, "design", 50, 100, 3).standard_normal(5)
    _ = rng_for(0, "design", 60, 100, 3).standard_normal(5)  # another stream in between changes nothing
    assert np.array_equal(a, rng_for(0, "design", 50, 100, 3).standard_normal(5))
    assert not np.array_equal(a, rng_for(0, "design", 50, 100, 4).standard_normal(5))
    assert not np.array_equal(a, rng_for(0, "scratch_init", 50, 100, 3).standard_normal(5))


def test_designs_and_tasks_extend_without_changing_existing_instances():
    small = tasks.make_design(20, 30, 2, seed=1)
    big = tasks.make_design(20, 30, 4, seed=1)
    assert np.array_equal(small.s, big.s[:2]) and np.array_equal(small.e, big.e[:2])
    bs, nu = tasks.make_tasks(30, 3, seed=1)
    assert np.allclose(np.linalg.norm(bs, axis=1), 1) and np.allclose(np.einsum("bd,bd->b", bs, nu), 0)


def test_a_writer_never_removes_another_live_writers_temporary_file(tmp_path):
    """Temporary names carry host and pid: a live writer's file survives; one left by a dead process is cleaned."""
    import socket
    import subprocess
    import sys

    target = tmp_path / "cell.npz"
    host = socket.gethostname()
    live = tmp_path / f".cell.npz.{host}-{os.getpid()}.abc.tmp"  # this test process: alive
    dead_pid = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout.strip()
    dead = tmp_path / f".cell.npz.{host}-{dead_pid}.def.tmp"
    other_host = tmp_path / ".cell.npz.elsewhere-1.ghi.tmp"
    for p in (live, dead, other_host):
        p.write_bytes(b"partial")
    save_cell(target, {"job": "x"}, {"a": np.arange(3)})
    assert live.exists() and other_host.exists() and not dead.exists()
    np.testing.assert_array_equal(load_cell(target, expect={"job": "x"})[1]["a"], np.arange(3))
    assert not [p for p in tmp_path.glob(".cell.npz.*.tmp") if p not in (live, other_host)]
