"""Benchmarks: W1 end to end by phase, the GD step against memory bandwidth, paper-scale jobs, the default run.

Run from the repository root:
    .venv/bin/python benchmarks/bench.py [--skip-w1] [--skip-paper] [--default] [--paper-run]
(it also times a dry run of every shipped config).
Everything printed is measured on this machine in this run, beside the copy bandwidth measured in the same run.
No ratio against a number from another machine is printed: to compare with the authors' scripts, run them on
the same machine in the same hour and divide the two wall times yourself.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

from transferability import config as tcfg  # noqa: E402
from transferability.core.canonical import fmt  # noqa: E402
from transferability.linear.aggregate import away_from_one  # noqa: E402
from transferability.linear.dispatch import predict  # noqa: E402
from transferability.linear.jobs import design, fine_tune, linear_transfer, pretrain, scratch, tasks  # noqa: E402
from transferability.linear.models import init_deep_linear, rotate_in  # noqa: E402
from transferability.linear.tasks import design_targets, make_design, make_tasks  # noqa: E402
from transferability.linear.training import GDSettings, train_deep_linear  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def bandwidth_gbs(mb: int = 256, reps: int = 5) -> float:
    """Sustained copy bandwidth (read + write bytes per second), single thread, warm pages."""
    a = np.ones(mb * 2**20 // 8)
    b = np.empty_like(a)
    np.copyto(b, a)
    best = np.inf
    for _ in range(reps):
        t = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t)
    return 2 * a.nbytes / best / 1e9


def run_workflow(configfile: Path, cores: int = 2) -> tuple[Path, float, float]:
    """Run the workflow on ``configfile`` from an empty directory; return it, the wall seconds and the start time."""
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    shutil.copy(configfile, work / "cfg.yaml")
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(work),
           "--configfile", str(work / "cfg.yaml"), "--cores", str(cores), "-q"]
    t = time.time()
    subprocess.run(cmd, check=True, capture_output=True)
    return work, time.time() - t, t


def phases(work: Path, t0: float, wall: float) -> dict[str, float]:
    """Wall time by phase, from file times (ns resolution) and Snakemake's per-job benchmark files:
    start-up (launch to the first job's start), compute (per-job files), aggregation (tables), figures."""
    res = work / "results"
    starts, ends = [], []
    for npz in res.glob("**/*.npz"):
        kind_dir, stem = npz.parent, npz.stem
        tsv = kind_dir.parent / "benchmarks" / kind_dir.name / f"{stem}.tsv"
        if tsv.exists():
            seconds = float(tsv.read_text().splitlines()[1].split("\t")[0])
            ends.append(npz.stat().st_mtime)
            starts.append(ends[-1] - seconds)
    tables = [p.stat().st_mtime for p in res.glob("**/*.csv")]
    figures = [p.stat().st_mtime for p in res.glob("**/figures/*.png")] + \
        [p.stat().st_mtime for p in res.glob("distances/*.png")]
    compute_end, tables_end = max(ends), max(tables)
    return {"start-up": min(starts) - t0, "compute": compute_end - min(starts),
            "aggregation": max(tables_end - compute_end, 0.0), "figures": t0 + wall - max(tables_end, compute_end),
            "figures_end": max(figures) - t0}


def w1() -> None:
    work, wall, t0 = run_workflow(REPO / "benchmarks" / "w1.yaml")
    ph = phases(work, t0, wall)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    runs = pd.read_csv(work / "results/w1/runs.csv")
    means = pd.read_csv(work / "results/w1/cell_means.csv")
    print("\n== W1 (d = 100, 3 angles x 10 gammas x 10 instances, sigma = 0.2; benchmarks/w1.yaml) ==")
    print(f"wall time, snakemake --cores 2 from an empty results directory, start-up included: {wall:.1f} s")
    print("  by phase: " + ", ".join(f"{k} {v:.1f} s" for k, v in ph.items() if k != "figures_end"))
    print(f"peak memory of the largest job: {peak_mb:.0f} MiB")
    for method, lam in (("fine_tune", None), ("linear_transfer", 0.0), ("scratch", None)):
        m = means[(means.method == method) & (means.weight_decay.fillna(0) == 0)]
        if lam is not None:
            m = m[m.lam == lam]
        m = m[away_from_one(m.gamma)]
        risk_th, _ = predict(method, m.theta_deg.fillna(0), m.n, m.d, m.sigma, m.lam.fillna(0))
        err = np.abs(m.risk_mean - risk_th)
        r = runs[(runs.method == method)]
        away = away_from_one(r.gamma)
        print(f"  {method:16s} risk MAE vs exact theory over {len(m):2d} cells: {err.mean():.4f}  "
              f"(unconverged runs away from gamma=1: {int((~r.converged[away]).sum())}; near gamma=1: "
              f"{int((~r.converged[~away]).sum())}, of which stopped early by their design's spectrum: "
              f"{int((r.stop_reason[~away] == 3).sum())}, by their measured rate: "
              f"{int((r.stop_reason[~away] == 2).sum())})")
    steps = runs[runs.method != "linear_transfer"].steps.sum()
    print(f"  GD steps in W1 (instance-steps, all methods): {steps:,}")
    bench = sorted((work / "results/w1/benchmarks").rglob("*.tsv"))
    job = pd.concat([pd.read_csv(p, sep="\t").assign(kind=p.parent.name) for p in bench])
    print("  job seconds by kind (sum):", job.groupby("kind").s.sum().round(1).to_dict(), f"({len(job)} jobs)")
    shutil.rmtree(work)


def job_seconds(work: Path) -> str:
    """Sum of Snakemake's per-job wall seconds by study and job kind, and the number of per-job jobs."""
    rows = [(tsv.parent.name, "relu" if "relu" in tsv.parts else "linear", _benchmark_row(tsv))
            for tsv in (work / "results").rglob("benchmarks/*/*.tsv")]
    sums: dict[str, float] = {}
    for kind, study, (s, _) in rows:
        sums[f"{study} {kind}"] = sums.get(f"{study} {kind}", 0.0) + s
    return ", ".join(f"{k} {v:.0f}" for k, v in sorted(sums.items(), key=lambda kv: -kv[1])) + f" ({len(rows)} jobs)"


def _benchmark_row(tsv: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one Snakemake benchmark file."""
    cols = tsv.read_text().splitlines()[1].split("\t")
    return float(cols[0]), float(cols[2])


def default_run() -> None:
    cfg = work_cfg = REPO / "config.yaml"
    work, wall, t0 = run_workflow(work_cfg)
    ph = phases(work, t0, wall)
    print(f"\n== default config ({cfg.name}), snakemake --cores 2 from empty results: {wall:.1f} s ==")
    print("  by phase: " + ", ".join(f"{k} {v:.1f} s" for k, v in ph.items() if k != "figures_end"))
    print("  job seconds: " + job_seconds(work))
    shutil.rmtree(work)


def paper_run() -> None:
    """The linear paper config end to end (d = 500, 2 x 20 x 20 cells, 20 instances; ReLU block off)."""
    work, wall, t0 = run_workflow(REPO / "config" / "paper.yaml")
    peak = max(_benchmark_row(tsv)[1] for tsv in (work / "results").rglob("benchmarks/*/*.tsv"))
    print(f"\n== paper config, linear experiments and distance study (config/paper.yaml), snakemake --cores 2 from "
          f"empty results: {wall:.1f} s ({wall / 60:.1f} min); largest job's peak RSS {peak:.0f} MiB ==")
    print("  job seconds: " + job_seconds(work))
    shutil.rmtree(work)


def gd_step_bandwidth(bw: float, B: int = 20, d: int = 500, h: int = 500, n: int = 1000, steps: int = 60) -> None:
    """Time full-width scratch GD steps at paper scale; compare with 2x the state size over the bandwidth."""
    D = make_design(n, d, B, seed=0)
    bs, _ = make_tasks(d, B, seed=0)
    layers = init_deep_linear(d, h, 2, 0.1, B, 0, "bench")
    A, _ = rotate_in(layers[0], D.V)
    t_ = design_targets(D, bs, 0.2)
    st = GDSettings(tol=0.0, max_steps=steps, predict_stop=False)
    train_deep_linear([A, layers[1]], D.s, t_, GDSettings(tol=0.0, max_steps=3))  # warm-up
    t = time.perf_counter()
    train_deep_linear([A, layers[1]], D.s, t_, st)
    per_step = (time.perf_counter() - t) / steps
    state = A.nbytes + layers[1].nbytes
    bound = 2 * state / (bw * 1e9)  # read and write every weight once per step
    print(f"\n== GD step, full width (B={B}, r={min(n, d)}, h={h}, float64; state {state / 2**20:.0f} MiB) ==")
    print(f"{per_step * 1e3:.2f} ms/step = {B / per_step:,.0f} instance-steps/s; bandwidth bound "
          f"{bound * 1e3:.2f} ms/step (2 x state / copy bandwidth): the step takes {per_step / bound:.2f}x the bound")
    chain = [A @ np.ones((B, h, 1)) / h, np.ones((B, 1, 1))]
    t = time.perf_counter()
    train_deep_linear(chain, D.s, t_, GDSettings(tol=0.0, max_steps=2000, predict_stop=False))
    per = (time.perf_counter() - t) / 2000
    print(f"rank-one fine-tuning step (B={B}, r={min(n, d)}): {per * 1e6:.0f} us/step = {B / per:,.0f} instance-steps/s")


def paper_cell(profile: bool) -> None:
    """Pretraining, and the design, scratch, linear-transfer and fine-tuning jobs (a fine-tuning job is a gamma
    row: every angle) at three gammas of the paper config (d = 500), with a projection of the whole linear paper
    run on 2 cores from these timings."""
    cfg = tcfg.validate_config(yaml.safe_load((REPO / "config" / "paper.yaml").read_text()))
    study = tcfg.studies(cfg)["linear"]
    name = "paper_sigma0.2"
    e = study.experiments[name]
    log = lambda s: None  # noqa: E731
    spec = lambda kind, **wc: study.spec(kind, {"exp": name, "seed": "0", **wc})  # noqa: E731
    t = time.perf_counter()
    tk = tasks.compute(spec("tasks"), {}, log)
    pre = pretrain.compute(spec("pretrain"), {"tasks": tk}, log)
    t_pre = time.perf_counter() - t
    print(f"\n== paper-scale jobs (d={e.d}, width={e.width}, {e.instances} instances, sigma={e.sigma}) ==")
    print(f"pretraining: {t_pre:.1f} s, steps {int(pre['steps'].max())}")
    per_gamma = {}
    for gamma in (0.5, 0.9, 1.5):
        g = fmt(gamma)
        t = time.perf_counter()
        des = design.compute(spec("design", gamma=g), {}, log)
        t_des = time.perf_counter() - t
        t = time.perf_counter()
        sc = scratch.compute(spec("scratch", gamma=g), {"tasks": tk, "design": des}, log)
        t_sc = time.perf_counter() - t
        ins = {"tasks": tk, "pretrain": pre, "design": des}
        t = time.perf_counter()
        linear_transfer.compute(spec("linear_transfer", gamma=g), ins, log)
        t_lt = time.perf_counter() - t
        prof = cProfile.Profile() if profile and gamma == 0.9 else None
        t = time.perf_counter()
        if prof:
            prof.enable()
        row = fine_tune.compute_batch([spec("fine_tune", theta=fmt(th), gamma=g) for th in e.thetas_deg], ins, log)
        if prof:
            prof.disable()
        t_ft = time.perf_counter() - t
        per_gamma[gamma] = (t_des, t_sc, t_lt, t_ft)
        print(f"gamma={gamma}: design {t_des:.1f} s; scratch {t_sc:.1f} s (max steps {int(sc['steps'].max())}); "
              f"linear transfer {t_lt:.2f} s; fine-tuning row ({len(e.thetas_deg)} angles) {t_ft:.2f} s (max steps "
              f"{max(int(c['steps'].max()) for c in row)})")
        if prof:
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(12)
            print("profile of the gamma=0.9 fine-tuning row (cumulative):")
            print("\n".join(s.getvalue().splitlines()[:30]))
    per_row = sum(np.mean([v[i] for v in per_gamma.values()]) for i in range(4))
    experiments = len(study.experiments)
    cpu = experiments * (t_pre + len(e.gammas) * per_row)
    print(f"projection of the linear paper run ({experiments} experiments x {len(e.gammas)} gammas x "
          f"{len(e.thetas_deg)} thetas), from the mean of the three gammas above: {cpu:.0f} CPU-seconds, "
          f"about {cpu / 2 / 60:.1f} min on 2 cores")


SHIPPED_CONFIGS = ("config.yaml", "config/paper.yaml", "config/extensions.yaml", "benchmarks/w1.yaml")


def dry_runs() -> None:
    """Wall time of ``snakemake -n`` (parse, validate, build the DAG) for every shipped config, from this checkout."""
    for cfg in SHIPPED_CONFIGS:
        cmd = [sys.executable, "-m", "snakemake", "-n", "-q", "--configfile", cfg]
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=REPO)
        print(f"dry run, {cfg}: {time.perf_counter() - t:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-w1", action="store_true")
    ap.add_argument("--skip-paper", action="store_true")
    ap.add_argument("--default", action="store_true", help="also run the default config end to end (minutes)")
    ap.add_argument("--paper-run", action="store_true",
                    help="also run the linear paper config end to end (about 10 minutes on 2 cores)")
    args = ap.parse_args()
    bw = bandwidth_gbs()
    print(f"machine: {os.cpu_count()} cores; measured copy bandwidth (1 thread): {bw:.2f} GB/s")
    dry_runs()
    if not args.skip_w1:
        w1()
    gd_step_bandwidth(bw)
    if not args.skip_paper:
        paper_cell(profile=True)
    if args.default:
        default_run()
    if args.paper_run:
        paper_run()


if __name__ == "__main__":
    main()
