"""What a config builds: ``run`` names experiments and study blocks (``relu``, ``distances``); absent, everything."""

from __future__ import annotations

__all__ = ["BLOCKS", "block_selected", "selected_experiments"]

# Config blocks that ``run`` can name besides experiments (each builds a study or a part of one).
BLOCKS = ("relu", "distances")


def block_selected(cfg: dict, block: str) -> bool:
    """Whether the config builds ``block``: it is configured (not null) and ``run`` is absent or names it."""
    return cfg.get(block) is not None and (not cfg.get("run") or block in cfg["run"])


def selected_experiments(cfg: dict) -> list[str]:
    """Names of the linear experiments to build: those ``run`` names, or all when there is no ``run``."""
    exps = cfg.get("experiments") or {}
    return [n for n in cfg["run"] if n in exps] if cfg.get("run") else list(exps)
