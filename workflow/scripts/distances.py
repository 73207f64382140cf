"""Snakemake adapter: transferability against the distances between source and target laws (figures)."""

from transferability.core.joblog import job_log

sm = snakemake  # noqa: F821
with job_log(sm.log[0]):
    import pandas as pd

    from transferability.linear import plots

    s, sigma = sm.params.settings, sm.params.sigma
    table = pd.read_csv(sm.input.distances)
    means = pd.read_csv(sm.input.cell_means)
    theory = pd.read_csv(sm.input.theory)
    figs = plots.distance_figures(table, means, s["gamma"], s["fixed_theta_deg"], sigma, s["experiment"], theory)
    for fig, name in zip(figs, ("kl", "w1", "pair")):
        plots.save(fig, sm.output[name], sm.output.get(f"{name}_pdf"))
