"""The CUDA path of the GD engine on a real GPU: agreement with the numpy engine, and its speed at paper scale.

Run where a CUDA GPU is visible, from the repository root:  PYTHONPATH=src python3 benchmarks/gpu_check.py
Prints, for scratch training from a small init (the hardest case: an escape from the init, then convergence),
the largest difference between the two engines' end-to-end maps and risks, their steps, and the time of a
paper-scale scratch job (d = 500, 20 instances, gamma = 0.9) on the GPU and on one CPU core of the same machine.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from transferability.linear import procedures  # noqa: E402
from transferability.linear.tasks import make_design, make_tasks  # noqa: E402
from transferability.linear.training import GDSettings  # noqa: E402


def scratch(device: str, n: int, d: int, B: int, depth: int, tol: float):
    os.environ["TRANSFERABILITY_DEVICE"] = device
    D = make_design(n, d, B, seed=0)
    beta, _ = make_tasks(d, B, seed=0)
    t = time.perf_counter()
    out = procedures.scratch(D, beta, 0.2, d, depth, 1e-5, 0, GDSettings(tol=tol, max_steps=30_000))
    if device == "cuda":
        torch.cuda.synchronize()
    return out, time.perf_counter() - t


def main() -> None:
    print(f"torch {torch.__version__}, device: {torch.cuda.get_device_name(0)}")
    for n, d, B, depth in ((40, 60, 8, 2), (90, 60, 8, 2), (90, 60, 8, 3)):
        cpu, _ = scratch("cpu", n, d, B, depth, 1e-8)
        gpu, _ = scratch("cuda", n, d, B, depth, 1e-8)
        print(f"scratch n={n} d={d} L={depth} B={B}, tol 1e-8: max |beta_gpu - beta_cpu| = "
              f"{np.max(np.abs(gpu.beta_hat - cpu.beta_hat)):.2e}, max |risk diff| = "
              f"{np.max(np.abs(gpu.risk - cpu.risk)):.2e} (risks {cpu.risk.min():.3f}-{cpu.risk.max():.3f}); "
              f"steps cpu {cpu.steps.tolist()} gpu {gpu.steps.tolist()}; converged cpu {int(cpu.converged.sum())} "
              f"gpu {int(gpu.converged.sum())} of {B}")
    gpu, t_gpu = scratch("cuda", 450, 500, 20, 2, 1e-6)
    cpu, t_cpu = scratch("cpu", 450, 500, 20, 2, 1e-6)
    print(f"paper-scale scratch job (d = 500, width 500, n = 450, 20 instances, tol 1e-6): GPU {t_gpu:.1f} s, "
          f"one CPU core of this machine {t_cpu:.1f} s; max |risk diff| {np.max(np.abs(gpu.risk - cpu.risk)):.2e}, "
          f"max steps gpu {int(gpu.steps.max())} cpu {int(cpu.steps.max())}")


if __name__ == "__main__":
    main()
