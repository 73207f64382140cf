"""Figures of the ReLU study: (mu, n) phase diagrams, scratch power law, ||P_perp f_t||^2, hidden kernels.

Same conventions as the linear figures: diverging palette centred on T = 0, blue where transfer helps.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402

from ..core.style import CMAP, log_edges as _log_edges, style as _style  # noqa: E402
from ..core.style import edges as _edges  # noqa: E402

__all__ = ["relu_phase_figure", "relu_scratch_figure", "p_perp_figure", "degree_figure", "kernel_figure"]


def _grid(m: pd.DataFrame, column: str, mus: np.ndarray, ns: np.ndarray) -> np.ndarray:
    return m.pivot(index="n", columns="mu", values=column).reindex(index=ns, columns=mus).to_numpy()


def _boundary(ax, theory: pd.DataFrame, label: str, style: str = "-") -> None:
    t = theory.sort_values("mu")
    ok = np.isfinite(t.n_star) & (t.p_perp > 0)
    ax.plot(t.mu[ok], t.n_star[ok], style, color="k", lw=1.6, label=label)
    lo, hi = t.n_star_lo[ok].clip(lower=1e-3), t.n_star_hi[ok].clip(upper=1e12)  # unbounded ends run off the axes
    ax.fill_between(t.mu[ok], lo, hi, color="k", alpha=0.12, lw=0)


def relu_phase_figure(means: pd.DataFrame, theory: pd.DataFrame, fit: pd.DataFrame, method: str, title: str,
                      lam: float | None = None) -> plt.Figure:
    """Experiment ``T(mu, n)`` beside the prediction ``A n^-nu - ||P_perp f_t||^2`` with the boundary n*(mu).

    The prediction is the paper's: linear transfer reaches ``||P_perp f_t||^2`` and scratch follows its fitted
    power law. For fine-tuning the same boundary is drawn for reference (the paper has no fine-tuning formula).
    """
    _style()
    m = means[means.method == method]
    if lam is not None:
        m = m[np.isclose(m.lam, lam)]
    mus, ns = np.sort(m.mu.unique()), np.sort(m.n.unique())
    Z = _grid(m, "T_mean", mus, ns)
    f = fit.iloc[0]
    n_fine = np.exp(np.linspace(np.log(_log_edges(ns)[0]), np.log(_log_edges(ns)[-1]), 200))
    th = theory.set_index("mu").reindex(mus)
    Z_th = f.A * n_fine[:, None] ** -f.nu - th.p_perp.to_numpy()[None, :]
    vmax = max(float(np.nanpercentile(np.abs(Z[np.isfinite(Z)]), 98)), 1e-6)  # the experiment sets the scale
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-vmax, vmax=vmax)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.9), sharey=True, layout="constrained")
    mesh = axes[0].pcolormesh(_edges(mus), _log_edges(ns), Z, cmap=CMAP, norm=norm)
    unconv = _grid(m.assign(u=m.flagged), "u", mus, ns)
    if np.nansum(unconv) > 0:
        ni, mi = np.nonzero(unconv > 0)
        axes[0].scatter(mus[mi], ns[ni], marker="x", color="k", s=25, label="not converged")
    axes[1].pcolormesh(mus, n_fine, Z_th, cmap=CMAP, norm=norm, shading="nearest")
    right = r"prediction $A n^{-\nu} - \|P_\perp f_t\|^2$"
    if method != "linear_transfer":
        right = "linear-transfer " + right + " (reference)"
    for ax, sub in zip(axes, ("experiment", right)):
        _boundary(ax, theory, r"predicted boundary $A n^{-\nu} = \|P_\perp f_t\|^2$ (95% band)")
        if method == "linear_transfer":
            t = theory.sort_values("mu")
            ax.plot(t.mu, t.n_star_student, ":", color="k", lw=1.4,
                    label=r"same with the student's $n\to\infty$ readout risk")
        ax.set_yscale("log")
        ax.set_xlabel(r"fraction of teacher neurons removed $\mu$")
        ax.set_title(sub)
        ax.set_xlim(_edges(mus)[0], _edges(mus)[-1])
        ax.set_ylim(_log_edges(ns)[0], _log_edges(ns)[-1])
    if np.isfinite(Z).sum() > 3 and len(mus) > 1 and len(ns) > 1:
        axes[0].contour(mus, ns, Z, levels=[0.0], colors="w", linewidths=1.2, linestyles="--")
        axes[0].plot([], [], "--", color="w", label="experiment T = 0")
    axes[0].set_ylabel("target samples $n$")
    # the legend goes below the panels, on grey so the white experiment contour shows, never over data
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8, facecolor="0.75", framealpha=1.0)
    cb = fig.colorbar(mesh, ax=axes, shrink=0.9, extend="both")
    cb.set_label(r"$T = R_{\rm scratch} - R_{\rm " + method.replace("_", r"\_") + "}$")
    fig.suptitle(title + "  (blue: transfer helps)")
    return fig


def relu_scratch_figure(scratch: pd.DataFrame, fit: pd.DataFrame, theory: pd.DataFrame, title: str) -> plt.Figure:
    """Scratch risk against n (log-log): instances, means with s.e., the power-law fit, and ||P_perp f_t||^2 levels."""
    _style()
    f = fit.iloc[0]
    fig, (ax, ax_slope) = plt.subplots(2, 1, figsize=(6, 5.6), sharex=True, height_ratios=(3, 1.2),
                                       constrained_layout=True)
    ax.scatter(scratch.n, scratch.risk, s=8, color="0.6", alpha=0.5, label="instances")
    sm = scratch.groupby("n").risk.agg(["mean", "sem"]).reset_index()
    ax.errorbar(sm.n, sm["mean"], yerr=sm["sem"], fmt="o", color="C0", capsize=3, label="mean ± s.e.")
    nn = np.exp(np.linspace(np.log(sm.n.min()), np.log(sm.n.max()), 100))
    ax.plot(nn, f.A * nn ** -f.nu, color="C3",
            label=rf"fit $A n^{{-\nu}}$: $\nu$ = {f.nu:.2f} [{f.nu_lo:.2f}, {f.nu_hi:.2f}], $A$ = {f.A:.3g}")
    shown = theory[(theory.p_perp > 0.3 * sm["mean"].min()) & (theory.p_perp < 3 * sm["mean"].max())]
    for _, row in shown.iloc[::-3].iterrows():
        ax.axhline(row.p_perp, color="k", lw=0.7, ls=":", alpha=0.7)
        ax.text(sm.n.max(), row.p_perp, rf"$\mu$={row.mu:g} ", va="bottom", ha="right", fontsize=7)
    ax.plot([], [], ":", color="k", lw=0.7, label=r"$\|P_\perp f_t\|^2$ at a few $\mu$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylabel(r"scratch risk $E(f - f_t)^2$")
    ax.set_title(title)
    # a power law has one slope; the local slopes between neighbouring n show where the fit misses the curvature
    logn, logr = np.log(sm.n.to_numpy(float)), np.log(sm["mean"].to_numpy())
    ax_slope.plot(np.exp((logn[1:] + logn[:-1]) / 2), -np.diff(logr) / np.diff(logn), "o-", color="C0",
                  label="local slope between neighbouring n")
    ax_slope.axhline(f.nu, color="C3", lw=1.2, label=rf"fitted $\nu$ = {f.nu:.2f}")
    ax_slope.set_xlabel("target samples $n$")
    ax_slope.set_ylabel(r"$-d \log R / d \log n$")
    ax_slope.legend(fontsize=7)
    ax.legend(fontsize=7)
    return fig


def p_perp_figure(theory: pd.DataFrame, means: pd.DataFrame, lam: float, title: str) -> plt.Figure:
    """``||P_perp f_t||^2`` against mu (source-teacher span) with what the pretrained student's features reach."""
    _style()
    t = theory.sort_values("mu")
    fig, ax = plt.subplots(figsize=(6, 4.3), constrained_layout=True)
    ax.errorbar(t.mu, t.p_perp, yerr=t.p_perp_se, fmt="-o", color="k", capsize=3,
                label=r"theory $\|P_\perp f_t\|^2$ (span of the source teacher)")
    ax.errorbar(t.mu, t.lt_limit, yerr=t.lt_limit_se, fmt="-s", color="C0", capsize=3,
                label=rf"student features, $n\to\infty$ readout ($\lambda$ = {lam:g})")
    if "subspace_lt_limit" in t:
        ax.errorbar(t.mu, t.subspace_lt_limit, yerr=t.subspace_lt_limit_se, fmt="-^", color="C1", capsize=3,
                    label=r"student features, $n\to\infty$ readout on the significant subspace")
    lt = means[(means.method == "linear_transfer") & np.isclose(means.lam, lam)]
    n_max = lt.n.max()
    big = lt[lt.n == n_max].sort_values("mu")
    ax.errorbar(big.mu, big.risk_mean, yerr=big.risk_se, fmt="-v", color="C2", capsize=3,
                label=f"linear transfer at n = {n_max}")
    ax.axhline(t.target_var.mean(), color="0.5", ls="--", lw=0.8, label=r"Var $f_t$ (risk of the best constant)")
    ax.set_xlabel(r"fraction of teacher neurons removed $\mu$")
    ax.set_ylabel("risk")
    ax.set_title(title)
    ax.legend(fontsize=7)
    return fig


