"""Snakemake adapter: concatenate per-experiment CSV tables."""

from transferability.core.joblog import job_log

with job_log(snakemake.log[0]):  # noqa: F821
    import pandas as pd

    pd.concat([pd.read_csv(p) for p in snakemake.input], ignore_index=True).to_csv(  # noqa: F821
        snakemake.output[0], index=False  # noqa: F821
    )
