"""The batched GD engine against a plain reference, closed-form end points, and Theorem 3.4."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from transferability.core.seeding import rng_for
from transferability.linear import procedures as P
from transferability.linear import tasks, theory
from transferability.linear.models import end_to_end, init_deep_linear, pretrain_diagnostics, rank_one_chain
from transferability.linear.training import DivergenceError, GDSettings, train_deep_linear


def _reference_gd(X, y, layers, lr_scale, grad_weight, steps):
    """Plain full-batch GD on (1/n)|X W_1...W_L - y|^2 with torch autograd, one instance, same step rule."""
    Ws = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in layers]
    Xt, yt = torch.tensor(X), torch.tensor(y)
    lam_max = torch.linalg.eigvalsh(Xt.T @ Xt / X.shape[0]).max()
    for _ in range(steps):
        out = Ws[0]
        for W in Ws[1:]:
            out = out @ W
        res = Xt @ out[:, 0] - yt
        loss = (res**2).mean()
        grads = torch.autograd.grad(loss, Ws)
        with torch.no_grad():
            gbeta = 2 * Xt.T @ res / X.shape[0]
            sq = torch.stack([(W**2).sum() for W in Ws])
            prod = torch.prod(sq)
            data = 2 * lam_max * torch.sum(prod / sq)
            norms = torch.sqrt(sq)
            resid = sum(
                torch.sqrt(prod) / (norms[a] * norms[b]) for a in range(len(Ws)) for b in range(a + 1, len(Ws))
            )
            lr = lr_scale / (data + grad_weight * torch.linalg.norm(gbeta) * resid)
            for W, g in zip(Ws, grads):
                W -= lr * g
    return [W.detach().numpy() for W in Ws]


@pytest.mark.parametrize("depth", [2, 3])
def test_engine_iterates_equal_plain_reference_gd(depth):
    """n > d: the rotated engine and plain autograd GD take the same steps (to rounding)."""
    d, n, h, steps = 6, 11, 5, 300
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d))
    beta = rng.standard_normal(d) / np.sqrt(d)
    y = X @ beta + 0.1 * rng.standard_normal(n)
    layers = [W[0] for W in init_deep_linear(d, h, depth, 0.3, 1, 0, "test")]
    ref = _reference_gd(X, y, layers, 0.8, 100.0, steps)

    U, s, Vt = np.linalg.svd(X / np.sqrt(n), full_matrices=False)
    t = U.T @ y / np.sqrt(n)
    first = (Vt @ layers[0])[None]
    res = train_deep_linear(
        [first] + [W[None] for W in layers[1:]], s[None], t[None],
        GDSettings(tol=0.0, max_steps=steps, lr_scale=0.8, grad_weight=100.0),
    )
    got = [Vt.T @ res.layers[0][0]] + [W[0] for W in res.layers[1:]]
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)
    assert res.steps[0] == steps and not res.converged[0]


@pytest.mark.parametrize("grad_weight", [100.0, 1.0])
@pytest.mark.parametrize("n", [12, 40])
def test_scratch_reaches_min_norm_solution(n, grad_weight):
    """From a small init, GD ends at X^+ y (n < d: minimum-norm interpolator; n > d: least squares), whatever
    the weight of the gradient term in the step bound (1 is the scratch baseline's default)."""
    d, B, sigma = 25, 4, 0.3
    beta_s, _ = tasks.make_tasks(d, B, seed=1)
    D = tasks.make_design(n, d, B, seed=1)
    st = GDSettings(tol=1e-14, max_steps=200_000, grad_weight=grad_weight)
    out = P.scratch(D, beta_s, sigma, d, 2, 1e-6, 1, st)
    assert out.converged.all()
    for b in range(B):
        g = rng_for(1, "design", n, d, b)  # rebuild X, y exactly as make_design does
        X = g.standard_normal((n, d))
        xi = g.standard_normal(n)
        y = X @ beta_s[b] + sigma * xi
        np.testing.assert_allclose(out.beta_hat[b], np.linalg.pinv(X) @ y, atol=1e-5)


@pytest.mark.parametrize("depth", [2, 3])
def test_scratch_with_the_stability_bound_alone_escapes_faster_to_the_same_end_point(depth):
    """grad_weight = 1 (the scratch baseline's default) against 100 (fine-tuning's): at least 2.5x fewer steps in
    all (the escape from the small init is shorter), every converged risk equal within 1e-4 relative (the end
    point z = t/s is unique)."""
    d, B, sigma = 40, 6, 0.2
    beta_s, _ = tasks.make_tasks(d, B, seed=5)
    for n in (8, 20, 60):
        D = tasks.make_design(n, d, B, seed=5)
        slow, fast = (P.scratch(D, beta_s, sigma, d, depth, 1e-5, 5, GDSettings(grad_weight=gw)) for gw in (100, 1))
        assert slow.converged.all() and fast.converged.all()
        assert fast.steps.sum() * 2.5 < slow.steps.sum()
        np.testing.assert_allclose(fast.risk, slow.risk, rtol=1e-4)


def test_pretraining_gives_rank_one_aligned_balanced_features():
    """Theorem 3.4 at small d: one singular value ~1, the rest O(alpha); aligned with beta_s; balanced."""
    d, B, alpha = 20, 5, 1e-4
    beta_s, _ = tasks.make_tasks(d, B, seed=3)
    layers, res = P.pretrain_population(beta_s, d, 2, alpha, 3, GDSettings(tol=1e-12))
    diag = pretrain_diagnostics(layers, beta_s)
    assert res.converged.all()
    assert np.allclose(diag["singular_values"][:, 0], 1.0, atol=1e-5)
    assert np.all(diag["singular_values"][:, 1] < 10 * alpha)
    assert np.all(diag["alignment"] > 1 - 1e-8)
    assert np.all(diag["balancedness"] < 10 * alpha**2 * d)
    assert np.all(diag["source_risk"] < 1e-11)


def test_depth_three_reaches_the_depth_two_end_point():
    """The scratch end point (min-norm interpolator) does not depend on depth."""
    d, n, B = 20, 10, 3
    beta_s, _ = tasks.make_tasks(d, B, seed=4)
    D = tasks.make_design(n, d, B, seed=4)
    st = GDSettings(tol=1e-14, max_steps=300_000)
    two = P.scratch(D, beta_s, 0.1, d, 2, 1e-6, 4, st)
    three = P.scratch(D, beta_s, 0.1, d, 3, 1e-5, 4, st)
    assert two.converged.all() and three.converged.all()
    np.testing.assert_allclose(three.beta_hat, two.beta_hat, atol=1e-4)


def _pretrained(d, B, alpha, seed=5, depth=2):
    beta_s, nu = tasks.make_tasks(d, B, seed=seed)
    layers, _ = P.pretrain_population(beta_s, d, depth, alpha, seed, GDSettings(tol=1e-14))
    return beta_s, nu, layers


def test_rank_one_fine_tuning_matches_full_width_fine_tuning():
    """Dropping the O(alpha) residual of pretraining changes the fine-tuned map by O(alpha^2)."""
    d, n, B, alpha = 24, 12, 3, 1e-3
    beta_s, nu, layers = _pretrained(d, B, alpha)
    D = tasks.make_design(n, d, B, seed=5)
    bt = tasks.target_task(beta_s, nu, np.deg2rad(50))
    st = GDSettings(tol=1e-12, max_steps=200_000)
    full = P.fine_tune(layers, D, bt, 0.2, st, reduce=False)
    chain = P.fine_tune(layers, D, bt, 0.2, st, reduce=True)
    assert np.max(np.abs(full.beta_hat - chain.beta_hat)) < 100 * alpha**2
    np.testing.assert_allclose(end_to_end(rank_one_chain(layers)), end_to_end(layers), atol=1e-14)


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_fine_tuning_ends_at_the_gradient_flow_end_point(depth):
    """beta_ft = X^+ y + c (I - P) beta_s (alpha -> 0), with c = q^((L-1)/2) and q the positive root of
    q^L - |(I-P) beta_s|^2 q^(L-1) - |X^+ y|^2 = 0: for L = 2, c^4 - |(I-P) beta_s|^2 c^2 - |X^+ y|^2 = 0. The
    depth-2 factor misses the deeper end points by over 5 times as much (checked for L = 3, 4)."""
    d, n, B, sigma = 60, 30, 4, 0.5
    beta_s, nu, layers = _pretrained(d, B, 1e-5, depth=depth)
    D = tasks.make_design(n, d, B, seed=5)
    bt = tasks.target_task(beta_s, nu, np.deg2rad(70))
    out = P.fine_tune(layers, D, bt, sigma, GDSettings(tol=1e-12, max_steps=500_000))
    t = tasks.design_targets(D, bt, sigma)
    for b in range(B):
        V = D.V[b]
        b_sc = V @ (t[b] / D.s[b])
        perp = beta_s[b] - V @ (V.T @ beta_s[b])
        c = theory.balancedness_factor(perp @ perp, b_sc @ b_sc, depth)
        pred = b_sc + c * perp
        # GD with the default step rule tracks gradient flow to within 0.005 in risk
        assert abs(np.sum((out.beta_hat[b] - bt[b]) ** 2) - np.sum((pred - bt[b]) ** 2)) < 5e-3
        assert np.max(np.abs(out.beta_hat[b] - pred)) < 5e-3
        if depth > 2:
            c2 = theory.balancedness_factor(perp @ perp, b_sc @ b_sc, 2)
            miss = np.linalg.norm(out.beta_hat[b] - (b_sc + c2 * perp))
            assert miss > 5 * np.linalg.norm(out.beta_hat[b] - pred)


@pytest.mark.parametrize("n, sigma, theta_deg", [(54, 0.5, 70), (30, 2.0, 160)])
def test_fine_tuning_with_the_defaults_ends_within_2_percent_of_gradient_flow(n, sigma, theta_deg):
    """The bound the README states: with the default tol (1e-6) the fine-tuned risk is within 2% (relative) of
    gradient flow's end point (GD with 5x shorter steps run to 1e-11), at n/d = 0.9 (where the weights outside
    the data's row space drift longest after the train loss has reached tol) and at large noise and angle; the
    gap shrinks with tol (0.5% at 1e-9)."""
    d, B = 60, 4
    beta_s, nu, layers = _pretrained(d, B, 1e-5)
    D = tasks.make_design(n, d, B, seed=15)
    bt = tasks.target_task(beta_s, nu, np.deg2rad(theta_deg))
    flow = P.fine_tune(layers, D, bt, sigma, GDSettings(tol=1e-11, lr_scale=0.2, max_steps=2_000_000))
    gaps = {}
    for tol in (1e-6, 1e-9):
        out = P.fine_tune(layers, D, bt, sigma, GDSettings(tol=tol))
        assert out.converged.all() and flow.converged.all()
        gaps[tol] = np.max(np.abs(out.risk - flow.risk) / flow.risk)
    assert gaps[1e-6] < 0.02 and gaps[1e-9] < 0.005, gaps


def test_divergence_is_detected_and_names_the_job_and_fix():
    d, n, B = 10, 20, 2
    beta_s, _ = tasks.make_tasks(d, B, seed=6)
    D = tasks.make_design(n, d, B, seed=6)
    with pytest.raises(DivergenceError, match=r"my-cell.*lr_scale=8.*train.lr_scale"):
        P.scratch(D, beta_s, 0.1, d, 2, 0.5, 6, GDSettings(lr_scale=8.0, grad_weight=0.0), label="my-cell")


def test_budget_exhaustion_is_flagged_not_hidden():
    d, B = 30, 3
    beta_s, _ = tasks.make_tasks(d, B, seed=7)
    D = tasks.make_design(d, d, B, seed=7)  # n = d: X^T X is ill-conditioned
    out = P.scratch(D, beta_s, 0.2, d, 2, 1e-5, 7, GDSettings(tol=1e-12, max_steps=50))
    assert not out.converged.any()
    assert np.all(out.steps == 50)
    assert np.all(np.isfinite(out.risk))


def test_instances_are_independent_of_batch_composition():
    """An instance's trajectory does not depend on which other instances share its batch."""
    d, n = 15, 9
    beta_s, _ = tasks.make_tasks(d, 3, seed=8)
    D = tasks.make_design(n, d, 3, seed=8)
    st = GDSettings(tol=1e-10, max_steps=100_000)
    both = P.scratch(D, beta_s, 0.1, d, 2, 1e-5, 8, st)
    layers = init_deep_linear(d, d, 2, 1e-5, 3, 8, "scratch_init", n)
    from transferability.linear.models import rotate_in

    A, _ = rotate_in(layers[0], D.V)
    t = tasks.design_targets(D, beta_s, 0.1)
    alone = train_deep_linear([A[1:2], layers[1][1:2]], D.s[1:2], t[1:2], st)
    assert alone.steps[0] == both.steps[1]
    np.testing.assert_array_equal(alone.layers[1][0], train_deep_linear([A, layers[1]], D.s, t, st).layers[1][1])


def test_weight_decay_scratch_matches_the_self_consistent_ridge_solution():
    """L = 2 with weight decay wd: min over factorisations of wd(|W_1|^2 + |w|^2) is 2 wd |beta|, so the end point
    solves M^T (M beta - t) + wd beta/|beta| = 0, i.e. ridge regression with lambda = wd/|beta| (closed form)."""
    d, n, B, sigma = 12, 20, 2, 0.3
    beta_s, _ = tasks.make_tasks(d, B, seed=12)
    D = tasks.make_design(n, d, B, seed=12)
    wds = np.array([0.0, 0.01, 0.05])
    out = P.scratch(D, beta_s, sigma, d, 2, 1e-4, 12, GDSettings(tol=1e-20, max_steps=200_000), weight_decays=wds)
    assert out.risk.shape == (B, 3) and out.converged.all()
    t = tasks.design_targets(D, beta_s, sigma)
    for b in range(B):
        M = D.s[b][:, None] * D.V[b].T  # (r, d): data term |M beta - t|^2
        for k, wd in enumerate(wds):
            beta = out.beta_hat[b, k]
            lam = wd / np.linalg.norm(beta)
            ridge = np.linalg.solve(M.T @ M + lam * np.eye(d), M.T @ t[b])
            np.testing.assert_allclose(beta, ridge, atol=1e-5)
    # weight decay shrinks the solution
    norms = np.linalg.norm(out.beta_hat, axis=2)
    assert np.all(np.diff(norms, axis=1) < 0)


def test_weight_decay_scratch_with_the_default_tolerance_leaves_the_saddle_at_the_origin():
    """From the pipeline's init (1e-5) the gradient is ~1e-10 at the start, below the default tol (1e-6): the
    gradient test alone stopped there (risk |beta_t|^2 = 1, the zero predictor). For L = 2 the origin is a saddle
    when |s t| > wd, so the run must go on to the self-consistent ridge end point (within 1e-2 at tol 1e-6). For
    L = 3 the origin is a local minimum of the penalised objective and the run rightly stays there."""
    d, n, B, sigma = 12, 20, 2, 0.3
    beta_s, _ = tasks.make_tasks(d, B, seed=12)
    D = tasks.make_design(n, d, B, seed=12)
    wds = np.array([1e-4, 1e-2])
    out = P.scratch(D, beta_s, sigma, d, 2, 1e-5, 12, GDSettings(), weight_decays=wds)
    assert out.converged.all() and np.all(out.risk < 0.5) and np.all(out.steps > 100)
    t = tasks.design_targets(D, beta_s, sigma)
    for b in range(B):
        M = D.s[b][:, None] * D.V[b].T
        for k, wd in enumerate(wds):
            beta = out.beta_hat[b, k]
            ridge = np.linalg.solve(M.T @ M + wd / np.linalg.norm(beta) * np.eye(d), M.T @ t[b])
            np.testing.assert_allclose(beta, ridge, atol=1e-2)
    deep = P.scratch(D, beta_s, sigma, d, 3, 1e-5, 12, GDSettings(), weight_decays=wds)
    assert deep.converged.all()
    np.testing.assert_allclose(deep.risk, 1.0, atol=1e-6)


@pytest.mark.parametrize("d,wd", [(12, 0.0), (12, 0.02), (300, 0.0)])
def test_torch_engine_reproduces_the_numpy_engine(d, wd):
    """The CUDA code path (run here on torch's CPU device) takes the same steps as the numpy engine.

    d = 300 exercises the numpy engine's cache-blocked in-place updates and incremental end-to-end vector.
    """
    from transferability.linear.training import train_deep_linear_torch

    n, B = d // 2, 3
    beta_s, _ = tasks.make_tasks(d, B, seed=14)
    D = tasks.make_design(n, d, B, seed=14)
    layers = init_deep_linear(d, d, 2, 1e-3, B, 14, "scratch_init", n)
    from transferability.linear.models import rotate_in

    A, _ = rotate_in(layers[0], D.V)
    t = tasks.design_targets(D, beta_s, 0.3)
    st = GDSettings(tol=1e-10, max_steps=20_000)
    wds = np.full(B, wd)
    ref = train_deep_linear([A, layers[1]], D.s, t, st, weight_decay=wds, device="cpu")
    lines = []
    got = train_deep_linear_torch([A, layers[1]], D.s, t, replace(st, progress_every_s=0.0), device="cpu",
                                  weight_decay=wds, label="gpu-cell", progress=lines.append)
    assert ref.converged.all() and got.converged.all()
    assert lines and all("time left: at most" in ln for ln in lines)
    assert np.all(np.abs(got.steps - ref.steps) <= 1 + 0.001 * ref.steps)
    for a, b in zip(got.layers, ref.layers):
        np.testing.assert_allclose(a, b, atol=1e-8)


def _conditioned_problem(B: int = 4, r: int = 5, smallest: float = 1e-2):
    """Rank-one-chain problems started near their solution, off it in every direction: the fast directions
    converge at once and the smallest singular value ``smallest`` sets a geometric tail."""
    rng = np.random.default_rng(7)
    s = np.tile(np.linspace(1.0, smallest, r), (B, 1))
    z_star = rng.standard_normal((B, r))
    layers = [(z_star + 0.1 * rng.standard_normal((B, r)))[..., None], np.ones((B, 1, 1))]
    return layers, s, s * z_star


def test_spectrum_stop_is_right_and_immediate_where_the_smallest_singular_value_forbids_convergence():
    """With a smallest singular value of 3e-3 the design's spectrum alone says tol is out of reach: every instance
    stops within the first two checks (50 steps), flagged STOP_SPECTRUM, and the same run without the rule indeed
    ends unconverged at max_steps."""
    from transferability.linear.training import STOP_BUDGET, STOP_SPECTRUM

    layers, s, t = _conditioned_problem(smallest=3e-3)
    budget = 20_000
    fast = train_deep_linear(layers, s, t, GDSettings(tol=1e-12, max_steps=budget))
    slow = train_deep_linear(layers, s, t, GDSettings(tol=1e-12, max_steps=budget, predict_stop=False))
    assert not slow.converged.any() and (slow.stop_reason == STOP_BUDGET).all() and (slow.steps == budget).all()
    assert (fast.stop_reason == STOP_SPECTRUM).all() and not fast.converged.any()
    assert fast.steps.max() <= 50


def test_no_early_stop_is_reported_at_the_budget_itself():
    """An instance that reaches max_steps is stopped by the budget, never relabelled as predicted there."""
    from transferability.linear.training import STOP_BUDGET, STOP_CONVERGED

    layers, s, t = _conditioned_problem(smallest=0.03)
    out = train_deep_linear(layers, s, t, GDSettings(tol=1e-12, max_steps=20_000))
    at_budget = out.steps == 20_000
    assert at_budget.any() and (out.stop_reason[at_budget] == STOP_BUDGET).all()
    assert (out.converged == (out.stop_reason == STOP_CONVERGED)).all()


def test_predicted_stop_is_right_and_early_on_hopeless_instances():
    """An instance whose geometric tail cannot reach tol in the budget (though the spectrum's bound alone would
    allow it) stops early, flagged STOP_PREDICTED, and the same run without the rule indeed ends unconverged at
    max_steps."""
    from transferability.linear.training import STOP_BUDGET, STOP_PREDICTED

    layers, s, t = _conditioned_problem(smallest=0.02)
    budget = 20_000
    fast = train_deep_linear(layers, s, t, GDSettings(tol=1e-12, max_steps=budget))
    slow = train_deep_linear(layers, s, t, GDSettings(tol=1e-12, max_steps=budget, predict_stop=False))
    assert not slow.converged.any() and (slow.stop_reason == STOP_BUDGET).all() and (slow.steps == budget).all()
    assert (fast.stop_reason == STOP_PREDICTED).all() and not fast.converged.any()
    assert fast.steps.max() <= budget // 2  # it spent at most half the budget learning that
    # the predicted end: the excess loss at the budget is indeed above tol (checked by the full run)
    assert (slow.loss > 1e-12).all()


def test_predicted_stop_never_changes_a_run_that_converges():
    layers, s, t = _conditioned_problem(smallest=0.3)
    on = train_deep_linear(layers, s, t, GDSettings(tol=1e-10, max_steps=20_000))
    off = train_deep_linear(layers, s, t, GDSettings(tol=1e-10, max_steps=20_000, predict_stop=False))
    assert on.converged.all()
    np.testing.assert_array_equal(on.steps, off.steps)
    np.testing.assert_array_equal(on.loss, off.loss)
    for a, b in zip(on.layers, off.layers):
        np.testing.assert_array_equal(a, b)


def test_progress_lines_estimate_the_time_left():
    """Long trainings report, besides step and loss, the time left at the measured rate and the budget's bound."""
    from transferability.core.progress import time_left

    assert time_left(1e-3, 1e-6, 1e-3, 0.01, 10**6) == \
        "time left: about 69 s at the current rate, at most 2.8 h (step budget)"  # ln(1000)/1e-3 steps x 10 ms
    assert time_left(1e-3, 1e-6, 0.0, 0.01, 100) == "time left: at most 1 s (step budget)"
    d, B = 40, 3
    beta_s, _ = tasks.make_tasks(d, B, seed=1)
    D = tasks.make_design(38, d, B, seed=1)
    lines = []
    P.scratch(D, beta_s, 0.2, d, 2, 1e-5, 1, GDSettings(max_steps=20000, progress_every_s=0.0), label="cell",
              progress=lines.append)
    assert lines and all(ln.startswith("cell: step ") and "time left: " in ln for ln in lines)
    assert any("at the current rate" in ln for ln in lines)


@pytest.mark.parametrize("method", ["scratch", "fine_tune"])
def test_runs_stopped_early_near_n_equals_d_would_not_have_converged(method):
    """At n = d (d = 30, 16 instances, sigma = 0.2) the early stops are right: every instance stopped by the
    spectrum or its rate ends unconverged when the same run spends its whole budget, and every other instance
    ends exactly as without the rule."""
    from transferability.linear.training import STOP_PREDICTED, STOP_SPECTRUM

    d, B, budget = 30, 16, 30_000
    D = tasks.make_design(d, d, B, seed=3)
    beta_s, nu = tasks.make_tasks(d, B, seed=3)
    beta_t = np.cos(0.5) * beta_s + np.sin(0.5) * nu

    def run(predict: bool):
        st = GDSettings(tol=1e-6, max_steps=budget, predict_stop=predict)
        if method == "scratch":
            return P.scratch(D, beta_t, 0.2, d, 2, 1e-5, 0, st)
        pre, _ = P.pretrain_population(beta_s, d, 2, 1e-5, 0, GDSettings(tol=1e-8, max_steps=50_000))
        return P.fine_tune(pre, D, beta_t, 0.2, st)

    on, off = run(True), run(False)
    early = np.isin(on.stop_reason, (STOP_PREDICTED, STOP_SPECTRUM))
    assert early.sum() >= B // 4, on.stop_reason  # many instances at n = d cannot converge in the budget
    assert not off.converged[early].any()
    np.testing.assert_array_equal(on.risk[~early], off.risk[~early])
    assert on.steps[early].sum() < 0.5 * off.steps[early].sum()  # and the rule saved most of their steps


def test_fine_tuning_several_targets_at_once_equals_each_alone():
    """A fine-tuning batch job trains every angle of a row together; each cell's numbers are bit-identical to
    training it alone (so a row extended by one angle gives the same numbers as a fresh run)."""
    d, B = 20, 5
    D = tasks.make_design(18, d, B, seed=1)
    beta_s, nu = tasks.make_tasks(d, B, seed=1)
    pre, _ = P.pretrain_population(beta_s, d, 2, 1e-5, 0, GDSettings(tol=1e-8, max_steps=50_000))
    chain = rank_one_chain(pre)
    thetas = np.deg2rad([15.0, 60.0, 150.0])
    beta_ts = np.stack([tasks.target_task(beta_s, nu, th) for th in thetas])
    st = GDSettings(tol=1e-6, max_steps=30_000)
    together = P.fine_tune_targets(chain, D, beta_ts, 0.2, st)
    for k in range(3):
        alone = P.fine_tune(chain, D, beta_ts[k], 0.2, st, reduce=False)
        for field in ("risk", "train_loss", "steps", "converged", "stop_reason", "beta_hat"):
            np.testing.assert_array_equal(getattr(together[k], field), getattr(alone, field), err_msg=field)