def degree_figure(theory: pd.DataFrame, lam: float, title: str) -> plt.Figure:
    """What the target loses outside the features, by Hermite degree (constant, linear, degree >= 2), against mu:
    the source teacher's span (the theory's ``||P_perp f_t||^2``) and the pretrained students' n -> infinity
    readouts; last panel, the students' limit over ``||P_perp f_t||^2`` with and without constants and linear
    functions of x added to both spans."""
    _style()
    t = theory.sort_values("mu")
    sub = "subspace_lt_limit" in t
    fig, axes = plt.subplots(1, 4, figsize=(15, 4.0), layout="constrained")
    names = ("constant (degree 0)", "linear (degree 1)", r"degree $\geq$ 2")
    for ax, deg, name in zip(axes, ("deg0", "deg1", "deg2"), names):
        ax.plot(t.mu, t[f"target_{deg}"], "--", color="0.5", lw=1, label=r"the whole target $f_t$")
        ax.plot(t.mu, t[f"p_perp_{deg}"], "-o", color="k", label="outside the source teacher's span")
        ax.plot(t.mu, t[f"lt_limit_{deg}"], "-s", color="C0", label=rf"student readout, ridge $\lambda$ = {lam:g}")
        if sub:
            ax.plot(t.mu, t[f"subspace_lt_limit_{deg}"], "-^", color="C1",
                    label="student readout, significant subspace")
        ax.set_title(name)
        ax.set_xlabel(r"fraction of teacher neurons removed $\mu$")
    axes[0].set_ylabel(r"squared norm of the part, $E(\cdot)^2$")
    axes[0].legend(fontsize=7)
    ax = axes[3]
    ok = t.p_perp > 0
    ax.plot(t.mu[ok], (t.lt_limit / t.p_perp)[ok], "-s", color="C0", label=rf"ridge $\lambda$ = {lam:g}, features only")
    ok_high = t.p_perp_high > 0
    ax.plot(t.mu[ok_high], (t.lt_limit_high / t.p_perp_high)[ok_high], "--s", color="C0", mfc="none",
            label="ridge, with constants and linear functions")
    if sub:
        ax.plot(t.mu[ok], (t.subspace_lt_limit / t.p_perp)[ok], "-^", color="C1", label="subspace, features only")
        ax.plot(t.mu[ok_high], (t.subspace_lt_limit_high / t.p_perp_high)[ok_high], "--^", color="C1", mfc="none",
                label="subspace, with constants and linear functions")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(r"$\mu$")
    ax.set_ylabel(r"student limit / $\|P_\perp f_t\|^2$")
    ax.set_title("student limit relative to the theory")
    ax.legend(fontsize=7)
    fig.suptitle(title)
    return fig


