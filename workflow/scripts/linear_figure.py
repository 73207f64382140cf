"""Snakemake adapter: every figure of one experiment, from its tables (one figure per core the job was given)."""

from transferability.core.joblog import job_log

sm = snakemake  # noqa: F821
with job_log(sm.log[0]):
    import pandas as pd

    from transferability.core.forked import map_forked
    from transferability.linear import figures

    tables = {name: pd.read_csv(path) for name, path in sm.input.items()}

    def draw(name):
        figures.save(figures.draw(name, tables, sm.params.settings), sm.output[name], sm.output.get(f"{name}_pdf"))

    map_forked(draw, sm.params.figures, sm.threads)
