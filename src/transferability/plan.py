"""How much work a config implies, how much is already done, and how long the rest should take.

A per-job file is *to do* when it is missing, unreadable or made with another spec (config values or code
version), when one of its inputs is to do, or when an input file is newer than it: the same rules Snakemake
applies, so ``plan``, ``snakemake -n`` and ``snakemake --summary`` agree on what is left.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import numpy as np

from . import capacity
from . import config as tcfg
from .configfile import read_config_file
from .core.store import load_cell
from .core.study import Job, Study

__all__ = ["merge", "load_merged_config", "job_status", "plan_report"]


def merge(base: dict, over: dict) -> dict:
    """Recursive dict update, as Snakemake merges --configfile over the Snakefile's configfile."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def load_merged_config(configfile: str, directory: str = ".") -> dict:
    """The config Snakemake would use when run in ``directory`` with ``--configfile configfile``.

    As in Snakemake, ``config.yaml`` of the working directory (the Snakefile's ``configfile:``) comes first if it
    exists, and the given file is merged over it.
    """
    base = Path(directory) / "config.yaml"
    path = Path(configfile) if Path(configfile).is_absolute() else Path(directory) / configfile
    cfg = read_config_file(base) if base.exists() else {}
    if not base.exists() or path.resolve() != base.resolve():
        cfg = merge(cfg, read_config_file(path))
    return tcfg.validate_config(cfg, workdir=directory)


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return None


def job_status(study: Study, directory: str = ".") -> dict[Job, str]:
    """``done`` or why a per-job file is to do: ``missing``, ``stale`` (unreadable or another spec),
    ``input to do`` or ``input newer``. Jobs come upstream first, so inputs are decided before their users."""
    status: dict[Job, str] = {}
    for job in study.jobs():
        path = Path(directory) / study.path(job.kind, job.wc)
        inputs = study.inputs(job.kind, job.wc).values()
        mine = _mtime(path)
        if mine is None:
            status[job] = "missing"
            continue
        try:
            load_cell(path, expect=study.spec(job.kind, job.wc))
        except Exception:
            status[job] = "stale"
            continue
        if any(status[j] != "done" for j in inputs):
            status[job] = "input to do"
        elif any((_mtime(Path(directory) / study.path(j.kind, j.wc)) or 0) > mine for j in inputs):
            status[job] = "input newer"
        else:
            status[job] = "done"
    return status


def _benchmark_seconds(tsv: Path) -> float:
    """Wall seconds of one Snakemake benchmark file (first column of its data row)."""
    return float(tsv.read_text().splitlines()[1].split("\t")[0])


def _size_key(spec: dict) -> tuple:
    """What a job's cost depends on, from its spec: kind and sizes (the input specs fill in what it lacks)."""
    flat = dict(spec)
    for sub in spec.get("inputs", {}).values():
        for k, v in sub.items():
            flat.setdefault(k, v)
    return (spec["study"], spec["job"], *(flat.get(k) for k in ("d", "width", "depth", "instances", "m_star")))


def _recorded(top: Path) -> dict[tuple, list[tuple[int | None, float]]]:
    """Job seconds recorded under a results tree, by size key, with the job's sample count n (per file, for a batch
    job: its seconds over its files)."""
    table: dict[tuple, list[tuple[int | None, float]]] = {}
    for tsv in top.glob("**/benchmarks/*/*.tsv"):
        npz = tsv.parents[2] / tsv.parent.name / (tsv.stem + ".npz")
        # a batch job's benchmark is named as its files without their leading batch field
        files = [npz] if npz.exists() else sorted(npz.parent.glob(f"*_{npz.name}"))
        try:
            spec = load_cell(files[0])[0]
            n = spec.get("n", spec.get("inputs", {}).get("design", {}).get("n"))
            table.setdefault(_size_key(spec), []).append((n, _benchmark_seconds(tsv) / len(files)))
        except Exception:
            continue
    return table


