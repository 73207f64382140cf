"""Two-layer ReLU networks (Section 4 of the paper): teachers, a mean-field student, transfer, and theory.

Inputs ``x ~ N(0, I_d)``. A network ``f(x) = sum_i c_i relu(w_i . x)`` is given by rows ``W (k, d)`` and output
weights ``c (k,)``. Population inner products are exact through the arc-cosine kernel:
``E[relu(u.x) relu(v.x)] = |u| |v| k(cos(u, v))`` with ``k(t) = (sqrt(1 - t^2) + t (pi - arccos t)) / (2 pi)``,
so risks ``E(f - g)^2`` need no test set.

Teacher: ``m*`` unit neurons with output weights ``a_j = 1/m*``; the source teacher keeps the first
``(1 - mu) m*`` of them. Student (mean-field scaling): ``f(x) = (1/m) sum_i c_i relu(w_i . x)``, trained by
full-batch GD on the mean squared error with learning rate ``lr * m`` per neuron (so the mean-field dynamics do
not depend on m).
"""

from __future__ import annotations

import numpy as np

from .seeding import rng_for

__all__ = [
    "arccos_kernel",
    "relu_gram",
    "make_teacher",
    "population_risk",
    "projection_residual",
    "init_student",
    "train_student",
    "ridge_readout",
    "centered_kernel_alignment",
    "fit_power_law",
]


def arccos_kernel(t):
    """``k(t) = E[relu(u.x) relu(v.x)]`` for unit u, v at cosine t (x standard Gaussian)."""
    t = np.clip(np.asarray(t, dtype=float), -1.0, 1.0)
    return (np.sqrt(1.0 - t**2) + t * (np.pi - np.arccos(t))) / (2.0 * np.pi)


def relu_gram(U: np.ndarray, V: np.ndarray) -> np.ndarray:
    """``G[i, j] = E[relu(U_i . x) relu(V_j . x)]`` for rows ``U (p, d)``, ``V (q, d)``; shape ``(p, q)``."""
    nu = np.linalg.norm(U, axis=1)
    nv = np.linalg.norm(V, axis=1)
    denom = np.outer(nu, nv)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(denom > 0, (U @ V.T) / np.where(denom > 0, denom, 1.0), 0.0)
    return denom * arccos_kernel(cos)


def make_teacher(d: int, m_star: int, seed: int, instance: int) -> tuple[np.ndarray, np.ndarray]:
    """Target teacher: unit rows ``W* (m*, d)`` and output weights ``a = 1/m*``."""
    g = rng_for(seed, "relu_teacher", d, m_star, instance).standard_normal((m_star, d))
    return g / np.linalg.norm(g, axis=1, keepdims=True), np.full(m_star, 1.0 / m_star)


def source_size(m_star: int, mu: float) -> int:
    """Neurons kept by the source teacher: ``round((1 - mu) m*)``."""
    return int(round((1.0 - mu) * m_star))


def population_risk(W: np.ndarray, c: np.ndarray, Wt: np.ndarray, a: np.ndarray) -> float:
    """``E (f - g)^2`` for ``f = sum c_i relu(W_i x)`` and ``g = sum a_j relu(Wt_j x)`` (exact)."""
    return float(c @ relu_gram(W, W) @ c - 2 * c @ relu_gram(W, Wt) @ a + a @ relu_gram(Wt, Wt) @ a)


def projection_residual(W_feat: np.ndarray, Wt: np.ndarray, a: np.ndarray, ridge: float = 1e-10) -> float:
    """``|P_perp g|^2``: the part of ``g = sum a_j relu(Wt_j x)`` outside the span of ``relu(W_feat_i x)``."""
    if W_feat.shape[0] == 0:
        return float(a @ relu_gram(Wt, Wt) @ a)
    K = relu_gram(W_feat, W_feat)
    C = relu_gram(W_feat, Wt) @ a
    K = K + ridge * np.trace(K) / K.shape[0] * np.eye(K.shape[0])
    coef = np.linalg.solve(K, C)
    return float(max(a @ relu_gram(Wt, Wt) @ a - C @ coef, 0.0))


