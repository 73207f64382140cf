"""Snakemake adapter: verify and collect every per-job file of one experiment into its tables."""

from transferability.core.joblog import job_log

with job_log(snakemake.log[0]):  # noqa: F821
    from transferability.linear.collect import collect_experiment

    tables = collect_experiment(snakemake.params.study)  # noqa: F821
    for key, table in tables.items():
        table.to_csv(snakemake.output[key], index=False)  # noqa: F821
