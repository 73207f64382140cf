"""Snakemake adapter: closed-form theory of one experiment on a fine (theta, gamma) grid."""

from transferability.core.joblog import job_log

with job_log(snakemake.log[0]):  # noqa: F821
    from transferability.linear.theory_grid import theory_grid

    s = snakemake.params.settings  # noqa: F821
    grid = theory_grid(s["d"], s["sigma"], s["theta_max_deg"], s["gamma_max"], source_gamma=s["source_gamma"],
                       source_sigma=s["source_sigma"], depth=s["depth"])
    grid.to_csv(snakemake.output[0], index=False)  # noqa: F821
