"""The linear study behind the study interface: experiments over (theta, gamma), per-job files and tables.

Per experiment ``E`` and seed: ``tasks`` and ``pretrain``; per gamma: ``design``, ``scratch`` and
``linear_transfer`` (every angle and ridge value at once: milliseconds per cell); per (theta, gamma):
``fine_tune``, one file per cell, made by one job per gamma row for all its angles at once (a batched kind: it
recomputes only its missing or stale files, so a new angle computes only its own cells). Designs stay one job
per gamma: at d = 500 one takes 0.5-2 s, and the scratch and transfer jobs of a gamma start as soon as its
design exists. The two transfer methods are separate jobs, so a new ridge value never
reruns fine-tuning.
"""

from __future__ import annotations

import math
import re

from ..core.canonical import NUMBER_REGEX, canonical, fmt
from ..core.selection import block_selected
from ..core.study import Job, JobKind, Study
from .config import Experiment, experiment_errors, experiments, selected

__all__ = ["LinearStudy", "FIGURES", "FIGURE_TABLES", "CROSS_FIGURES", "DISTANCE_FIGURES", "TABLES",
           "REPORT_TABLES"]

_K = "transferability.linear.jobs."
_CELL = "theta{theta}_gamma{gamma}_seed{seed}.npz"

# Per-experiment tables written by the aggregation job, and figures (one job draws an experiment's figures).
TABLES = ("runs", "cell_means", "agreement", "pretraining", "fine_tune_break_even")
# Tables small enough to read in the report, as HTML pages (runs and theory are linked there as CSV).
REPORT_TABLES = ("agreement", "fine_tune_break_even", "cell_means", "pretraining")
FIGURES = ("phase_linear_transfer", "phase_fine_tune", "slices", "scratch", "ridge", "pretraining",
           "phase_linear_transfer_tuned", "fine_tune_theta", "agreement_z")
# The tables each figure job reads, and nothing else (runs.csv is large).
FIGURE_TABLES = {name: ("cell_means", "theory") for name in FIGURES}
FIGURE_TABLES.update(ridge=("runs", "ridge_curve"), pretraining=("pretraining",),
                     agreement_z=("cell_means", "agreement"))
CROSS_FIGURES = ("scratch_double_descent", "overview")
DISTANCE_FIGURES = ("T_vs_kl", "T_vs_w1", "fixed_pair")


def _record(e: Experiment) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in e.__dict__.items()}


def _steps_shape(gamma: float) -> float:
    return min(abs(1.0 - math.sqrt(gamma)) ** -1.5 if gamma != 1.0 else math.inf, 200.0)


# its mean over the default grid gamma = 0.1, ..., 2.0
_STEPS_SHAPE_MEAN = sum(_steps_shape(g / 10) for g in range(1, 21)) / 20


def near_one(gamma: float) -> float:
    """How a target run's cost grows near gamma = 1, where ``X^T X`` is ill-conditioned and GD slow:
    ``|1 - sqrt(gamma)|^-1.5`` (capped at 200, where the step budget and the early stops take over), relative to
    its mean over gamma = 0.1, ..., 2.0. Fitted to the default run's scratch and fine-tuning job times: within a
    factor of 2.5 at every gamma but 1 itself."""
    return _steps_shape(gamma) / _STEPS_SHAPE_MEAN


