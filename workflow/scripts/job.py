"""Snakemake adapter: every per-job rule runs this with its spec and kernel in params."""

from transferability.core.runner import run_job

run_job(
    spec=snakemake.params.spec,  # noqa: F821 (injected by Snakemake)
    kernel=snakemake.params.kernel,  # noqa: F821
    inputs=dict(snakemake.input.items()),  # noqa: F821
    output=snakemake.output[0],  # noqa: F821
    log_path=snakemake.log[0],  # noqa: F821
)
