"""Snakemake adapter: the figures across the experiments of the config, from their tables."""

from transferability.core.joblog import job_log

sm = snakemake  # noqa: F821
with job_log(sm.log[0]):
    import pandas as pd

    from transferability.linear import figures

    means = pd.concat([pd.read_csv(p) for p in sm.input.cell_means], ignore_index=True)
    theories = {name: pd.read_csv(p) for name, p in zip(sm.params.names, sm.input.theory)}
    for name in sm.params.figures:
        figures.save(figures.draw_cross(name, means, theories), sm.output[name], sm.output.get(f"{name}_pdf"))