def init_student(d: int, m: int, scale: float, seed: int, role: str, *keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Student init: rows ``w_i ~ N(0, I/d)`` and ``c_i ~ scale * N(0, 1)`` (small ``scale``: rich regime)."""
    g = rng_for(seed, role, d, m, *keys)
    return g.standard_normal((m, d)) / np.sqrt(d), scale * g.standard_normal(m)


def _forward(X, W, c):
    pre = X @ W.T
    h = np.maximum(pre, 0.0)
    return pre, h, h @ c / W.shape[0]


def train_student(
    X: np.ndarray, y: np.ndarray, W: np.ndarray, c: np.ndarray, lr: float, max_steps: int, tol: float,
    train_hidden: bool = True,
) -> tuple[np.ndarray, np.ndarray, int, bool, float]:
    """Full-batch GD on ``mean((f(X) - y)^2)`` in mean-field scaling, ``X (n, d)``, ``y (n,)``.

    Stops when the train loss is below ``tol`` or after ``max_steps``. Returns ``W, c, steps, converged, loss``.
    """
    W, c = W.copy(), c.copy()
    n, m = X.shape[0], W.shape[0]
    loss = np.inf
    for step in range(max_steps + 1):
        pre, h, f = _forward(X, W, c)
        r = f - y
        loss = float(r @ r / n)
        if not np.isfinite(loss):
            raise FloatingPointError(f"ReLU student training diverged at step {step}; lower relu.lr")
        if loss <= tol or step == max_steps:
            return W, c, step, loss <= tol, loss
        g = 2.0 * r / n  # dL/df
        grad_c = h.T @ g / m
        if train_hidden:
            grad_W = ((g[:, None] * (pre > 0)) * c[None, :]).T @ X / m
            W -= lr * m * grad_W
        c -= lr * m * grad_c
    return W, c, max_steps, False, loss


def ridge_readout(X: np.ndarray, y: np.ndarray, W: np.ndarray, lam: float) -> np.ndarray:
    """Refit the output weights on frozen features ``relu(W x)/m``: ``c = (H^T H/n + lam I)^{-1} H^T y/n``."""
    H = np.maximum(X @ W.T, 0.0) / W.shape[0]
    n, m = H.shape
    return np.linalg.solve(H.T @ H / n + lam * np.eye(m), H.T @ y / n)


def centered_kernel_alignment(K1: np.ndarray, K2: np.ndarray) -> float:
    """CKA between two Gram matrices on the same points (1 = identical up to scale)."""
    n = K1.shape[0]
    Hc = np.eye(n) - 1.0 / n
    A, B = Hc @ K1 @ Hc, Hc @ K2 @ Hc
    return float(np.sum(A * B) / (np.linalg.norm(A) * np.linalg.norm(B)))


def fit_power_law(n: np.ndarray, risk: np.ndarray) -> dict[str, float]:
    """Least-squares fit of ``log risk = log A - nu log n``; returns ``A, nu`` and 95% intervals."""
    x, yv = np.log(np.asarray(n, float)), np.log(np.asarray(risk, float))
    X = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(X, yv, rcond=None)
    dof = max(len(x) - 2, 1)
    resid = yv - X @ coef
    s2 = float(resid @ resid / dof)
    cov = s2 * np.linalg.inv(X.T @ X)
    from scipy.stats import t as student_t

    q = float(student_t.ppf(0.975, dof))
    se_nu = float(np.sqrt(cov[1, 1]))
    return {"A": float(np.exp(coef[0])), "nu": float(-coef[1]), "nu_lo": float(-coef[1] - q * se_nu),
            "nu_hi": float(-coef[1] + q * se_nu), "logA_se": float(np.sqrt(cov[0, 0]))}
