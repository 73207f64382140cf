"""Figures: phase diagrams, slices, double descent, ridge and pretraining diagnostics.

Each function takes tables (pandas) and returns a matplotlib Figure; saving is the caller's job.
Colour convention: a diverging palette centred on T = 0, blue where transfer helps (T > 0), red where it hurts.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import TwoSlopeNorm  # noqa: E402

from ..core.style import CMAP, DEEP, sample_colormap, save, style as _style  # noqa: E402
from ..core.style import edges as _edges  # noqa: E402
from ..core.tables import nearest  # noqa: E402
from .aggregate import away_from_one  # noqa: E402
from .distances import distances_at  # noqa: E402

__all__ = [
    "phase_diagram",
    "slices_figure",
    "scratch_figure",
    "ridge_figure",
    "pretraining_figure",
    "nearest",
    "save",
    "tuned_phase_figure",
    "fine_tune_theta_figure",
    "theory_phase_figure",
    "overview_figure",
    "distance_figures",
]

METHOD_LABEL = {"linear_transfer": "linear transfer", "fine_tune": "fine-tuning", "scratch": "scratch"}


def _slice(means: pd.DataFrame, method: str, theta_deg: float, lam: float = 0.0) -> pd.DataFrame:
    """Cell means of one method at one angle (linear transfer at ridge ``lam``), sorted by gamma."""
    mm = means[(means.method == method) & np.isclose(means.theta_deg, theta_deg)]
    if method == "linear_transfer":
        mm = mm[np.isclose(mm.lam, lam)]
    return mm.sort_values("gamma")


def _theory_pivot(theory: pd.DataFrame, column: str):
    piv = theory.pivot(index="gamma", columns="theta_deg", values=column)
    return piv.columns.to_numpy(), piv.index.to_numpy(), piv.to_numpy()


def _zero_contour(ax, theory: pd.DataFrame, column: str) -> None:
    th, g, Z = _theory_pivot(theory, column)
    Z = np.where(np.isfinite(Z), Z, np.nan)
    ax.contour(th, g, Z, levels=[0.0], colors="k", linewidths=1.4)


def _extend(values: np.ndarray, vmax: float) -> str:
    """Colour-bar ``extend`` for a symmetric scale [-vmax, vmax]: which ends the data go beyond (clipped)."""
    lo, hi = bool((values < -vmax).any()), bool((values > vmax).any())
    return {(True, True): "both", (True, False): "min", (False, True): "max"}.get((lo, hi), "neither")


def phase_diagram(
    means: pd.DataFrame, theory: pd.DataFrame, method: str, theory_column: str, title: str, lam: float | None = None
) -> plt.Figure:
    """Experiment (mean T per cell) beside theory, shared colour scale, theory zero contour on both.

    Cells with runs that did not converge are marked with a cross.
    """
    _style()
    m = means[means.method == method]
    if lam is not None:
        m = m[np.isclose(m.lam, lam)]
    thetas = np.sort(m.theta_deg.unique())
    gammas = np.sort(m.gamma.unique())
    grid = m.pivot(index="gamma", columns="theta_deg", values="T_mean").reindex(index=gammas, columns=thetas)
    unconv = m.flagged.to_frame("u").assign(gamma=m.gamma, theta_deg=m.theta_deg)
    unconv = unconv.pivot(index="gamma", columns="theta_deg", values="u").reindex(index=gammas, columns=thetas)
    th_t, g_t, Z_t = _theory_pivot(theory[theory.gamma <= gammas.max() * 1.05], theory_column)
    finite = np.concatenate([grid.to_numpy().ravel(), Z_t.ravel()])
    finite = finite[np.isfinite(finite)]
    vmax = float(np.nanpercentile(np.abs(finite), 98)) if finite.size else 1.0
    vmax = max(vmax, 1e-3)
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-vmax, vmax=vmax)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True, constrained_layout=True)
    mesh = axes[0].pcolormesh(_edges(thetas), _edges(gammas), grid.to_numpy(), cmap=CMAP, norm=norm)
    bad = unconv.to_numpy() > 0
    if bad.any():
        gi, ti = np.nonzero(bad)
        axes[0].scatter(thetas[ti], gammas[gi], marker="x", color="k", s=25, label="not converged")
        axes[0].legend(loc="upper right", fontsize=8, framealpha=0.8)
    # the theory mesh covers the experiment's cells to their outer edges (no blank strip at the borders), and
    # a pole (+-inf) is drawn saturated rather than left blank; pcolorfast draws the fine rectilinear grid as one
    # image (a quad mesh of 72,000 cells took 7 s to write as PDF)
    ex, ey = _edges(thetas), _edges(gammas)
    tx, ty = _edges(th_t), _edges(g_t)
    tx[0], tx[-1], ty[0], ty[-1] = min(tx[0], ex[0]), max(tx[-1], ex[-1]), min(ty[0], ey[0]), max(ty[-1], ey[-1])
    axes[1].pcolorfast(tx, ty, np.ma.masked_invalid(np.clip(Z_t, -10 * vmax, 10 * vmax)), cmap=CMAP, norm=norm)
    for ax, sub in zip(axes, ("experiment", "theory")):
        _zero_contour(ax, theory[theory.gamma <= gammas.max() * 1.05], theory_column)
        ax.axhline(1.0, color="0.4", lw=0.6, ls=":")
        ax.set_xlabel(r"task angle $\theta$ (degrees)")
        ax.set_title(f"{sub}")
        ax.set_xlim(_edges(thetas)[0], _edges(thetas)[-1])
        ax.set_ylim(_edges(gammas)[0], _edges(gammas)[-1])
    axes[0].set_ylabel(r"$\gamma = n/d$")
    extend = _extend(finite, vmax)
    cb = fig.colorbar(mesh, ax=axes, shrink=0.9, extend=extend)
    cb.set_label(r"transferability $T = R_{\rm scratch} - R_{\rm " + method.replace("_", r"\_") + "}$"
                 + ("\n(arrows: values beyond the scale, clipped)" if extend != "neither" else ""))
    fig.suptitle(title + "  (black line: theory T = 0; blue: transfer helps)")
    return fig


def slices_figure(
    means: pd.DataFrame, theory: pd.DataFrame, slices_deg, title: str, lam: float = 0.0
) -> plt.Figure:
    """T(gamma) at a few angles for linear transfer and fine-tuning: mean +- SE and theory curves."""
    _style()
    spec = [("linear_transfer", "T_lt_exact", "T_lt"), ("fine_tune", "T_ft_exact", "T_ft")]
    thetas = sorted(means.dropna(subset=["theta_deg"]).theta_deg.unique())
    chosen = list(dict.fromkeys(nearest(thetas, s) for s in slices_deg))  # two requests may snap to one angle
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True, constrained_layout=True)
    colours = sample_colormap("viridis", len(chosen))
    shown = []  # every plotted point with its error bar: the shared y-range holds them all
    for ax, (method, exact_col, asym_col) in zip(axes, spec):
        m = means[means.method == method]
        if method == "linear_transfer":
            m = m[np.isclose(m.lam, lam)]
        for th, col in zip(chosen, colours):
            mm = m[np.isclose(m.theta_deg, th)].sort_values("gamma")
            ax.errorbar(mm.gamma, mm.T_mean, yerr=mm.T_se, fmt="o", ms=4, color=col, capsize=2,
                        label=rf"$\theta$ = {th:g}°")
            se = mm.T_se.fillna(0.0)
            shown += [mm.T_mean - se, mm.T_mean + se]
            tt = theory[np.isclose(theory.theta_deg, nearest(theory.theta_deg.unique(), th))].sort_values("gamma")
            tt = tt[tt.gamma <= mm.gamma.max() * 1.05]
            ax.plot(tt.gamma, tt[exact_col], color=col, lw=1.3)
            ax.plot(tt.gamma, tt[asym_col], color=col, lw=0.9, ls="--")
        ax.axhline(0.0, color="k", lw=0.6)
        ax.axvline(1.0, color="0.5", lw=0.6, ls=":")
        ax.set_xlabel(r"$\gamma = n/d$")
        ax.set_title(METHOD_LABEL[method])
    values = pd.concat(shown) if shown else pd.Series(dtype=float)
    values = values[np.isfinite(values)]
    if len(values):
        lo, hi = float(values.min()), float(values.max())
        pad = 0.08 * (hi - lo + 1e-3)
        axes[0].set_ylim(lo - pad, hi + pad)
    axes[0].set_ylabel(r"transferability $T$")
    axes[0].legend(fontsize=8)
    fig.suptitle(title + "  (points: mean ± s.e.; solid: finite-d theory; dashed: asymptotic)")
    return fig


def scratch_figure(means: pd.DataFrame, theories: dict[str, pd.DataFrame], title: str) -> plt.Figure:
    """Scratch risk vs gamma (double descent) per experiment with eq. (8), exact and asymptotic."""
    _style()
    fig, ax = plt.subplots(figsize=(6, 4.2), constrained_layout=True)
    sc = means[means.method == "scratch"]
    exps = list(sc.experiment.unique())
    colours = [DEEP[i % len(DEEP)] for i in range(len(exps))]
    ymax = 0.0
    for exp, col in zip(exps, colours):
        m = sc[sc.experiment == exp].sort_values("gamma")
        sigma = float(m.sigma.iloc[0])
        ax.errorbar(m.gamma, m.risk_mean, yerr=m.risk_se, fmt="o", ms=4, capsize=2, color=col,
                    label=rf"{exp} ($\sigma$ = {sigma:g})")
        t = theories[exp]
        t = t[np.isclose(t.theta_deg, t.theta_deg.min())].sort_values("gamma")
        t = t[t.gamma <= m.gamma.max() * 1.05]
        ax.plot(t.gamma, t.R_sc_exact, color=col, lw=1.3)
        ax.plot(t.gamma, t.R_sc, color=col, lw=0.9, ls="--")
        away = m[away_from_one(m.gamma)].risk_mean
        ymax = max(ymax, float(np.nanmax(away)) if len(away) else 1.0)
    ax.set_ylim(0, max(1.2, 1.5 * ymax))
    ax.axvline(1.0, color="0.5", lw=0.6, ls=":")
    ax.set_xlabel(r"$\gamma = n/d$")
    ax.set_ylabel(r"scratch risk $\|\hat\beta - \beta_t\|^2$")
    ax.legend(fontsize=8)
    pole = "; pole at γ = 1" if (sc.sigma > 0).any() else "; no pole without noise"
    ax.set_title(title + f"\n(solid: exact finite-d eq. 8; dashed: asymptotic{pole})")
    return fig


def ridge_figure(runs: pd.DataFrame, curve: pd.DataFrame, title: str) -> plt.Figure:
    """Linear-transfer risk vs ridge strength at one cell, against eq. (13) (n -> infinity) and the exact
    finite-n expectation (``curve``: the aggregation's table ``ridge_curve``, one row per lambda)."""
    _style()
    th, g, n = float(curve.theta_deg.iloc[0]), float(curve.gamma.iloc[0]), int(curve.n.iloc[0])
    lt = runs[runs.method == "linear_transfer"]
    cell = lt[np.isclose(lt.theta_deg, th) & np.isclose(lt.gamma, g)]
    stats = cell.groupby("lam").risk.agg(["mean", "std", "size"]).reset_index()
    fig, ax = plt.subplots(figsize=(6, 4.2), constrained_layout=True)
    ax.errorbar(stats.lam, stats["mean"], yerr=stats["std"] / np.sqrt(stats["size"]), fmt="o", capsize=3,
                label=f"experiment (n = {n})")
    ax.plot(curve.lam, curve.risk_n_inf, "k-", label="eq. (13), n → ∞")
    if np.isfinite(curve.risk_exact).all():
        ax.plot(curve.lam, curve.risk_exact, "k--", label=f"exact expectation of the estimator at n = {n}")
    ax.set_xlabel(r"ridge strength $\lambda$")
    ax.set_ylabel(r"linear-transfer risk $R_{\rm lt}(\lambda)$")
    ax.set_title(f"{title}: θ = {th:g}°, γ = {g:g}")
    ax.legend(fontsize=8)
    return fig


def pretraining_figure(pre: pd.DataFrame, title: str) -> plt.Figure:
    """Singular values of the pretrained feature map per instance (log scale), with Theorem 3.4 checks."""
    _style()
    sv_cols = sorted((c for c in pre.columns if c.startswith("sv")), key=lambda c: int(c[2:]))
    fig, ax = plt.subplots(figsize=(6, 4.2), constrained_layout=True)
    idx = np.arange(1, len(sv_cols) + 1)
    for _, row in pre.iterrows():
        ax.semilogy(idx, row[sv_cols].to_numpy(dtype=float), "o-", color="C0", alpha=0.4, ms=3)
    ax.set_xticks(idx)
    ax.set_xlabel("singular value index")
    ax.set_ylabel(r"singular value of $W_1\cdots W_{L-1}$")
    txt = (
        f"min |cos(u1, β_s)| = {pre.alignment.min():.6f}\n"
        f"max balancedness = {pre.balancedness_max.max():.1e}\n"
        f"max source risk = {pre.source_risk.max():.1e}"
    )
    ax.text(0.97, 0.95, txt, transform=ax.transAxes, ha="right", va="top", fontsize=8,
            bbox={"facecolor": "white", "alpha": 0.8})
    ax.set_title(title + ": pretrained features are rank one (Theorem 3.4)")
    return fig


def theory_phase_figure(grid: pd.DataFrame, sigma: float, d: int | None = None,
                        mark: tuple[float, float] | None = None) -> plt.Figure:
    """Theoretical T_lt and T_ft over (theta, gamma) for one sigma (``grid``: a ``theory_grid`` table; its
    asymptotic columns, or the exact ones at dimension ``d``); ``mark`` = (theta_deg, gamma) is circled."""
    _style()
    cols = ("T_lt_exact", "T_ft_exact") if d else ("T_lt", "T_ft")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True, constrained_layout=True)
    for ax, col, name in zip(axes, cols, ("linear transfer", "fine-tuning")):
        th, g, Z = _theory_pivot(grid, col)
        finite = Z[np.isfinite(Z)]
        vmax = max(float(np.percentile(np.abs(finite), 98)), 1e-3)
        mesh = ax.pcolorfast(_edges(th), _edges(g), np.ma.masked_invalid(np.clip(Z, -10 * vmax, 10 * vmax)),
                             cmap=CMAP, norm=TwoSlopeNorm(vcenter=0.0, vmin=-vmax, vmax=vmax))
        _zero_contour(ax, grid, col)
        if mark is not None:
            ax.plot(*mark, "o", ms=9, mfc="none", mec="k", mew=1.5, label=f"θ = {mark[0]:g}°, γ = {mark[1]:g}")
            ax.legend(loc="upper right", fontsize=8)
        ax.set_xlabel(r"task angle $\theta$ (degrees)")
        ax.set_title(name)
        fig.colorbar(mesh, ax=ax, label="transferability T", extend=_extend(finite, vmax))
    axes[0].set_ylabel(r"$\gamma = n/d$")
    where = f"exact, d = {d}" if d else "asymptotic"
    fig.suptitle(rf"theory, $\sigma$ = {sigma:g} ({where}); black: T = 0; blue: transfer helps")
    return fig


