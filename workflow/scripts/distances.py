"""Snakemake adapter: distances between source and target laws, and transferability against them."""

from transferability.core.joblog import job_log

sm = snakemake  # noqa: F821
with job_log(sm.log[0]):
    import pandas as pd

    from transferability.core.tables import write_tables
    from transferability.linear import plots
    from transferability.linear.distances import distance_table, with_theory

    s, sigma = sm.params.settings, sm.params.sigma
    means = pd.read_csv(sm.input.cell_means)
    theory = pd.read_csv(sm.input.theory)
    gamma = plots.nearest(means.gamma.unique(), s["gamma"])
    table = with_theory(distance_table(s["sweep_deg"], sigma, s["dims"], s["samples"], seed=sm.params.seed),
                        gamma, sigma)
    write_tables({"distances": table}, sm.output, s["experiment"])
    figs = plots.distance_figures(table, means, s["gamma"], s["fixed_theta_deg"], sigma, s["experiment"], theory)
    for fig, name in zip(figs, ("kl", "w1", "pair")):
        plots.save(fig, sm.output[name], sm.output.get(f"{name}_pdf"))
