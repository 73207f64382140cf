"""Helpers for tests that run the workflow in a temporary directory."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from transferability.core.store import load_cell

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]
TINY = {
    "results": "res",
    "run": ["tiny"],
    "experiments": {
        "tiny": {
            "d": 12,
            "sigma": 0.2,
            "instances": 3,
            "theta_deg": [30, 60],
            "gamma": [0.5, 1.5],
            "ridge": [0.0, 0.1],
            "slices_deg": [30],
            "train": {"max_steps": 20000},
        }
    },
}


def _write(workdir: Path, cfg: dict) -> Path:
    path = workdir / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def smk(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    cmd = SNAKEMAKE + ["-d", str(workdir), "--configfile", str(workdir / "cfg.yaml"), *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    if check and out.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return out


def job_counts(text: str) -> dict[str, int]:
    """Parse the 'Job stats' table of a (dry) run."""
    block = text.split("Job stats:")[1].split("\n\n")[0] if "Job stats:" in text else ""
    counts = {}
    for line in block.splitlines():
        m = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if m and m.group(1) != "total":
            counts[m.group(1)] = int(m.group(2))
    return counts


def cell_arrays(workdir: Path) -> dict[str, dict]:
    root = workdir / "res/tiny"
    return {str(p.relative_to(root)): load_cell(p)[1] for p in sorted(root.glob("*/*.npz"))}


