# Shared helpers: config validation (before any job), paths, wildcard constraints, per-job specs.
import os
import re

from snakemake.exceptions import WorkflowError

from transferability import config as tcfg

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
    CFG = tcfg.validate_config(config, tcfg.load_schema(workflow.source_path("../schemas/config.schema.yaml")))
except tcfg.ConfigError as err:
    raise WorkflowError(str(err)) from None

EXP = {e.name: e for e in tcfg.experiments(CFG)}
RES = CFG["results"]
fmt = tcfg.fmt


wildcard_constraints:
    exp="|".join(re.escape(name) for name in EXP),
    theta=tcfg.NUMBER_REGEX,
    gamma=tcfg.NUMBER_REGEX,
    seed="[0-9]+",


def job_mem_mb(w, copies, attempt):
    """Memory for a per-cell job: ``copies`` float64 arrays of shape (instances, d, width), doubled per retry."""
    e = EXP[w.exp]
    return int((400 + copies * e.instances * e.d * e.width * 8 / 2**20) * 2 ** (attempt - 1))


def job_runtime_min(w, weight, attempt):
    """Minutes for a per-cell job, from its size (max_steps x instances x d x width / 1e9 x weight), x attempt."""
    e = EXP[w.exp]
    work = e.max_steps * e.instances * e.d * e.width * e.depth / 1e9
    return int((5 + weight * work / 60) * attempt)


def cell_files(name):
    e = EXP[name]
    return [
        tcfg.cell_path(RES, name, t, g, s) for t in e.thetas_deg for g in e.gammas for s in e.seeds
    ]


def scratch_files(name):
    e = EXP[name]
    return [tcfg.scratch_path(RES, name, g, s) for g in e.gammas for s in e.seeds]


def pretrain_files(name):
    return [tcfg.pretrain_path(RES, name, s) for s in EXP[name].seeds]


FIGURES = [
    "phase_linear_transfer",
    "phase_fine_tune",
    "slices",
    "scratch",
    "ridge",
    "pretraining",
    "phase_linear_transfer_tuned",
    "fine_tune_theta",
]


def final_targets():
    out = []
    for name in EXP:
        out += [f"{RES}/{name}/runs.csv", f"{RES}/{name}/agreement.csv", f"{RES}/{name}/theory.csv"]
        out += [f"{RES}/{name}/figures/{fig}.png" for fig in FIGURES]
    if EXP:
        out += [f"{RES}/agreement.csv", f"{RES}/figures/scratch_double_descent.png", f"{RES}/figures/overview.png"]
    if CFG.get("distances"):
        out += [f"{RES}/distances/T_vs_kl.png", f"{RES}/distances/T_vs_w1.png", f"{RES}/distances/fixed_pair.png"]
    return out + relu_targets()
