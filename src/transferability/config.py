"""Configuration: validation with clear messages, defaults, canonical names, and per-job specs.

This is the only module that knows the config layout; the science modules take plain numbers.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

__all__ = [
    "ConfigError",
    "Experiment",
    "ReluStudy",
    "relu_study",
    "SCHEMA_PATH",
    "load_schema",
    "validate_config",
    "experiments",
    "fmt",
    "NUMBER_REGEX",
    "numerics_version",
]

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"
NUMBER_REGEX = r"[0-9]+(?:\.[0-9]+)?"
# Modules whose source determines the numbers in cell files; editing any of them invalidates cells.
NUMERICS_MODULES = ("seeding.py", "tasks.py", "models.py", "training.py", "procedures.py", "cells.py")
# The ReLU study (Section 4) has its own: editing it leaves the linear cells valid, and vice versa.
RELU_NUMERICS_MODULES = ("seeding.py", "relu.py", "relu_cells.py")


class ConfigError(ValueError):
    """A configuration problem; the message names every offending key."""


def fmt(x: float) -> str:
    """Canonical decimal text for a grid value: ``0.30000000000000004 -> '0.3'``, ``90.0 -> '90'``."""
    text = f"{round(float(x), 9):.9f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


_PINNED_VERSION: dict[str, str] = {}
_MODULES = {"linear": NUMERICS_MODULES, "relu": RELU_NUMERICS_MODULES}


def pin_numerics_version(version: str, kind: str = "linear") -> None:
    """Use ``version`` as this process's numerics version (the one the running workflow stamped on its cells)."""
    _PINNED_VERSION[kind] = version


def numerics_version(kind: str = "linear") -> str:
    """The numerics version of ``kind`` ('linear' or 'relu'): pinned, or the hash of the current sources."""
    return _PINNED_VERSION[kind] if kind in _PINNED_VERSION else _source_hash(_MODULES[kind])


@functools.cache
def _source_hash(modules: tuple[str, ...]) -> str:
    """Short hash of the numerical source code (``modules``), fixed for the life of the process.

    Fixing it at first use means a Snakemake run stamps every job with the code it started with, even if
    the sources are edited while it runs (the next run then recomputes the affected cells).
    """
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in modules:
        h.update(name.encode())
        h.update((here / name).read_bytes())
    return h.hexdigest()[:12]


def load_schema(path: Path | str = SCHEMA_PATH) -> dict:
    with open(path) as fh:
        return yaml.safe_load(fh)


def _resolve(schema: dict, root: dict) -> dict:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    node = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    merged = dict(node)
    merged.update({k: v for k, v in schema.items() if k != "$ref"})
    return merged


def _fill_defaults(value, schema: dict, root: dict):
    """Insert schema defaults for missing object properties, recursively."""
    schema = _resolve(schema, root)
    if not isinstance(value, dict):
        return value
    props = schema.get("properties", {})
    for key, sub in props.items():
        sub_r = _resolve(sub, root)
        if key not in value and "default" in sub_r:
            value[key] = copy.deepcopy(sub_r["default"])
        if key in value:
            value[key] = _fill_defaults(value[key], sub_r, root)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key in value:
            if key not in props:
                value[key] = _fill_defaults(value[key], extra, root)
    return value


def _path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "<top level>"


def _schema_errors(cfg: dict, schema: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    errors = []
    for err in sorted(validator.iter_errors(cfg), key=lambda e: list(map(str, e.absolute_path))):
        where = _path(err.absolute_path)
        if err.validator == "additionalProperties":
            known = set(err.schema.get("properties", {}))
            for key in sorted(k for k in err.instance if k not in known):
                errors.append(f"config key '{_path([*err.absolute_path, key])}': unknown key")
            continue
        if "propertyNames" in err.relative_schema_path:
            msg = f"experiment name {err.instance!r} is not a safe path component (letters, digits, _ . -)"
        elif err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            where, msg = _path([*err.absolute_path, missing]), "required key is missing"
        else:
            msg = err.message
        errors.append(f"config key '{where}': {msg}")
    return errors


def _finite_errors(value, parts=()) -> list[str]:
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in _finite_errors(v, (*parts, k))]
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _finite_errors(v, (*parts, i))]
    if isinstance(value, float) and not math.isfinite(value):
        return [f"config key '{_path(parts)}': {value} is not a finite number"]
    return []


@dataclass(frozen=True)
class Experiment:
    """One validated experiment. Angles in degrees; ``gammas`` as given; ``ns`` the matching sample sizes."""

    name: str
    kind: str
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

    def n_of(self, gamma: float) -> int:
        """Number of target samples ``round(gamma d)``."""
        return int(round(float(gamma) * self.d))

    def train_spec(self) -> dict:
        return {"tol": self.tol, "max_steps": self.max_steps, "lr_scale": self.lr_scale,
                "grad_weight": self.grad_weight}


