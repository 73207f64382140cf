"""One function per job kind: spec + input arrays -> output arrays. No file or config I/O here.

Shapes: ``B`` instances, ``d`` inputs, ``r = min(n, d)``, ``K`` ridge strengths, ``L`` depth.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from . import procedures
from .models import feature_map, pretrain_diagnostics, rank_one_chain
from .tasks import Design, make_design, make_tasks, target_task
from .training import GDSettings

__all__ = ["COMPUTE", "significant_features"]

Arrays = dict[str, np.ndarray]


def _settings(spec: dict) -> GDSettings:
    return GDSettings(**spec["train"])


def _layers(arrays: Arrays, prefix: str) -> list[np.ndarray]:
    keys = sorted((k for k in arrays if k.startswith(prefix)), key=lambda k: int(k[len(prefix):]))
    return [arrays[k] for k in keys]


def _design(arrays: Arrays, spec: dict) -> Design:
    return Design(n=spec["n"], s=arrays["s"], V=arrays["V"], e=arrays["e"], resid=arrays["resid"])


def significant_features(layers: list[np.ndarray], rank_tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Feature directions of ``W_1...W_{L-1}`` above ``rank_tol`` times the top singular value.

    Returns:
        ``features (B, d, k_max)`` = left singular vectors times singular values (zero-padded) and ``rank (B,)``.
    """
    U, sv, _ = np.linalg.svd(feature_map(layers), full_matrices=False)
    rank = np.sum(sv > rank_tol * sv[:, :1], axis=1)
    kmax = int(rank.max())
    feats = U[:, :, :kmax] * sv[:, None, :kmax]
    for b, k in enumerate(rank):
        feats[b, :, k:] = 0.0
    return feats, rank


def compute_tasks(spec: dict, inputs: dict, log: Callable[[str], None]) -> Arrays:
    beta_s, nu = make_tasks(spec["d"], spec["instances"], spec["seed"])
    return {"beta_s": beta_s, "nu": nu}


def compute_design(spec: dict, inputs: dict, log: Callable[[str], None]) -> Arrays:
    D = make_design(spec["n"], spec["d"], spec["instances"], spec["seed"])
    return {"s": D.s, "V": D.V, "e": D.e, "resid": D.resid}


def compute_pretrain(spec: dict, inputs: dict, log: Callable[[str], None]) -> Arrays:
    beta_s = inputs["tasks"]["beta_s"]
    B, d = beta_s.shape
    if spec["source_n"] is None:
        layers, res = procedures.pretrain_population(
            beta_s, spec["width"], spec["depth"], spec["init_scale"], spec["seed"], _settings(spec),
            label="pretrain", progress=log,
        )
    else:
        # The source design has its own stream (role "source_design"), independent of every target design.
        src = make_design(spec["source_n"], d, B, spec["seed"], role="source_design")
        layers, res = procedures.pretrain_finite(
            beta_s, src, spec["source_sigma"], spec["width"], spec["depth"], spec["init_scale"], spec["seed"],
            _settings(spec), label=f"pretrain n_s={spec['source_n']}", progress=log,
        )
    feats, rank = significant_features(layers, spec["feature_rank_tol"])
    out = {f"layer{l}": W for l, W in enumerate(layers)}
    out.update({f"chain{l}": W for l, W in enumerate(rank_one_chain(layers))})
    out.update(features=feats, feature_rank=rank, steps=res.steps, converged=res.converged, loss=res.loss)
    out.update(pretrain_diagnostics(layers, beta_s))
    return out


def compute_scratch(spec: dict, inputs: dict, log: Callable[[str], None]) -> Arrays:
    design = _design(inputs["design"], spec["inputs"]["design"])
    beta_t = inputs["tasks"]["beta_s"]  # scratch risk is theta-independent; train on the theta = 0 target
    out = procedures.scratch(
        design, beta_t, spec["sigma"], spec["width"], spec["depth"], spec["init_scale"], spec["seed"],
        _settings(spec), weight_decays=spec["weight_decays"], label=f"scratch n={design.n}", progress=log,
    )
    if out.risk.ndim == 1:  # always store (B, K) with K weight decays
        out = procedures.TrainOutcome(*(x[:, None] for x in (out.beta_hat, out.risk, out.train_loss, out.steps,
                                                              out.converged)))
    return {"risk": out.risk, "train_loss": out.train_loss, "steps": out.steps, "converged": out.converged}


def compute_cell(spec: dict, inputs: dict, log: Callable[[str], None]) -> Arrays:
    design = _design(inputs["design"], spec["inputs"]["design"])
    tasks, pre = inputs["tasks"], inputs["pretrain"]
    beta_t = target_task(tasks["beta_s"], tasks["nu"], np.deg2rad(spec["theta_deg"]))
    label = f"cell theta={spec['theta_deg']}deg n={design.n}"
    start = _layers(pre, "chain") if spec["fine_tune_rank_one"] else _layers(pre, "layer")
    ft = procedures.fine_tune(start, design, beta_t, spec["sigma"], _settings(spec), reduce=False,
                              label=label, progress=log)
    lt = procedures.linear_transfer(
        pre["features"], pre["feature_rank"], design, beta_t, spec["sigma"], np.array(spec["ridge"])
    )
    return {
        "ft_risk": ft.risk, "ft_train_loss": ft.train_loss, "ft_steps": ft.steps, "ft_converged": ft.converged,
        "lt_risk": lt["risk"], "lt_train_loss": lt["train_loss"], "feature_rank": pre["feature_rank"],
    }


COMPUTE: dict[str, Callable[[dict, dict, Callable[[str], None]], Arrays]] = {
    "tasks": compute_tasks,
    "design": compute_design,
    "pretrain": compute_pretrain,
    "scratch": compute_scratch,
    "cell": compute_cell,
}
