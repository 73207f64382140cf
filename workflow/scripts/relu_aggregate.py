"""Snakemake adapter: verify and collect every ReLU cell into tidy tables."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from pathlib import Path  # noqa: E402

from transferability.relu_aggregate import collect_relu  # noqa: E402

p = snakemake.params  # noqa: F821
results = str(Path(snakemake.output.runs).parents[1])  # noqa: F821  (<results>/relu/runs.csv)
tables = collect_relu(p.study, results=results, numerics=p.numerics)
for key in ("runs", "means", "fit", "theory", "pretraining", "scratch"):
    tables[key].to_csv(snakemake.output[key], index=False)  # noqa: F821
