"""Snakemake adapter: one figure of one experiment, from its tables."""

from transferability.core.joblog import job_log

sm = snakemake  # noqa: F821
with job_log(sm.log[0]):
    import pandas as pd

    from transferability.linear import figures

    tables = {name: pd.read_csv(path) for name, path in sm.input.items()}
    figures.save(figures.draw(sm.params.figure, tables, sm.params.settings), sm.output.png, sm.output.get("pdf"))
