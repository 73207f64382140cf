"""Snakemake adapter: concatenate per-experiment CSV tables."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import pandas as pd  # noqa: E402

pd.concat([pd.read_csv(p) for p in snakemake.input], ignore_index=True).to_csv(  # noqa: F821
    snakemake.output[0], index=False  # noqa: F821
)
