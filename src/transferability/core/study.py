"""The study interface: what the workflow, the planner and the aggregation need to know about a study.

A study (``linear``, ``relu``) owns a section of the config, a set of job kinds and its tables and figures.
Every per-job file is named by ``(kind, wildcards)``; its path, its inputs and its spec (the exact values and
code version its content depends on) come from the study, so the rules, ``plan`` and the aggregation agree by
construction. Wildcard values are canonical strings (``fmt``), as they appear in paths.
"""

from __future__ import annotations

import functools
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from .canonical import canonical, fmt
from .provenance import code_version
from .store import load_cell

__all__ = ["JobKind", "Job", "Study", "fill", "UPSTREAM_PRIORITY", "PRODUCT_PRIORITY"]

# Scheduling priorities (see ``Study.priority``): a per-job rule's is its expected milliseconds, plus this for jobs
# that others wait on; tables and figures, short and on the way to the end, start before any per-job rule.
UPSTREAM_PRIORITY = 10**9
PRODUCT_PRIORITY = 2 * 10**9


def fill(pattern: str, values: dict[str, str]) -> str:
    """``pattern`` with the named ``{wildcard}`` fields replaced and the others left open."""
    for name, value in values.items():
        pattern = pattern.replace("{" + name + "}", value)
    return pattern


@dataclass(frozen=True)
class JobKind:
    """One kind of per-job file.

    ``pattern`` is the path below the results directory with ``{wildcard}`` fields; ``kernel`` the module whose
    ``compute(spec, inputs, log)`` makes the file; ``group`` the SLURM group that bundles cheap jobs.

    A *batched* kind (``batch`` names one of its wildcards) is made by one job per value of its other wildcards,
    which writes one file per value of ``batch`` (the kernel's ``compute_batch(specs, inputs, log)``; the files of
    a batch share their inputs). Each file keeps its own spec: a batch job recomputes only the files that are
    missing or made with another spec, so extending the ``batch`` axis computes only the new files.
    ``batch_pattern`` names the batch job's log and benchmark (``pattern`` without the ``batch`` field).
    """

    name: str
    kernel: str
    pattern: str
    group: str | None = None
    batch: str | None = None
    batch_pattern: str | None = None


@dataclass(frozen=True)
class Job:
    """One per-job file: its kind and wildcard values (canonical strings)."""

    kind: str
    wildcards: tuple[tuple[str, str], ...]

    @property
    def wc(self) -> dict[str, str]:
        return dict(self.wildcards)