def _block_mean(K: np.ndarray, most: int) -> np.ndarray:
    """``K`` averaged over square blocks so that neither side exceeds ``most`` (no aliasing, a small file);
    (p, p) -> (p / k, p / k) for the smallest integer k that divides p and brings it under ``most``."""
    p = K.shape[0]
    k = next((k for k in range(1, p + 1) if p % k == 0 and p // k <= most), p)
    return K.reshape(p // k, k, p // k, k).mean(axis=(1, 3))


def kernel_figure(gram_student: np.ndarray, gram_source: np.ndarray, theory: pd.DataFrame, mu: float,
                  title: str) -> plt.Figure:
    """The pretrained student's hidden-layer Gram matrix beside the source teacher's, and CKA against mu."""
    _style()
    fig, axes = plt.subplots(1, 3, figsize=(14.5, 4.2), constrained_layout=True)
    for ax, K, name in ((axes[0], gram_student, "student (pretrained)"), (axes[1], gram_source, "source teacher")):
        Kn = _block_mean(K / np.mean(np.diag(K)), 100)
        k = K.shape[0] / Kn.shape[0]  # probe points per pixel
        im = ax.imshow(Kn, cmap="viridis", vmin=0, vmax=float(np.percentile(Kn, 99)), interpolation="nearest",
                       extent=(0, K.shape[1], K.shape[0], 0))
        if k > 1:
            ax.text(0.02, 0.02, f"{k:g} x {k:g} points per pixel (block means)", transform=ax.transAxes,
                    fontsize=7, color="w")
        ax.set_title(rf"{name}, $\mu$ = {mu:g}")
        ax.set_xlabel("probe point (sorted by $f_s$)")
        fig.colorbar(im, ax=ax, shrink=0.8, label="kernel / mean diagonal")
    axes[0].set_ylabel("probe point")
    t = theory.sort_values("mu")
    axes[2].plot(t.mu, t.cka, "-o", color="C0", label="student vs source teacher")
    axes[2].plot(t.mu, t.cka_init, "-s", color="0.5", label="student at init vs source teacher")
    axes[2].plot(t.mu, t.cka_removed, "-^", color="C3", label="student vs removed neurons")
    axes[2].set_ylim(0, 1.02)
    axes[2].set_xlabel(r"$\mu$")
    axes[2].set_ylabel("centered kernel alignment")
    axes[2].legend(fontsize=7, loc="lower left")
    axes[2].set_title("kernel alignment (mean over instances)")
    fig.suptitle(title)
    return fig
