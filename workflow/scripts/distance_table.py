"""Snakemake adapter: distances between the source and target laws over the angle sweep (needs no cells)."""

from transferability.core.joblog import job_log

sm = snakemake  # noqa: F821
with job_log(sm.log[0]):
    from transferability.core.tables import write_tables
    from transferability.linear.distances import distance_table, with_theory

    s, sigma = sm.params.settings, sm.params.sigma
    table = with_theory(distance_table(s["sweep_deg"], sigma, s["dims"], s["samples"], seed=sm.params.seed),
                        sm.params.gamma, sigma)
    write_tables({"distances": table}, sm.output, s["experiment"])
