"""Snakemake adapter: closed-form theory on a fine grid."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from transferability.theory_grid import theory_grid  # noqa: E402

p = snakemake.params  # noqa: F821
grid = theory_grid(p.d, p.sigma, p.theta_max_deg, p.gamma_max, source_gamma=p.source_gamma, source_sigma=p.source_sigma)
grid.to_csv(snakemake.output[0], index=False)  # noqa: F821
