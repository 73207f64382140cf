"""Snakemake adapter: one figure across the experiments of the config, from their tables."""

from transferability.core.joblog import job_log

sm = snakemake  # noqa: F821
with job_log(sm.log[0]):
    import pandas as pd

    from transferability.linear import figures

    means = pd.concat([pd.read_csv(p) for p in sm.input.cell_means], ignore_index=True)
    theories = {name: pd.read_csv(p) for name, p in zip(sm.params.names, sm.input.theory)}
    figures.save(figures.draw_cross(sm.params.figure, means, theories), sm.output.png, sm.output.get("pdf"))
