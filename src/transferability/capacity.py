"""Will every job fit? Each job kind's peak memory and run time, estimated from the config before any job runs.

The estimates are the studies' resource models (``Study.resources``: the same numbers a cluster job requests).
Under local execution a job whose memory estimate exceeds this machine's memory (or ``--resources mem_mb``) is
refused before the run starts; with a cluster executor, a job whose requested memory (``--set-resources``) is
below its estimate is refused, and a requested run time below the estimate is reported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .core.study import Job, Study

__all__ = ["KindEstimate", "kind_estimates", "physical_memory_mb", "memory_errors", "runtime_warnings",
           "describe", "check"]


@dataclass(frozen=True)
class KindEstimate:
    """The largest job of one kind: its rule name, memory (MiB), run time (minutes) and how many jobs there are."""

    rule: str
    job: Job
    mem_mb: int
    runtime_min: int
    count: int
    keys: tuple[str, ...]


def kind_estimates(study: Study) -> list[KindEstimate]:
    """Per rule (a job kind, or for a batched kind each experiment's rule), the job with the largest memory
    estimate (first try, before any retry doubling)."""
    best: dict[str, tuple[dict, Job]] = {}
    count: dict[str, int] = {}
    for job in dict.fromkeys(study.job_of(j) for j in study.jobs()):  # batched kinds: one job per batch
        rule = study.rule_name(job.kind, job.wc)  # a batched kind has a rule per experiment
        res = study.resources(job.kind, job.wc, 1)
        count[rule] = count.get(rule, 0) + 1
        if rule not in best or res["mem_mb"] > best[rule][0]["mem_mb"]:
            best[rule] = (res, job)
    return [KindEstimate(rule, job, res["mem_mb"], res["runtime"], count[rule], tuple(study.size_keys(job.wc)))
            for rule, (res, job) in best.items()]


def physical_memory_mb() -> int:
    """This machine's physical memory in MiB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


def _gib(mb: float) -> str:
    return f"{mb / 1024:.1f} GiB" if mb >= 1024 else f"{mb:.0f} MiB"


def _where(est: KindEstimate) -> str:
    wc = ", ".join(f"{k}={v}" for k, v in est.job.wildcards)
    return f"{est.rule} ({wc})" if wc else est.rule


def memory_errors(estimates: list[KindEstimate], limit_mb: int, limit_name: str,
                  requested: dict[str, float] | None = None) -> list[str]:
    """Jobs that cannot fit: estimate above ``limit_mb`` (local), or above what the rule requests (cluster).

    ``requested`` maps rule names to a ``mem_mb`` set by the user (``--set-resources``); other rules request
    their estimate, which fits by construction.
    """
    errors = []
    for est in estimates:
        cap, what = limit_mb, limit_name
        if requested is not None:
            if est.rule not in requested:
                continue
            cap, what = requested[est.rule], f"the {_gib(requested[est.rule])} it requests (--set-resources)"
        if est.mem_mb > cap:
            errors.append(f"job {_where(est)} needs about {_gib(est.mem_mb)} of memory, more than {what}; "
                          f"reduce {' / '.join(est.keys) or 'its size'}")
    return errors


def runtime_warnings(estimates: list[KindEstimate], requested: dict[str, float]) -> list[str]:
    """Rules whose requested run time (minutes, ``--set-resources``) is below the run-time estimate."""
    return [f"job {_where(est)} may need up to {est.runtime_min} min, more than the {requested[est.rule]:.0f} min "
            "it requests (the estimate assumes the full step budget)"
            for est in estimates if est.rule in requested and est.runtime_min > requested[est.rule]]


def describe(estimates: list[KindEstimate]) -> list[str]:
    """One line per job kind: how many jobs, and the largest one's memory and run-time estimate."""
    return [f"  {est.rule}: {est.count} jobs, largest about {_gib(est.mem_mb)}, at most {est.runtime_min} min"
            for est in estimates]


def check(studies, local: bool, mem_limit_mb: float | None = None,
          requested: dict[str, dict[str, float]] | None = None) -> tuple[list[str], list[str]]:
    """Errors and warnings for the jobs of ``studies`` before a run.

    Local execution: every job's memory estimate against this machine's memory, or ``mem_limit_mb``
    (``--resources mem_mb``) when smaller. Cluster: against ``requested`` (``{"mem_mb": {rule: value},
    "runtime": {rule: minutes}}``, the user's ``--set-resources``); a run time below the estimate only warns.
    """
    estimates = [e for study in studies for e in kind_estimates(study)]
    if local:
        limit = physical_memory_mb()
        name = f"this machine's {_gib(limit)}"
        if mem_limit_mb is not None and mem_limit_mb < limit:
            limit, name = mem_limit_mb, f"--resources mem_mb={mem_limit_mb:g}"
        return memory_errors(estimates, limit, name), []
    requested = requested or {}
    return (memory_errors(estimates, 0, "", requested.get("mem_mb", {})),
            runtime_warnings(estimates, requested.get("runtime", {})))
