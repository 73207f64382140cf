"""Run one per-job file: load and verify its inputs, compute with the kind's kernel, write atomically, log."""

from __future__ import annotations

import importlib
import sys
import time

import numpy as np

from .store import load_cell, save_cell

__all__ = ["run_job", "convergence_line"]

_STOP_NAMES = {1: "step budget", 2: "measured rate"}


def convergence_line(arrays: dict) -> str | None:
    """How many of a job's runs did not converge, which ones and why (``converged``, optional ``stop_reason``,
    arrays of shape (B,) or (B, K)); None when the job has no convergence record."""
    if "converged" not in arrays:
        return None
    ok = np.asarray(arrays["converged"]).astype(bool)
    bad = np.argwhere(~ok)
    if not bad.size:
        return f"all {ok.size} runs converged"
    if ok.ndim == 1:
        label, items = "instances", [str(int(i)) for i in bad[:50, 0]]
    else:  # (instance, column): a scratch job's columns are its weight decays
        label, items = "(instance, column)", ["(" + ", ".join(map(str, idx)) + ")" for idx in bad[:50]]
    where = ", ".join(items) + (" ..." if len(bad) > 50 else "")
    why = ""
    if "stop_reason" in arrays:
        reasons = np.asarray(arrays["stop_reason"])[~ok]
        why = "; stopped by " + ", ".join(f"{name}: {int(np.sum(reasons == code))}"
                                          for code, name in _STOP_NAMES.items() if np.any(reasons == code))
    return f"NOT CONVERGED: {len(bad)} of {ok.size} runs ({label} {where}){why}"


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
        line = convergence_line(out)
        if line:
            log(line)
        log(f"done in {time.perf_counter() - t0:.2f} s")
    finally:
        if log_fh is not sys.stderr:
            log_fh.close()


def main(argv: list[str] | None = None) -> int:
    """Command line of ``run_job`` for workflow rules: a job process imports numpy and this package, not Snakemake.

    ``python -m transferability.core.runner --kernel K --spec JSON --output PATH --log PATH [--input NAME=PATH]...``
    """
    import argparse
    import json

    ap = argparse.ArgumentParser(prog="python -m transferability.core.runner", description=main.__doc__)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--spec", required=True, help="the job's canonical spec as JSON")
    ap.add_argument("--output", required=True)
    ap.add_argument("--log", default=None)
    ap.add_argument("--input", action="append", default=[], metavar="NAME=PATH")
    args = ap.parse_args(argv)
    inputs = dict(item.split("=", 1) for item in args.input)
    run_job(json.loads(args.spec), args.kernel, inputs, args.output, args.log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
