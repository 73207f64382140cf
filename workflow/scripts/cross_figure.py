"""Snakemake adapter: one figure across the experiments of the config, from their tables."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import pandas as pd  # noqa: E402

from transferability.linear import figures  # noqa: E402

sm = snakemake  # noqa: F821
means = pd.concat([pd.read_csv(p) for p in sm.input.cell_means], ignore_index=True)
theories = {name: pd.read_csv(p) for name, p in zip(sm.params.names, sm.input.theory)}
figures.save(figures.draw_cross(sm.params.figure, means, theories), sm.output.png, sm.output.get("pdf"))
