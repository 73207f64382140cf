"""Deep linear networks: initialisation, end-to-end maps, feature maps, rank-one chains, diagnostics.

A network is a list of batched layers ``[W_1 (B, d, h), W_2 (B, h, h), ..., W_L (B, h, 1)]`` with
``f(x) = x^T W_1 ... W_L``. ``B`` indexes independent instances.
"""

from __future__ import annotations

import numpy as np

from ..core.seeding import rng_for

__all__ = [
    "init_deep_linear",
    "end_to_end",
    "feature_map",
    "rank_one_chain",
    "rotate_in",
    "rotate_out",
    "pretrain_diagnostics",
]


def init_deep_linear(
    d: int, width: int, depth: int, alpha: float, instances: int, seed: int, role: str, *keys: int
) -> list[np.ndarray]:
    """Small Gaussian init ``W_l = alpha * Wbar_l``: hidden entries ``N(0, 1/fan_in)``, last layer ``N(0, 1)``.

    Each instance draws from its own stream ``(seed, role, *keys, d, width, depth, i)``.
    """
    if depth < 2:
        raise ValueError(f"depth must be >= 2, got {depth}")
    dims = [d] + [width] * (depth - 1) + [1]
    layers = [np.empty((instances, dims[l], dims[l + 1])) for l in range(depth)]
    for i in range(instances):
        rng = rng_for(seed, role, *keys, d, width, depth, i)
        for l in range(depth):
            fan_in = dims[l]
            std = 1.0 if l == depth - 1 else 1.0 / np.sqrt(fan_in)
            layers[l][i] = alpha * std * rng.standard_normal((dims[l], dims[l + 1]))
    return layers


def end_to_end(layers: list[np.ndarray]) -> np.ndarray:
    """``beta_hat = W_1 ... W_L``, shape ``(B, d)``."""
    out = layers[-1]
    for W in reversed(layers[:-1]):
        out = W @ out
    return out[..., 0]


def feature_map(layers: list[np.ndarray]) -> np.ndarray:
    """Hidden feature map ``F = W_1 ... W_{L-1}``, shape ``(B, d, h)``."""
    F = layers[0]
    for W in layers[1:-1]:
        F = F @ W
    return F


def rank_one_chain(layers: list[np.ndarray]) -> list[np.ndarray]:
    """Project a network onto the rank-one chain that carries its end-to-end map; a width-1 network.

    With ``u_{L-1} = W_L/|W_L|`` and ``u_{l-1} = W_l u_l / |W_l u_l|``, the chain is
    ``[W_1 u_1 (B, d, 1), |W_2 u_2| (B, 1, 1), ..., |W_L| (B, 1, 1)]``; its product equals ``W_1 ... W_L``
    exactly. After pretraining from a small init the discarded part of every layer is O(alpha), and its
    contribution to the end-to-end map during fine-tuning is O(alpha^2) (see tests/test_engine.py).
    """
    scal = []
    u = layers[-1]  # (B, h, 1)
    norm = np.linalg.norm(u, axis=(1, 2))
    scal.append(norm)
    u = u / norm[:, None, None]
    for W in reversed(layers[1:-1]):
        x = W @ u
        norm = np.linalg.norm(x, axis=(1, 2))
        scal.append(norm)
        u = x / norm[:, None, None]
    v = layers[0] @ u  # (B, d, 1)
    return [v] + [c[:, None, None] for c in reversed(scal)]


def rotate_in(first: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split ``W_1 (B, d, h)`` into row-space coordinates ``A = V^T W_1 (B, r, h)`` and the frozen rest.

    The rest ``W_1 - V A (B, d, h)`` never receives a gradient (gradients lie in the row space of X).
    """
    A = np.swapaxes(V, 1, 2) @ first
    return A, first - V @ A


def rotate_out(A: np.ndarray, rest: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Inverse of ``rotate_in``: ``W_1 = V A + rest``."""
    return V @ A + rest


def pretrain_diagnostics(layers: list[np.ndarray], beta_s: np.ndarray, top: int = 5) -> dict[str, np.ndarray]:
    """Theorem 3.4 checks after pretraining.

    Returns:
        ``singular_values (B, top)`` of the feature map, ``alignment (B,)`` = |cos(top left singular
        vector, beta_s)|, ``balancedness (B, L-1)`` = ``|W_l^T W_l - W_{l+1} W_{l+1}^T|_F``, and
        ``source_risk (B,)`` = ``|beta_hat - beta_s|^2``.
    """
    F = feature_map(layers)
    U, sv, _ = np.linalg.svd(F, full_matrices=False)
    k = min(top, sv.shape[1])
    bs = beta_s / np.linalg.norm(beta_s, axis=1, keepdims=True)
    alignment = np.abs(np.einsum("bd,bd->b", U[:, :, 0], bs))
    bal = []
    for W, Wn in zip(layers[:-1], layers[1:]):
        diff = np.swapaxes(W, 1, 2) @ W - Wn @ np.swapaxes(Wn, 1, 2)
        bal.append(np.linalg.norm(diff, axis=(1, 2)))
    risk = np.sum((end_to_end(layers) - beta_s) ** 2, axis=1)
    return {
        "singular_values": sv[:, :k],
        "alignment": alignment,
        "balancedness": np.stack(bal, axis=1),
        "source_risk": risk,
    }
