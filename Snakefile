# Transfer learning in deep linear (and two-layer ReLU) networks: the pipeline of "Features are fate" (Tahir, Ganguli, Rotskoff, 2025).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/jobs.smk"
include: "workflow/rules/linear.smk"
include: "workflow/rules/relu.smk"


rule all:
    default_target: True
    input:
        final_targets(),
