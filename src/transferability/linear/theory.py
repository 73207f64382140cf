"""Closed-form theory of transfer in linear regression, with the finite-source results of Appendix C.

Every function is a pure, vectorised numpy expression that broadcasts over its arguments.
Conventions: ``theta`` in radians, ``gamma = n/d``, ``s2 = sigma**2`` (target label noise variance).
Risks are ``E||beta_hat - beta_t||^2`` for unit-norm tasks. Where a formula diverges or is undefined
(``gamma = 1`` for scratch, ``|n - d| <= 1`` for the exact finite-size scratch risk) the value is ``inf``
or ``nan`` by design, never a large finite number.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "scratch_risk",
    "scratch_risk_exact",
    "linear_transfer_risk",
    "linear_transfer_risk_exact",
    "linear_transfer_risk_k_features",
    "linear_transferability",
    "linear_transferability_exact",
    "negative_transfer_interval",
    "ridge_transfer_risk",
    "ridge_transfer_risk_mc",
    "ridge_transfer_risk_exact",
    "fine_tune_transferability",
    "fine_tune_transferability_exact",
    "balancedness_factor",
    "fine_tune_transferability_balanced",
    "fine_tune_break_even_balanced",
    "fine_tune_risk_exact",
    "finite_source_fine_tune_transferability",
    "finite_source_break_even_angle",
    "finite_source_feature_overlap",
    "kl_divergence",
]


def _f(x):
    return np.asarray(x, dtype=float)


def scratch_risk(gamma, s2):
    """Asymptotic min-norm / least-squares risk, eq. (8): double descent with a pole at gamma = 1 when s2 > 0."""
    g, s2 = np.broadcast_arrays(_f(gamma), _f(s2))
    with np.errstate(divide="ignore", invalid="ignore"):
        below = (1.0 - g) + s2 * g / (1.0 - g)
        above = s2 / (g - 1.0)
    out = np.where(g < 1.0, below, above)
    out = np.where(g == 1.0, np.inf, out)
    # Noiseless: no pole; interpolation leaves 1 - gamma of the signal unseen, least squares is exact.
    return np.where(s2 == 0, np.where(g < 1.0, 1.0 - g, 0.0), out)


def scratch_risk_exact(n, d, s2):
    """Exact E[risk] of the min-norm interpolator (n < d-1) or least squares (n > d+1), Gaussian X.

    ``nan`` where the expectation does not exist (|n - d| <= 1).
    """
    n, d, s2 = np.broadcast_arrays(_f(n), _f(d), _f(s2))
    with np.errstate(divide="ignore", invalid="ignore"):
        below = 1.0 - n / d + s2 * n / (d - n - 1.0)
        above = s2 * d / (n - d - 1.0)
    out = np.where(n < d - 1, below, np.where(n > d + 1, above, np.nan))
    # Noiseless: the pole has no weight, and least squares is exact.
    out = np.where((s2 == 0) & (n >= d), 0.0, out)
    out = np.where((s2 == 0) & (n < d), 1.0 - n / d, out)
    return out


def linear_transfer_risk(theta, s2=0.0):
    """Asymptotic (n -> infinity) risk of linear transfer on the single pretrained feature: sin^2(theta)."""
    theta, _ = np.broadcast_arrays(_f(theta), _f(s2))
    return np.sin(theta) ** 2


def linear_transfer_risk_exact(theta, n, s2):
    """Exact risk of least squares on one feature aligned with beta_s, eq. (10); needs n > 2."""
    theta, n, s2 = np.broadcast_arrays(_f(theta), _f(n), _f(s2))
    sin2 = np.sin(theta) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        out = sin2 + (s2 + sin2) / (n - 2.0)
    return np.where(n > 2, out, np.nan)


def linear_transfer_risk_k_features(rho, k, n, s2):
    """Risk of least squares on k orthonormal frozen features; rho = ||P_perp beta_t||^2 outside their span."""
    rho, k, n, s2 = np.broadcast_arrays(_f(rho), _f(k), _f(n), _f(s2))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = rho + (s2 + rho) * k / (n - k - 1.0)
    return np.where(n > k + 1, out, np.nan)


def linear_transferability(theta, gamma, s2):
    """Asymptotic T_lt = R_sc - sin^2(theta), eq. (11)."""
    return scratch_risk(gamma, s2) - linear_transfer_risk(theta)


def linear_transferability_exact(theta, n, d, s2):
    """Finite-size T_lt from the exact expectations of both risks."""
    return scratch_risk_exact(n, d, s2) - linear_transfer_risk_exact(theta, n, s2)


def negative_transfer_interval(theta, s2):
    """Gamma intervals where T_lt < 0 (asymptotic), as ``(lo, hi, lo2)``.

    Below gamma = 1 the interval is ``(lo, hi)`` (``nan`` if empty, i.e. 1 - cos(theta) <= sigma);
    above gamma = 1 transfer is negative for every gamma > ``lo2`` (``inf`` when sin(theta) = 0).
    """
    theta, s2 = np.broadcast_arrays(_f(theta), _f(s2))
    c2 = np.cos(theta) ** 2
    b = 1.0 + c2 - s2
    disc = b**2 - 4.0 * c2
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(disc)
        lo, hi = (b - root) / 2.0, (b + root) / 2.0
        nonempty = (1.0 - np.cos(theta) > np.sqrt(s2)) & (disc > 0)
        lo = np.where(nonempty, lo, np.nan)
        hi = np.where(nonempty, np.minimum(hi, 1.0), np.nan)
        sin2 = np.sin(theta) ** 2
        lo2 = np.where(sin2 > 0, 1.0 + s2 / sin2, np.inf)
    return lo, hi, lo2


def ridge_transfer_risk(theta, lam):
    """Ridge linear transfer risk as n -> infinity, eq. (13): 1 - (1 + 2 lam)/(1 + lam)^2 cos^2(theta)."""
    theta, lam = np.broadcast_arrays(_f(theta), _f(lam))
    return 1.0 - (1.0 + 2.0 * lam) / (1.0 + lam) ** 2 * np.cos(theta) ** 2


def ridge_transfer_risk_mc(theta: float, n: int, s2: float, lams, reps: int = 20000, seed: int = 0) -> np.ndarray:
    """Monte Carlo expectation of the ridge linear-transfer risk on one unit feature at finite n, ``(K,)``.

    With ``z = X beta_s`` and ``y = cos(theta) z + sin(theta) z' + eps`` (z, z' independent N(0, I_n)), the
    ridge weight is ``c = z.y / (z.z + n lambda)`` and the risk ``(c - cos theta)^2 + sin^2 theta``.
    """
    rng = np.random.default_rng(seed)
    z, z2 = rng.standard_normal((2, reps, n))
    y = np.cos(theta) * z + np.sin(theta) * z2 + np.sqrt(s2) * rng.standard_normal((reps, n))
    zz, zy = np.sum(z * z, axis=1), np.sum(z * y, axis=1)
    lams = np.atleast_1d(np.asarray(lams, dtype=float))
    c = zy[None, :] / (zz[None, :] + n * lams[:, None])
    return np.mean((c - np.cos(theta)) ** 2, axis=1) + np.sin(theta) ** 2


def ridge_transfer_risk_exact(theta, n, s2, lam, nodes: int = 2001) -> np.ndarray:
    """Exact finite-n expectation of the ridge linear-transfer risk on one unit feature (broadcasts).

    With ``z = X beta_s`` (``r = |z|^2`` chi-square with n degrees of freedom) the ridge weight is
    ``c = z.y / (r + n lambda)`` and, averaged over the labels given z,
    ``E (c - cos theta)^2 = (r (sin^2 theta + s2) + (n lambda cos theta)^2) / (r + n lambda)^2``; the risk adds
    ``sin^2 theta``. The average over r is a quadrature over ``|z|`` (chi density) on ``nodes`` points. At
    lambda = 0 it equals ``sin^2 + (sin^2 + s2)/(n - 2)`` for n > 2 (``linear_transfer_risk_k_features``); it is
    nan for lambda = 0 and n <= 2, where the expectation is infinite.
    """
    theta, n, s2, lam = np.broadcast_arrays(_f(theta), _f(n), _f(s2), _f(lam))
    out = np.full(theta.shape, np.nan)
    for nu in np.unique(n[np.isfinite(n) & (n >= 1)]):
        at = n == nu
        x = np.linspace(max(np.sqrt(nu) - 12.0, 0.0), np.sqrt(nu) + 12.0, nodes)
        with np.errstate(divide="ignore", invalid="ignore"):
            logw = np.where(x > 0, (nu - 1.0) * np.log(np.where(x > 0, x, 1.0)), 0.0 if nu == 1 else -np.inf)
        logw = logw - x**2 / 2.0
        w = np.exp(logw - logw.max())
        w /= w.sum()
        r = x**2
        th, v, lm = theta[at][:, None], s2[at][:, None], lam[at][:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            g = (r * (np.sin(th) ** 2 + v) + (nu * lm * np.cos(th)) ** 2) / (r + nu * lm) ** 2
        val = np.sum(w * np.where(w > 0, g, 0.0), axis=1) + np.sin(th[:, 0]) ** 2
        out[at] = np.where((lm[:, 0] > 0) | (nu > 2), val, np.nan)
    return out


def fine_tune_transferability(theta, gamma):
    """Asymptotic T_ft = (1 - gamma)(2 cos(theta) - 1) for gamma <= 1, 0 above, eq. (15)."""
    theta, g = np.broadcast_arrays(_f(theta), _f(gamma))
    return np.where(g <= 1.0, (1.0 - g) * (2.0 * np.cos(theta) - 1.0), 0.0)


def fine_tune_transferability_exact(theta, n, d):
    """Finite-size eq. (15): E||(I-P)(beta_s - beta_t)||^2 vs E||(I-P)beta_t||^2 gives (1 - n/d)(2 cos - 1)."""
    return fine_tune_transferability(theta, _f(n) / _f(d))


def balancedness_factor(a, b, depth=2):
    """Factor c of the depth-L fine-tuning end point ``X^+ y + c (I - P) beta_s`` (a claim beyond the paper).

    From a balanced rank-one chain gradient flow keeps the chain's inner directions and its balance, so the
    network is ``w s^(L-1)`` with ``|w| = s`` and ``(I - P) w`` frozen at ``(I - P) beta_s``. At the end
    ``P w s^(L-1) = X^+ y``, so ``q = s^2`` solves ``q^L - a q^(L-1) - b = 0`` with ``a = |(I - P) beta_s|^2``,
    ``b = |X^+ y|^2``, and ``c = q^((L-1)/2)``. L = 2: ``c^4 - a c^2 - b = 0``; L = 1 gives c = 1.
    """
    a, b, L = np.broadcast_arrays(_f(a), _f(b), _f(depth))
    with np.errstate(invalid="ignore", over="ignore"):
        q = (a + np.sqrt(a**2 + 4.0 * b)) / 2.0  # L = 2 in closed form
        deep = L != 2
        if deep.any():  # Newton from above the root, where the polynomial is increasing and convex
            a_, b_, L_ = a[deep], b[deep], L[deep]
            r = np.maximum(a_, 0.0) + np.abs(b_) ** (1.0 / L_) + 1.0
            for _ in range(60):
                step = (r**L_ - a_ * r ** (L_ - 1) - b_) / (L_ * r ** (L_ - 1) - (L_ - 1) * a_ * r ** (L_ - 2))
                r = r - step
                if not np.any(np.abs(step) > 1e-15 * r):
                    break
            q = np.array(q, dtype=float)
            q[deep] = r
        return q ** ((L - 1) / 2.0)


def _balance_terms(n, d, s2):
    """A = E||(I-P) beta_s||^2 and B = E||X^+ y||^2 for n < d - 1 (finite size)."""
    n, d, s2 = _f(n), _f(d), _f(s2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 - n / d, n / d + s2 * n / (d - n - 1.0)


def fine_tune_transferability_balanced(theta, n, d, s2, depth=2):
    """T_ft with the balancedness factor of depth L: (1 - n/d)(2 c cos(theta) - c^2), 0 for n >= d (a claim beyond
    the paper; ``balancedness_factor`` with a, b replaced by their expectations)."""
    theta, n, d, s2, depth = np.broadcast_arrays(_f(theta), _f(n), _f(d), _f(s2), _f(depth))
    a, b = _balance_terms(n, d, s2)
    c = balancedness_factor(a, b, depth)
    with np.errstate(invalid="ignore"):
        out = a * (2.0 * c * np.cos(theta) - c**2)
    return np.where(n < d - 1, out, np.where(n >= d, 0.0, np.nan))


def fine_tune_break_even_balanced(n, d, s2, depth=2):
    """Angle in degrees where the balanced T_ft of depth L vanishes: cos(theta*) = c / 2 (nan where c > 2, where
    fine-tuning never helps, and for n >= d - 1)."""
    n, d, s2, depth = np.broadcast_arrays(_f(n), _f(d), _f(s2), _f(depth))
    c = balancedness_factor(*_balance_terms(n, d, s2), depth)
    with np.errstate(invalid="ignore"):
        return np.where((n < d - 1) & (c <= 2.0), np.rad2deg(np.arccos(np.clip(c / 2.0, -1.0, 1.0))), np.nan)


def fine_tune_risk_exact(theta, n, d, s2, balanced=False, depth=2):
    """Finite-size fine-tuning risk R_sc - T_ft (eq. 15, or with the balancedness factor of depth L)."""
    t = (
        fine_tune_transferability_balanced(theta, n, d, s2, depth)
        if balanced
        else fine_tune_transferability_exact(theta, n, d)
    )
    return scratch_risk_exact(n, d, s2) - t


def finite_source_fine_tune_transferability(theta, gamma_t, gamma_s, s2_s):
    """Fine-tuning transferability after a finite, noisy source, eq. (22); zero for gamma_t > 1."""
    theta, gt, gs, s2 = np.broadcast_arrays(_f(theta), _f(gamma_t), _f(gamma_s), _f(s2_s))
    with np.errstate(divide="ignore", invalid="ignore"):
        below = (gt - 1.0) * gs * (1.0 - 2.0 * np.cos(theta) + s2 / (1.0 - gs))
        above = (gt - 1.0) * (1.0 - 2.0 * np.cos(theta) + s2 / (gs - 1.0))
    out = np.where(gs < 1.0, below, above)
    return np.where(gt < 1.0, out, 0.0)


def finite_source_break_even_angle(gamma_s, s2_s):
    """Break-even angle of eq. (23): cos(theta*) = (1 + s2_s/|1 - gamma_s|)/2; nan if > 1 (never positive)."""
    gs, s2 = _f(gamma_s), _f(s2_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = (1.0 + s2 / np.abs(1.0 - gs)) / 2.0
    return np.where(c <= 1.0, np.arccos(np.clip(c, -1.0, 1.0)), np.nan)


def finite_source_feature_overlap(theta, gamma_s, s2_s):
    """cos^2(phi) between the learned source feature beta_hat_s and beta_t; R_lt -> 1 - cos^2(phi) (claim)."""
    theta, gs, s2 = np.broadcast_arrays(_f(theta), _f(gamma_s), _f(s2_s))
    c2 = np.cos(theta) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        below = gs * c2 / (1.0 + s2 / (1.0 - gs))
        above = c2 / (1.0 + s2 / (gs - 1.0))
    return np.where(gs < 1.0, below, above)


def kl_divergence(theta, s2):
    """KL(p_s || p_t) between the joint laws of (x, y): ||beta_s - beta_t||^2/(2 s2) = (1 - cos theta)/s2."""
    theta, s2 = np.broadcast_arrays(_f(theta), _f(s2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return (1.0 - np.cos(theta)) / s2