def tuned_phase_figure(means: pd.DataFrame, theory: pd.DataFrame, title: str, lam: float = 0.0) -> plt.Figure:
    """Linear transfer against the untuned (wd = 0) and the tuned (best weight decay per gamma) scratch baseline."""
    _style()
    m = means[(means.method == "linear_transfer") & np.isclose(means.lam, lam)]
    thetas, gammas = np.sort(m.theta_deg.unique()), np.sort(m.gamma.unique())
    panels = [("T_mean", "against untuned scratch (wd = 0)"),
              ("T_tuned_mean", "against tuned scratch (wd best on the other instances)")]
    grids = [m.pivot(index="gamma", columns="theta_deg", values=c).reindex(index=gammas, columns=thetas).to_numpy()
             for c, _ in panels]
    finite = np.concatenate([g.ravel() for g in grids])
    finite = finite[np.isfinite(finite)]
    vmax = max(float(np.percentile(np.abs(finite), 98)) if finite.size else 1.0, 1e-3)
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-vmax, vmax=vmax)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True, constrained_layout=True)
    for ax, grid, (_, sub) in zip(axes, grids, panels):
        mesh = ax.pcolormesh(_edges(thetas), _edges(gammas), grid, cmap=CMAP, norm=norm)
        _zero_contour(ax, theory[theory.gamma <= gammas.max() * 1.05], "T_lt_exact")
        ax.axhline(1.0, color="0.4", lw=0.6, ls=":")
        ax.set_xlabel(r"task angle $\theta$ (degrees)")
        ax.set_title(sub)
        ax.set_xlim(_edges(thetas)[0], _edges(thetas)[-1])
        ax.set_ylim(_edges(gammas)[0], _edges(gammas)[-1])
    axes[0].set_ylabel(r"$\gamma = n/d$")
    fig.colorbar(mesh, ax=axes, shrink=0.9, label=r"$T_{\rm lt}$ (experiment)")
    fig.suptitle(title + ": does the positive band near γ = 1 survive a tuned baseline? (black: untuned theory T = 0)")
    return fig


