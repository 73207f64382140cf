"""Does a higher-order integrator shorten ReLU pretraining? Capped Euler steps (the study's) against adaptive
Runge-Kutta 2(3) with error control on the same gradient flow, to the same stopping loss.

Run from the repository root:  .venv/bin/python benchmarks/relu_integrator.py [d m_star width mu]
(default: the default config's size, d = m* = 20, width 200, mu = 0.5, instance 0). Prints, per integrator, the wall
time, the gradient evaluations and the end point's n -> infinity ridge readout risk (lambda = 0.01).
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

from transferability.relu import model as R  # noqa: E402
from transferability.relu.population import population_loss_and_grads  # noqa: E402
from transferability.relu.readout import limit_readouts, significant_basis  # noqa: E402


def main(d: int = 20, m_star: int = 20, m: int = 200, mu: float = 0.5) -> None:
    Wt, a = R.make_teacher(d, m_star, 0, 0)
    k = R.source_size(m_star, mu)
    Ws, a_s = Wt[:k], a[:k]
    W0, c0 = R.init_student(d, m, 1e-6, 0, "relu_student", 0)
    norm2 = float(a_s @ R.relu_gram(Ws, Ws) @ a_s)
    stop = 1e-4 * R.function_variance(Ws, a_s)

    def report(label, W, c, seconds, evals):
        lim = limit_readouts(W, Wt, a, [1e-2], significant_basis(W, 0.2))[0]
        print(f"{label:<34} {seconds:7.1f} s {evals:8d} gradient evaluations   readout limit "
              f"{R.population_risk(W, lim, Wt, a):.5e}", flush=True)

    t0 = time.perf_counter()
    W, c, steps, conv, _ = R.pretrain_population(W0, c0, Ws, a_s, 1.0, 2.0, 200_000, 1e-4)
    report("capped Euler (the study's, cap 2)", W, c, time.perf_counter() - t0, steps)

    def unpack(y):
        return y[: m * d].reshape(m, d), y[m * d:]

    def rhs(t, y):
        _, gc, gW = population_loss_and_grads(*unpack(y), Ws, a_s, norm2)
        rhs.evals += 1
        return -m * np.concatenate([gW.ravel(), gc])  # the mean-field flow the capped steps follow

    def reached(t, y):
        return population_loss_and_grads(*unpack(y), Ws, a_s, norm2)[0] - stop

    reached.terminal = True
    for rtol in (1e-3, 1e-2):
        rhs.evals = 0
        t0 = time.perf_counter()
        sol = solve_ivp(rhs, (0, 1e7), np.concatenate([W0.ravel(), c0]), method="RK23", rtol=rtol, atol=1e-8,
                        events=reached)
        report(f"RK23, rtol {rtol:g} ({sol.t.size} steps)", *unpack(sol.y[:, -1]), time.perf_counter() - t0,
               rhs.evals)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(*(int(x) for x in args[:3]), *(float(x) for x in args[3:4]))
