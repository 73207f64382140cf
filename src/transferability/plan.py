"""How much work a config implies, how much is already done, and how long the rest should take."""

from __future__ import annotations

import copy
import glob
import os
from pathlib import Path

import numpy as np
import yaml

from . import config as tcfg
from .store import load_cell

__all__ = ["merge", "load_merged_config", "jobs_for", "relu_jobs_for", "plan_report"]


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
    cfg = yaml.safe_load(base.read_text()) if base.exists() else {}
    if not base.exists() or path.resolve() != base.resolve():
        cfg = merge(cfg, yaml.safe_load(path.read_text()) or {})
    return tcfg.validate_config(cfg)


def jobs_for(e: tcfg.Experiment, res: str) -> list[tuple[str, float | None, str, dict]]:
    """Every per-cell job of an experiment as ``(kind, gamma, path, spec)``."""
    jobs = []
    for s in e.seeds:
        jobs.append(("tasks", None, tcfg.tasks_path(res, e.name, s), tcfg.tasks_spec(e, s)))
        jobs.append(("pretrain", None, tcfg.pretrain_path(res, e.name, s), tcfg.pretrain_spec(e, s)))
        for g in e.gammas:
            jobs.append(("design", g, tcfg.design_path(res, e.name, g, s), tcfg.design_spec(e, g, s)))
            jobs.append(("scratch", g, tcfg.scratch_path(res, e.name, g, s), tcfg.scratch_spec(e, g, s)))
            for th in e.thetas_deg:
                jobs.append(("cells", g, tcfg.cell_path(res, e.name, th, g, s), tcfg.cell_spec(e, th, g, s)))
    return jobs


def relu_jobs_for(r: tcfg.ReluStudy, res: str) -> list[tuple[str, int | None, str, dict]]:
    """Every per-cell job of the ReLU study as ``(kind, n, path, spec)``."""
    jobs = []
    for s in r.seeds:
        jobs += [("pretrain", None, tcfg.relu_pretrain_path(res, mu, s), tcfg.relu_pretrain_spec(r, mu, s))
                 for mu in r.mus]
        for n in r.ns:
            jobs.append(("scratch", n, tcfg.relu_scratch_path(res, n, s), tcfg.relu_scratch_spec(r, n, s)))
            jobs += [("cells", n, tcfg.relu_cell_path(res, mu, n, s), tcfg.relu_cell_spec(r, mu, n, s))
                     for mu in r.mus]
    return jobs


def _relu_estimate(r: tcfg.ReluStudy, res: str, todo) -> tuple[float, int]:
    """Seconds for the ReLU jobs to do, from this results directory's benchmarks if they were made at the same
    sizes (d, m*, width, instances); otherwise (0, number of jobs)."""
    root = Path(res) / "relu"
    made = sorted((root / "pretrain").glob("*.npz"))
    try:
        spec = load_cell(made[0])[0]
        same = all(spec[k] == v for k, v in (("d", r.d), ("m_star", r.m_star), ("width", r.width),
                                             ("instances", r.instances)))
    except Exception:
        same = False
    if not same:
        return 0.0, len(todo)
    recorded: dict[tuple[str, int | None], list[float]] = {}
    for tsv in root.glob("benchmarks/*/*.tsv"):
        n = next((int(p[1:]) for p in tsv.stem.split("_") if p.startswith("n") and p[1:].isdigit()), None)
        try:
            recorded.setdefault((tsv.parent.name, n), []).append(_benchmark_seconds(tsv))
        except (IndexError, ValueError):
            continue
    est, unknown = 0.0, 0
    for kind, n, _, _ in todo:
        pick = recorded.get((kind, n)) or [x for (k, _), xs in recorded.items() if k == kind for x in xs]
        if pick:
            est += float(np.mean(pick))
        else:
            unknown += 1
    return est, unknown


def _done(path: str, spec: dict) -> bool:
    try:
        load_cell(path, expect=spec)
        return True
    except Exception:
        return False


