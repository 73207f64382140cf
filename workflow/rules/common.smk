# Shared set-up: validate the config (before any job), build the studies, and name every final target.
import json
import os
import shlex
import sys

from snakemake.exceptions import WorkflowError

from transferability import capacity
from transferability import config as tcfg
from transferability.configfile import check_config_files
from transferability.core.provenance import code_version
from transferability.core.study import PRODUCT_PRIORITY, fill

# One BLAS thread per job: parallelism comes from running cells side by side, and per-cell numbers
# do not depend on the thread count.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
# glibc returns freed large blocks to the kernel at once, so every step's temporaries (n x width activations,
# width x width Gram matrices) fault in fresh pages: measured 10^7 page faults and 4.5x the run time on a
# ReLU cell. Keeping freed memory in the process removes it (numbers unchanged).
os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(64 * 2**20))
os.environ.setdefault("MALLOC_TRIM_THRESHOLD_", str(256 * 2**20))

try:
    # Snakemake merged its config files last-key-wins; refuse any file that repeats a key or asks for yte.
    check_config_files(workflow.configfiles)
    CFG = tcfg.validate_config(
        config, tcfg.load_schema(workflow.source_path("../schemas/config.schema.yaml"))
    )
except tcfg.ConfigError as err:
    raise WorkflowError(str(err)) from None

RES = CFG["results"]
# The interpreter of per-job rules, written into their shell commands when the workflow is parsed: the
# environment's own with --use-conda, else the one running Snakemake.
PYTHON = (
    "python"
    if workflow.deployment_settings.deployment_method
    else shlex.quote(sys.executable)
)
STUDIES = tcfg.studies(CFG)


def script_version(script, *modules):
    """Code version of a table or figure job: its workflow script and the package modules it imports."""
    return code_version(*modules, workflow.source_path(f"../scripts/{script}"))


def pdf_output(path, name="pdf"):
    """A figure job's PDF output when the config asks for PDFs (``pdf: true``), else none."""
    return {name: path} if CFG["pdf"] else {}


def final_targets():
    """Every file the config implies: each per-job file (so a deleted one is rebuilt), table and figure."""
    out = []
    for study in STUDIES.values():
        out += (
            study.job_files() + study.tables() + study.report_tables() + study.figures()
        )
        if CFG["pdf"]:  # requested too, so that asking for PDFs after a run draws them
            out += [f[: -len(".png")] + ".pdf" for f in study.figures()]
    return out


def job_inputs(study, kind, fixed=None):
    """Input function of a per-job rule: the files the study says the job reads."""
    return lambda wildcards: study.input_paths(
        kind, {**dict(wildcards.items()), **(fixed or {})}
    )


def job_spec(study, kind):
    """Params function of a per-job rule: the job's canonical spec (values, input specs, code version) as JSON."""
    return lambda wildcards: json.dumps(
        study.spec(kind, dict(wildcards.items())), sort_keys=True
    )


def batch_spec(study, kind, fixed):
    """Params function of a batch rule: the specs of its files, in output order, as a JSON list."""
    return lambda wildcards: json.dumps(
        study.batch_specs(kind, {**dict(wildcards.items()), **fixed}), sort_keys=True
    )


def job_output_args(wildcards, output):
    """A batch job's ``--output=PATH`` arguments, one per file, shell-quoted."""
    return " ".join(shlex.quote(f"--output={path}") for path in output)


def job_input_args(wildcards, input):
    """The runner's ``--input NAME=PATH`` arguments, shell-quoted."""
    return " ".join(
        shlex.quote(f"--input={name}={path}") for name, path in input.items()
    )


def job_priority(study, kind, fixed=None):
    """Priority function of a per-job rule: jobs others wait on first, then the longest (``Study.priority``)."""
    return lambda wildcards: study.priority(
        kind, {**dict(wildcards.items()), **(fixed or {})}
    )


def job_resource(study, kind, key, fixed=None):
    """Resource function of a per-job rule (``mem_mb`` or ``runtime``), scaled per retry by the study."""
    return lambda wildcards, attempt: study.resources(
        kind, {**dict(wildcards.items()), **(fixed or {})}, attempt
    )[key]


def capacity_check():
    """Refuse, before any job, jobs whose memory cannot fit (see ``transferability.capacity.check``)."""
    value = lambda res: getattr(res, "value", res)
    mem = workflow.global_resources.get("mem_mb")
    overrides = getattr(workflow.resource_settings, "_parsed_overwrite_resources", {})
    requested = {
        key: {rule: value(res[key]) for rule, res in overrides.items() if key in res}
        for key in ("mem_mb", "runtime")
    }
    errors, warnings = capacity.check(
        STUDIES.values(), workflow.local_exec, value(mem), requested
    )
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    if errors:
        raise WorkflowError(
            "jobs that cannot fit, refused before any job ran:\n  "
            + "\n  ".join(errors)
        )


onstart:
    capacity_check()


onsuccess:
    for _study in STUDIES.values():
        for _line in _study.summary():
            print(_line)
