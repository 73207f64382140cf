"""What lifting the step-size cap near the minimum and float32 while capped change in the ReLU study, and save.

Run from the repository root:  .venv/bin/python benchmarks/relu_caps.py [--paper [cap_until [float32]]]
At the default size (d = m* = 20, width 200, mu = 0.5, two instances): pretraining with the cap (lr_max = 2) to the
end, lifted below cap_until = 1e-3 and 1e-2 of Var f_s (float64), and lifted below 1e-2 with float32 while capped
(the default); then fine-tuning at n = 320 with the cap (0.5) to the end, with half the cap (the cap's own
discretisation error), lifted below 1e-3 and 1e-2 of Var y, and lifted below 1e-3 with float32 while capped.
Prints steps, seconds and what the theory looks at: the readout limits of the pretrained features, the fine-tuned
risk. ``--paper``: pretraining only, at the paper's size (d = m* = 100, width 1000, mu = 0.5, one instance, lifted
below 1e-2, float64 and float32 while capped), and the projected pretraining time of the paper config's ReLU block
(10 mu x 20 instances) on 2 cores; with values, only that cap_until (and float32 while capped if given).
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from transferability.relu import model as R  # noqa: E402
from transferability.relu.population import pretrain_population  # noqa: E402
from transferability.relu import readout as RO  # noqa: E402
from transferability.relu.readout import limit_readouts, significant_basis  # noqa: E402

D, M_STAR, M, MU, N = 20, 20, 200, 0.5, 320
PRECISION = {False: "float64        ", True: "float32 capped "}


def paper(variants=((1e-2, False), (1e-2, True))) -> None:
    d, m_star, m = 100, 100, 1000
    Wt, a = R.make_teacher(d, m_star, 0, 0)
    k = R.source_size(m_star, MU)
    W0, c0 = R.init_student(d, m, 1e-6, 0, "relu_student", 0)
    for cap_until, float32 in variants:
        t = time.perf_counter()
        W, c, steps, conv, _ = pretrain_population(W0, c0, Wt[:k], a[:k], 1.0, 2.0, 200_000, 1e-4,
                                                     cap_until=cap_until, float32_while_capped=float32)
        seconds = time.perf_counter() - t
        lims = [R.population_risk(W, coef, Wt, a)
                for coef in limit_readouts(W, Wt, a, [0.0, 1e-2], significant_basis(W, 0.2))]
        print(f"paper size, cap until {cap_until:<6g} {PRECISION[float32]} {steps:6d} steps {seconds:7.1f} s  converged {conv}  "
              f"limits {lims[0]:.6e} {lims[1]:.6e} (p_perp {RO.projection_residual(Wt[:k], Wt, a):.6e}); "
              f"200 such pretrainings on 2 cores: {200 * seconds / 2 / 3600:.1f} h", flush=True)


def main() -> None:
    for b in range(2):
        Wt, a = R.make_teacher(D, M_STAR, 0, b)
        k = R.source_size(M_STAR, MU)
        W0, c0 = R.init_student(D, M, 1e-6, 0, "relu_student", b)
        print(f"instance {b}: pretraining (readout limits: significant subspace, ridge 0.01)")
        for cap_until, float32 in ((0.0, False), (1e-3, False), (1e-2, False), (1e-2, True)):
            t = time.perf_counter()
            W, c, steps, conv, _ = pretrain_population(W0, c0, Wt[:k], a[:k], 1.0, 2.0, 200_000, 1e-4,
                                                         cap_until=cap_until, float32_while_capped=float32)
            lims = [R.population_risk(W, coef, Wt, a)
                    for coef in limit_readouts(W, Wt, a, [0.0, 1e-2], significant_basis(W, 0.2))]
            print(f"  cap until {cap_until:<6g} {PRECISION[float32]}  {steps:6d} steps "
                  f"{time.perf_counter() - t:6.1f} s  converged {conv}  limits {lims[0]:.6e} {lims[1]:.6e}")
            if cap_until == 0.0:  # fine-tuning starts from the student capped to the end
                pretrained = W, c
        X, y = R.target_sample(Wt, a, N, 0.0, 0, b)
        print(f"instance {b}: fine-tuning at n = {N} (population risk)")
        for cap, cap_until, float32 in ((0.5, 0.0, False), (0.25, 0.0, False), (0.5, 1e-3, False),
                                        (0.5, 1e-2, False), (0.5, 1e-3, True)):
            t = time.perf_counter()
            W, c, steps, conv, _ = R.train_student(X, y, *pretrained, cap, 200_000, 1e-6, cap, cap_until=cap_until,
                                                   float32_while_capped=float32)
            print(f"  cap {cap:<4g} until {cap_until:<6g} {PRECISION[float32]}  {steps:6d} steps "
                  f"{time.perf_counter() - t:6.1f} s  converged {conv}  risk {R.population_risk(W, c / M, Wt, a):.6e}")


if __name__ == "__main__":
    if "--paper" in sys.argv[1:]:
        rest = sys.argv[sys.argv.index("--paper") + 1:]
        paper(((float(rest[0]), rest[1:] == ["float32"]),) if rest else ((1e-2, False), (1e-2, True)))
    else:
        main()