def _benchmark_seconds(tsv: Path) -> float:
    """Wall seconds of one Snakemake benchmark file (first column of its data row)."""
    return float(tsv.read_text().splitlines()[1].split("\t")[0])


def _benchmarks(root: Path) -> dict[tuple[str, int], list[tuple[float, float]]]:
    """Recorded job seconds by (kind, d) with the job's gamma: {(kind, d): [(gamma, seconds)]}."""
    table: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for tsv in glob.glob(str(root / "**" / "benchmarks" / "*" / "*.tsv"), recursive=True):
        p = Path(tsv)
        kind, exp_dir = p.parent.name, p.parents[2]
        try:
            spec_files = list((exp_dir / "tasks").glob("*.npz"))
            d = int(load_cell(spec_files[0])[0]["d"]) if spec_files else -1
            seconds = _benchmark_seconds(p)
        except Exception:
            continue
        gamma = None
        for part in p.stem.split("_"):
            if part.startswith("gamma"):
                gamma = float(part[5:])
        table.setdefault((kind, d), []).append((gamma, seconds))
    return table


def plan_report(configfile: str = "config.yaml", directory: str = ".", cores: int | None = None) -> str:
    """A human-readable summary: cells per experiment, cached, to do, and an estimate of the remaining time."""
    cfg = load_merged_config(configfile, directory)
    res = str(Path(directory) / cfg["results"])
    # calibrate on every run recorded under the results tree (default and other configs alike)
    top = Path(directory) / Path(cfg["results"]).parts[0]
    bench = _benchmarks(top)
    cores = cores or os.cpu_count() or 1
    lines, total_s, unknown = [], 0.0, 0
    for e in tcfg.experiments(cfg):
        jobs = jobs_for(e, res)
        todo = [j for j in jobs if not _done(j[2], j[3])]
        cells = [j for j in jobs if j[0] == "cells"]
        cells_todo = [j for j in todo if j[0] == "cells"]
        est = 0.0
        for kind, g, _, _ in todo:
            rec = bench.get((kind, e.d), [])
            same = [sec for gg, sec in rec if g is not None and gg is not None and abs(gg - g) < 1e-9]
            pick = same or [sec for _, sec in rec]
            if pick:
                est += float(np.mean(pick))
            elif kind in ("scratch", "cells", "pretrain"):
                unknown += 1
        total_s += est
        lines.append(
            f"{e.name}: {len(cells)} transfer cells ({len(e.thetas_deg)} theta x {len(e.gammas)} gamma x "
            f"{len(e.seeds)} seed), {len(cells) - len(cells_todo)} done, {len(cells_todo)} to do; "
            f"{len(todo)} of {len(jobs)} jobs to run (d = {e.d}, {e.instances} instances per cell)"
        )
    r = tcfg.relu_study(cfg)
    if r is not None:
        jobs = relu_jobs_for(r, res)
        todo = [j for j in jobs if not _done(j[2], j[3])]
        cells = [j for j in jobs if j[0] == "cells"]
        cells_todo = [j for j in todo if j[0] == "cells"]
        est, unk = _relu_estimate(r, res, todo)
        total_s, unknown = total_s + est, unknown + unk
        lines.append(
            f"relu: {len(cells)} transfer cells ({len(r.mus)} mu x {len(r.ns)} n x {len(r.seeds)} seed), "
            f"{len(cells) - len(cells_todo)} done, {len(cells_todo)} to do; {len(todo)} of {len(jobs)} jobs to run "
            f"(d = {r.d}, m* = {r.m_star}, m = {r.width}, {r.instances} instances per cell)"
        )
    if unknown:
        lines.append(f"estimate: at least {total_s / cores / 60:.1f} min on {cores} cores; {unknown} jobs have no "
                     "recorded benchmark of the same kind and d (run part of the grid first to calibrate)")
    else:
        lines.append(f"estimate from recorded benchmarks: {total_s:.0f} CPU-seconds, about "
                     f"{total_s / cores / 60:.1f} min on {cores} cores (plus about 0.1 s of overhead per job)")
    return "\n".join(lines)
