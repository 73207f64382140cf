"""Does another integrator or optimiser shorten ReLU pretraining without changing its end point? Capped Euler
steps (the study's) against adaptive Runge-Kutta 2(3) with error control on the same gradient flow, and against
L-BFGS for the part after the cap is lifted, to the same stopping loss.

Run from the repository root:  .venv/bin/python benchmarks/relu_integrator.py [d m_star width mu]
(default: the default config's size, d = m* = 20, width 200, mu = 0.5, instance 0). Prints, per method, the wall
time, the gradient evaluations and the end point's n -> infinity readout risks (significant subspace at tolerance
0.2, and ridge lambda = 0.01); for the Euler runs the count is accepted steps (each rejected trial step, about
one in ten, costs one more). Halving the cap shows the size of the capped steps' own discretisation error.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

from transferability.relu import model as R  # noqa: E402
from transferability.relu.population import population_loss_and_grads, pretrain_population  # noqa: E402
from transferability.relu.readout import limit_readouts, significant_basis  # noqa: E402


def main(d: int = 20, m_star: int = 20, m: int = 200, mu: float = 0.5) -> None:
    Wt, a = R.make_teacher(d, m_star, 0, 0)
    k = R.source_size(m_star, mu)
    Ws, a_s = Wt[:k], a[:k]
    W0, c0 = R.init_student(d, m, 1e-6, 0, "relu_student", 0)
    norm2 = float(a_s @ R.relu_gram(Ws, Ws) @ a_s)
    stop = 1e-4 * R.function_variance(Ws, a_s)

    def report(label, W, c, seconds, evals):
        lims = [R.population_risk(W, coef, Wt, a)
                for coef in limit_readouts(W, Wt, a, [0.0, 1e-2], significant_basis(W, 0.2))]
        print(f"{label:<46} {seconds:7.1f} s {evals:8d} gradient evaluations   readout limits "
              f"{lims[0]:.5e} {lims[1]:.5e}", flush=True)

    for label, cap, cap_until in (("capped Euler, cap 2", 2.0, 0.0), ("capped Euler, cap 1", 1.0, 0.0),
                                  ("the study's: cap 2 lifted below 1e-2 Var f_s", 2.0, 1e-2)):
        t0 = time.perf_counter()
        W, c, steps, conv, _ = pretrain_population(W0, c0, Ws, a_s, 1.0, cap, 200_000, 1e-4, cap_until=cap_until)
        report(label, W, c, time.perf_counter() - t0, steps)
    lbfgs_finish(W0, c0, Ws, a_s, stop, report)

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


def lbfgs_finish(W0, c0, Ws, a_s, stop, report) -> None:
    """Capped Euler to 1e-2 Var f_s (where the study lifts the cap), then L-BFGS to the same stopping loss."""
    m, d = W0.shape
    norm2 = float(a_s @ R.relu_gram(Ws, Ws) @ a_s)
    t0 = time.perf_counter()
    W, c, steps, _, _ = pretrain_population(W0, c0, Ws, a_s, 1.0, 2.0, 200_000, 1e-2)

    class Reached(Exception):
        pass

    def fun(y):
        fun.evals += 1
        loss, gc, gW = population_loss_and_grads(y[: m * d].reshape(m, d), y[m * d:], Ws, a_s, norm2)
        if loss <= stop:
            fun.end = y.copy()
            raise Reached
        return loss, m * np.concatenate([gW.ravel(), gc])

    fun.evals, fun.end = 0, None
    try:
        minimize(fun, np.concatenate([W.ravel(), c]), jac=True, method="L-BFGS-B",
                 options={"maxiter": 100_000, "maxfun": 100_000, "ftol": 0.0, "gtol": 0.0})
    except Reached:
        pass
    if fun.end is None:
        print("L-BFGS stopped before the stopping loss")
        return
    report(f"capped Euler to 1e-2 Var f_s ({steps}), L-BFGS ({fun.evals})", fun.end[: m * d].reshape(m, d), fun.end[m * d:],
           time.perf_counter() - t0, steps + fun.evals)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(*(int(x) for x in args[:3]), *(float(x) for x in args[3:4]))
