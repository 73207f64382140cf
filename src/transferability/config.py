"""Reading a config: schema validation with clear messages, defaults, each study's checks, the studies to build.

Every problem names its key (``experiments.a.d``); nothing runs before the whole config is valid.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import jsonschema
import yaml

from .core.canonical import fmt
from .core.paths import SCHEMA_PATH, normalise_results
from .core.selection import BLOCKS
from .core.study import Study
from .linear.study import LinearStudy
from .relu.study import ReluStudy

__all__ = ["ConfigError", "SCHEMA_PATH", "STUDIES", "load_schema", "validate_config", "studies", "fmt"]

# Every study the workflow knows; a new study adds its class here (and a rule file for its tables and figures).
STUDIES: dict[str, type[Study]] = {"linear": LinearStudy, "relu": ReluStudy}


class ConfigError(ValueError):
    """A configuration problem; the message names every offending key."""


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




def _run_errors(cfg: dict) -> list[str]:
    """Each name in ``run`` must be an experiment or a configured block (``relu``, ``distances``)."""
    errors = []
    for i, name in enumerate(cfg.get("run") or []):
        if name in BLOCKS:
            if cfg.get(name) is None:
                errors.append(f"config key 'run[{i}]': {name!r} names the {name} block, which is not configured")
        elif name not in cfg.get("experiments", {}):
            errors.append(f"config key 'run[{i}]': no experiment named {name!r} (run names experiments, "
                          f"'relu' or 'distances')")
    return errors


def validate_config(raw: dict, schema: dict | None = None, workdir: str | Path = ".") -> dict:
    """Validate a raw config dict and return a copy with defaults filled in and ``results`` normalised.

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
    errors += _run_errors(cfg)
    for study in STUDIES.values():
        errors += study.errors(cfg)
    if not errors and not any(study.section_of(cfg) for study in STUDIES.values()):
        errors.append("config key 'run': nothing to build (no experiment, and no relu block selected)")
    for block in BLOCKS:
        if block in cfg.get("experiments", {}):
            errors.append(f"config key 'experiments.{block}': the name '{block}' is reserved for the {block} block")
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(errors))
    cfg["results"] = normalise_results(cfg["results"], workdir)
    return cfg


def studies(cfg: dict, versions: dict[str, dict[str, str]] | None = None) -> dict[str, Study]:
    """The studies a validated config builds, by name (``versions``: code versions per study, else current)."""
    out = {}
    for name, cls in STUDIES.items():
        section = cls.section_of(cfg)
        if section is not None:
            out[name] = cls(section, cfg["results"], (versions or {}).get(name))
    return out