def fine_tune_theta_figure(means: pd.DataFrame, theory: pd.DataFrame, title: str, max_panels: int = 4) -> plt.Figure:
    """Fine-tuning T against theta at gamma < 1: eq. (15) (or eq. 22 for a finite source) and the
    balancedness-corrected end point of the network's depth (and of depth 2 where that differs), from the theory
    table's row nearest each gamma."""
    _style()
    m = means[(means.method == "fine_tune") & (means.gamma < 0.95)]
    gammas = np.sort(m.gamma.unique())
    if gammas.size > max_panels:
        gammas = gammas[np.linspace(0, gammas.size - 1, max_panels).round().astype(int)]
    fig, axes = plt.subplots(1, max(len(gammas), 1), figsize=(max(4.2 * len(gammas), 6.5), 3.8), squeeze=False,
                             constrained_layout=True, sharey=True)
    finite_source = "T_ft_exact_inf_source" in theory.columns
    for ax, g in zip(axes[0], gammas):
        mm = m[np.isclose(m.gamma, g)].sort_values("theta_deg")
        n, sigma = int(mm.n.iloc[0]), float(mm.sigma.iloc[0])
        ax.errorbar(mm.theta_deg, mm.T_mean, yerr=mm.T_se, fmt="o", ms=4, capsize=2, color="C0", label="experiment")
        tt = theory[np.isclose(theory.gamma, nearest(theory.gamma.unique(), g))].sort_values("theta_deg")
        if finite_source:
            ax.plot(tt.theta_deg, tt.T_ft_exact, "k-", label="eq. (22), finite source")
        else:
            ax.plot(tt.theta_deg, tt.T_ft_exact, "k-", label="eq. (15)")
            depth = int(mm.depth.iloc[0])
            ax.plot(tt.theta_deg, tt.T_ft_balanced, "C3--", label=f"balancedness factor c, depth {depth}")
            if "T_ft_balanced_depth2" in tt.columns:
                ax.plot(tt.theta_deg, tt.T_ft_balanced_depth2, "C2:", label="balancedness factor c, depth 2")
        ax.axhline(0, color="0.5", lw=0.6)
        ax.set_xlabel(r"$\theta$ (degrees)")
        ax.set_title(f"γ = {g:g} (n = {n}), σ = {sigma:g}")
    axes[0][0].set_ylabel(r"$T_{\rm ft}$")
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title + ": fine-tuning vs θ (mean ± s.e.)")
    return fig


