"""Snakemake adapter: verify and collect every cell of one experiment into tidy tables."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from transferability.collect import collect_experiment  # noqa: E402

p = snakemake.params  # noqa: F821
tables = collect_experiment(p.experiment, results=p.results, numerics=p.numerics)
for key in ("runs", "means", "agreement", "pretraining", "break_even"):
    tables[key].to_csv(snakemake.output[key], index=False)  # noqa: F821
