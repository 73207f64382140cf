"""Snakemake adapter: every figure of one experiment, from its tables."""

from transferability.core.joblog import job_log

sm = snakemake  # noqa: F821
with job_log(sm.log[0]):
    import pandas as pd

    from transferability.linear import figures

    tables = {name: pd.read_csv(path) for name, path in sm.input.items()}
    for name in sm.params.figures:
        figures.save(figures.draw(name, tables, sm.params.settings), sm.output[name], sm.output.get(f"{name}_pdf"))
