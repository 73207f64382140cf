"""Snakemake adapter: one overview panel per experiment."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import pandas as pd  # noqa: E402

from transferability import plots  # noqa: E402

sm = snakemake  # noqa: F821
means = pd.concat([pd.read_csv(p) for p in sm.input.means], ignore_index=True)
theories = {name: pd.read_csv(p) for name, p in zip(sm.params.names, sm.input.theory)}
plots.save(plots.overview_figure(means, theories), sm.output[0])