class Study(ABC):
    """A study built from a validated config section; ``versions`` maps each job kind to its code version."""

    name: str = ""
    kinds: dict[str, JobKind] = {}
    cell_kind: str = "fine_tune"  # one job of this kind per cell of the study's grid
    cell_axes: tuple[str, ...] = ()  # the wildcards of a cell, for summaries

    def __init__(self, section, results: str, versions: dict[str, str] | None = None):
        self.section = section
        self.results = results
        self.versions = versions if versions is not None else self.code_versions()

    # ---- config ----
    @staticmethod
    @abstractmethod
    def section_of(cfg: dict):
        """This study's part of a validated config, or None when the config does not build it."""

    @staticmethod
    @abstractmethod
    def errors(cfg: dict) -> list[str]:
        """Semantic problems of the study's config section, each naming its key (after schema validation)."""

    # ---- jobs ----
    @abstractmethod
    def jobs(self) -> list[Job]:
        """Every per-job file the section implies, upstream kinds first."""

    @abstractmethod
    def inputs(self, kind: str, wc: dict) -> dict[str, Job]:
        """The per-job files a job reads, by the names its kernel uses."""

    @abstractmethod
    def cell_files(self, wc: dict) -> list[Job]:
        """The per-job files that hold the results of one cell (wildcards of its ``cell_kind`` job)."""

    @abstractmethod
    def values(self, kind: str, wc: dict) -> dict:
        """The config values a job's output depends on (without inputs and code version)."""

    @abstractmethod
    def peak_bytes(self, kind: str, wc: dict) -> int:
        """Estimated peak memory a job allocates (beyond the interpreter), from the config."""

    @abstractmethod
    def resources(self, kind: str, wc: dict, attempt: int) -> dict[str, int]:
        """``mem_mb`` and ``runtime`` (minutes) for a job, doubled per retry."""

    def memory_mb(self, kind: str, wc: dict, attempt: int) -> int:
        """``peak_bytes`` plus 400 MiB for the interpreter and BLAS, doubled per retry: a job's ``mem_mb``."""
        return int((400 + self.peak_bytes(kind, wc) / 2**20) * 2 ** (attempt - 1))

    def size_keys(self, wc: dict) -> list[str]:
        """The config keys that set a job's memory (named when a job cannot fit)."""
        return []

    def prior_seconds(self, kind: str, wc: dict) -> float:
        """A job's run time before any benchmark exists: the mean measured on the default config, scaled with size
        (good to a factor of about 3; ``plan`` prefers recorded benchmarks of the same kind and size)."""
        return 1.0

    @functools.cached_property
    def upstream_kinds(self) -> frozenset[str]:
        """The job kinds whose files other jobs read (pretraining, designs, ...)."""
        first: dict[str, Job] = {}
        for job in self.jobs():
            first.setdefault(job.kind, job)
        return frozenset(i.kind for j in first.values() for i in self.inputs(j.kind, j.wc).values())

    def priority(self, kind: str, wc: dict) -> int:
        """Scheduling priority of a job (Snakemake starts the ready job of highest priority): jobs whose files
        other jobs read first, as they free the rest, then the longest expected (``prior_seconds``; a batch job's
        over all its files), so that a run ends on short jobs, not on one long one. ``wc``: the job's wildcards
        (a batch job's without its batch wildcard)."""
        files = len(self.batch_values(kind, wc)) if self.kinds[kind].batch else 1
        seconds = self.prior_seconds(kind, wc) * files
        return int(1000 * seconds) + (UPSTREAM_PRIORITY if kind in self.upstream_kinds else 0)

    def summary(self) -> list[str]:
        """One line per experiment (or for the study) on its runs' convergence, from the tables made so far."""
        return []

    @abstractmethod
    def tables(self) -> list[str]:
        """Paths of the tables the study builds from its per-job files."""

    def report_tables(self) -> list[str]:
        """The tables also rendered as HTML pages for the workflow report
        (``<table>.csv`` -> ``report/<table>.html``)."""
        return []

    @abstractmethod
    def figures(self) -> list[str]:
        """Paths of the study's figures (PNG)."""

    # ---- shared machinery ----
    @classmethod
    def code_versions(cls) -> dict[str, str]:
        """Code version of each job kind: its kernel's import closure and the runner that calls it."""
        return {k: code_version(kind.kernel, "transferability.core.runner") for k, kind in cls.kinds.items()}

    def job(self, kind: str, **wc) -> Job:
        return Job(kind, tuple(sorted((k, str(v)) for k, v in wc.items())))

    def path(self, kind: str, wc: dict) -> str:
        return f"{self.results}/{self.kinds[kind].pattern.format(**wc)}"

    def pattern(self, kind: str, tree: str = "", ext: str = ".npz") -> str:
        """Snakemake pattern of a kind's files; ``tree`` (``logs``, ``benchmarks``) and ``ext`` for its side files
        (of the batch job, for a batched kind).

        ``{exp}/fine_tune/theta{theta}...npz`` has its log at ``{exp}/logs/fine_tune/theta{theta}....log``.
        """
        k = self.kinds[kind]
        head, rest = (k.batch_pattern if tree and k.batch else k.pattern).split("/", 1)
        rest = rest.removesuffix(".npz") + ext
        return f"{self.results}/{head}/{tree + '/' if tree else ''}{rest}"

    # ---- batched kinds ----
    def batch_groups(self, kind: str) -> list[tuple[dict[str, str], list[str]]]:
        """For a batched kind: one ``(fixed wildcards, values of the batch wildcard)`` per rule (the values a
        rule's outputs list must be known when the workflow is parsed, so each set of values gets its rule)."""
        raise NotImplementedError(f"job kind {kind!r} of the {self.name} study is not batched")

    def rule_name(self, kind: str, wc: dict | None = None) -> str:
        """The Snakemake rule that makes a kind's files (for a batched kind, the rule of ``wc``'s group)."""
        base = f"{self.name}_{kind}"
        if not self.kinds[kind].batch:
            return base
        for fixed, _ in self.batch_groups(kind):
            if wc is None or all(wc.get(k) == v for k, v in fixed.items()):
                return base + "_" + "_".join(re.sub(r"\W", "_", v) for v in fixed.values())
        raise KeyError(f"no batch of job kind {kind!r} holds {wc}")

    def job_of(self, job: Job) -> Job:
        """The job that makes a per-job file: the file itself, or for a batched kind its batch (the file's
        wildcards without the batch wildcard)."""
        axis = self.kinds[job.kind].batch
        return Job(job.kind, tuple(kv for kv in job.wildcards if kv[0] != axis)) if axis else job

    def batch_outputs(self, kind: str, fixed: dict[str, str], values: list[str]) -> list[str]:
        """Snakemake output patterns of one batch rule: a file per value, the other wildcards left open."""
        axis = self.kinds[kind].batch
        return [fill(self.pattern(kind), {**fixed, axis: v}) for v in values]

    def batch_values(self, kind: str, wc: dict) -> list[str]:
        """The batch wildcard's values of the batch job with wildcards ``wc`` (all but the batch wildcard)."""
        for fixed, values in self.batch_groups(kind):
            if all(wc.get(k) == v for k, v in fixed.items()):
                return values
        raise KeyError(f"no batch of job kind {kind!r} holds {wc}")

    def batch_specs(self, kind: str, wc: dict) -> list[dict]:
        """Specs of a batch job's files, in the order of ``batch_values``."""
        axis = self.kinds[kind].batch
        return [self.spec(kind, {**wc, axis: v}) for v in self.batch_values(kind, wc)]

    def spec(self, kind: str, wc: dict) -> dict:
        """Canonical spec: the job's values, its code version and the specs of its inputs."""
        inputs = {name: self.spec(j.kind, j.wc) for name, j in self.inputs(kind, wc).items()}
        spec = {"study": self.name, "job": kind, **self.values(kind, wc), "code": self.versions[kind]}
        if inputs:
            spec["inputs"] = inputs
        return canonical(spec)

    def load(self, kind: str, **wc) -> dict:
        """Arrays of one per-job file, verified against the spec this study implies (floats as in paths).

        Raises ``store.CellFileError`` or ``store.StaleCellError`` naming the file.
        """
        wc = {k: fmt(v) if isinstance(v, float) else str(v) for k, v in wc.items()}
        return load_cell(self.path(kind, wc), expect=self.spec(kind, wc))[1]

    def input_paths(self, kind: str, wc: dict) -> dict[str, str]:
        return {name: self.path(j.kind, j.wc) for name, j in self.inputs(kind, wc).items()}

    def job_files(self) -> list[str]:
        return [self.path(j.kind, j.wc) for j in self.jobs()]

    def record(self) -> dict:
        """What an aggregation job needs to rebuild this study: its config section and code versions."""
        return canonical({"section": self.section, "results": self.results, "versions": self.versions})

    @classmethod
    def from_record(cls, rec: dict) -> "Study":
        return cls(rec["section"], rec["results"], rec["versions"])
