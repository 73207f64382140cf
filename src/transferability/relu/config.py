"""The ReLU study's config section (the optional top-level ``relu`` block) as a typed record, with checks."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.canonical import fmt

__all__ = ["ReluConfig", "relu_errors", "relu_config"]


@dataclass(frozen=True)
class ReluConfig:
    """The validated ``relu`` block. ``mus`` are fractions of teacher neurons removed; ``ns`` sample counts."""

    d: int
    m_star: int
    teacher_output: str
    width: int
    sigma: float
    init_scale: float
    instances: int
    seeds: tuple[int, ...]
    mus: tuple[float, ...]
    ns: tuple[int, ...]
    ridge: tuple[float, ...]
    feature_rank_tol: float
    phase_lambda: float
    pretrain: dict
    train: dict
    kernel_points: int
    kernel_figure_mu: float


def relu_errors(r: dict) -> list[str]:
    errs = []
    for i, mu in enumerate(r["mu"]):
        if not 0.0 <= mu < 1.0:
            errs.append(f"config key 'relu.mu[{i}]': {mu} is outside [0, 1)")
        elif int(round((1.0 - mu) * r["m_star"])) < 1:
            errs.append(f"config key 'relu.mu[{i}]': {mu} leaves no source neuron of m_star = {r['m_star']}")
    texts = [fmt(v) for v in r["mu"]]
    if len(set(texts)) < len(texts):
        errs.append("config key 'relu.mu': values coincide after rounding to 9 decimals")
    if r["phase_lambda"] not in r["ridge"]:
        errs.append(f"config key 'relu.phase_lambda': {r['phase_lambda']} is not one of ridge {r['ridge']}")
    if r["kernel_figure_mu"] not in r["mu"]:
        errs.append(f"config key 'relu.kernel_figure_mu': {r['kernel_figure_mu']} is not one of mu {r['mu']}")
    if len(r["n"]) < 3:
        errs.append("config key 'relu.n': need at least 3 sample sizes for the power-law fit of the scratch risk")
    if r["teacher_output"] == "zero_mean" and r["m_star"] % 2:
        errs.append(f"config key 'relu.teacher_output': zero_mean needs an even m_star (got {r['m_star']}), "
                    "or the teacher keeps a constant part")
    for block in ("pretrain", "train"):
        if r[block]["lr_max"] < r[block]["lr"]:
            errs.append(f"config key 'relu.{block}.lr_max': {r[block]['lr_max']} is below lr = {r[block]['lr']}")
    return errs


def _settings(block: dict) -> dict:
    kinds = {"max_steps": int, "float32_while_capped": bool}
    return {k: kinds.get(k, float)(v) for k, v in sorted(block.items())}


def relu_config(r: dict) -> ReluConfig:
    """Typed record of a validated ``relu`` block (or of its JSON record)."""
    return ReluConfig(
        d=int(r["d"]), m_star=int(r["m_star"]), teacher_output=str(r["teacher_output"]), width=int(r["width"]),
        sigma=float(r["sigma"]),
        init_scale=float(r["init_scale"]), instances=int(r["instances"]), seeds=tuple(int(s) for s in r["seeds"]),
        mus=tuple(float(x) for x in r["mu"]), ns=tuple(int(x) for x in r["n"]),
        ridge=tuple(float(x) for x in r["ridge"]), feature_rank_tol=float(r["feature_rank_tol"]),
        phase_lambda=float(r["phase_lambda"]),
        pretrain=_settings(r["pretrain"]), train=_settings(r["train"]),
        kernel_points=int(r["kernel_points"]), kernel_figure_mu=float(r["kernel_figure_mu"]),
    )
