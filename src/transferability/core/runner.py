"""Run one per-job file: load and verify its inputs, compute with the kind's kernel, write atomically, log."""

from __future__ import annotations

import importlib
import sys
import time
from contextlib import contextmanager

import numpy as np

from .store import CellFileError, StaleCellError, load_cell, save_cell

__all__ = ["run_job", "run_batch", "convergence_line"]

_STOP_NAMES = {1: "step budget", 2: "measured rate", 3: "design spectrum"}


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


@contextmanager
def _job_log(log_path: str | None):
    """A ``log(line)`` function writing time-stamped lines to ``log_path`` (stderr when None)."""
    fh = open(log_path, "a", buffering=1) if log_path else sys.stderr
    try:
        yield lambda line: print(f"[{time.strftime('%H:%M:%S')}] {line}", file=fh, flush=True)
    finally:
        if fh is not sys.stderr:
            fh.close()


def run_job(spec: dict, kernel: str, inputs: dict[str, str], output: str, log_path: str | None = None) -> None:
    """Compute the job described by ``spec`` with ``kernel``'s ``compute(spec, arrays, log)`` into ``output``.

    Each input file must carry exactly the spec recorded under ``spec['inputs'][name]``.
    """
    with _job_log(log_path) as log:
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


def _up_to_date(path: str, spec: dict) -> bool:
    """Whether ``path`` holds a readable file made with exactly ``spec``."""
    try:
        load_cell(path, expect=spec)
        return True
    except (CellFileError, StaleCellError):
        return False


def run_batch(specs: list[dict], kernel: str, inputs: dict[str, str], outputs: list[str],
              log_path: str | None = None) -> None:
    """Make the files of one batch job (``outputs[i]`` from ``specs[i]``) with ``kernel``'s
    ``compute_batch(specs, arrays, log)``, which returns one array dict per spec.

    Files already made with their spec are kept (the workflow marks them ``update``, so Snakemake leaves them in
    place): extending a batch, or rerunning one whose job was interrupted, computes only what is missing. The
    files of a batch share their inputs (``specs[i]['inputs']`` all equal).
    """
    if len(specs) != len(outputs):
        raise ValueError(f"{len(specs)} specs for {len(outputs)} outputs")
    if any(s.get("inputs") != specs[0].get("inputs") for s in specs):
        raise ValueError("the files of a batch must share their inputs")
    with _job_log(log_path) as log:
        t0 = time.perf_counter()
        todo = [i for i, (s, path) in enumerate(zip(specs, outputs)) if not _up_to_date(path, s)]
        log(f"start {specs[0]['study']} {specs[0]['job']} batch: {len(todo)} of {len(outputs)} files to make"
            + (f" (the other {len(outputs) - len(todo)} are up to date)" if len(todo) < len(outputs) else ""))
        if todo:
            arrays = {}
            for name, path in inputs.items():
                _, arrays[name] = load_cell(path, expect=specs[0]["inputs"][name])
            made = importlib.import_module(kernel).compute_batch([specs[i] for i in todo], arrays, log)
            for i, out in zip(todo, made):
                save_cell(outputs[i], specs[i], out)
                line = convergence_line(out)
                if line:
                    log(f"{outputs[i]}: {line}")
        log(f"done in {time.perf_counter() - t0:.2f} s")


def main(argv: list[str] | None = None) -> int:
    """Command line of ``run_job`` for workflow rules: a job process imports numpy and this package, not Snakemake.

    ``python -m transferability.core.runner --kernel K --spec JSON --output PATH --log PATH [--input NAME=PATH]...``

    A batch job passes a JSON list of specs and one ``--output`` per spec (``run_batch``).
    """
    import argparse
    import json

    ap = argparse.ArgumentParser(prog="python -m transferability.core.runner", description=main.__doc__)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--spec", required=True, help="the job's canonical spec as JSON")
    ap.add_argument("--output", action="append", required=True)
    ap.add_argument("--log", default=None)
    ap.add_argument("--input", action="append", default=[], metavar="NAME=PATH")
    args = ap.parse_args(argv)
    inputs = dict(item.split("=", 1) for item in args.input)
    spec = json.loads(args.spec)
    if isinstance(spec, list):
        run_batch(spec, args.kernel, inputs, args.output, args.log)
    else:
        run_job(spec, args.kernel, inputs, args.output[0], args.log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
