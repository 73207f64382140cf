"""Snakemake adapter: render one CSV table as an HTML page for the report."""

from transferability.core.joblog import job_log

sm = snakemake  # noqa: F821
with job_log(sm.log[0]):
    import pandas as pd

    from transferability.core.tables import html_table

    with open(sm.output[0], "w") as fh:
        exp = dict(sm.wildcards.items()).get("exp")
        fh.write(html_table(pd.read_csv(sm.input[0]), f"{exp}: {sm.params.title}" if exp else sm.params.title))
