# Transfer learning in deep linear (and two-layer ReLU) networks: the pipeline of "Features are fate" (Tahir, Ganguli, Rotskoff, 2025).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/tasks.smk"
include: "workflow/rules/pretrain.smk"
include: "workflow/rules/scratch.smk"
include: "workflow/rules/transfer.smk"
include: "workflow/rules/theory.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/distances.smk"
include: "workflow/rules/relu.smk"


rule all:
    default_target: True
    input:
        final_targets(),
