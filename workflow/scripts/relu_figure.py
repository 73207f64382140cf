"""Snakemake adapter: one figure of the ReLU study, from its tables."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import pandas as pd  # noqa: E402

from transferability.core.style import save  # noqa: E402
from transferability.relu import figures  # noqa: E402

sm = snakemake  # noqa: F821
tables = {name: pd.read_csv(path) for name, path in sm.input.items()}
save(figures.draw(sm.params.figure, tables, sm.params.settings), sm.output.png, sm.output.get("pdf"))