def _semantic_errors(name: str, e: dict) -> list[str]:
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


def validate_config(raw: dict, schema: dict | None = None) -> dict:
    """Validate a raw config dict and return a copy with defaults filled in.

    Raises:
        ConfigError: listing every problem, each naming its key (for example ``experiments.a.d``).
    """
    if not isinstance(raw, dict):
        raise ConfigError(f"config must be a mapping, got {type(raw).__name__}")
    schema = schema or load_schema()
    cfg = copy.deepcopy(raw)
    errors = _schema_errors(cfg, schema) + _finite_errors(cfg)
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(errors))
    cfg = _fill_defaults(cfg, schema, schema)
    for name, e in cfg["experiments"].items():
        errors += _semantic_errors(name, e)
    dist = cfg.get("distances")
    if dist is not None:
        if dist["experiment"] not in cfg["experiments"]:
            errors.append(f"config key 'distances.experiment': no experiment named {dist['experiment']!r}")
        elif cfg.get("run") and dist["experiment"] not in cfg["run"]:
            errors.append(f"config key 'distances.experiment': {dist['experiment']!r} is not in run")
        for i, th in enumerate(dist["sweep_deg"]):
            if not 0.0 <= th <= 180.0:
                errors.append(f"config key 'distances.sweep_deg[{i}]': {th} is outside [0, 180] degrees")
    if cfg.get("relu") is not None:
        errors += _relu_errors(cfg["relu"])
    elif not cfg["experiments"]:
        errors.append("config key 'experiments': required (at least one experiment) unless a relu block is given")
    if "relu" in cfg["experiments"]:
        errors.append("config key 'experiments.relu': the name 'relu' is reserved for the ReLU study's results")
    for i, name in enumerate(cfg.get("run") or []):
        if name not in cfg["experiments"]:
            errors.append(f"config key 'run[{i}]': no experiment named {name!r}")
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(errors))
    return cfg


def experiments(cfg: dict) -> list[Experiment]:
    """The experiments to build (those in ``run``, or all), from a validated config."""
    names = cfg.get("run") or list(cfg["experiments"])
    out = []
    for name in names:
        e = cfg["experiments"][name]
        out.append(
            Experiment(
                name=name,
                kind=e["kind"],
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
            )
        )
    return out



# ---- per-job specs: the exact values a job's output depends on (also recorded in its file) ----


def tasks_spec(e: Experiment, seed: int) -> dict:
    return {"job": "tasks", "d": e.d, "instances": e.instances, "seed": seed, "numerics": numerics_version()}


def design_spec(e: Experiment, gamma: float, seed: int) -> dict:
    return {
        "job": "design",
        "n": e.n_of(gamma),
        "d": e.d,
        "instances": e.instances,
        "seed": seed,
        "numerics": numerics_version(),
    }


def pretrain_spec(e: Experiment, seed: int) -> dict:
    return {
        "job": "pretrain",
        "width": e.width,
        "depth": e.depth,
        "init_scale": e.init_scale,
        "feature_rank_tol": e.feature_rank_tol,
        "source_n": None if e.source_gamma is None else e.n_of(e.source_gamma),
        "source_sigma": e.source_sigma,
        "train": e.train_spec(),
        "seed": seed,
        "inputs": {"tasks": tasks_spec(e, seed)},
        "numerics": numerics_version(),
    }


def scratch_spec(e: Experiment, gamma: float, seed: int) -> dict:
    return {
        "job": "scratch",
        "sigma": e.sigma,
        "weight_decays": list(e.weight_decays),
        "width": e.width,
        "depth": e.depth,
        "init_scale": e.init_scale,
        "train": e.train_spec(),
        "seed": seed,
        "inputs": {"tasks": tasks_spec(e, seed), "design": design_spec(e, gamma, seed)},
        "numerics": numerics_version(),
    }


def cell_spec(e: Experiment, theta_deg: float, gamma: float, seed: int) -> dict:
    return {
        "job": "cell",
        "theta_deg": float(theta_deg),
        "sigma": e.sigma,
        "ridge": list(e.ridge),
        "fine_tune_rank_one": e.fine_tune_rank_one,
        "train": e.train_spec(),
        "inputs": {
            "tasks": tasks_spec(e, seed),
            "pretrain": pretrain_spec(e, seed),
            "design": design_spec(e, gamma, seed),
        },
        "numerics": numerics_version(),
    }


# ---- file layout, shared by the workflow rules and the aggregation ----


def tasks_path(res: str, name: str, seed: int) -> str:
    return f"{res}/{name}/tasks/seed{seed}.npz"


def design_path(res: str, name: str, gamma: float, seed: int) -> str:
    return f"{res}/{name}/design/gamma{fmt(gamma)}_seed{seed}.npz"


def pretrain_path(res: str, name: str, seed: int) -> str:
    return f"{res}/{name}/pretrain/seed{seed}.npz"


