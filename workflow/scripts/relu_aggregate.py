"""Snakemake adapter: verify and collect every per-job file of the ReLU study into its tables (CSV, and the
report's HTML pages of the small ones)."""

from transferability.core.joblog import job_log

sm = snakemake  # noqa: F821
with job_log(sm.log[0]):
    from transferability.core.tables import write_tables
    from transferability.relu.aggregate import collect_relu

    # the Gram matrices only feed a picture: 8 significant digits keep the file small
    write_tables(collect_relu(sm.params.study), sm.output, "ReLU study", {"gram": "%.8g"})
