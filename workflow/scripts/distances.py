"""Snakemake adapter: distances between source and target laws, and transferability against them."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import pandas as pd  # noqa: E402

from transferability.linear import plots  # noqa: E402
from transferability.linear.distances import distance_table, with_theory  # noqa: E402

sm = snakemake  # noqa: F821
s, sigma = sm.params.settings, sm.params.sigma
if sigma <= 0:
    raise ValueError(f"distances.experiment {s['experiment']!r} has sigma = 0: KL is infinite; choose a noisy one")
means = pd.read_csv(sm.input.cell_means)
gamma = plots.nearest(means.gamma.unique(), s["gamma"])
table = with_theory(distance_table(s["sweep_deg"], sigma, s["dims"], s["samples"], seed=sm.params.seed), gamma, sigma)
table.to_csv(sm.output.table, index=False)
figs = plots.distance_figures(table, means, s["gamma"], s["fixed_theta_deg"], sigma, s["experiment"])
for fig, name in zip(figs, ("kl", "w1", "pair")):
    plots.save(fig, sm.output[name], sm.output.get(f"{name}_pdf"))