class LinearStudy(Study):
    name = "linear"
    kinds = {
        "tasks": JobKind("tasks", _K + "tasks", "{exp}/tasks/seed{seed}.npz"),
        "design": JobKind("design", _K + "design", "{exp}/design/gamma{gamma}_seed{seed}.npz", group="baselines"),
        "pretrain": JobKind("pretrain", _K + "pretrain", "{exp}/pretrain/seed{seed}.npz"),
        "scratch": JobKind("scratch", _K + "scratch", "{exp}/scratch/gamma{gamma}_seed{seed}.npz", group="baselines"),
        "linear_transfer": JobKind("linear_transfer", _K + "linear_transfer",
                                   "{exp}/linear_transfer/gamma{gamma}_seed{seed}.npz", group="baselines"),
        "fine_tune": JobKind("fine_tune", _K + "fine_tune", "{exp}/fine_tune/" + _CELL, group="cells", batch="theta",
                             batch_pattern="{exp}/fine_tune/gamma{gamma}_seed{seed}.npz"),
    }

    cell_axes = ("theta", "gamma", "seed")

    def __init__(self, section: dict, results: str, versions: dict[str, str] | None = None):
        super().__init__(section, results, versions)
        self.experiments = {
            rec["name"]: Experiment(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in rec.items()})
            for rec in section["experiments"]
        }
        self.distances = canonical(section["distances"]) if section.get("distances") else None

    # ---- config ----
    @staticmethod
    def section_of(cfg: dict):
        if not selected(cfg):
            return None
        distances = cfg["distances"] if block_selected(cfg, "distances") else None
        return {"experiments": [_record(e) for e in experiments(cfg)], "distances": distances}

    @staticmethod
    def errors(cfg: dict) -> list[str]:
        errors = []
        for name, e in cfg.get("experiments", {}).items():
            errors += experiment_errors(name, e)
        dist = cfg.get("distances") if block_selected(cfg, "distances") else None
        if dist is not None:
            if dist["experiment"] not in cfg.get("experiments", {}):
                errors.append(f"config key 'distances.experiment': no experiment named {dist['experiment']!r}")
            elif dist["experiment"] not in selected(cfg):
                errors.append(f"config key 'distances.experiment': {dist['experiment']!r} is not in run (the "
                              "distance study reuses its cells: add it to run, or drop 'distances' from run)")
            elif not cfg["experiments"][dist["experiment"]].get("sigma", 0) > 0:
                errors.append(f"config key 'distances.experiment': {dist['experiment']!r} has sigma = 0, where the "
                              "KL divergence between tasks is infinite; choose an experiment with sigma > 0")
            for i, th in enumerate(dist["sweep_deg"]):
                if not 0.0 <= th <= 180.0:
                    errors.append(f"config key 'distances.sweep_deg[{i}]': {th} is outside [0, 180] degrees")
        return errors

    def wildcard_constraints(self) -> dict[str, str]:
        return {"exp": "|".join(re.escape(n) for n in self.experiments), "theta": NUMBER_REGEX,
                "gamma": NUMBER_REGEX, "seed": "[0-9]+"}

    # ---- jobs ----
    def jobs(self) -> list[Job]:
        out = []
        for e in self.experiments.values():
            for s in e.seeds:
                out += [self.job("tasks", exp=e.name, seed=s), self.job("pretrain", exp=e.name, seed=s)]
                for g in e.gammas:
                    out += [self.job(k, exp=e.name, gamma=fmt(g), seed=s)
                            for k in ("design", "scratch", "linear_transfer")]
                    out += [self.job("fine_tune", exp=e.name, theta=fmt(th), gamma=fmt(g), seed=s)
                            for th in e.thetas_deg]
        return out

    def batch_groups(self, kind: str) -> list[tuple[dict[str, str], list[str]]]:
        if kind != "fine_tune":
            return super().batch_groups(kind)
        return [({"exp": e.name}, [fmt(th) for th in e.thetas_deg]) for e in self.experiments.values()]

    def inputs(self, kind: str, wc: dict) -> dict[str, Job]:
        exp, seed = wc["exp"], wc["seed"]
        tasks = self.job("tasks", exp=exp, seed=seed)
        if kind in ("tasks", "design"):
            return {}
        if kind == "pretrain":
            return {"tasks": tasks}
        design = self.job("design", exp=exp, gamma=wc["gamma"], seed=seed)
        if kind == "scratch":
            return {"tasks": tasks, "design": design}
        return {"tasks": tasks, "pretrain": self.job("pretrain", exp=exp, seed=seed), "design": design}

    def cell_files(self, wc: dict) -> list[Job]:
        return [self.job("fine_tune", **wc), self.job("linear_transfer", exp=wc["exp"], gamma=wc["gamma"],
                                                     seed=wc["seed"])]

    def values(self, kind: str, wc: dict) -> dict:
        e, seed = self.experiments[wc["exp"]], int(wc["seed"])
        if kind == "tasks":
            return {"d": e.d, "instances": e.instances, "seed": seed}
        if kind == "design":
            return {"n": e.n_of(float(wc["gamma"])), "d": e.d, "instances": e.instances, "seed": seed}
        net = {"width": e.width, "depth": e.depth, "init_scale": e.init_scale}
        if kind == "pretrain":
            return {**net, "feature_rank_tol": e.feature_rank_tol, "source_sigma": e.source_sigma, "seed": seed,
                    "source_n": None if e.source_gamma is None else e.n_of(e.source_gamma), "train": e.train_spec()}
        if kind == "scratch":
            return {**net, "sigma": e.sigma, "weight_decays": list(e.weight_decays),
                    "train": e.train_spec(scratch=True), "seed": seed}
        if kind == "linear_transfer":
            return {"thetas_deg": list(e.thetas_deg), "sigma": e.sigma, "ridge": list(e.ridge)}
        if kind == "fine_tune":
            return {"theta_deg": float(wc["theta"]), "sigma": e.sigma, "fine_tune_rank_one": e.fine_tune_rank_one,
                    "train": e.train_spec()}
        raise KeyError(f"unknown job kind {kind!r} of the linear study")

    def peak_bytes(self, kind: str, wc: dict) -> int:
        """Peak memory a job allocates, as copies of its arrays plus 2 MiB of file buffers.

        ``net`` is one float64 copy of every instance's weights (d w + (L - 2) w^2 + w each), ``design`` the
        target designs in SVD form (d min(n, d) per instance) plus one instance's n x d sample and its SVD.
        The copy counts bound the traced peaks of every job kind (``tests/test_capacity.py``).
        """
        e = self.experiments[wc["exp"]]
        B, d, w, K, T = e.instances, e.d, e.width, len(e.weight_decays), len(e.thetas_deg)
        n = e.n_of(float(wc["gamma"])) if "gamma" in wc else d
        net = 8 * B * (d * w + max(e.depth - 2, 0) * w * w + w)
        r = min(n, d)
        design = 8 * (B * d * r + 4 * n * d)
        angles = 8 * B * T * len(e.ridge) * 2
        # fine-tuning trains every angle of the row at once: the trained part of the network (row-space
        # coordinates of the first layer, the rest) and the targets, for T x B instances
        trained = 8 * T * B * ((r + 4) * (1 if e.fine_tune_rank_one else w) + max(e.depth - 2, 0) * w * w)
        return 2**21 + {"tasks": 8 * 8 * B * d, "design": 3 * design, "pretrain": 14 * net,
                        "scratch": (4 + 4 * K) * net + 3 * design, "linear_transfer": 4 * net + 3 * design + angles,
                        "fine_tune": 4 * net + 3 * design + 8 * trained}[kind]

    # mean seconds per file of the default config (d = width = 100, 40 instances, 2 cores, 2026-12-01; fine-tuning:
    # a gamma row's job over its cells)
    _PRIOR = {"tasks": 0.1, "pretrain": 1.2, "design": 0.15, "scratch": 1.4, "linear_transfer": 0.17,
              "fine_tune": 0.07}

    def prior_seconds(self, kind: str, wc: dict) -> float:
        e = self.experiments[wc["exp"]]
        full = e.instances * e.d * e.width * max(e.depth - 1, 1) / (40 * 100 * 100)  # full-width training
        thin = e.instances * e.d / (40 * 100)  # designs, readouts, rank-one fine-tuning
        scale = {"pretrain": full, "scratch": full * len(e.weight_decays)}.get(kind, thin)
        if kind in ("scratch", "fine_tune"):
            scale *= near_one(float(wc["gamma"]))
        return self._PRIOR[kind] * scale

    def resources(self, kind: str, wc: dict, attempt: int) -> dict[str, int]:
        """``peak_bytes`` plus 400 MiB for the interpreter and BLAS, and minutes from max_steps x size; both
        doubled per retry. For fine-tuning, ``wc`` names a batch job (a gamma row, without theta)."""
        e = self.experiments[wc["exp"]]
        weight = {"tasks": 0, "design": 0, "pretrain": 5, "scratch": 5 * len(e.weight_decays), "linear_transfer": 0,
                  "fine_tune": len(e.thetas_deg)}[kind]  # a fine-tuning job is a row of cells
        work = e.max_steps * e.instances * e.d * e.width * e.depth / 1e9
        return {"mem_mb": self.memory_mb(kind, wc, attempt), "runtime": int((5 + weight * work / 60) * attempt)}

    def size_keys(self, wc: dict) -> list[str]:
        e = self.experiments[wc["exp"]]
        keys = ["d", "width", "instances"]
        if len(e.weight_decays) > 1:
            keys.append("scratch_weight_decay")
        return [f"experiments.{wc['exp']}.{k}" for k in keys]

    def summary(self) -> list[str]:
        import pandas as pd

        from ..core.tables import convergence_summary

        out = []
        for name in self.experiments:
            try:
                means = pd.read_csv(f"{self.results}/{name}/cell_means.csv")
                agree = pd.read_csv(f"{self.results}/{name}/agreement.csv")
            except FileNotFoundError:
                continue
            line = convergence_summary(name, means[means.method != "scratch_tuned"])
            t = agree[(agree.theory == "exact") & (agree.quantity == "T")]
            if len(t):
                line += "; T against theory (pooled test): " + ", ".join(
                    f"{r.method} p = {r.p_value:.2g} (power {r.power_1se:.2f} against a 1-s.e. bias; {r.within_3se:.0%}"
                    f" of {r.cells} cells within 3 s.e.)" for r in t.itertuples())
            out.append(line)
        return out

    def restrict(self, name: str) -> "LinearStudy":
        """The same study with one experiment (what that experiment's tables depend on)."""
        section = {"experiments": [r for r in self.section["experiments"] if r["name"] == name], "distances": None}
        return LinearStudy(section, self.results, self.versions)

    def experiment_record(self, name: str) -> dict:
        """Canonical record of one experiment (round-trips through ``Experiment(**record)`` with tuples)."""
        return canonical(_record(self.experiments[name]))

    def theory_settings(self, name: str) -> dict:
        """What an experiment's theory grid depends on: size, depth, noise, source, and the extent of its grid."""
        e = self.experiments[name]
        return canonical({"d": e.d, "depth": e.depth, "sigma": e.sigma, "theta_max_deg": max(90.0, max(e.thetas_deg)),
                          "gamma_max": max(2.0, max(e.gammas)), "source_gamma": e.source_gamma,
                          "source_sigma": e.source_sigma})

    def figure_settings(self, name: str) -> dict:
        """The config values an experiment's figures use beyond its tables."""
        e = self.experiments[name]
        return {"name": name, "slices_deg": list(e.slices_deg), "phase_lambda": e.phase_lambda,
                "ridge_theta_deg": e.ridge_figure_theta_deg, "ridge_gamma": e.ridge_figure_gamma}

    # ---- products ----
    def tables(self) -> list[str]:
        out = [f"{self.results}/{n}/{t}.csv" for n in self.experiments for t in (*TABLES, "theory")]
        out.append(f"{self.results}/agreement.csv")
        if self.distances:
            out.append(f"{self.results}/distances/distances.csv")
        return out

    def report_tables(self) -> list[str]:
        out = [f"{self.results}/{n}/report/{t}.html" for n in self.experiments for t in REPORT_TABLES]
        out.append(f"{self.results}/report/agreement.html")
        if self.distances:
            out.append(f"{self.results}/distances/report/distances.html")
        return out

    def experiment_figures(self, name: str) -> list[str]:
        """An experiment's figures; the tuned-baseline diagram only when it has a weight-decay list to tune over
        (with one weight decay its two panels would be the same)."""
        tuned = len(self.experiments[name].weight_decays) > 1
        return [f for f in FIGURES if tuned or f != "phase_linear_transfer_tuned"]

    def figure_rule(self, name: str) -> str:
        """The rule that draws an experiment's figures (one job per experiment)."""
        return "linear_figures_" + re.sub(r"\W", "_", name)

    def figures(self) -> list[str]:
        out = [f"{self.results}/{n}/figures/{f}.png" for n in self.experiments for f in self.experiment_figures(n)]
        out += [f"{self.results}/figures/{f}.png" for f in CROSS_FIGURES]
        if self.distances:
            out += [f"{self.results}/distances/{f}.png" for f in DISTANCE_FIGURES]
        return out
