"""Snakemake adapter: concatenate per-experiment CSV tables (and the report's HTML page of the result)."""

from transferability.core.joblog import job_log

sm = snakemake  # noqa: F821
with job_log(sm.log[0]):
    import pandas as pd

    from transferability.core.tables import write_tables

    table = pd.concat([pd.read_csv(p) for p in sm.input], ignore_index=True)
    write_tables({sm.params.table: table}, sm.output, "all experiments")
