"""Benchmark of the ReLU study's two kernels: one population-GD step (pretraining) and one sample-GD step.

Run from the repository root:  .venv/bin/python benchmarks/relu_bench.py
Prints milliseconds per evaluation (loss and gradients, what one GD step costs) at the default size and at the
paper's size (d = 100, m* = 100, m = 1000), in float64 and float32. Numbers are for this machine at this moment.
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


def per_step(fn, reps: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / reps


def main() -> None:
    import torch

    from transferability.relu.population import population_objective

    print(f"{'size':<24} {'precision':<9} {'population step':>16} {'sample step':>12}  n")
    for d, m_star, m, n, reps in ((20, 20, 200, 320, 200), (100, 100, 1000, 800, 10)):
        Wt, a = R.make_teacher(d, m_star, 0, 0)
        W, c = np.random.default_rng(0).standard_normal((m, d)), np.random.default_rng(1).standard_normal(m)
        norm2 = float(a @ R.relu_gram(Wt, Wt) @ a)
        X, y = R.target_sample(Wt, a, n, 0.0, 0, 0)
        for dtype in ("float64", "float32"):
            evaluate = population_objective(Wt[: m_star // 2], a[: m_star // 2], norm2, getattr(torch, dtype))
            tensors = (torch.as_tensor(W, dtype=getattr(torch, dtype)), torch.as_tensor(c, dtype=getattr(torch, dtype)))
            t_pop = per_step(lambda: evaluate(tensors), reps)
            sample = R._sample_objective(X, y, dtype)
            arrays = (W.astype(dtype), c.astype(dtype))
            t_smp = per_step(lambda: sample(arrays), reps)
            print(f"d={d:<4} m*={m_star:<4} m={m:<5} {dtype:<9} {t_pop * 1e3:13.2f} ms {t_smp * 1e3:9.2f} ms  {n}")


if __name__ == "__main__":
    main()
