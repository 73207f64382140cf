"""Snakemake adapter: verify and collect every per-job file of one experiment into its tables (CSV, and the
report's HTML pages of the small ones)."""

from transferability.core.joblog import job_log

sm = snakemake  # noqa: F821
with job_log(sm.log[0]):
    from transferability.core.tables import write_tables
    from transferability.linear.collect import collect_experiment

    write_tables(collect_experiment(sm.params.study), sm.output, sm.wildcards.exp)
