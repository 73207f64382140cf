"""Run one per-job file: load and verify its inputs, compute with the kind's kernel, write atomically, log."""

from __future__ import annotations

import importlib
import sys
import time

from .store import load_cell, save_cell

__all__ = ["run_job"]


def run_job(spec: dict, kernel: str, inputs: dict[str, str], output: str, log_path: str | None = None) -> None:
    """Compute the job described by ``spec`` with ``kernel``'s ``compute(spec, arrays, log)`` into ``output``.

    Each input file must carry exactly the spec recorded under ``spec['inputs'][name]``.
    """
    log_fh = open(log_path, "a", buffering=1) if log_path else sys.stderr

    def log(line: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {line}", file=log_fh, flush=True)

    try:
        t0 = time.perf_counter()
        arrays = {}
        for name, path in inputs.items():
            _, arrays[name] = load_cell(path, expect=spec["inputs"][name])
        log(f"start {spec['study']} {spec['job']} -> {output}")
        out = importlib.import_module(kernel).compute(spec, arrays, log)
        save_cell(output, spec, out)
        log(f"done in {time.perf_counter() - t0:.2f} s")
    finally:
        if log_fh is not sys.stderr:
            log_fh.close()
