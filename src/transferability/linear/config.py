"""The linear study's config section: validated experiments as typed records, with semantic checks.

Angles are in degrees; ``gamma = n/d``. Every problem is reported with its config key.
"""

from __future__ import annotations

from ..core.selection import selected_experiments as selected  # the experiments to build
from dataclasses import dataclass

from ..core.canonical import fmt

__all__ = ["Experiment", "experiment_errors", "experiments", "selected"]


@dataclass(frozen=True)
class Experiment:
    """One validated experiment. Angles in degrees; ``gammas`` as given; ``ns`` the matching sample sizes."""

    name: str
    d: int
    width: int
    depth: int
    sigma: float
    init_scale: float
    instances: int
    seeds: tuple[int, ...]
    thetas_deg: tuple[float, ...]
    gammas: tuple[float, ...]
    ridge: tuple[float, ...]
    phase_lambda: float
    feature_rank_tol: float
    fine_tune_rank_one: bool
    slices_deg: tuple[float, ...]
    ridge_figure_gamma: float
    ridge_figure_theta_deg: float
    weight_decays: tuple[float, ...]
    source_gamma: float | None
    source_sigma: float
    tol: float
    max_steps: int
    lr_scale: float
    grad_weight: float
    scratch_grad_weight: float

    def n_of(self, gamma: float) -> int:
        """Number of target samples ``round(gamma d)``."""
        return int(round(float(gamma) * self.d))

    def train_spec(self, scratch: bool = False) -> dict:
        """GD settings of a trained procedure; the scratch baseline's with its own gradient-norm weight."""
        return {"tol": self.tol, "max_steps": self.max_steps, "lr_scale": self.lr_scale,
                "grad_weight": self.scratch_grad_weight if scratch else self.grad_weight}


def experiment_errors(name: str, e: dict) -> list[str]:
    errs = []
    key = f"experiments.{name}"
    for i, th in enumerate(e["theta_deg"]):
        if not 0.0 <= th <= 180.0:
            errs.append(f"config key '{key}.theta_deg[{i}]': {th} is outside [0, 180] degrees")
    ns = {}
    for i, g in enumerate(e["gamma"]):
        if g <= 0:
            errs.append(f"config key '{key}.gamma[{i}]': {g} must be > 0")
            continue
        n = int(round(g * e["d"]))
        if n < 3:
            errs.append(f"config key '{key}.gamma[{i}]': {g} gives n = round(gamma*d) = {n}; need n >= 3")
        if n in ns:
            errs.append(f"config key '{key}.gamma': {ns[n]} and {g} both give n = {n} at d = {e['d']}")
        ns[n] = g
    for i, lam in enumerate(e["ridge"]):
        if lam < 0:
            errs.append(f"config key '{key}.ridge[{i}]': {lam} must be >= 0")
    if 0.0 not in [float(x) for x in e["scratch_weight_decay"]]:
        errs.append(f"config key '{key}.scratch_weight_decay': must include 0 (the untuned baseline)")
    for i, wd in enumerate(e["scratch_weight_decay"]):
        if wd < 0:
            errs.append(f"config key '{key}.scratch_weight_decay[{i}]': {wd} must be >= 0")
    gs = e["source"]["gamma"]
    if gs is not None and int(round(gs * e["d"])) < 1:
        errs.append(f"config key '{key}.source.gamma': {gs} gives n_s = round(gamma_s*d) < 1")
    if e["phase_lambda"] not in e["ridge"]:
        errs.append(f"config key '{key}.phase_lambda': {e['phase_lambda']} is not one of ridge {e['ridge']}")
    for list_key in ("theta_deg", "gamma", "ridge", "scratch_weight_decay"):
        texts = [fmt(v) for v in e[list_key]]
        dup = {t for t in texts if texts.count(t) > 1}
        if dup:
            errs.append(f"config key '{key}.{list_key}': values {sorted(dup)} coincide after rounding to 9 decimals")
    return errs


def experiments(cfg: dict) -> list[Experiment]:
    """The experiments to build (those in ``run``, or all), from a validated config."""
    names = selected(cfg)
    out = []
    for name in names:
        e = cfg["experiments"][name]
        out.append(
            Experiment(
                name=name,
                d=int(e["d"]),
                width=int(e["width"]) if e["width"] is not None else int(e["d"]),
                depth=int(e["depth"]),
                sigma=float(e["sigma"]),
                init_scale=float(e["init_scale"]),
                instances=int(e["instances"]),
                seeds=tuple(int(s) for s in e["seeds"]),
                thetas_deg=tuple(float(x) for x in e["theta_deg"]),
                gammas=tuple(float(x) for x in e["gamma"]),
                ridge=tuple(float(x) for x in e["ridge"]),
                phase_lambda=float(e["phase_lambda"]),
                feature_rank_tol=float(e["feature_rank_tol"]),
                fine_tune_rank_one=bool(e["fine_tune_rank_one"]),
                slices_deg=tuple(float(x) for x in e["slices_deg"]),
                ridge_figure_gamma=float(e["ridge_figure"]["gamma"]),
                ridge_figure_theta_deg=float(e["ridge_figure"]["theta_deg"]),
                weight_decays=tuple(float(x) for x in e["scratch_weight_decay"]),
                source_gamma=None if e["source"]["gamma"] is None else float(e["source"]["gamma"]),
                source_sigma=float(e["source"]["sigma"]),
                tol=float(e["train"]["tol"]),
                max_steps=int(e["train"]["max_steps"]),
                lr_scale=float(e["train"]["lr_scale"]),
                grad_weight=float(e["train"]["grad_weight"]),
                scratch_grad_weight=float(e["train"]["scratch_grad_weight"]),
            )
        )
    return out
