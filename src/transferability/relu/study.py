"""The ReLU study behind the study interface: per-job files over (mu, n, seed) and their tables.

Per (mu, seed): ``pretrain`` and ``linear_transfer`` (every n and ridge readout at once, with the readout's
n -> infinity limit, which does not depend on n); per (n, seed): ``scratch``; per (mu, n, seed): ``fine_tune``.
The two transfer methods are separate jobs, so a new ridge value never reruns fine-tuning. Everything lives
under ``<results>/relu/``.
"""

from __future__ import annotations

from ..core.canonical import NUMBER_REGEX, fmt
from ..core.selection import block_selected
from ..core.study import Job, JobKind, Study
from .config import relu_config, relu_errors

__all__ = ["ReluStudy", "TABLES", "FIGURES", "REPORT_TABLES"]

_K = "transferability.relu.jobs."
TABLES = ("runs", "means", "fit", "theory", "pretraining", "scratch", "gram")
# Tables small enough to read in the report, as HTML pages (runs and gram are linked there as CSV).
REPORT_TABLES = ("theory", "fit", "means", "scratch", "pretraining")
FIGURES = ("phase_linear_transfer", "phase_fine_tune", "scratch_power_law", "p_perp", "degrees", "kernels")


class ReluStudy(Study):
    name = "relu"
    kinds = {
        "pretrain": JobKind("pretrain", _K + "pretrain", "relu/pretrain/mu{mu}_seed{seed}.npz"),
        "scratch": JobKind("scratch", _K + "scratch", "relu/scratch/n{n}_seed{seed}.npz"),
        "linear_transfer": JobKind("linear_transfer", _K + "linear_transfer", "relu/linear_transfer/mu{mu}_seed{seed}.npz"),
        "fine_tune": JobKind("fine_tune", _K + "fine_tune", "relu/fine_tune/mu{mu}_n{n}_seed{seed}.npz"),
    }

    cell_axes = ("mu", "n", "seed")

    def __init__(self, section: dict, results: str, versions: dict[str, str] | None = None):
        super().__init__(section, results, versions)
        self.cfg = relu_config(section)

    @staticmethod
    def section_of(cfg: dict):
        if not block_selected(cfg, "relu"):
            return None
        r = cfg["relu"]
        c = relu_config(r)  # typed: the same numbers always give the same record
        rec = {k: (list(v) if isinstance(v, tuple) else v) for k, v in c.__dict__.items()}
        rec["mu"], rec["n"] = rec.pop("mus"), rec.pop("ns")
        return rec

    @staticmethod
    def errors(cfg: dict) -> list[str]:
        return relu_errors(cfg["relu"]) if cfg.get("relu") is not None else []

    def wildcard_constraints(self) -> dict[str, str]:
        return {"mu": NUMBER_REGEX, "n": "[0-9]+", "seed": "[0-9]+"}

    def jobs(self) -> list[Job]:
        r, out = self.cfg, []
        for s in r.seeds:
            out += [self.job(k, mu=fmt(mu), seed=s) for k in ("pretrain", "linear_transfer") for mu in r.mus]
            for n in r.ns:
                out.append(self.job("scratch", n=n, seed=s))
                out += [self.job("fine_tune", mu=fmt(mu), n=n, seed=s) for mu in r.mus]
        return out

    def inputs(self, kind: str, wc: dict) -> dict[str, Job]:
        if kind in ("linear_transfer", "fine_tune"):
            return {"pretrain": self.job("pretrain", mu=wc["mu"], seed=wc["seed"])}
        return {}

    def cell_files(self, wc: dict) -> list[Job]:
        return [self.job("fine_tune", **wc), self.job("linear_transfer", mu=wc["mu"], seed=wc["seed"])]

    def values(self, kind: str, wc: dict) -> dict:
        r, seed = self.cfg, int(wc["seed"])
        model = {"d": r.d, "m_star": r.m_star, "teacher_output": r.teacher_output, "width": r.width,
                 "init_scale": r.init_scale, "instances": r.instances, "seed": seed}
        if kind == "pretrain":
            return {**model, "mu": float(wc["mu"]), "pretrain": dict(r.pretrain), "kernel_points": r.kernel_points}
        if kind == "linear_transfer":
            return {**model, "ns": list(r.ns), "sigma": r.sigma, "mu": float(wc["mu"]), "ridge": list(r.ridge),
                    "feature_rank_tol": r.feature_rank_tol}
        target = {**model, "n": int(wc["n"]), "sigma": r.sigma}
        if kind == "scratch":
            return {**target, "train": dict(r.train)}
        if kind == "fine_tune":
            return {**target, "mu": float(wc["mu"]), "train": dict(r.train)}
        raise KeyError(f"unknown job kind {kind!r} of the ReLU study")

    def peak_bytes(self, kind: str, wc: dict) -> int:
        """Peak memory a job allocates: 8 float64 copies of the (n or probe points) x width activations, the
        width^2 Gram matrices and every instance's hidden layer, plus 2 MiB of file buffers (bounds the traced
        peaks, ``tests/test_capacity.py``)."""
        r = self.cfg
        rows = max(r.ns + (r.kernel_points,))
        return 2**21 + 8 * 8 * (rows * r.width + r.width**2 + r.instances * r.width * r.d)

    # mean job seconds of the default config (d = 20, width 200, 6 instances, n up to 320; 2 cores, 2026-12-01,
    # float32 while capped), over the mean of the n scale below (1.1) for the target runs
    _PRIOR = {"pretrain": 4.2, "scratch": 0.61, "linear_transfer": 0.24, "fine_tune": 0.63}
    # Pretraining's steps grow with the size too: one instance took 2.5 s at width x d = 200 x 20 (the default)
    # and 330 s (11,664 steps) at 1000 x 100 (the paper's), so its cost goes as (width x d)^1.51.
    _PRETRAIN_EXPONENT = 1.51

    def prior_seconds(self, kind: str, wc: dict) -> float:
        r = self.cfg
        size = r.width * r.d / (200 * 20)
        scale = r.instances / 6 * size ** (self._PRETRAIN_EXPONENT if kind == "pretrain" else 1.0)
        if kind in ("scratch", "fine_tune"):
            scale *= max(float(wc.get("n", 80)), r.width) / 200  # sample steps cost n x width
        return self._PRIOR[kind] * scale

    def resources(self, kind: str, wc: dict, attempt: int) -> dict[str, int]:
        """Memory: ``peak_bytes`` plus 400 MiB for the interpreter and BLAS. Minutes: 5 plus 3 times the cost
        model's estimate (``prior_seconds``, measured at the default and the paper's size; at the paper's size it
        over-estimates the target runs, which need far fewer steps there, by 10x or more). Both doubled per
        retry."""
        minutes = 5 + 3 * self.prior_seconds(kind, wc) / 60
        return {"mem_mb": self.memory_mb(kind, wc, attempt), "runtime": int(minutes * 2 ** (attempt - 1))}

    def summary(self) -> list[str]:
        import pandas as pd

        from ..core.tables import convergence_summary

        try:
            means = pd.read_csv(f"{self.results}/relu/means.csv")
            scratch = pd.read_csv(f"{self.results}/relu/scratch.csv")
            pre = pd.read_csv(f"{self.results}/relu/pretraining.csv")
        except FileNotFoundError:
            return []
        return [convergence_summary("relu", means) + f" (scratch runs not converged: "
                f"{int((~scratch.converged.astype(bool)).sum())} of {len(scratch)}; pretrainings: "
                f"{int((~pre.converged.astype(bool)).sum())} of {len(pre)})"]

    def size_keys(self, wc: dict) -> list[str]:
        return [f"relu.{k}" for k in ("d", "width", "n", "instances", "kernel_points")]

    def figure_settings(self) -> dict:
        """The config values the figures use beyond the tables."""
        r = self.cfg
        return {"d": r.d, "m_star": r.m_star, "width": r.width, "phase_lambda": r.phase_lambda,
                "kernel_figure_mu": r.kernel_figure_mu}

    def tables(self) -> list[str]:
        return [f"{self.results}/relu/{t}.csv" for t in TABLES]

    def report_tables(self) -> list[str]:
        return [f"{self.results}/relu/report/{t}.html" for t in REPORT_TABLES]

    def figures(self) -> list[str]:
        return [f"{self.results}/relu/figures/{f}.png" for f in FIGURES]
