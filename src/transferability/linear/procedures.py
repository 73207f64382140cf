"""The trained procedures of the protocol (pretraining, scratch, fine-tuning), on batched instances.

Shapes: ``B`` instances, ``d`` inputs, ``r = min(n, d)``, ``h`` hidden width, ``K`` ridge strengths.
Targets are unit vectors ``beta_t (B, d)``; labels ``y = X beta_t + sigma xi`` come from a ``tasks.Design``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .models import end_to_end, init_deep_linear, rank_one_chain, rotate_in, rotate_out
from .tasks import Design, design_targets
from .training import GDResult, GDSettings, train_deep_linear

__all__ = ["TrainOutcome", "pretrain_population", "pretrain_finite", "scratch", "fine_tune", "fine_tune_targets"]


@dataclass
class TrainOutcome:
    """Per-instance results of a trained procedure, each ``(B,)``; ``beta_hat`` is ``(B, d)``; ``stop_reason``
    says why GD stopped (``training.STOP_*``)."""

    beta_hat: np.ndarray
    risk: np.ndarray
    train_loss: np.ndarray
    steps: np.ndarray
    converged: np.ndarray
    stop_reason: np.ndarray


def pretrain_population(
    beta_s: np.ndarray, width: int, depth: int, alpha: float, seed: int, settings: GDSettings, **kw
) -> tuple[list[np.ndarray], GDResult]:
    """GD on the population loss ``|W_1...W_L - beta_s|^2`` (infinite source) from a small init."""
    B, d = beta_s.shape
    layers = init_deep_linear(d, width, depth, alpha, B, seed, "pretrain_init")
    res = train_deep_linear(layers, np.ones((B, d)), beta_s, settings, **kw)
    return res.layers, res


def pretrain_finite(
    beta_s: np.ndarray, design: Design, sigma_s: float, width: int, depth: int, alpha: float, seed: int,
    settings: GDSettings, **kw,
) -> tuple[list[np.ndarray], GDResult]:
    """GD on ``n_s`` noisy source samples (finite source, Appendix C) from a small init; returns the layers."""
    layers = init_deep_linear(design.d, width, depth, alpha, design.instances, seed, "pretrain_init")
    return _fit_design(layers, design, beta_s, sigma_s, settings, **kw)


def _fit_design(
    layers: list[np.ndarray], design: Design, beta: np.ndarray, sigma: float, settings: GDSettings, **kw
) -> tuple[list[np.ndarray], GDResult]:
    """GD on the labels ``X beta + sigma xi`` of a design; returns the final layers in input coordinates."""
    A, rest = rotate_in(layers[0], design.V)
    res = train_deep_linear([A] + list(layers[1:]), design.s, design_targets(design, beta, sigma), settings, **kw)
    return [rotate_out(res.layers[0], rest, design.V)] + res.layers[1:], res


def _train_on_design(
    layers: list[np.ndarray], design: Design, beta_t: np.ndarray, sigma: float, settings: GDSettings, **kw
) -> TrainOutcome:
    """Train ``layers`` (first layer in input coordinates) on the design's labels; risk against ``beta_t``.

    Keyword arguments go to ``train_deep_linear`` (``weight_decay``, ``label``, ``progress``).
    """
    return fine_tune_targets(layers, design, beta_t[None], sigma, settings, **kw)[0]


def scratch(
    design: Design,
    beta_t: np.ndarray,
    sigma: float,
    width: int,
    depth: int,
    alpha: float,
    seed: int,
    settings: GDSettings,
    weight_decays=(0.0,),
    **kw,
) -> TrainOutcome:
    """Scratch baseline: fresh small init (stream keyed by n), GD on the target data to convergence.

    With K weight decays every instance is trained once per value from the same init (one batch of B K);
    the outcome's arrays are then ``(B, K)`` (``beta_hat (B, K, d)``), or ``(B,)`` for the default single 0.
    """
    wds = np.asarray(weight_decays, dtype=float)
    B, K = design.instances, wds.size
    layers = init_deep_linear(design.d, width, depth, alpha, B, seed, "scratch_init", design.n)
    if K == 1 and wds[0] == 0.0:
        return _train_on_design(layers, design, beta_t, sigma, settings, **kw)
    rep = lambda x: np.repeat(x, K, axis=0)  # noqa: E731  (instance-major: row b*K + k)
    tiled = Design(n=design.n, s=rep(design.s), V=rep(design.V), e=rep(design.e), resid=rep(design.resid))
    out = _train_on_design([rep(W) for W in layers], tiled, rep(beta_t), sigma, settings,
                           weight_decay=np.tile(wds, B), **kw)
    shape = lambda x: x.reshape(B, K, *x.shape[1:])  # noqa: E731
    return TrainOutcome(*(shape(getattr(out, f)) for f in ("beta_hat", "risk", "train_loss", "steps", "converged",
                                                         "stop_reason")))


def fine_tune(
    pretrained: list[np.ndarray],
    design: Design,
    beta_t: np.ndarray,
    sigma: float,
    settings: GDSettings,
    reduce: bool = True,
    **kw,
) -> TrainOutcome:
    """Fine-tune every layer from the pretrained weights.

    With ``reduce`` (default) the network is first projected on its rank-one chain (``models.rank_one_chain``),
    which is exact at t = 0 and drops only the O(alpha) residual of pretraining; without it the full-width
    network is trained.
    """
    layers = rank_one_chain(pretrained) if reduce else pretrained
    return _train_on_design(layers, design, beta_t, sigma, settings, **kw)


def fine_tune_targets(
    layers: list[np.ndarray], design: Design, beta_ts: np.ndarray, sigma: float, settings: GDSettings, **kw
) -> list[TrainOutcome]:
    """Train ``layers`` (first layer in input coordinates, ``B`` instances) towards each of ``T`` targets
    ``beta_ts (T, B, d)`` on the same design, as one batch of ``T B`` instances (every trained procedure on target
    data goes through here: scratch and fine-tuning with ``T = 1``, a fine-tuning row with its ``T`` angles).

    Every instance keeps its own step size and stopping time, so each outcome equals ``fine_tune(layers, design,
    beta_ts[k], sigma, settings, reduce=False)``; training them together shares the per-step overhead. The first
    layer is rotated into the row space once; only its row-space part and the later layers are repeated T times.
    """
    T, B = beta_ts.shape[:2]
    A, rest = rotate_in(layers[0], design.V)
    tile = lambda x: np.concatenate([x] * T, axis=0)  # noqa: E731  (target-major: row k*B + b)
    targets = np.concatenate([design_targets(design, beta, sigma) for beta in beta_ts])
    res = train_deep_linear([tile(A)] + [tile(W) for W in layers[1:]], tile(design.s), targets, settings, **kw)
    out = []
    for k in range(T):
        part = slice(k * B, (k + 1) * B)
        final = [rotate_out(res.layers[0][part], rest, design.V)] + [W[part] for W in res.layers[1:]]
        beta_hat = end_to_end(final)
        out.append(TrainOutcome(
            beta_hat=beta_hat,
            risk=np.sum((beta_hat - beta_ts[k]) ** 2, axis=1),
            train_loss=res.loss[part] + sigma**2 * design.resid,
            steps=res.steps[part],
            converged=res.converged[part],
            stop_reason=res.stop_reason[part],
        ))
    return out
