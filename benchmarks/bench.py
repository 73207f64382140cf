"""Benchmarks for issue 3: W1 end to end, one paper-scale cell, the GD step against memory bandwidth, a profile.

Run from the repository root:  .venv/bin/python benchmarks/bench.py [--skip-w1] [--skip-paper]
Prints wall times, GD steps per second, effective GB/s against a bandwidth measured in the same run, peak
memory, accuracy against exact theory, and where the time goes. Numbers are for this machine at this moment.
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

from transferability import cells  # noqa: E402
from transferability.config import cell_spec, experiments, pretrain_spec, scratch_spec, validate_config  # noqa: E402
from transferability.models import init_deep_linear, rotate_in  # noqa: E402
from transferability.tasks import design_targets, make_design, make_tasks  # noqa: E402
from transferability.training import GDSettings, train_deep_linear  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ANCHOR_S = 640.0  # authors' scripts on W1, 2 cores (issue 3)


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


def w1(bw: float) -> None:
    work = Path(tempfile.mkdtemp(prefix="w1-"))
    shutil.copy(REPO / "benchmarks" / "w1.yaml", work / "cfg.yaml")
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(work),
           "--configfile", str(work / "cfg.yaml"), "--cores", "2", "-q"]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    wall = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    runs = pd.read_csv(work / "results/w1/runs.csv")
    means = pd.read_csv(work / "results/w1/cell_means.csv")
    from transferability.aggregate import exact_theory

    print("\n== W1 (issue 3 anchor: authors' scripts ~640 s, 325 MiB; MAE ft 0.011, lt 0.005, scratch 0.016) ==")
    print(f"wall time, snakemake --cores 2 from empty results (start-up included): {wall:.1f} s "
          f"-> {ANCHOR_S / wall:.1f}x faster than the anchor")
    print(f"peak memory of the largest job: {peak_mb:.0f} MiB")
    for method, lam in (("fine_tune", None), ("linear_transfer", 0.0), ("scratch", None)):
        m = means[means.method == method]
        if lam is not None:
            m = m[m.lam == lam]
        m = m[np.abs(m.gamma - 1) >= 0.1]
        risk_th, _ = exact_theory(method, m.theta_deg.fillna(0), m.n, m.d, m.sigma, m.lam.fillna(0))
        err = np.abs(m.risk_mean - risk_th)
        r = runs[(runs.method == method) & (np.abs(runs.gamma - 1) >= 0.1)]
        print(f"  {method:16s} risk MAE vs exact theory over {len(m):2d} cells: {err.mean():.4f}  "
              f"(unconverged runs away from gamma=1: {int((~r.converged).sum())}; "
              f"at gamma=1: {int((~runs[(runs.method == method) & (runs.gamma == 1)].converged).sum())})")
    steps = runs[runs.method != "linear_transfer"].steps.sum()
    print(f"  GD steps in W1 (instance-steps, all methods): {steps:,}")
    bench = sorted((work / "results/w1/benchmarks").rglob("*.tsv"))
    job = pd.concat([pd.read_csv(p, sep="\t").assign(kind=p.parent.name) for p in bench])
    print("  job seconds by kind (sum):", job.groupby("kind").s.sum().round(1).to_dict())
    shutil.rmtree(work)


def gd_step_bandwidth(bw: float, B: int = 20, d: int = 500, h: int = 500, n: int = 1000, steps: int = 60) -> None:
    """Time full-width scratch GD steps at paper scale; compare with 2x the state size over the bandwidth."""
    D = make_design(n, d, B, seed=0)
    bs, _ = make_tasks(d, B, seed=0)
    layers = init_deep_linear(d, h, 2, 0.1, B, 0, "bench")
    A, _ = rotate_in(layers[0], D.V)
    t_ = design_targets(D, bs, 0.2)
    st = GDSettings(tol=0.0, max_steps=steps)
    train_deep_linear([A, layers[1]], D.s, t_, GDSettings(tol=0.0, max_steps=3))  # warm-up
    t = time.perf_counter()
    train_deep_linear([A, layers[1]], D.s, t_, st)
    per_step = (time.perf_counter() - t) / steps
    state = A.nbytes + layers[1].nbytes
    bound = 2 * state / (bw * 1e9)  # read and write every weight once per step
    print(f"\n== GD step, full width (B={B}, r={min(n, d)}, h={h}, float64; state {state / 2**20:.0f} MiB) ==")
    print(f"{per_step * 1e3:.2f} ms/step = {1 / per_step:.0f} batched steps/s = {B / per_step:,.0f} instance-steps/s")
    print(f"effective {2 * state / per_step / 1e9:.2f} GB/s of weight traffic (2 x state per step) vs measured "
          f"copy bandwidth {bw:.2f} GB/s: {bound / per_step:.2f} of the bound ({per_step / bound:.2f}x it)")
    chain = [A @ np.ones((B, h, 1)) / h, np.ones((B, 1, 1))]
    t = time.perf_counter()
    train_deep_linear(chain, D.s, t_, GDSettings(tol=0.0, max_steps=2000))
    per = (time.perf_counter() - t) / 2000
    print(f"rank-one fine-tuning step (B={B}, r={min(n, d)}): {per * 1e6:.0f} us/step = {B / per:,.0f} instance-steps/s")


def paper_cell(profile: bool) -> None:
    """Pretrain + one scratch job + one transfer cell of the paper config (d = 500, 20 instances)."""
    import yaml

    cfg = validate_config(yaml.safe_load((REPO / "config" / "paper.yaml").read_text()))
    e = {x.name: x for x in experiments(cfg)}["paper_sigma0.2"]
    log = lambda s: None  # noqa: E731
    t = time.perf_counter()
    tasks = cells.compute_tasks({"d": e.d, "instances": e.instances, "seed": 0}, {}, log)
    pre = cells.compute_pretrain(pretrain_spec(e, 0), {"tasks": tasks}, log)
    t_pre = time.perf_counter() - t
    print(f"\n== paper-scale jobs (d={e.d}, width={e.width}, {e.instances} instances, sigma={e.sigma}) ==")
    print(f"pretraining: {t_pre:.1f} s, steps {int(pre['steps'].max())}")
    for gamma in (0.5, 0.9, 1.5):
        spec = {"n": e.n_of(gamma), "d": e.d, "instances": e.instances, "seed": 0}
        t = time.perf_counter()
        des = cells.compute_design(spec, {}, log)
        t_des = time.perf_counter() - t
        sspec = scratch_spec(e, gamma, 0)
        t = time.perf_counter()
        sc = cells.compute_scratch(sspec, {"tasks": tasks, "design": des}, log)
        t_sc = time.perf_counter() - t
        cspec = cell_spec(e, 45.0, gamma, 0)
        prof = cProfile.Profile() if profile and gamma == 0.9 else None
        t = time.perf_counter()
        if prof:
            prof.enable()
        ce = cells.compute_cell(cspec, {"tasks": tasks, "pretrain": pre, "design": des}, log)
        if prof:
            prof.disable()
        t_cell = time.perf_counter() - t
        print(f"gamma={gamma}: design {t_des:.1f} s; scratch {t_sc:.1f} s (max steps {int(sc['steps'].max())}); "
              f"transfer cell theta=45 {t_cell:.2f} s (fine-tune max steps {int(ce['ft_steps'].max())})")
        if prof:
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(12)
            print("profile of the gamma=0.9 transfer cell (cumulative):")
            print("\n".join(s.getvalue().splitlines()[:30]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-w1", action="store_true")
    ap.add_argument("--skip-paper", action="store_true")
    args = ap.parse_args()
    bw = bandwidth_gbs()
    print(f"measured copy bandwidth (1 thread): {bw:.2f} GB/s")
    if not args.skip_w1:
        w1(bw)
    gd_step_bandwidth(bw)
    if not args.skip_paper:
        paper_cell(profile=True)


if __name__ == "__main__":
    main()
