"""Snakemake adapter: verify and collect every per-job file of the ReLU study into its tables."""

from transferability.core.joblog import job_log

with job_log(snakemake.log[0]):  # noqa: F821
    from transferability.relu.aggregate import collect_relu

    tables = collect_relu(snakemake.params.study)  # noqa: F821
    for key, table in tables.items():
        # the Gram matrices only feed a picture: 8 significant digits keep the file small
        table.to_csv(snakemake.output[key], index=False, float_format="%.8g" if key == "gram" else None)  # noqa: F821
