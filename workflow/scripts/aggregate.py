"""Snakemake adapter: verify and collect every per-job file of one experiment into its tables."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from transferability.linear.collect import collect_experiment  # noqa: E402

tables = collect_experiment(snakemake.params.study)  # noqa: F821
for key, table in tables.items():
    table.to_csv(snakemake.output[key], index=False)  # noqa: F821
