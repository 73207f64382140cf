"""Batched full-batch gradient descent for deep linear networks on a diagonal quadratic loss.

Every training problem of the pipeline (population pretraining, scratch, fine-tuning) reduces exactly to

    loss(W_1, ..., W_L) = || s * z - t ||^2 + const,    z = W_1 W_2 ... W_L  (shape (r,)),

where the data enter only through the singular values ``s`` of ``X/sqrt(n)`` and the rotated targets ``t``
(see ``tasks.Design``): the first layer is expressed in the basis of the row space of ``X``, so one step costs
O(r h + (L-2) h^2) per instance and the data term is diagonal.

Shapes: ``B`` instances trained together, each with its own step size and stopping time. Layers are 3-D:
``W_1: (B, r, h_1)``, ``W_l: (B, h_{l-1}, h_l)``, ``W_L: (B, h_{L-1}, 1)``.

Step size: per instance and per step, ``lr = lr_scale / S`` with ``S`` an upper bound on the sharpness of the
loss at the current weights (data curvature ``2 max(s^2) sum_l prod_{k != l} |W_k|_F^2`` plus the residual
term ``|g| e_{L-2}(|W|_F)``). GD is then a stable discretisation of gradient flow at every scale, from the
O(alpha) initialisation to the end point, without hand-tuned learning rates. With the defaults the fine-tuned
risk is within 2% (relative) of gradient flow's end point (tests/test_engine.py); the gap is set mostly by ``tol``:
the train loss reaches it while the weights outside the data's row space still drift, longest near n = d.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..core.progress import time_left

__all__ = ["GDSettings", "GDResult", "DivergenceError", "train_deep_linear", "STOP_CONVERGED", "STOP_BUDGET",
           "STOP_PREDICTED", "STOP_SPECTRUM"]

# Recompute the incrementally tracked layer norms exactly this often, to stop rounding drift.
_NORM_REFRESH = 1000
_DIVERGENCE_FACTOR = 1e6
# Weights of one block of instances (bytes): small enough to stay in cache between the passes of a step.
_BLOCK_BYTES = 2**20
# Smaller layers are updated through a buffer of about this many bytes (see _subtract_outer).
_OUTER_BUFFER_BYTES = 2**18
# Layers with at least this many entries per instance are updated in place (see _rank_one_update_in_place).
_IN_PLACE_MIN_SIZE = 2**16


class DivergenceError(RuntimeError):
    """Raised when the loss of some instance becomes non-finite or explodes."""


@dataclass(frozen=True)
class GDSettings:
    """Stopping and step-size settings.

    Attributes:
        tol: an instance has converged when its excess train loss (above the minimum) is <= tol.
        max_steps: step budget per instance; instances still above tol are reported as not converged.
        lr_scale: step size as a fraction of 1/(sharpness bound); GD is stable for lr_scale < 2.
        grad_weight: weight of the gradient-norm term in the bound. It shortens steps only while the
            gradient is large (escape from the small init, start of fine-tuning), where GD's O(lr) drift of the
            gradient-flow invariants (layer balancedness) would otherwise bias the end point; late, slow
            convergence is unaffected.
        check_every: steps between removals of converged instances from the active batch.
        progress_every_s: seconds between calls of the progress callback.
        predict_stop: stop an instance as soon as the design's spectrum (``_spectrum_hopeless``) or its measured
            convergence rate (``_hopeless``) says it cannot reach ``tol`` within ``max_steps`` even at twice the
            rate; it is then reported as not converged with ``stop_reason`` STOP_SPECTRUM or STOP_PREDICTED,
            instead of spending the budget to learn what the spectrum or the rate says.
    """

    tol: float = 1e-6
    max_steps: int = 100_000
    lr_scale: float = 1.0
    grad_weight: float = 100.0
    check_every: int = 25
    progress_every_s: float = 30.0
    predict_stop: bool = True


# Why an instance stopped (``GDResult.stop_reason``).
STOP_CONVERGED, STOP_BUDGET, STOP_PREDICTED, STOP_SPECTRUM = 0, 1, 2, 3
# Steps between the loss snapshots that measure an instance's convergence rate.
_RATE_WINDOW = 200


@dataclass
class GDResult:
    """Final weights (same shapes as given), excess loss ``(B,)``, steps taken ``(B,)``, convergence ``(B,)`` and
    why each instance stopped ``(B,)``: STOP_CONVERGED, STOP_BUDGET (``max_steps``) or STOP_PREDICTED."""

    layers: list[np.ndarray]
    loss: np.ndarray
    steps: np.ndarray
    converged: np.ndarray
    stop_reason: np.ndarray | None = None


# A run with weight decay has escaped the origin once its data loss is below this fraction of its start.
_ESCAPED = 0.999


def _saddle_at_origin(depth: int, s: np.ndarray, t: np.ndarray, wd: np.ndarray) -> np.ndarray:
    """``(B,)``: whether the origin is a saddle of the penalised objective, where a small init starts.

    With weight decay the origin is stationary and the gradient there is tiny, so the gradient test alone would
    stop a run from a small init at once. For L = 2 along a balanced rank-one direction the objective is
    ``|t|^2 - 2 |s t| a^2 + 2 wd a^2``: a saddle iff ``|s t| > wd``, which gradient descent escapes. For L > 2 the
    penalty's quadratic term beats the data's cubic one near 0: the origin is a local minimum (not a saddle).
    """
    return (wd > 0) & (depth == 2) & (np.linalg.norm(s * t, axis=1) > wd)


def _stops(loss: np.ndarray, gradsq: np.ndarray, start: np.ndarray, saddle: np.ndarray, wd: np.ndarray,
           tol: float) -> np.ndarray:
    """The convergence test: excess loss <= tol, or with weight decay squared gradient <= tol once off the saddle
    at the origin (data loss below ``_ESCAPED`` of its start)."""
    if not wd.any():
        return loss <= tol
    escaped = ~saddle | (loss < _ESCAPED * start)
    return np.where(wd > 0, (gradsq <= tol) & escaped, loss <= tol)


def _hopeless(loss, one_ago, two_ago, start, step: int, settings: GDSettings) -> np.ndarray:
    """Instances that cannot converge within the budget: ``(b,)`` bool from the excess loss now, one and two
    rate windows ago, and at the first step.

    Near its end point GD decays geometrically, ``loss ~ exp(-r t)``, at a rate that settles down as the fast
    directions die out. An instance is in that tail when its loss has fallen at least tenfold from the start and
    its rates over the last two windows agree within 25% with the newer no more than 1% faster (an escape from
    the small init, a plateau that then accelerates, is never judged). It is hopeless when even twice the measured
    rate needs more than the remaining budget to reach ``tol``: typical near gamma = 1, where X^T X is
    ill-conditioned.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        r_old = np.log(two_ago / one_ago) / _RATE_WINDOW
        r_new = np.log(one_ago / loss) / _RATE_WINDOW
        needed = np.log(loss / settings.tol) / r_new
        tail = (r_new > 0) & (r_new <= 1.01 * r_old) & (r_new >= 0.75 * r_old) & (loss < 0.1 * start)
        return tail & (loss > settings.tol) & (step + needed / 2 > settings.max_steps)


