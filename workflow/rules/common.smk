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


# ---- the ReLU study (workflow/rules/relu.smk) ----

RELU = tcfg.relu_study(CFG)
RELU_FIGURES = ["phase_linear_transfer", "phase_fine_tune", "scratch_power_law", "p_perp", "kernels"]


def relu_job_mem_mb(w, attempt):
    """Memory for a ReLU job: its (n or probe points) x width activations and width^2 Gram matrices, with margin."""
    rows = max(RELU.ns + (RELU.kernel_points,))
    return int((400 + 8 * 8 * (rows * RELU.width + RELU.width**2 + RELU.instances * RELU.width * RELU.d) / 2**20)
               * 2 ** (attempt - 1))


def relu_job_runtime_min(w, attempt):
    """Minutes for a ReLU job: instances x (up to 50,000 steps) x 3 (n or width) x width x d flops at 10 GFLOP/s,
    doubled per retry. benchmarks/relu_bench.py measures about 30 GFLOP/s per sample step at the paper's size, and
    a paper-size pretraining took 28,000 steps; the request is a generous upper bound."""
    rows = max(RELU.ns + (RELU.width,))
    steps = min(50_000, RELU.train["max_steps"], RELU.pretrain["max_steps"])
    seconds = RELU.instances * steps * 3 * rows * RELU.width * RELU.d / 1e10
    return int((5 + seconds / 60) * 2 ** (attempt - 1))


def relu_targets():
    if RELU is None:
        return []
    out = [f"{RES}/relu/{table}.csv" for table in ("runs", "means", "fit", "theory", "pretraining", "scratch")]
    return out + [f"{RES}/relu/figures/{fig}.png" for fig in RELU_FIGURES]


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
