"""Snakemake adapter: every per-cell rule runs this with its spec in params."""

from transferability.jobs import run_job

run_job(
    spec=snakemake.params.spec,  # noqa: F821 (injected by Snakemake)
    inputs=dict(snakemake.input.items()),  # noqa: F821
    output=snakemake.output[0],  # noqa: F821
    log_path=snakemake.log[0],  # noqa: F821
)
