"""Snakemake adapter: closed-form theory of one experiment on a fine (theta, gamma) grid."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from transferability.linear.theory_grid import theory_grid  # noqa: E402

s = snakemake.params.settings  # noqa: F821
grid = theory_grid(s["d"], s["sigma"], s["theta_max_deg"], s["gamma_max"], source_gamma=s["source_gamma"],
                   source_sigma=s["source_sigma"])
grid.to_csv(snakemake.output[0], index=False)  # noqa: F821
