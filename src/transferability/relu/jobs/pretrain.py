"""Job ``pretrain``: one student per instance on the population loss of the source teacher (mu of neurons removed).

Arrays ``(B, ...)``: student ``W (B, m, d)``, ``c (B, m)``, convergence, ``||P_perp f_t||^2`` (the target outside the
span of the source teacher's neurons) with its Hermite-degree parts ``p_perp_parts (B, 3)`` and ``p_perp_high`` (the
same with constants and linear functions added to the span), the target's parts ``target_parts (B, 3)``, teacher
norms, CKA of the hidden kernel with the source teacher's (and two baselines), and the first instance's Gram
matrices.
"""

from __future__ import annotations

import numpy as np

from ...core.seeding import rng_for
from .. import model as R
from ..hermite import degree_parts
from ..population import pretrain_population
from ..readout import projection_parts


def _kernel_alignments(Xp, W, W0, Ws, Wr):
    """CKA of the student's hidden kernel with the source teacher's, baselines, and the two Gram matrices."""
    K_student, K_source = R.hidden_kernel(Xp, W), R.hidden_kernel(Xp, Ws)
    cka = R.centered_kernel_alignment(K_student, K_source)
    cka_init = R.centered_kernel_alignment(R.hidden_kernel(Xp, W0), K_source)
    cka_removed = R.centered_kernel_alignment(K_student, R.hidden_kernel(Xp, Wr)) if len(Wr) else np.nan
    return cka, cka_init, cka_removed, K_student, K_source


def compute(spec: dict, inputs: dict, log) -> dict:
    B, d, m, seed = spec["instances"], spec["d"], spec["width"], spec["seed"]
    k = R.source_size(spec["m_star"], spec["mu"])
    p = spec["pretrain"]
    out = {key: [] for key in ("W", "c", "steps", "converged", "loss", "source_var", "p_perp", "target_norm2",
                               "target_var", "cka", "cka_init", "cka_removed", "p_perp_parts",
                               "p_perp_high", "target_parts")}
    for b in range(B):
        Wt, a = R.make_teacher(d, spec["m_star"], seed, b, spec["teacher_output"])
        W0, c0 = R.init_student(d, m, spec["init_scale"], seed, "relu_student", b)
        W, c, steps, conv, loss = pretrain_population(
            W0, c0, Wt[:k], a[:k], p["lr"], p["lr_max"], p["max_steps"], p["tol"],
            progress=lambda line: log(f"pretrain mu={spec['mu']} instance {b}: {line}"), cap_until=p["cap_until"],
            float32_while_capped=p["float32_while_capped"],
        )
        log(f"pretrain mu={spec['mu']} instance {b}: {steps} steps, loss {loss:.3e}, converged {conv}")
        Xp = rng_for(seed, "relu_probe", d, spec["kernel_points"], b).standard_normal((spec["kernel_points"], d))
        cka, cka_init, cka_removed, K_student, K_source = _kernel_alignments(Xp, W, W0, Wt[:k], Wt[k:])
        if b == 0:  # the Gram matrices of the first instance, for the kernel figure
            order = np.argsort(np.maximum(Xp @ Wt[:k].T, 0.0) @ a[:k])
            out["gram_student"], out["gram_source"] = K_student[np.ix_(order, order)], K_source[np.ix_(order, order)]
        p_perp_parts = projection_parts(Wt[:k], Wt, a)
        for key, val in (("W", W), ("c", c), ("steps", steps), ("converged", conv), ("loss", loss),
                         ("source_var", R.function_variance(Wt[:k], a[:k])),
                         ("p_perp", p_perp_parts.sum()), ("p_perp_parts", p_perp_parts),
                         ("p_perp_high", projection_parts(Wt[:k], Wt, a, high_only=True)[2]),
                         ("target_parts", degree_parts(Wt, a)),
                         ("target_norm2", float(a @ R.relu_gram(Wt, Wt) @ a)),
                         ("target_var", R.function_variance(Wt, a)),
                         ("cka", cka), ("cka_init", cka_init), ("cka_removed", cka_removed)):
            out[key].append(val)
    return {key: np.asarray(val) for key, val in out.items()}
