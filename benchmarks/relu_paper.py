"""One instance of the paper-size ReLU block, timed job by job, and the whole block's projected wall time.

Run from the repository root:  .venv/bin/python benchmarks/relu_paper.py [mu] [n ...]
Uses the ``relu`` block of ``config/paper.yaml`` (d = m* = 100, width 1000, its step settings; float32 while the
step is capped, as configured). For instance 0 of seed 0 at one mu (default 0.5) it pretrains on the population
loss, fine-tunes from that student and trains from scratch at each n (default: all of the config's), and prints
steps, seconds and convergence of each run. The projection multiplies each measured run by the number of such runs
in the block (pretraining and fine-tuning per mu x instance, scratch per instance; this mu standing for every mu)
and divides by 2 cores. Numbers are for this machine at this moment, one core per run.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import yaml  # noqa: E402

from transferability.relu import model as R  # noqa: E402
from transferability.relu.population import pretrain_population  # noqa: E402


def main(argv: list[str]) -> None:
    with open("config/paper.yaml") as f:
        block = yaml.safe_load(f)["relu"]
    mu = float(argv[0]) if argv else 0.5
    ns = [int(x) for x in argv[1:]] or block["n"]
    d, m_star, m, scale = block["d"], block["m_star"], block["width"], block["init_scale"]
    pre, tr = block["pretrain"], block["train"]
    instances = block["instances"] * len(block["seeds"])
    Wt, a = R.make_teacher(d, m_star, 0, 0)
    k = R.source_size(m_star, mu)
    print(f"paper-size ReLU block: d = {d}, m* = {m_star}, width {m}, {len(block['mu'])} mu x {instances} instances,"
          f" n = {block['n']}; measured: mu = {mu}, instance 0 of seed 0", flush=True)

    t = time.perf_counter()
    W, c, steps, conv, _ = pretrain_population(*R.init_student(d, m, scale, 0, "relu_student", 0), Wt[:k], a[:k],
                                                 pre["lr"], pre["lr_max"], pre["max_steps"], pre["tol"],
                                                 cap_until=pre["cap_until"])
    t_pre = time.perf_counter() - t
    print(f"pretraining          {steps:7d} steps {t_pre:8.1f} s  converged {conv}", flush=True)
    t_ft, t_scratch = {}, {}
    for n in ns:
        X, y = R.target_sample(Wt, a, n, block["sigma"], 0, 0)
        for label, start, times in (("fine-tuning", (W, c), t_ft),
                                    ("scratch", R.init_student(d, m, scale, 0, "relu_scratch", n, 0), t_scratch)):
            t = time.perf_counter()
            _, _, steps, conv, _ = R.train_student(X, y, *start, tr["lr"], tr["max_steps"], tr["tol"], tr["lr_max"],
                                                   cap_until=tr["cap_until"])
            times[n] = time.perf_counter() - t
            print(f"{label:<12} n = {n:<5} {steps:7d} steps {times[n]:8.1f} s  converged {conv}", flush=True)
    if ns != block["n"]:
        print("(a subset of n: no projection of the block)")
        return
    per_mu = len(block["mu"]) * instances
    total = {"pretraining": t_pre * per_mu, "fine-tuning": sum(t_ft.values()) * per_mu,
             "scratch": sum(t_scratch.values()) * instances}
    parts = ", ".join(f"{key} {val / 3600:.1f} h" for key, val in total.items())
    print(f"projected block: {sum(total.values()) / 3600:.1f} core-hours ({parts}); "
          f"{sum(total.values()) / 2 / 3600:.1f} h of wall time on 2 cores")


if __name__ == "__main__":
    main(sys.argv[1:])