def overview_figure(means: pd.DataFrame, theories: dict[str, pd.DataFrame], theta_deg: float = 45.0) -> plt.Figure:
    """One panel per experiment: T(gamma) at one angle for linear transfer and fine-tuning, with theory.

    Used to compare experiments that differ in depth, width or source (the paper's end points do not depend on
    depth or width; the balancedness-corrected fine-tuning end point, not drawn here, does).
    """
    ylim = 1.2
    _style()
    exps = list(theories)
    ncol = min(4, len(exps))
    nrow = -(-len(exps) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.6 * nrow + 0.6), squeeze=False, sharey=True,
                             constrained_layout=True)
    for ax in axes.ravel()[len(exps):]:
        ax.set_visible(False)
    for ax, exp in zip(axes.ravel(), exps):
        m = means[(means.experiment == exp)]
        t = theories[exp]
        th = nearest(m.dropna(subset=["theta_deg"]).theta_deg.unique(), theta_deg)
        for method, col, colour in (("linear_transfer", "T_lt_exact", "C0"), ("fine_tune", "T_ft_exact", "C1")):
            mm = _slice(m, method, th)
            ax.errorbar(mm.gamma, mm.T_mean, yerr=mm.T_se, fmt="o", ms=3, capsize=2, color=colour,
                        label=METHOD_LABEL[method])
            # points beyond the axis (near gamma = 1) are marked at its edge, never dropped silently
            for sign, marker in ((1, "^"), (-1, "v")):
                off = mm[sign * mm.T_mean > ylim]
                ax.scatter(off.gamma, np.full(len(off), sign * 0.95 * ylim), marker=marker, s=30, color=colour,
                           edgecolor="k", lw=0.5, zorder=3, label="_off")
            tt = t[np.isclose(t.theta_deg, nearest(t.theta_deg.unique(), th))].sort_values("gamma")
            tt = tt[tt.gamma <= mm.gamma.max() * 1.05] if len(mm) else tt
            ax.plot(tt.gamma, tt[col], color=colour, lw=1.2)
        ax.axhline(0, color="0.5", lw=0.6)
        ax.set_ylim(-ylim, ylim)
        ax.set_xlabel(r"$\gamma = n/d$")
        ax.set_title(f"{exp} (θ = {th:g}°)")
    axes[0][0].set_ylabel("transferability T")
    if any(len(c.get_offsets()) for ax in axes.ravel() for c in ax.collections if c.get_label() == "_off"):
        axes[0][0].scatter([], [], marker="^", color="0.5", edgecolor="k", lw=0.5, label="beyond the axis")
    axes[0][0].legend(fontsize=8)
    # two lines when there are few panels, so the title never runs off a narrow figure
    sep = "; " if ncol >= 3 else "\n"
    fig.suptitle(f"all experiments{sep}points: experiment (mean ± s.e.), lines: theory")
    return fig


