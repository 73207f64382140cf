"""Snakemake adapter: all figures of one experiment."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import pandas as pd  # noqa: E402

from transferability import plots  # noqa: E402

sm = snakemake  # noqa: F821
p, out = sm.params, sm.output
runs, means = pd.read_csv(sm.input.runs), pd.read_csv(sm.input.means)
theory, pre = pd.read_csv(sm.input.theory), pd.read_csv(sm.input.pretraining)
lam = p.phase_lambda
plots.save(plots.phase_diagram(means, theory, "linear_transfer", "T_lt_exact",
                               f"{p.name}: linear transfer (λ = {lam:g})", lam=lam), out.phase_linear_transfer)
plots.save(plots.phase_diagram(means, theory, "fine_tune", "T_ft_exact", f"{p.name}: fine-tuning"),
           out.phase_fine_tune)
plots.save(plots.slices_figure(means, theory, p.slices_deg, p.name, lam=lam), out.slices)
plots.save(plots.scratch_figure(means, {p.name: theory}, p.name), out.scratch)
plots.save(plots.ridge_figure(runs, p.ridge_theta_deg, p.ridge_gamma, p.name), out.ridge)
plots.save(plots.pretraining_figure(pre, p.name), out.pretraining)
plots.save(plots.tuned_phase_figure(means, theory, p.name, lam=lam), out.phase_linear_transfer_tuned)
plots.save(plots.fine_tune_theta_figure(means, p.name), out.fine_tune_theta)
