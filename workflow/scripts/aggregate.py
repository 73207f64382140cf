"""Snakemake adapter: verify and collect every cell of one experiment into tidy tables."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from transferability.collect import collect_experiment  # noqa: E402

from pathlib import Path  # noqa: E402

p = snakemake.params  # noqa: F821
results = str(Path(snakemake.output.runs).parents[1])  # noqa: F821  (<results>/<experiment>/runs.csv)
tables = collect_experiment(p.experiment, results=results, numerics=p.numerics)
for key in ("runs", "means", "agreement", "pretraining", "break_even"):
    tables[key].to_csv(snakemake.output[key], index=False)  # noqa: F821