def distance_figures(table: pd.DataFrame, means: pd.DataFrame, gamma: float, fixed_theta_deg: float,
                     sigma: float, title: str, theory: pd.DataFrame | None = None) -> list[plt.Figure]:
    """Three figures: T against KL over theta in [0, 180]; T against empirical W1 at each dimension;
    T against gamma for one fixed pair of tasks, with the (constant) distances alongside.

    ``table`` is the distance table with its theory columns (``distances.with_theory``); ``theory`` the
    experiment's theory grid, whose exact T at the fixed angle is drawn on the fixed-pair figure."""
    _style()
    figs = []
    g = nearest(means.gamma.unique(), gamma)
    T_lt_th, T_ft_th = table.T_lt_theory.to_numpy(), table.T_ft_theory.to_numpy()
    lt = means[(means.method == "linear_transfer") & np.isclose(means.lam, 0.0) & np.isclose(means.gamma, g)]
    ft = means[(means.method == "fine_tune") & np.isclose(means.gamma, g)]
    kl_of = lambda deg: (1 - np.cos(np.deg2rad(deg))) / sigma**2  # noqa: E731

    fig, ax = plt.subplots(figsize=(6.4, 4.4), constrained_layout=True)
    sc = ax.scatter(table.kl, T_lt_th, c=table.theta_deg, cmap="viridis", s=18, marker="s", label="T_lt theory")
    ax.scatter(table.kl, T_ft_th, c=table.theta_deg, cmap="viridis", s=18, marker="^", label="T_ft theory")
    ax.errorbar(kl_of(lt.theta_deg), lt.T_mean, yerr=lt.T_se, fmt="o", mfc="none", color="C3", ms=5,
                label="T_lt experiment")
    ax.errorbar(kl_of(ft.theta_deg), ft.T_mean, yerr=ft.T_se, fmt="D", mfc="none", color="C1", ms=5,
                label="T_ft experiment")
    ax.axhline(0, color="0.5", lw=0.6)
    fig.colorbar(sc, ax=ax, label=r"$\theta$ (degrees)")
    ax.set_xlabel(r"KL$(p_s \| p_t) = (1 - \cos\theta)/\sigma^2$")
    ax.set_ylabel("transferability T")
    ax.set_title(f"{title}: T is not a function of KL (γ = {g:g}, θ from 0 to 180°)")
    ax.legend(fontsize=7)
    figs.append(fig)

    w1_cols = [c for c in table.columns if c.startswith("w1_d")]
    dims = sorted({int(c.split("_")[1][1:]) for c in w1_cols})
    fig, axes = plt.subplots(1, len(dims), figsize=(5.2 * len(dims), 4.2), squeeze=False, constrained_layout=True)
    for ax, d in zip(axes[0], dims):
        for c in (c for c in w1_cols if c.startswith(f"w1_d{d}_")):
            m = int(c.split("_m")[1])
            ax.plot(table[c], T_lt_th, "o-", ms=3, label=f"empirical W1, m = {m} samples")
        ax.plot(table.w1_bound, T_lt_th, "k--", label=r"population bound $\sqrt{2/\pi}\,|\beta_s-\beta_t|$")
        # the bound grows with theta, so its points say which angle each row of points is
        for x, y, deg in list(zip(table.w1_bound, T_lt_th, table.theta_deg))[::2]:
            right = deg > 90  # theta and 180 - theta share T: label them on opposite sides of the curve
            ax.annotate(f"{deg:g}°", (x, y), textcoords="offset points", xytext=(4 if right else -4, 3),
                        ha="left" if right else "right", fontsize=7, color="0.25")
        ax.axhline(0, color="0.5", lw=0.6)
        ax.set_xlabel("Wasserstein-1 distance")
        ax.set_title(f"d = {d}")
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel(r"$T_{\rm lt}$ (theory, γ = %g)" % g)
    fig.suptitle(f"{title}: in high dimension the empirical W1 measures sampling noise, not the tasks")
    figs.append(fig)

    th_fix = nearest(means.dropna(subset=["theta_deg"]).theta_deg.unique(), fixed_theta_deg)
    fig, ax = plt.subplots(figsize=(6.4, 4.4), constrained_layout=True)
    for method, colour in (("linear_transfer", "C0"), ("fine_tune", "C1")):
        mm = _slice(means, method, th_fix)
        ax.errorbar(mm.gamma, mm.T_mean, yerr=mm.T_se, fmt="o", ms=4, capsize=2, color=colour,
                    label=METHOD_LABEL[method])
        if theory is not None:
            col = {"linear_transfer": "T_lt_exact", "fine_tune": "T_ft_exact"}[method]
            tt = theory[np.isclose(theory.theta_deg, nearest(theory.theta_deg.unique(), th_fix))].sort_values("gamma")
            tt = tt[(tt.gamma <= mm.gamma.max() * 1.05) & (tt.gamma >= mm.gamma.min() * 0.95)]
            ax.plot(tt.gamma, tt[col], color=colour, lw=1.2, label=f"{METHOD_LABEL[method]}, exact theory")
    ax.axhline(0, color="0.5", lw=0.6)
    finite = means[np.isclose(means.theta_deg, th_fix) & means.method.isin(["linear_transfer", "fine_tune"])]
    span = (finite.T_mean - finite.T_se.fillna(0)).min(), (finite.T_mean + finite.T_se.fillna(0)).max()
    if np.isfinite(span).all():
        pad = 0.1 * (span[1] - span[0] + 1e-3)
        ax.set_ylim(span[0] - pad, span[1] + pad)  # the pole of the theory at gamma = 1 must not flatten the data
    pair = distances_at(th_fix, sigma)
    ax.text(0.98, 0.97, f"fixed pair, θ = {th_fix:g}°: KL = {pair['kl']:.3g}, "
            f"W1 ≤ {pair['w1_bound']:.3g}, Dudley ≥ {pair['dudley_lb']:.3g}"
            "\n(constant in γ)", transform=ax.transAxes, ha="right", va="top", fontsize=8,
            bbox={"facecolor": "white", "alpha": 0.8})
    ax.set_xlabel(r"$\gamma = n/d$")
    ax.set_ylabel("transferability T (experiment)")
    ax.set_title(f"{title}: one pair of tasks, T changes sign with n")
    ax.legend(fontsize=8, loc="center right")
    figs.append(fig)
    return figs


