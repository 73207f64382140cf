"""Where things live: the results directory (one spelling per directory) and the workflow's files."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["REPO", "SCHEMA_PATH", "normalise_results"]

REPO = Path(__file__).resolve().parents[3]
SCHEMA_PATH = REPO / "workflow" / "schemas" / "config.schema.yaml"


def normalise_results(path: str, workdir: str | os.PathLike = ".") -> str:
    """One spelling per directory: relative to ``workdir`` when inside it, else absolute; no ``.``/``..``/``//``.

    ``results``, ``./results``, ``results/`` and ``<workdir>/results`` all become ``results``, so Snakemake's
    lock (which compares output paths as text) sees one directory, and two runs on it cannot overlap.
    """
    work = Path(os.path.abspath(workdir))
    full = Path(os.path.normpath(os.path.join(work, os.path.expanduser(str(path)))))
    try:
        rel = full.relative_to(work)
    except ValueError:
        return str(full)
    return "." if str(rel) == "." else str(rel)
