"""Run one workflow job: load and verify inputs, compute, write the output atomically, log progress."""

from __future__ import annotations

import sys
import time

from .cells import COMPUTE as LINEAR_JOBS
from .relu_cells import COMPUTE as RELU_JOBS
from .store import load_cell, save_cell

__all__ = ["run_job"]

COMPUTE = {**LINEAR_JOBS, **RELU_JOBS}


def run_job(spec: dict, inputs: dict[str, str], output: str, log_path: str | None = None) -> None:
    """Compute the job described by ``spec`` (``spec['job']`` selects the kind) into ``output``.

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
        log(f"start {spec['job']} -> {output}")
        out = COMPUTE[spec["job"]](spec, arrays, log)
        save_cell(output, spec, out)
        log(f"done in {time.perf_counter() - t0:.2f} s")
    finally:
        if log_fh is not sys.stderr:
            log_fh.close()