def agreement_z_figure(means: pd.DataFrame, agreement: pd.DataFrame, title: str) -> plt.Figure:
    """Per-cell z-scores against the exact theory (cells away from gamma = 1), one panel per method and quantity,
    as histograms over the standard normal density they follow when the theory holds; each panel gives the pooled
    test's p-value and its power against a bias of one standard error in every cell."""
    _style()
    panels = [(m, q) for m in ("scratch", "linear_transfer", "fine_tune") for q in ("risk", "T")
              if not (m == "scratch" and q == "T")]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.4), sharey=True, constrained_layout=True)
    grid = np.linspace(-5, 5, 201)
    bins = np.linspace(-5, 5, 31)
    for ax, (method, quantity) in zip(axes, panels):
        m = means[(means.method == method) & (means.weight_decay.fillna(0.0) == 0.0)
                  & (means["lam"].fillna(0.0) == 0.0) & away_from_one(means.gamma)]
        z = m[f"z_{quantity}"].to_numpy(dtype=float)
        z = z[np.isfinite(z)]
        clipped = int(np.sum(np.abs(z) > 5))
        ax.hist(np.clip(z, -5, 5), bins=bins, density=True, color=DEEP[0], alpha=0.6, label="cells")
        ax.plot(grid, np.exp(-grid**2 / 2) / np.sqrt(2 * np.pi), color="k", lw=1.2, label="N(0, 1)")
        row = agreement[(agreement.method == method) & (agreement.quantity == quantity)
                        & (agreement.theory == "exact")]
        note = f"{len(z)} cells" + (f", {clipped} beyond ±5 (drawn at the edge)" if clipped else "")
        if len(row):
            r = row.iloc[0]
            note += f"\npooled p = {r.p_value:.3f}\npower vs 1-s.e. bias = {r.power_1se:.2f}"
        ax.text(0.03, 0.97, note, transform=ax.transAxes, ha="left", va="top", fontsize=7.5,
                bbox={"facecolor": "white", "alpha": 0.8})
        ax.set_xlabel(f"z of {'R' if quantity == 'risk' else 'T'}: (mean − theory) / s.e.")
        ax.set_title(f"{method.replace('_', ' ')}: {quantity}")
    axes[0].set_ylabel("density")
    axes[-1].legend(loc="upper right", fontsize=8)
    fig.suptitle(f"{title}: per-cell z-scores against the exact theory")
    return fig
