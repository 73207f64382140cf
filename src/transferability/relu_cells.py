"""Jobs of the ReLU student-teacher study: spec + input arrays -> output arrays (no file or config I/O).

Shapes: ``B`` instances, ``m`` student width, ``d`` inputs, ``K`` ridge strengths, ``P`` kernel probe points.
Instance ``b`` of every job uses the same target teacher ``make_teacher(d, m*, seed, b)``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from . import relu as R
from .seeding import rng_for

__all__ = ["COMPUTE"]

Arrays = dict[str, np.ndarray]


def _teacher(spec: dict, b: int) -> tuple[np.ndarray, np.ndarray]:
    return R.make_teacher(spec["d"], spec["m_star"], spec["seed"], b)


def _kernel_alignments(Xp, W, W0, Ws, Wr) -> tuple[float, float, float, np.ndarray, np.ndarray]:
    """CKA of the student's hidden kernel with the source teacher's, baselines, and the two Gram matrices."""
    K_student, K_source = R.hidden_kernel(Xp, W), R.hidden_kernel(Xp, Ws)
    cka = R.centered_kernel_alignment(K_student, K_source)
    cka_init = R.centered_kernel_alignment(R.hidden_kernel(Xp, W0), K_source)
    cka_removed = R.centered_kernel_alignment(K_student, R.hidden_kernel(Xp, Wr)) if len(Wr) else np.nan
    return cka, cka_init, cka_removed, K_student, K_source


def compute_relu_pretrain(spec: dict, inputs: dict, log: Callable[[str], None]) -> Arrays:
    """Pretrain one student per instance on the population loss of the source teacher (mu of neurons removed)."""
    B, d, m, seed = spec["instances"], spec["d"], spec["width"], spec["seed"]
    k = R.source_size(spec["m_star"], spec["mu"])
    p = spec["pretrain"]
    out = {key: [] for key in ("W", "c", "steps", "converged", "loss", "source_var", "p_perp", "target_norm2",
                               "target_var", "cka", "cka_init", "cka_removed")}
    for b in range(B):
        Wt, a = _teacher(spec, b)
        W0, c0 = R.init_student(d, m, spec["init_scale"], seed, "relu_student", b)
        W, c, steps, conv, loss = R.pretrain_population(
            W0, c0, Wt[:k], a[:k], p["lr"], p["lr_max"], p["max_steps"], p["tol"],
            progress=lambda line: log(f"pretrain mu={spec['mu']} instance {b}: {line}"),
        )
        log(f"pretrain mu={spec['mu']} instance {b}: {steps} steps, loss {loss:.3e}, converged {conv}")
        Xp = rng_for(seed, "relu_probe", d, spec["kernel_points"], b).standard_normal((spec["kernel_points"], d))
        cka, cka_init, cka_removed, K_student, K_source = _kernel_alignments(Xp, W, W0, Wt[:k], Wt[k:])
        if b == 0:  # the Gram matrices of the first instance, for the kernel figure
            order = np.argsort(np.maximum(Xp @ Wt[:k].T, 0.0) @ a[:k])
            out["gram_student"], out["gram_source"] = K_student[np.ix_(order, order)], K_source[np.ix_(order, order)]
        for key, val in (("W", W), ("c", c), ("steps", steps), ("converged", conv), ("loss", loss),
                         ("source_var", R.function_variance(Wt[:k], a[:k])),
                         ("p_perp", R.projection_residual(Wt[:k], Wt, a)),
                         ("target_norm2", float(a @ R.relu_gram(Wt, Wt) @ a)),
                         ("target_var", R.function_variance(Wt, a)),
                         ("cka", cka), ("cka_init", cka_init), ("cka_removed", cka_removed)):
            out[key].append(val)
    return {key: np.asarray(val) for key, val in out.items()}


def compute_relu_scratch(spec: dict, inputs: dict, log: Callable[[str], None]) -> Arrays:
    """Train a fresh small-init student per instance on the n target samples."""
    B, d, m, n, seed = spec["instances"], spec["d"], spec["width"], spec["n"], spec["seed"]
    t = spec["train"]
    out = {key: [] for key in ("risk", "train_loss", "steps", "converged")}
    for b in range(B):
        Wt, a = _teacher(spec, b)
        X, y = R.target_sample(Wt, a, n, spec["sigma"], seed, b)
        W0, c0 = R.init_student(d, m, spec["init_scale"], seed, "relu_scratch", n, b)
        W, c, steps, conv, loss = R.train_student(X, y, W0, c0, t["lr"], t["max_steps"], t["tol"], t["lr_max"],
                                                  progress=lambda line: log(f"scratch n={n} instance {b}: {line}"))
        for key, val in (("risk", R.population_risk(W, c / m, Wt, a)), ("train_loss", loss), ("steps", steps),
                         ("converged", conv)):
            out[key].append(val)
    log(f"scratch n={n}: mean risk {np.mean(out['risk']):.4e}, converged {sum(out['converged'])}/{B}")
    return {key: np.asarray(val) for key, val in out.items()}


def compute_relu_cell(spec: dict, inputs: dict, log: Callable[[str], None]) -> Arrays:
    """Linear transfer (ridge readout on frozen features, every lambda) and fine-tuning, per instance."""
    B, m, n, seed = spec["instances"], spec["width"], spec["n"], spec["seed"]
    pre, t, lams = inputs["pretrain"], spec["train"], np.array(spec["ridge"])
    out = {key: [] for key in ("lt_risk", "lt_limit", "ft_risk", "ft_train_loss", "ft_steps", "ft_converged")}
    for b in range(B):
        Wt, a = _teacher(spec, b)
        X, y = R.target_sample(Wt, a, n, spec["sigma"], seed, b)
        Wp, cp = pre["W"][b], pre["c"][b]
        coefs = R.ridge_readout(X, y, Wp, lams)
        out["lt_risk"].append([R.population_risk(Wp, cf, Wt, a) for cf in coefs])
        out["lt_limit"].append([R.ridge_limit(Wp, Wt, a, lam) for lam in lams])
        W, c, steps, conv, loss = R.train_student(X, y, Wp, cp, t["lr"], t["max_steps"], t["tol"], t["lr_max"],
                                                  progress=lambda line: log(f"fine-tune n={n} instance {b}: {line}"))
        for key, val in (("ft_risk", R.population_risk(W, c / m, Wt, a)), ("ft_train_loss", loss),
                         ("ft_steps", steps), ("ft_converged", conv)):
            out[key].append(val)
    log(f"cell mu={spec['mu']} n={n}: fine-tune converged {sum(out['ft_converged'])}/{B}")
    return {key: np.asarray(val) for key, val in out.items()}


COMPUTE: dict[str, Callable[[dict, dict, Callable[[str], None]], Arrays]] = {
    "relu_pretrain": compute_relu_pretrain,
    "relu_scratch": compute_relu_scratch,
    "relu_cell": compute_relu_cell,
}