def _estimate(study: Study, todo: list[Job], recorded) -> tuple[float, int]:
    """CPU seconds for the jobs to do: recorded benchmarks of the same kind and size (same n if any), else the
    study's prior; returns the total and how many jobs used the prior."""
    total, prior = 0.0, 0
    for job in todo:
        spec = study.spec(job.kind, job.wc)
        rec = recorded.get(_size_key(spec), [])
        n = spec.get("n", spec.get("inputs", {}).get("design", {}).get("n"))
        pick = [s for nn, s in rec if nn == n] or [s for _, s in rec]
        if pick:
            total += float(np.mean(pick))
        else:
            total += study.prior_seconds(job.kind, job.wc)
            prior += 1
    return total, prior


def snakemake_job_count(configfile: str, directory: str = ".") -> int | None:
    """How many jobs ``snakemake -n`` plans for this config and directory (per-job files, tables, figures,
    report pages and ``all``), read from its job table; None when Snakemake cannot be run here."""
    import re
    import subprocess
    import sys

    from .core.paths import REPO

    cmd = [sys.executable, "-m", "snakemake", "-n", "-s", str(REPO / "Snakefile"), "-d", str(directory),
           "--configfile", str(Path(configfile).resolve())]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = out.stdout + out.stderr
    if out.returncode != 0:
        return None
    if "Nothing to be done" in text:
        return 0
    m = re.search(r"^total\s+(\d+)$", text, flags=re.MULTILINE)
    return int(m.group(1)) if m else None


def plan_report(configfile: str = "config.yaml", directory: str = ".", cores: int | None = None) -> str:
    """A human-readable summary: per study, cells and jobs done and to do, and the remaining time."""
    cfg = load_merged_config(configfile, directory)
    top = Path(directory) / Path(cfg["results"]).parts[0]
    recorded = _recorded(top)
    cores = cores or os.cpu_count() or 1
    lines, total_s, unknown = [], 0.0, 0
    for study in tcfg.studies(cfg).values():
        status = job_status(study, directory)
        todo = [j for j, s in status.items() if s != "done"]
        est, unk = _estimate(study, todo, recorded)
        total_s, unknown = total_s + est, unknown + unk
        for line in _summary_lines(study, status):
            lines.append(line)
        estimates = capacity.kind_estimates(study)
        lines.append(f"{study.name} jobs, memory and run-time estimates (the same as the cluster requests):")
        lines += capacity.describe(estimates)
        lines += [f"  does not fit: {e}" for e in capacity.memory_errors(
            estimates, capacity.physical_memory_mb(), "this machine's memory")]
    total = snakemake_job_count(configfile if Path(configfile).is_absolute() else str(Path(directory) / configfile),
                                directory)
    if total is not None:
        lines.append(f"snakemake -n plans {total} jobs in all: the jobs above plus the table and figure jobs "
                     "downstream of them")
    if unknown:
        lines.append(f"estimate: about {total_s:.0f} CPU-seconds, {total_s / cores / 60:.1f} min on {cores} cores "
                     f"(plus about 0.3 s of overhead per job); {unknown} per-job files have no recorded benchmark of "
                     "the same kind and size and are estimated from the default config's run times scaled with size "
                     "(good to a factor of about 3; run part of the grid to calibrate)")
    else:
        lines.append(f"estimate from recorded benchmarks: {total_s:.0f} CPU-seconds, about "
                     f"{total_s / cores / 60:.1f} min on {cores} cores (plus about 0.3 s of overhead per job)")
    return "\n".join(lines)


def _summary_lines(study: Study, status: dict[Job, str]) -> list[str]:
    """One line per experiment (linear) or per study (ReLU): cells done and to do, jobs to run."""
    groups: dict[str, list[Job]] = {}
    for job in status:
        groups.setdefault(job.wc.get("exp", study.name), []).append(job)
    out = []
    for name, jobs in groups.items():
        cells = {j.wildcards: all(status.get(c) == "done" for c in study.cell_files(j.wc))
                 for j in jobs if j.kind == study.cell_kind}
        cells_todo = [c for c, done in cells.items() if not done]
        todo = {study.job_of(j) for j in jobs if status[j] != "done"}
        jobs = {study.job_of(j) for j in jobs}
        shape = " x ".join(f"{len({dict(c)[a] for c in cells})} {a}" for a in study.cell_axes)
        out.append(f"{name}: {len(cells)} transfer cells ({shape}), {len(cells) - len(cells_todo)} done, "
                   f"{len(cells_todo)} to do; {len(todo)} of {len(jobs)} jobs to run")
    return out
