"""Two-layer ReLU networks (Section 4 of the paper): teachers, a mean-field student and its training, theory.

Inputs ``x ~ N(0, I_d)``. A network ``f(x) = sum_i c_i relu(w_i . x)`` is given by rows ``W (k, d)`` and output
weights ``c (k,)``. Population inner products are exact through the arc-cosine kernel:
``E[relu(u.x) relu(v.x)] = |u| |v| k(cos(u, v))`` with ``k(t) = (sqrt(1 - t^2) + t (pi - arccos t)) / (2 pi)``,
so risks ``E(f - g)^2`` need no test set.

Teacher: ``m*`` unit neurons with output weights ``a_j = 1/m*`` (or alternating signs); the source teacher keeps
the first ``(1 - mu) m*`` of them. Student (mean-field scaling): ``f(x) = (1/m) sum_i c_i relu(w_i . x)``, trained by
full-batch GD (on samples here; on the exact population loss in ``population``) where every parameter moves by
``eta * m * gradient`` (so the mean-field dynamics do not depend on m), with an adaptive step ``eta`` capped at a
value small enough to follow gradient flow, in float32 while capped.
"""

from __future__ import annotations

import time

import numpy as np

from ..core.progress import time_left

from ..core.seeding import rng_for

__all__ = [
    "arccos_kernel",
    "relu_gram",
    "TEACHER_OUTPUTS",
    "make_teacher",
    "population_risk",
    "init_student",
    "gd_float32_while_capped",
    "train_student",
    "hidden_kernel",
    "target_sample",
    "function_variance",
    "centered_kernel_alignment",
    "fit_power_law",
    "power_law_crossing",
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


TEACHER_OUTPUTS = ("equal", "zero_mean")


def make_teacher(d: int, m_star: int, seed: int, instance: int, output: str = "equal") -> tuple[np.ndarray, np.ndarray]:
    """Target teacher: unit rows ``W* (m*, d)`` and output weights ``a (m*,)``.

    ``output``: ``equal`` gives ``a_j = 1/m*`` (the paper's); ``zero_mean`` gives ``a_j = (-1)^j / m*``, so the
    teacher has no constant part (for even m*) and every source teacher keeps the signs balanced to within one.
    """
    g = rng_for(seed, "relu_teacher", d, m_star, instance).standard_normal((m_star, d))
    if output not in TEACHER_OUTPUTS:
        raise ValueError(f"teacher output weights {output!r}: not one of {TEACHER_OUTPUTS}")
    a = np.full(m_star, 1.0 / m_star)
    if output == "zero_mean":
        a[1::2] *= -1.0
    return g / np.linalg.norm(g, axis=1, keepdims=True), a


def source_size(m_star: int, mu: float) -> int:
    """Neurons kept by the source teacher: ``round((1 - mu) m*)``."""
    return int(round((1.0 - mu) * m_star))


def population_risk(W: np.ndarray, c: np.ndarray, Wt: np.ndarray, a: np.ndarray) -> float:
    """``E (f - g)^2`` for ``f = sum c_i relu(W_i x)`` and ``g = sum a_j relu(Wt_j x)`` (exact)."""
    return float(c @ relu_gram(W, W) @ c - 2 * c @ relu_gram(W, Wt) @ a + a @ relu_gram(Wt, Wt) @ a)


def init_student(d: int, m: int, scale: float, seed: int, role: str, *keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Small init of both layers (rich regime): rows ``w_i ~ scale N(0, I/d)`` and ``c_i ~ scale N(0, 1)``."""
    g = rng_for(seed, role, d, m, *keys)
    return scale * g.standard_normal((m, d)) / np.sqrt(d), scale * g.standard_normal(m)


def _adaptive_gd(evaluate, params, lr, lr_max, max_steps, stop_loss, progress=None, window=10, uncap_loss=0.0):
    """GD with a per-run step size: shrink and retry when a step overshoots, grow by 10% after each accepted one.

    ``evaluate(params) -> (loss, grads)``; ``params`` and ``grads`` are tuples of arrays; the update is
    ``p -= eta * g`` (callers fold the mean-field factor m into the gradients). A step is accepted when its loss
    is below the largest of the last ``window`` losses by ``1e-4 eta |g|^2`` (non-monotone Armijo test: ReLU kinks
    sitting on training points make the loss locally non-smooth, and a strictly monotone test then stalls with a
    vanishing step; the decrease term stops endless oscillation across a kink).
    The step is capped at ``lr_max`` (to follow gradient flow) until the loss is at most ``uncap_loss``; from
    there on only the acceptance test limits it (near a minimum the flow's end point hardly depends on the path).
    Returns ``params, steps, converged, loss``; a run whose step size underflows stops, not converged.
    """
    loss, grads = evaluate(params)
    if not np.isfinite(loss):
        raise FloatingPointError("ReLU training: non-finite loss at the initial point")
    recent = [loss]
    eta = lr
    t_start, last = time.monotonic(), (0, loss)
    for step in range(max_steps):
        if loss <= stop_loss:
            return params, step, True, loss
        g2 = sum(float(g.ravel() @ g.ravel()) for g in grads)  # a dot product, numpy or torch: no temporary
        while True:
            trial = tuple(p - eta * g for p, g in zip(params, grads))
            new_loss, new_grads = evaluate(trial)
            if np.isfinite(new_loss) and new_loss <= max(recent) - 1e-4 * eta * g2:
                break
            eta *= 0.5
            if eta < 1e-12 * lr:
                if progress is not None:
                    progress(f"step {step}: step size underflow at loss {loss:.3e}; stopping (not converged)")
                return params, step, False, loss
        params, loss, grads = trial, new_loss, new_grads
        recent = (recent + [loss])[-window:]
        eta = 1.1 * eta if loss <= uncap_loss else min(1.1 * eta, lr_max)
        if progress is not None and (step + 1) % 5000 == 0:
            rate = np.log(last[1] / loss) / (step + 1 - last[0]) if loss > 0 else 0.0
            eta_text = time_left(loss, stop_loss, rate, (time.monotonic() - t_start) / (step + 1),
                                 max_steps - step - 1)
            progress(f"step {step + 1}: loss {loss:.3e}, step size {eta:.3g}; {eta_text}")
            last = (step + 1, loss)
    return params, max_steps, loss <= stop_loss, loss


def _as(p, dtype: str):
    """Array or torch tensor ``p`` cast to ``dtype`` (``"float32"`` or ``"float64"``)."""
    if isinstance(p, np.ndarray):
        return p.astype(dtype)
    return p.float() if dtype == "float32" else p.double()


def gd_float32_while_capped(objective, params, lr, lr_max, max_steps, stop_loss, uncap_loss, float32, progress):
    """``_adaptive_gd`` on ``objective(dtype) -> evaluate``, in float32 while the step is capped (loss above
    ``uncap_loss``) when ``float32``, then in float64. A float32 part that stalls hands over to float64 where it
    stopped (still capped). Returns ``params`` (float64), ``steps, converged, loss``.
    """
    steps = 0
    if float32 and uncap_loss > stop_loss:
        params, steps, _, _ = _adaptive_gd(objective("float32"), tuple(_as(p, "float32") for p in params), lr,
                                           lr_max, max_steps, uncap_loss, progress)
    params, more, conv, loss = _adaptive_gd(objective("float64"), tuple(_as(p, "float64") for p in params), lr,
                                            lr_max, max_steps - steps, stop_loss, progress, uncap_loss=uncap_loss)
    return params, steps + more, conv, loss


def _sample_objective(X: np.ndarray, y: np.ndarray, dtype: str):
    """``evaluate((W, c)) -> (mean((f(X) - y)^2), (m dL/dW, m dL/dc))`` on arrays of ``dtype``; the loss in float64."""
    n = X.shape[0]
    X, y = X.astype(dtype), np.asarray(y, dtype=np.float64)
    XT = np.ascontiguousarray(X.T)

    def evaluate(p):
        m = p[0].shape[0]
        h = p[0] @ XT  # (m, n) pre-activations, then activations, then the active mask: one buffer
        np.maximum(h, 0.0, out=h)
        r = (p[1] @ h / m).astype(np.float64) - y  # float64: resolves a student far smaller than y
        g = (2.0 * r / n).astype(dtype)
        grad_c = h @ g
        np.greater(h, 0.0, out=h)
        h *= g
        grad_W = p[1][:, None] * (h @ X)
        return float(r @ r / n), (grad_W, grad_c)  # already times m: (1/m) from f, m from the scaling

    return evaluate


def train_student(
    X: np.ndarray, y: np.ndarray, W: np.ndarray, c: np.ndarray, lr: float, max_steps: int, tol: float,
    lr_max: float | None = None, progress=None, cap_until: float = 0.0, float32_while_capped: bool = True,
) -> tuple[np.ndarray, np.ndarray, int, bool, float]:
    """Mean-field full-batch GD on ``mean((f(X) - y)^2)``, ``X (n, d)``, ``y (n,)``, ``f = (1/m) sum c_i relu(W_i x)``.

    Steps ``eta * m * gradient`` with the adaptive ``eta`` of ``_adaptive_gd`` (start ``lr``, cap ``lr_max`` until the
    train loss is at most ``cap_until`` times the label variance; in float32 while capped if
    ``float32_while_capped``). Stops when the train loss is at most ``tol`` times the label variance, or after
    ``max_steps``.
    Returns ``W, c, steps, converged, loss``.
    """
    n = X.shape[0]
    scale = float(np.var(y)) if n > 1 else 1.0
    (W, c), steps, conv, loss = gd_float32_while_capped(
        lambda dtype: _sample_objective(X, y, dtype), (W, c), lr, lr_max or lr, max_steps, tol * scale,
        cap_until * scale, float32_while_capped, progress)
    return W, c, steps, conv, loss


def hidden_kernel(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Hidden-layer kernel ``K[p, q] = (1/m) sum_i relu(W_i x_p) relu(W_i x_q)`` on points ``X (P, d)``."""
    H = np.maximum(X @ W.T, 0.0)
    return H @ H.T / W.shape[0]


def centered_kernel_alignment(K1: np.ndarray, K2: np.ndarray) -> float:
    """CKA between two Gram matrices on the same points (1 = identical up to scale)."""
    n = K1.shape[0]
    Hc = np.eye(n) - 1.0 / n
    A, B = Hc @ K1 @ Hc, Hc @ K2 @ Hc
    return float(np.sum(A * B) / (np.linalg.norm(A) * np.linalg.norm(B)))


def fit_power_law(n: np.ndarray, risk: np.ndarray) -> dict[str, float]:
    """Least-squares fit of ``log risk = log A - nu log n``.

    Returns ``A``, ``nu``, its 95% interval ``nu_lo, nu_hi`` (Student t), and the coefficient covariance
    ``cov_aa, cov_ab, cov_bb`` of ``(log A, -nu)`` with the t quantile ``q`` (for ``power_law_crossing``).
    """
    from scipy.stats import t as student_t

    x, yv = np.log(np.asarray(n, float)), np.log(np.asarray(risk, float))
    X = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(X, yv, rcond=None)
    dof = max(len(x) - 2, 1)
    resid = yv - X @ coef
    cov = float(resid @ resid / dof) * np.linalg.inv(X.T @ X)
    q = float(student_t.ppf(0.975, dof))
    se_nu = float(np.sqrt(cov[1, 1]))
    return {"A": float(np.exp(coef[0])), "nu": float(-coef[1]), "nu_lo": float(-coef[1] - q * se_nu),
            "nu_hi": float(-coef[1] + q * se_nu), "logA_se": float(np.sqrt(cov[0, 0])),
            "cov_aa": float(cov[0, 0]), "cov_ab": float(cov[0, 1]), "cov_bb": float(cov[1, 1]), "q": q}


def power_law_crossing(fit: dict, level: float, span: float = 6.0) -> tuple[float, float, float]:
    """Where the fitted law ``A n^-nu`` equals ``level``: ``n*`` and the range of n over which ``level`` lies
    inside the 95% confidence band of the fitted line (``(nan, nan, nan)`` for ``level <= 0``).

    The band is searched within ``span`` e-folds of ``n*``; a bound at the edge of that search is returned as
    0 or inf (the fit does not constrain it).
    """
    if not level > 0 or not fit["nu"] > 0:
        return np.nan, np.nan, np.nan
    a, b = np.log(fit["A"]), -fit["nu"]
    x_star = (np.log(level) - a) / b
    x = np.linspace(x_star - span, x_star + span, 4001)
    se = np.sqrt(fit["cov_aa"] + 2 * x * fit["cov_ab"] + x**2 * fit["cov_bb"])
    inside = np.abs(a + b * x - np.log(level)) <= fit["q"] * se
    lo, hi = x[inside].min(), x[inside].max()
    return (float(np.exp(x_star)), 0.0 if lo <= x[0] else float(np.exp(lo)),
            np.inf if hi >= x[-1] else float(np.exp(hi)))


def target_sample(
    Wt: np.ndarray, a: np.ndarray, n: int, sigma: float, seed: int, instance: int
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` target samples ``X (n, d)``, ``y = g(X) + sigma eps`` from stream ``(seed, 'relu_target', d, n, instance)``.

    The same for every mu (the target teacher does not depend on mu), so scratch and transfer see the same data.
    """
    d = Wt.shape[1]
    g = rng_for(seed, "relu_target", d, n, instance)
    X = g.standard_normal((n, d))
    eps = g.standard_normal(n)
    return X, np.maximum(X @ Wt.T, 0.0) @ a + sigma * eps


def function_variance(W: np.ndarray, a: np.ndarray) -> float:
    """``Var g`` for ``g = sum a_j relu(W_j x)``: ``E g^2 - (E g)^2`` with ``E relu(u.x) = |u| / sqrt(2 pi)``."""
    mean = float(a @ np.linalg.norm(W, axis=1)) / np.sqrt(2 * np.pi)
    return float(a @ relu_gram(W, W) @ a) - mean**2
