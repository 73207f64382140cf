"""The one place that decides which closed form applies: ``predict(method, ...) -> (risk, T)``.

Tables (agreement, break-even), the theory grid and through them every figure take their theory from here.
``form``: ``exact`` (the paper's closed forms at finite n and d), ``asymptotic`` (d -> infinity at gamma = n/d)
or ``balanced`` (fine-tuning end point with the balancedness factor of the network's ``depth``, a claim beyond the
paper; infinite source).
A finite source (``source_gamma`` not nan) uses Appendix C: eq. (22) for fine-tuning and the one-feature formula
with the learned feature's overlap cos^2(phi) for linear transfer (a claim beyond the paper). Linear transfer
with ridge lambda > 0 follows eq. (13) as n -> infinity and the exact finite-n expectation of the one-feature
ridge estimator at finite size (infinite source only; nan after a finite source); scratch has no T (nan);
``scratch_tuned`` has none.
Every argument broadcasts; angles in degrees; ``sigma`` is the target label noise.
"""

from __future__ import annotations

import numpy as np

from . import theory

__all__ = ["METHODS", "FORMS", "predict"]

METHODS = ("scratch", "scratch_tuned", "linear_transfer", "fine_tune")
FORMS = ("exact", "asymptotic", "balanced")


def _scratch(n, d, s2, form):
    return theory.scratch_risk(n / d, s2) if form == "asymptotic" else theory.scratch_risk_exact(n, d, s2)


def predict(method: str, theta_deg, n, d, sigma, lam=0.0, source_gamma=np.nan, source_sigma=0.0,
            form: str = "exact", depth=2) -> tuple[np.ndarray, np.ndarray]:
    """Theory ``(risk, T)`` of ``method`` at the given cells; nan where no closed form applies."""
    if form not in FORMS:
        raise ValueError(f"unknown theory form {form!r}; expected one of {FORMS}")
    th = np.deg2rad(np.asarray(theta_deg, dtype=float))
    n, d = np.asarray(n, float), np.asarray(d, float)
    s2, s2s = np.asarray(sigma, float) ** 2, np.asarray(source_sigma, float) ** 2
    gs = np.asarray(source_gamma, float)
    finite = np.isfinite(gs)
    gs_safe = np.where(finite, gs, 0.5)
    r_sc = _scratch(n, d, s2, form)
    nan = np.full(np.broadcast(th, n, d, s2, gs).shape, np.nan)
    if method == "scratch":
        return np.broadcast_to(r_sc, nan.shape).copy(), nan
    if method == "scratch_tuned":
        return nan, nan
    if method == "linear_transfer":
        if form == "balanced":
            return nan, nan
        rho = np.where(finite, 1.0 - theory.finite_source_feature_overlap(th, gs_safe, s2s), np.sin(th) ** 2)
        lam = np.asarray(lam, float)
        if form == "asymptotic":
            ridge = theory.ridge_transfer_risk(th, lam)
            r = np.where(lam == 0, rho, np.where(finite, np.nan, ridge))
        else:
            ridged = lam > 0
            ridge = np.full(np.broadcast(th, n, s2, lam).shape, np.nan)
            if np.any(ridged & ~finite):  # one quadrature per distinct n; skipped where no cell needs it
                ridge = theory.ridge_transfer_risk_exact(th, n, s2, np.where(ridged, lam, 1.0))
            r = np.where(ridged, np.where(finite, np.nan, ridge), theory.linear_transfer_risk_k_features(rho, 1, n, s2))
        return r, r_sc - r
    if method == "fine_tune":
        T_fs = theory.finite_source_fine_tune_transferability(th, n / d, gs_safe, s2s)
        if form == "balanced":
            T = np.where(finite, np.nan, theory.fine_tune_transferability_balanced(th, n, d, s2, depth))
        elif form == "asymptotic":
            T = np.where(finite, T_fs, theory.fine_tune_transferability(th, n / d))
        else:
            T = np.where(finite, T_fs, theory.fine_tune_transferability_exact(th, n, d))
        return r_sc - T, T
    raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