def scratch_path(res: str, name: str, gamma: float, seed: int) -> str:
    return f"{res}/{name}/scratch/gamma{fmt(gamma)}_seed{seed}.npz"


def cell_path(res: str, name: str, theta_deg: float, gamma: float, seed: int) -> str:
    return f"{res}/{name}/cells/theta{fmt(theta_deg)}_gamma{fmt(gamma)}_seed{seed}.npz"


def _record(obj) -> dict:
    """A JSON-friendly dict of a frozen dataclass (tuples become lists); ``_from_record`` inverts it."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in obj.__dict__.items()}


def _from_record(cls, rec: dict):
    return cls(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in rec.items()})


def experiment_record(e: Experiment) -> dict:
    """A JSON-friendly dict of an experiment (round-trips through ``experiment_from_record``)."""
    return _record(e)


def experiment_from_record(rec: dict) -> Experiment:
    return _from_record(Experiment, rec)


# ---- the ReLU student-teacher study (Section 4): one optional top-level block ----


@dataclass(frozen=True)
class ReluStudy:
    """The validated ``relu`` block. ``mus`` are fractions of teacher neurons removed; ``ns`` sample counts."""

    d: int
    m_star: int
    width: int
    sigma: float
    init_scale: float
    instances: int
    seeds: tuple[int, ...]
    mus: tuple[float, ...]
    ns: tuple[int, ...]
    ridge: tuple[float, ...]
    phase_lambda: float
    pretrain: dict
    train: dict
    kernel_points: int
    kernel_figure_mu: float


def _relu_errors(r: dict) -> list[str]:
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
    for block in ("pretrain", "train"):
        if r[block]["lr_max"] < r[block]["lr"]:
            errs.append(f"config key 'relu.{block}.lr_max': {r[block]['lr_max']} is below lr = {r[block]['lr']}")
    return errs


def relu_study(cfg: dict) -> ReluStudy | None:
    """The ReLU study of a validated config, or None when the ``relu`` block is absent or null."""
    r = cfg.get("relu")
    if r is None:
        return None
    return ReluStudy(
        d=int(r["d"]), m_star=int(r["m_star"]), width=int(r["width"]), sigma=float(r["sigma"]),
        init_scale=float(r["init_scale"]), instances=int(r["instances"]), seeds=tuple(int(s) for s in r["seeds"]),
        mus=tuple(float(x) for x in r["mu"]), ns=tuple(int(x) for x in r["n"]),
        ridge=tuple(float(x) for x in r["ridge"]), phase_lambda=float(r["phase_lambda"]),
        pretrain={k: float(v) if k != "max_steps" else int(v) for k, v in r["pretrain"].items()},
        train={k: float(v) if k != "max_steps" else int(v) for k, v in r["train"].items()},
        kernel_points=int(r["kernel_points"]), kernel_figure_mu=float(r["kernel_figure_mu"]),
    )


def _relu_model(r: ReluStudy) -> dict:
    return {"d": r.d, "m_star": r.m_star, "width": r.width, "init_scale": r.init_scale, "instances": r.instances}


def relu_pretrain_spec(r: ReluStudy, mu: float, seed: int) -> dict:
    return {"job": "relu_pretrain", "mu": float(mu), **_relu_model(r), "pretrain": dict(r.pretrain),
            "kernel_points": r.kernel_points, "seed": seed, "numerics": numerics_version("relu")}


def relu_scratch_spec(r: ReluStudy, n: int, seed: int) -> dict:
    return {"job": "relu_scratch", "n": int(n), "sigma": r.sigma, **_relu_model(r), "train": dict(r.train),
            "seed": seed, "numerics": numerics_version("relu")}


def relu_cell_spec(r: ReluStudy, mu: float, n: int, seed: int) -> dict:
    return {"job": "relu_cell", "mu": float(mu), "n": int(n), "sigma": r.sigma, **_relu_model(r),
            "ridge": list(r.ridge), "train": dict(r.train), "seed": seed,
            "inputs": {"pretrain": relu_pretrain_spec(r, mu, seed)}, "numerics": numerics_version("relu")}


def relu_pretrain_path(res: str, mu: float, seed: int) -> str:
    return f"{res}/relu/pretrain/mu{fmt(mu)}_seed{seed}.npz"


def relu_scratch_path(res: str, n: int, seed: int) -> str:
    return f"{res}/relu/scratch/n{n}_seed{seed}.npz"


def relu_cell_path(res: str, mu: float, n: int, seed: int) -> str:
    return f"{res}/relu/cells/mu{fmt(mu)}_n{n}_seed{seed}.npz"


def relu_record(r: ReluStudy) -> dict:
    """JSON-friendly dict of the study (round-trips through ``relu_from_record``)."""
    return _record(r)


def relu_from_record(rec: dict) -> ReluStudy:
    return _from_record(ReluStudy, rec)
