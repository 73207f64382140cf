"""Snakemake adapter: the figures of the ReLU study."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import pandas as pd  # noqa: E402

from transferability import config as tcfg  # noqa: E402
from transferability import relu_plots as rp  # noqa: E402
from transferability.plots import save  # noqa: E402
from transferability.store import load_cell  # noqa: E402

sm = snakemake  # noqa: F821
r = tcfg.relu_from_record(sm.params.study)
tcfg.pin_numerics_version(sm.params.numerics, kind="relu")
means, fit = pd.read_csv(sm.input.means), pd.read_csv(sm.input.fit)
theory, scratch = pd.read_csv(sm.input.theory), pd.read_csv(sm.input.scratch)
_, pre = load_cell(sm.input.kernel, expect=tcfg.relu_pretrain_spec(r, r.kernel_figure_mu, r.seeds[0]))
size = f"d = {r.d}, m* = {r.m_star}, m = {r.width}"
lam = r.phase_lambda
save(rp.relu_phase_figure(means, theory, fit, "linear_transfer", f"ReLU, linear transfer (λ = {lam:g}; {size})",
                          lam=lam), sm.output.phase_linear_transfer)
save(rp.relu_phase_figure(means, theory, fit, "fine_tune", f"ReLU, fine-tuning ({size})"), sm.output.phase_fine_tune)
save(rp.relu_scratch_figure(scratch, fit, theory, f"ReLU scratch training ({size})"), sm.output.scratch_power_law)
save(rp.p_perp_figure(theory, means, lam, f"Target outside the source features ({size})"), sm.output.p_perp)
save(rp.kernel_figure(pre["gram_student"], pre["gram_source"], theory, r.kernel_figure_mu,
                      f"Hidden-layer kernels ({size})"), sm.output.kernels)