def _spectrum_hopeless(W: list[np.ndarray], s: np.ndarray, t: np.ndarray, s2max: np.ndarray, loss: np.ndarray,
                       start: np.ndarray, step: int, settings: GDSettings) -> np.ndarray:
    """Instances whose design spectrum says they cannot converge within the budget: ``(b,)`` bool.

    In the singular basis of the design the excess loss is ``sum_i res_i^2`` with ``res_i = s_i z_i - t_i``.
    A step moves mode ``i`` by ``lr 2 s_i^2`` times the network's tangent kernel, whose largest eigenvalue is
    the data term of the sharpness bound over ``2 max(s^2)``, so with ``lr <= lr_scale / sharpness`` one step
    shrinks ``res_i^2`` at most by the factor ``(1 - x_i)^2``, ``x_i = lr_scale s_i^2 / max(s^2)``: the mode
    needs at least ``log(res_i^2 / tol) / (-2 log(1 - x_i))`` more steps to reach ``tol``. Near ``n = d`` the
    smallest ``s_i`` makes that far more than any budget. Judged once the loss has fallen tenfold (past the
    escape from a small init, where modes still exchange weight), with the same factor-2 margin as ``_hopeless``.
    """
    z = W[0]
    for Wl in W[1:]:
        z = z @ Wl
    res2 = (s * z[..., 0] - t) ** 2
    x = np.minimum(settings.lr_scale * s**2 / s2max[:, None], 1.0 - 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        needed = np.where(res2 > settings.tol, np.log(res2 / settings.tol) / (-2.0 * np.log1p(-x)), 0.0)
    return (loss < 0.1 * start) & (loss > settings.tol) & (step + needed.max(axis=1) / 2 > settings.max_steps)


def _sharpness_bound(sq_norms, s2max, gnorm, grad_weight: float):
    """Upper bound on the Hessian norm; ``sq_norms (L, B)``, ``s2max (B,)``, ``gnorm (B,)`` (numpy or torch)."""
    L = sq_norms.shape[0]
    if L == 2:  # prod_{k != l} |W_k|^2 summed over l is |W_1|^2 + |W_2|^2, and e_0 = 1 (the general form's value)
        return 2.0 * s2max * (sq_norms[0] + sq_norms[1]) + grad_weight * gnorm
    sq = sq_norms.clip(min=1e-300)
    total = sq.prod(0)
    data = 2.0 * s2max * (total / sq).sum(0)
    norms = sq**0.5
    prod_norms = total**0.5
    resid = 0.0
    for a in range(L):
        for b in range(a + 1, L):
            resid = resid + prod_norms / (norms[a] * norms[b])
    return data + grad_weight * gnorm * resid


def _sq_norms(layers: list[np.ndarray]) -> np.ndarray:
    return np.stack([np.einsum("bij,bij->b", W, W) for W in layers])


def _step(
    W: list[np.ndarray],
    s: np.ndarray,
    t: np.ndarray,
    s2max: np.ndarray,
    sq: np.ndarray,
    frozen: np.ndarray,
    settings: GDSettings,
    wd: np.ndarray,
    z: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One GD step on all active instances, in place.

    Minimises ``|s * z - t|^2 + wd * sum_l |W_l|_F^2`` (``wd (b,)`` per instance, usually 0).
    ``sq (L, b)`` holds the tracked squared norms of the layers (updated in place). Instances flagged in
    ``frozen``, or (without weight decay) whose loss is already <= tol, are not moved. Large layers are updated
    block by block (``_blocks``): the backward matrix-vector product and the rank-one update then touch each
    block while it is in cache, so a step streams the weights from memory about twice; smaller ones through an
    in-cache buffer (``_subtract_outer``), and width-1 layers (the rank-one chain) on 2-D views.

    For L = 2 with a large first layer and no weight decay, the end-to-end vector ``z (b, r)`` of the next step
    is updated from quantities computed while each block is in cache (``z' = z - lr A q - lr g (w . w')``),
    which saves the forward pass over memory; pass it back in as ``z`` (None recomputes it).

    Returns:
        data loss before the step ``(b,)``, squared gradient norm of the objective ``(b,)``, next ``z`` or None.
    """
    # Forward: suffix products u_l = W_l ... W_L, shape (b, dim_in(l), 1).
    L = len(W)
    decay = bool(wd.any())
    incremental = L == 2 and W[0][0].size >= _IN_PLACE_MIN_SIZE and not decay
    suffix = [None] * L
    u = suffix[L - 1] = W[L - 1]
    for l in range(L - 2, -1, -1):
        if incremental and z is not None:
            u = z[..., None]
        elif W[l].shape[2] == 1:  # a width-1 layer (rank-one chain): a product, not b tiny matmuls
            u = (W[l][..., 0] * u[:, 0, :])[..., None]
        else:
            u = W[l] @ u
        suffix[l] = u
    res = s * u[..., 0] - t
    loss = np.einsum("br,br->b", res, res)
    g = (2.0 * s * res)[..., None]  # dloss/dz, (b, r, 1)
    gnorm = np.sqrt(np.einsum("brk,brk->b", g, g))
    lr = settings.lr_scale / (_sharpness_bound(sq, s2max, gnorm, settings.grad_weight) + 2.0 * wd)
    lr[frozen | ((loss <= settings.tol) & (wd == 0)) | ~np.isfinite(loss)] = 0.0
    shrink = 1.0 - 2.0 * lr * wd if decay else None  # weight decay: W <- shrink W - lr grad
    gradsq = np.zeros_like(loss)
    # Backward: q_1 = g, q_{l+1} = W_l^T q_l; grad W_l = q_l suffix_{l+1}^T (suffix_{L+1} = 1).
    q = g
    for l in range(L):
        inner = np.einsum("bik,bik->b", q, suffix[l])  # <W_l, grad W_l>
        gsq = np.einsum("bik,bik->b", q, q)
        lq = (lr[:, None] * q[..., 0])[..., None]  # (b, dim, 1) broadcasts element by element: use 2-D
        if l + 1 == L:
            if decay:
                W[l] *= shrink[:, None, None]
            W[l] -= lq
            q_prev_last, q_next = q, None
        else:
            right = suffix[l + 1]
            gsq *= np.einsum("bik,bik->b", right, right)
            if W[l][0].size >= _IN_PLACE_MIN_SIZE:
                q_next = np.empty((W[l].shape[0], W[l].shape[2], 1))
                Aq = np.empty_like(q) if incremental else None
                for blk in _blocks(W[l].shape[0], W[l][0].nbytes):
                    np.matmul(np.swapaxes(W[l][blk], 1, 2), q[blk], out=q_next[blk])
                    if incremental:
                        np.matmul(W[l][blk], q_next[blk], out=Aq[blk])
                    _rank_one_update_in_place(W[l][blk], lq[blk], right[blk], shrink[blk] if decay else None)
            elif W[l].shape[2] == 1:  # width 1: the update is a scaled vector, done on 2-D views
                q_next = np.swapaxes(W[l], 1, 2) @ q
                if decay:
                    W[l][..., 0] *= shrink[:, None]
                W[l][..., 0] -= lq[..., 0] * right[:, 0]
            else:
                q_next = np.swapaxes(W[l], 1, 2) @ q
                if decay:
                    W[l] *= shrink[:, None, None]
                _subtract_outer(W[l], lq, right)
        if decay:
            gradsq += gsq + 4.0 * wd * inner + 4.0 * wd**2 * sq[l]
            sq[l] = shrink**2 * sq[l] - 2.0 * shrink * lr * inner + lr**2 * gsq
        else:  # the same with wd = 0 (shrink = 1), without the arithmetic
            gradsq += gsq
            sq[l] = sq[l] - 2.0 * lr * inner + lr**2 * gsq
        q = q_next
    if incremental:
        w_new = W[1]  # updated in place above; w_old = w_new + lr q_2
        w_dot = np.einsum("bik,bik->b", w_new + lr[:, None, None] * q_prev_last, w_new)
        z_next = suffix[0][..., 0] - lr[:, None] * Aq[..., 0] - (lr * w_dot)[:, None] * g[..., 0]
        return loss, gradsq, z_next
    return loss, gradsq, None


def _subtract_outer(W: np.ndarray, left: np.ndarray, right: np.ndarray) -> None:
    """``W[b] -= left[b] right[b]^T`` for each b (``W (b, m, k)``, ``left (b, m, 1)``, ``right (b, k, 1)``), a few
    instances at a time through a buffer that stays in cache: numpy's broadcast product makes a full-size
    temporary and is about 2x slower (the same products, so the same numbers)."""
    per = max(1, _OUTER_BUFFER_BYTES // max(W[0].nbytes, 1))
    buf = np.empty((min(per, W.shape[0]),) + W.shape[1:])
    for i in range(0, W.shape[0], per):
        blk = slice(i, min(i + per, W.shape[0]))
        out = buf[: blk.stop - i]
        np.einsum("bi,bj->bij", left[blk, :, 0], right[blk, :, 0], out=out)
        np.subtract(W[blk], out, out=W[blk])


def _rank_one_update_in_place(
    W: np.ndarray, left: np.ndarray, right: np.ndarray, shrink: np.ndarray | None = None
) -> None:
    """``W[b] = shrink[b] W[b] - left[b] right[b]^T`` for each b without a temporary (BLAS through torch).

    numpy has no in-place outer-product update; its ``W -= outer`` makes two extra passes over W.
    """
    import torch  # imported only for large layers: it costs about a second per process

    Wt = torch.from_numpy(W)
    for b in range(W.shape[0]):
        beta = 1.0 if shrink is None else float(shrink[b])
        Wt[b].addr_(torch.from_numpy(left[b, :, 0]), torch.from_numpy(right[b, :, 0]), beta=beta, alpha=-1.0)


def _check_divergence(loss, loss0, ids, step: int, settings: GDSettings, label: str) -> None:
    """Raise DivergenceError, naming the job, the instances and the remedy, if any loss is not finite or exploded."""
    if (loss <= _DIVERGENCE_FACTOR * loss0).all():  # the common case in one test (nan compares false)
        return
    bad = ~np.isfinite(loss) | (loss > _DIVERGENCE_FACTOR * loss0)
    if bad.any():
        raise DivergenceError(
            f"{label}: gradient descent diverged for instance(s) {np.asarray(ids)[bad].tolist()} at step {step} "
            f"(train loss {np.max(np.where(np.isfinite(loss), loss, np.inf)):.3g}). The step size "
            f"lr_scale={settings.lr_scale} is too large: set train.lr_scale below 2 (1.0 is the default) "
            "in the config and rerun this job."
        )


def _blocks(b: int, bytes_per_instance: int) -> list[slice]:
    """Split ``b`` instances into blocks whose weights fit in cache, so a step streams them from memory once."""
    per = max(1, _BLOCK_BYTES // max(bytes_per_instance, 1))
    return [slice(i, min(i + per, b)) for i in range(0, b, per)]


def train_deep_linear(
    layers: list[np.ndarray],
    s: np.ndarray,
    t: np.ndarray,
    settings: GDSettings,
    *,
    weight_decay: np.ndarray | None = None,
    label: str = "",
    progress: Callable[[str], None] | None = None,
    device: str | None = None,
) -> GDResult:
    """Run batched GD on ``||s * (W_1...W_L) - t||^2 (+ wd sum_l |W_l|^2)`` until convergence or budget.

    Args:
        layers: initial weights, 3-D arrays as in the module docstring; not modified.
        s: ``(B, r)`` non-negative curvature of the data term (singular values of X/sqrt(n)).
        t: ``(B, r)`` targets; the minimum of the loss is 0 (any constant is the caller's).
        settings: stopping rule and step size.
        label: names the job in error messages and progress lines.
        progress: optional callable receiving one-line progress reports.
        weight_decay: ``(B,)`` weight decay per instance (default 0). With weight decay the minimum of the data
            loss is not the stopping target: an instance stops when the squared gradient norm of the penalised
            objective is <= tol, and not on the saddle at the origin where a small init starts
            (``_saddle_at_origin``).
        device: ``'cpu'`` (this numpy engine) or ``'cuda'`` (``train_deep_linear_torch``); None picks at run
            time (``pick_device``: a visible GPU and a large first layer).

    Returns:
        GDResult with the final weights and per-instance excess data loss, steps and convergence flags.
        ``steps`` counts the updates an instance received; its loss is evaluated after them.

    Raises:
        DivergenceError: an instance's loss became non-finite or grew by more than 1e6, naming ``label``.
    """
    device = device or pick_device(layers)
    if device != "cpu":
        return train_deep_linear_torch(layers, s, t, settings, device=device, weight_decay=weight_decay,
                                       label=label, progress=progress)
    B = s.shape[0]
    full = [np.array(W, dtype=float, copy=True) for W in layers]
    steps = np.zeros(B, dtype=np.int64)
    converged = np.zeros(B, dtype=bool)
    reason = np.full(B, STOP_BUDGET, dtype=np.int8)
    final_loss = np.full(B, np.nan)

    active = np.arange(B)
    W = [X.copy() for X in full]
    sa, ta = np.asarray(s, float), np.asarray(t, float)
    wd = np.zeros(B) if weight_decay is None else np.asarray(weight_decay, dtype=float).copy()
    s2max = np.max(sa**2, axis=1)
    saddle = _saddle_at_origin(len(W), sa, ta, wd)
    sq = _sq_norms(W)
    loss0 = start = None
    predict = settings.predict_stop and settings.tol > 0  # tol = 0: a fixed number of steps, never judged
    z = None  # cached end-to-end vector (large L = 2 problems), see _step
    done = np.zeros(B, dtype=bool)
    history: list[np.ndarray] = []  # excess loss one and two rate windows ago
    last_report = t_start = time.monotonic()
    step = 0

    def retire(mask: np.ndarray) -> None:
        """Write back and drop the active instances flagged in ``mask``."""
        nonlocal W, sa, ta, s2max, sq, active, loss0, start, done, z, wd, history, saddle
        history = [h[~mask] for h in history]
        idx = active[mask]
        for Wf, Wa in zip(full, W):
            Wf[idx] = Wa[mask]
        keep = ~mask
        W = [Wa[keep] for Wa in W]
        sa, ta, s2max, sq, wd, saddle = sa[keep], ta[keep], s2max[keep], sq[:, keep], wd[keep], saddle[keep]
        loss0, start, done, active = loss0[keep], start[keep], done[keep], active[keep]
        z = None if z is None else z[keep]

    while active.size:
        budget_hit = step >= settings.max_steps
        frozen = done | budget_hit
        loss, gradsq, z = _step(W, sa, ta, s2max, sq, frozen, settings, wd, z)
        if loss0 is None:
            start, loss0 = loss.copy(), np.maximum(loss, 1.0)
        _check_divergence(loss, loss0, active, step, settings, label)
        newly = _stops(loss, gradsq, start, saddle, wd, settings.tol) & ~done
        if newly.any():
            steps[active[newly]] = step
            converged[active[newly]] = True
            reason[active[newly]] = STOP_CONVERGED
            final_loss[active[newly]] = loss[newly]
            done |= newly
        if predict and step % settings.check_every == 0 and step and not budget_hit:
            spectral = _spectrum_hopeless(W, sa, ta, s2max, loss, start, step, settings) & ~done & (wd == 0)
            if spectral.any():
                steps[active[spectral]] = step
                reason[active[spectral]] = STOP_SPECTRUM
                final_loss[active[spectral]] = loss[spectral]
                done |= spectral
        if predict and step % _RATE_WINDOW == 0 and step and not budget_hit:
            if len(history) == 2:
                hopeless = _hopeless(loss, history[1], history[0], start, step, settings) & ~done & (wd == 0)
                if hopeless.any():
                    steps[active[hopeless]] = step
                    reason[active[hopeless]] = STOP_PREDICTED
                    final_loss[active[hopeless]] = loss[hopeless]
                    done |= hopeless
            history = (history + [loss.copy()])[-2:]
        if budget_hit:
            final_loss[active[~done]] = loss[~done]
            steps[active[~done]] = step
            break
        if progress is not None and time.monotonic() - last_report > settings.progress_every_s:
            last_report = time.monotonic()
            worst = int(np.argmax(np.where(done, -np.inf, loss))) if (~done).any() else 0
            rate = (np.log(history[0][worst] / history[1][worst]) / _RATE_WINDOW) if len(history) == 2 else 0.0
            eta = time_left(float(loss[worst]), settings.tol, float(rate), (last_report - t_start) / max(step, 1),
                            settings.max_steps - step)
            progress(
                f"{label}: step {step}, excess train loss max {np.max(loss[~done], initial=0.0):.3e}, "
                f"converged {int(converged.sum())}/{B}; {eta}"
            )
        step += 1
        if step % _NORM_REFRESH == 0:
            sq, z = _sq_norms(W), None
        if step % settings.check_every == 0 and done.any():
            retire(done.copy())
    if active.size:
        retire(np.ones(active.size, dtype=bool))
    return GDResult(layers=full, loss=final_loss, steps=steps, converged=converged, stop_reason=reason)


# ---------------------------------------------------------------------------------------------------------
# The same gradient descent on a CUDA device (torch). Chosen at run time by ``pick_device``; never required.


def pick_device(layers: list[np.ndarray]) -> str:
    """``'cuda'`` when a CUDA GPU is visible and the first layer is large enough to gain from it, else ``'cpu'``.

    ``TRANSFERABILITY_DEVICE=cpu|cuda|auto`` (default ``auto``) overrides. torch is imported only when a GPU
    may be present (``/dev/nvidia0`` exists or ``TRANSFERABILITY_DEVICE=cuda``), so CPU jobs start fast.
    """
    import os

    want = os.environ.get("TRANSFERABILITY_DEVICE", "auto").lower()
    if want == "cpu" or (want == "auto" and not os.path.exists("/dev/nvidia0")):
        return "cpu"
    if want == "auto" and layers[0][0].size < _IN_PLACE_MIN_SIZE:
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if want == "cuda":
        raise RuntimeError("TRANSFERABILITY_DEVICE=cuda but torch sees no CUDA device")
    return "cpu"


def train_deep_linear_torch(
    layers: list[np.ndarray],
    s: np.ndarray,
    t: np.ndarray,
    settings: GDSettings,
    *,
    device: str = "cuda",
    weight_decay: np.ndarray | None = None,
    label: str = "",
    progress: Callable[[str], None] | None = None,
) -> GDResult:
    """``train_deep_linear`` in torch (float64) on ``device``: same step rule, stopping rule and results.

    Converged instances are frozen (step size 0) rather than removed from the batch. On the CPU it reproduces
    the numpy engine to rounding (tests/test_engine.py); on a GPU, to the tolerance stated there.
    """
    import torch

    f64 = torch.float64
    W = [torch.tensor(np.asarray(X), dtype=f64, device=device) for X in layers]
    sa = torch.tensor(np.asarray(s), dtype=f64, device=device)
    ta = torch.tensor(np.asarray(t), dtype=f64, device=device)
    B, L = sa.shape[0], len(W)
    wd = torch.zeros(B, dtype=f64, device=device) if weight_decay is None else \
        torch.tensor(np.asarray(weight_decay, dtype=float), dtype=f64, device=device)
    s2max = (sa**2).amax(dim=1)
    sq = torch.stack([(X * X).sum(dim=(1, 2)) for X in W])
    steps = np.zeros(B, dtype=np.int64)
    converged = np.zeros(B, dtype=bool)
    final_loss = np.full(B, np.nan)
    done = np.zeros(B, dtype=bool)
    loss0 = None
    wd_np = wd.cpu().numpy()
    saddle = _saddle_at_origin(L, np.asarray(s, float), np.asarray(t, float), wd_np)
    last_report = t_start = time.monotonic()
    step = 0
    while True:
        budget_hit = step >= settings.max_steps
        suffix = [None] * L
        u = suffix[L - 1] = W[L - 1]
        for l in range(L - 2, -1, -1):
            u = suffix[l] = W[l] @ u
        res = sa * u[..., 0] - ta
        loss_t = (res * res).sum(dim=1)
        g = (2.0 * sa * res)[..., None]
        gnorm = torch.sqrt((g * g).sum(dim=(1, 2)))
        lr = settings.lr_scale / (_sharpness_bound(sq, s2max, gnorm, settings.grad_weight) + 2.0 * wd)
        frozen = torch.tensor(done | budget_hit, device=device)
        stop = frozen | ((loss_t <= settings.tol) & (wd == 0)) | ~torch.isfinite(loss_t)
        lr = torch.where(stop, torch.zeros_like(lr), lr)
        shrink = 1.0 - 2.0 * lr * wd
        gradsq = torch.zeros_like(loss_t)
        q = g
        for l in range(L):
            inner = (q * suffix[l]).sum(dim=(1, 2))
            gsq = (q * q).sum(dim=(1, 2))
            lq = lr[:, None, None] * q
            if l + 1 == L:
                q_next, update = None, lq
            else:
                right = suffix[l + 1]
                gsq = gsq * (right * right).sum(dim=(1, 2))
                q_next = W[l].transpose(1, 2) @ q
                update = lq @ right.transpose(1, 2)
            W[l] = shrink[:, None, None] * W[l] - update
            gradsq = gradsq + gsq + 4.0 * wd * inner + 4.0 * wd**2 * sq[l]
            sq[l] = shrink**2 * sq[l] - 2.0 * shrink * lr * inner + lr**2 * gsq
            q = q_next
        loss = loss_t.cpu().numpy()
        if loss0 is None:
            start, loss0 = loss.copy(), np.maximum(loss, 1.0)
        _check_divergence(loss, loss0, np.arange(B), step, settings, label)
        newly = _stops(loss, gradsq.cpu().numpy(), start, saddle, wd_np, settings.tol) & ~done
        steps[newly] = step
        converged[newly] = True
        final_loss[newly] = loss[newly]
        done |= newly
        if budget_hit or done.all():
            final_loss[~done] = loss[~done]
            steps[~done] = step
            break
        step += 1
        if step % _NORM_REFRESH == 0:
            sq = torch.stack([(X * X).sum(dim=(1, 2)) for X in W])
        if progress is not None and time.monotonic() - last_report > settings.progress_every_s:
            last_report = time.monotonic()
            eta = time_left(1.0, 0.0, 0.0, (last_report - t_start) / max(step, 1), settings.max_steps - step)
            progress(f"{label}: step {step} on {device}, converged {int(converged.sum())}/{B}; {eta}")
    stop_reason = np.where(converged, STOP_CONVERGED, STOP_BUDGET).astype(np.int8)  # no predicted stop on GPU
    return GDResult(layers=[X.cpu().numpy() for X in W], loss=final_loss, steps=steps, converged=converged,
                    stop_reason=stop_reason)
