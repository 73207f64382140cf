"""Benchmark of the ReLU study's two kernels: one population-GD step (pretraining) and one sample-GD step.

Run from the repository root:  .venv/bin/python benchmarks/relu_bench.py
Prints seconds per step at the default size and at the paper's size (d = 100, m* = 100, m = 1000), and the
resulting cost of one instance for a given number of steps. Numbers are for this machine at this moment.
"""

from __future__ import annotations

import os
import sys
import time

# The workflow sets these for every job (workflow/rules/common.smk); a benchmark must run the same way.
_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MALLOC_MMAP_THRESHOLD_": str(64 * 2**20),
        "MALLOC_TRIM_THRESHOLD_": str(256 * 2**20)}
if any(os.environ.get(k) != v for k, v in _ENV.items()):
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **_ENV})

import numpy as np  # noqa: E402

from transferability.relu import model as R  # noqa: E402
from transferability.relu.population import population_loss_and_grads  # noqa: E402


def per_step(fn, reps: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / reps


def main() -> None:
    print(f"{'size':<34} {'population step':>16} {'sample step':>12}  n")
    for d, m_star, m, n, reps in ((20, 20, 200, 320, 200), (100, 100, 1000, 800, 10)):
        Wt, a = R.make_teacher(d, m_star, 0, 0)
        W, c = np.random.default_rng(0).standard_normal((m, d)), np.random.default_rng(1).standard_normal(m)
        norm2 = float(a @ R.relu_gram(Wt, Wt) @ a)
        t_pop = per_step(lambda: population_loss_and_grads(W, c, Wt[: m_star // 2], a[: m_star // 2], norm2), reps)
        X, y = R.target_sample(Wt, a, n, 0.0, 0, 0)

        def sample_step():
            pre = X @ W.T
            h = np.maximum(pre, 0.0)
            g = 2.0 * (h @ c / m - y) / n
            return h.T @ g, ((g[:, None] * (pre > 0)) * c[None, :]).T @ X

        t_smp = per_step(sample_step, reps)
        print(f"d={d:<4} m*={m_star:<4} m={m:<5}               {t_pop * 1e3:13.2f} ms {t_smp * 1e3:9.2f} ms  {n}")
        for steps in (5_000, 20_000):
            print(f"   {steps:>6} steps per instance: pretraining {steps * t_pop / 60:7.1f} min, "
                  f"training at n = {n}: {steps * t_smp / 60:7.1f} min")


if __name__ == "__main__":
    main()
