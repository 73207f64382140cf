"""Building blocks of the ReLU student-teacher experiment (Section 4), against Monte Carlo and known cases."""

import numpy as np
import pytest
import torch

from transferability.relu import model as R
from transferability.relu import readout as RO
from transferability.relu.population import population_loss_and_grads, pretrain_population


def test_arccos_kernel_matches_monte_carlo():
    rng = np.random.default_rng(0)
    d = 6
    X = rng.standard_normal((400_000, d))
    for t in (-0.9, -0.3, 0.0, 0.5, 0.95):
        u = np.eye(d)[0]
        v = t * np.eye(d)[0] + np.sqrt(1 - t**2) * np.eye(d)[1]
        mc = np.maximum(X @ u, 0) * np.maximum(X @ v, 0)
        assert abs(mc.mean() - R.arccos_kernel(t)) < 4 * mc.std() / np.sqrt(len(mc))
    # non-unit rows scale the Gram matrix
    U = np.array([[2.0, 0, 0, 0, 0, 0]])
    assert R.relu_gram(U, U)[0, 0] == pytest.approx(4 * R.arccos_kernel(1.0)) == pytest.approx(2.0)


def test_projection_residual_known_cases():
    d, m_star = 8, 6
    W, a = R.make_teacher(d, m_star, seed=1, instance=0)
    norm2 = a @ R.relu_gram(W, W) @ a
    assert RO.projection_residual(W, W, a) == pytest.approx(0.0, abs=1e-8 * norm2)  # mu = 0: nothing outside
    # a target orthogonal to the source span: g(x) = v.x = relu(v.x) - relu(-v.x), sources orthogonal to v
    v = np.eye(d)[0]
    src = np.eye(d)[1:5]
    g_W, g_a = np.stack([v, -v]), np.array([1.0, -1.0])
    full = g_a @ R.relu_gram(g_W, g_W) @ g_a
    assert full == pytest.approx(1.0)
    assert RO.projection_residual(src, g_W, g_a) == pytest.approx(full, rel=1e-8)
    # removing neurons can only increase the residual
    res = [RO.projection_residual(W[: R.source_size(m_star, mu)], W, a) for mu in (0.0, 0.5, 1.0)]
    assert res[0] <= res[1] <= res[2] == pytest.approx(norm2)


def test_population_loss_and_gradients_are_exact():
    """Closed-form population loss against Monte Carlo, its gradients against finite differences."""
    rng = np.random.default_rng(3)
    d, m, k = 4, 6, 3
    W, c = rng.standard_normal((m, d)), rng.standard_normal(m)
    W[5] = 3.0 * W[0]  # parallel neurons: angle 0 off the diagonal
    Wt, a = R.make_teacher(d, k, seed=3, instance=0)
    norm2 = a @ R.relu_gram(Wt, Wt) @ a
    loss, gc, gW = population_loss_and_grads(W, c, Wt, a, norm2)
    assert loss == pytest.approx(R.population_risk(W, c / m, Wt, a), rel=1e-12)
    X = rng.standard_normal((400_000, d))
    err2 = (np.maximum(X @ W.T, 0) @ c / m - np.maximum(X @ Wt.T, 0) @ a) ** 2
    assert abs(err2.mean() - loss) < 4 * err2.std() / np.sqrt(len(X))
    eps = 1e-6
    for i, j in [(0, 0), (2, 3), (4, 1)]:
        Wp, Wm = W.copy(), W.copy()
        Wp[i, j] += eps
        Wm[i, j] -= eps
        fd = (population_loss_and_grads(Wp, c, Wt, a, norm2)[0] - population_loss_and_grads(Wm, c, Wt, a, norm2)[0])
        assert fd / (2 * eps) == pytest.approx(gW[i, j], rel=1e-6, abs=1e-10)
    for i in (0, 3):
        cp, cm = c.copy(), c.copy()
        cp[i] += eps
        cm[i] -= eps
        fd = population_loss_and_grads(W, cp, Wt, a, norm2)[0] - population_loss_and_grads(W, cm, Wt, a, norm2)[0]
        assert fd / (2 * eps) == pytest.approx(gc[i], rel=1e-6, abs=1e-10)
    # float32 evaluation: the same to float32 rounding; a zero neuron: exact loss, no gradient on its output weight
    loss32, gc32, gW32 = population_loss_and_grads(W, c, Wt, a, norm2, dtype=torch.float32)
    assert loss32 == pytest.approx(loss, rel=1e-6)
    assert np.abs(gc32 - gc).max() < 1e-5 * np.abs(gc).max() and np.abs(gW32 - gW).max() < 1e-5 * np.abs(gW).max()
    W[2] = 0.0
    loss0, gc0, gW0 = population_loss_and_grads(W, c, Wt, a, norm2)
    assert loss0 == pytest.approx(R.population_risk(W, c / m, Wt, a), rel=1e-12)
    assert np.all(np.isfinite(gW0)) and gc0[2] == pytest.approx(0.0, abs=1e-15)


def test_function_variance_matches_monte_carlo():
    Wt, a = R.make_teacher(5, 4, seed=4, instance=0)
    X = np.random.default_rng(4).standard_normal((400_000, 5))
    g = np.maximum(X @ Wt.T, 0) @ a
    se = np.sqrt(2 / len(X)) * g.var()  # s.e. of a Gaussian-like sample variance (ample for this check)
    assert abs(g.var() - R.function_variance(Wt, a)) < 5 * se


def test_population_pretraining_learns_the_source_teacher():
    """Threshold: population source loss below 1e-4 Var g_s, and the student's hidden kernel aligns with the
    source teacher's (CKA > 0.95) far better than at initialisation."""
    d, m_star, m = 6, 6, 60
    Wt, a = R.make_teacher(d, m_star, seed=5, instance=0)
    k = R.source_size(m_star, 0.5)
    Ws, a_s = Wt[:k], a[:k]
    W0, c0 = R.init_student(d, m, 1e-4, 5, "relu_student", 0)
    norm2 = a_s @ R.relu_gram(Ws, Ws) @ a_s
    assert R.population_risk(W0, c0 / m, Ws, a_s) == pytest.approx(norm2, rel=1e-3)
    W, c, steps, converged, loss = pretrain_population(W0, c0, Ws, a_s, 1.0, 10.0, 20000, 1e-4)
    assert converged and loss <= 1e-4 * R.function_variance(Ws, a_s)
    assert R.population_risk(W, c / m, Ws, a_s) == pytest.approx(loss, rel=1e-9)
    Xp = np.random.default_rng(5).standard_normal((300, d))
    K_source = R.hidden_kernel(Xp, Ws)
    cka = R.centered_kernel_alignment(R.hidden_kernel(Xp, W), K_source)
    assert cka > 0.95 and cka > R.centered_kernel_alignment(R.hidden_kernel(Xp, W0), K_source) + 0.2


def test_sample_training_reduces_the_source_risk():
    d, m_star, m, N = 5, 4, 60, 600
    Wt, a = R.make_teacher(d, m_star, seed=2, instance=0)
    X, y = R.target_sample(Wt, a, N, 0.0, seed=2, instance=0)
    W0, c0 = R.init_student(d, m, 1e-3, 2, "student_init")
    W, c, steps, converged, loss = R.train_student(X, y, W0, c0, lr=1.0, max_steps=20000, tol=1e-5, lr_max=50.0)
    assert converged and loss <= 1e-5 * y.var()
    assert R.population_risk(W, c / m, Wt, a) < 0.05 * R.function_variance(Wt, a)


def test_target_samples_are_keyed_by_seed_n_and_instance():
    Wt, a = R.make_teacher(5, 4, seed=0, instance=0)
    X1, y1 = R.target_sample(Wt, a, 10, 0.1, seed=0, instance=2)
    X2, y2 = R.target_sample(Wt, a, 10, 0.1, seed=0, instance=2)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    X3, _ = R.target_sample(Wt, a, 10, 0.1, seed=0, instance=3)
    X4, y4 = R.target_sample(Wt, a, 10, 0.0, seed=0, instance=2)
    assert not np.allclose(X1, X3)
    assert np.array_equal(X1, X4) and np.allclose(y4, np.maximum(X1 @ Wt.T, 0) @ a)  # noise only adds to y


def test_readouts_converge_to_their_population_limits():
    """With many samples the sample readouts (ridge, and least squares on the significant subspace) reach the
    closed-form n -> infinity risks (1% tolerance)."""
    rng = np.random.default_rng(6)
    d = 4
    W = rng.standard_normal((6, d))
    Wt, a = R.make_teacher(d, 5, seed=6, instance=0)
    X = rng.standard_normal((200_000, d))
    y = np.maximum(X @ Wt.T, 0) @ a
    basis = RO.significant_basis(W, 1e-3)
    lams = [0.0, 1e-3, 1e-1]
    for coef, limit in zip(RO.sample_readouts(X, y, W, lams, basis), RO.limit_readouts(W, Wt, a, lams, basis)):
        assert R.population_risk(W, coef, Wt, a) == pytest.approx(R.population_risk(W, limit, Wt, a), rel=1e-2)
    # the population limit can only grow with lambda and never exceeds E g^2
    limits = [R.population_risk(W, cf, Wt, a) for cf in RO.limit_readouts(W, Wt, a, [1e-4, 1e-2, 1.0], basis)]
    assert limits[0] <= limits[1] <= limits[2] <= a @ R.relu_gram(Wt, Wt) @ a


def test_power_law_crossing():
    n = np.array([10, 20, 40, 80, 160, 320])
    exact = R.fit_power_law(n, 2.0 * n**-1.2)
    n_star, lo, hi = R.power_law_crossing(exact, 2.0 * 50.0**-1.2)
    assert n_star == pytest.approx(50.0) and lo == pytest.approx(50.0, rel=1e-2) and hi == pytest.approx(50.0, rel=1e-2)
    # with log-normal noise the band covers the true crossing about 95% of the time (400 fits: 0.92..0.98)
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(400):
        fit = R.fit_power_law(n, 2.0 * n**-1.2 * np.exp(rng.normal(0, 0.1, n.size)))
        n_star, lo, hi = R.power_law_crossing(fit, 2.0 * 50.0**-1.2)
        assert lo <= n_star <= hi
        covered += lo <= 50.0 <= hi
    assert 0.92 <= covered / 400 <= 0.98
    # extrapolating far outside the data widens the band
    far = R.power_law_crossing(fit, 2.0 * 5000.0**-1.2)
    assert np.log(far[2] / far[1]) > np.log(hi / lo)
    assert all(np.isnan(R.power_law_crossing(fit, 0.0)))


def test_power_law_fit_and_alignment():
    n = np.array([20, 40, 80, 160, 320])
    fit = R.fit_power_law(n, 3.0 * n**-1.2)
    assert fit["A"] == pytest.approx(3.0) and fit["nu"] == pytest.approx(1.2)
    assert fit["nu_lo"] <= 1.2 <= fit["nu_hi"]
    K = np.random.default_rng(0).standard_normal((10, 10))
    K = K @ K.T
    assert R.centered_kernel_alignment(K, 3 * K) == pytest.approx(1.0)
    assert R.centered_kernel_alignment(K, np.eye(10)) < 1.0


def test_training_is_in_the_gradient_flow_limit_at_the_default_step_cap():
    """Halving the default step cap (0.5) changes the scratch risk by less than 5% (rich regime, small n)."""
    d, m_star, m, n = 10, 10, 100, 20
    Wt, a = R.make_teacher(d, m_star, seed=8, instance=0)
    X, y = R.target_sample(Wt, a, n, 0.0, seed=8, instance=0)
    W0, c0 = R.init_student(d, m, 1e-6, 8, "relu_scratch", n, 0)
    risks = []
    for cap in (0.5, 0.25):
        W, c, steps, converged, loss = R.train_student(X, y, W0, c0, cap, 100000, 1e-6, cap)
        assert converged
        risks.append(R.population_risk(W, c / m, Wt, a))
    assert risks[0] == pytest.approx(risks[1], rel=0.05)
    assert 0 < risks[0] < R.function_variance(Wt, a) + (a.sum() / np.sqrt(2 * np.pi)) ** 2
    # float32 while capped (the default, cap lifted below 1e-3 Var y) against float64 throughout: a change far
    # below the cap's own discretisation error
    lifted = []
    for float32 in (False, True):
        W, c, steps, converged, loss = R.train_student(X, y, W0, c0, 0.5, 100000, 1e-6, 0.5, cap_until=1e-3,
                                                       float32_while_capped=float32)
        assert converged and loss <= 1e-6 * y.var() and W.dtype == c.dtype == np.float64
        lifted.append(R.population_risk(W, c / m, Wt, a))
    assert abs(lifted[1] - lifted[0]) < 0.2 * abs(risks[0] - risks[1])


def test_adaptive_gd_survives_a_kink_and_reports_a_stall():
    """At a non-smooth minimum the step shrinks onto the kink (no endless oscillation across it, no error);
    an unreachable tolerance is reported as not converged."""
    evaluate = lambda p: (float(abs(p[0][0]) + 1.0), (np.sign(p[0]),))  # noqa: E731  (|x| + 1: minimum 1 at 0)
    (x,), steps, converged, loss = R._adaptive_gd(evaluate, (np.array([0.3]),), 0.1, 0.1, 1000, 0.5)
    assert not converged and steps == 1000 and loss == pytest.approx(1.0, abs=1e-3) and abs(x[0]) < 1e-3
    with pytest.raises(FloatingPointError):
        R._adaptive_gd(lambda p: (np.nan, (p[0],)), (np.array([1.0]),), 0.1, 0.1, 10, 0.0)


def test_pretraining_end_point_is_the_gradient_flow_limit_at_the_default_cap():
    """Capped Euler pretraining at the default cap (2) against small-step GD (caps 1 and 0.5: 2x and 4x the
    steps), d = m* = 10, width 80, mu = 0.5 (seed 9): the significant-subspace readout limit moves by less than
    0.1% (the source-neuron features are converged in the step), the ridge limit, which also uses the leftover
    neurons, by less than 5%, and both change at first order (halving the step halves the change, within 2x)."""
    from transferability.relu.readout import limit_readouts, significant_basis

    d, m_star, m = 10, 10, 80
    Wt, a = R.make_teacher(d, m_star, 9, 0)
    k = R.source_size(m_star, 0.5)
    W0, c0 = R.init_student(d, m, 1e-6, 9, "relu_student", 0)
    limits, steps = [], []
    for cap in (2.0, 1.0, 0.5):
        W, c, n_steps, converged, _ = pretrain_population(W0, c0, Wt[:k], a[:k], min(1.0, cap), cap, 200_000, 1e-4)
        assert converged
        steps.append(n_steps)
        limits.append([R.population_risk(W, coef, Wt, a)
                       for coef in limit_readouts(W, Wt, a, [0.0, 1e-2], significant_basis(W, 0.2))])
    subspace, ridge = np.array(limits).T
    assert abs(subspace[0] / subspace[2] - 1) < 1e-3
    assert abs(ridge[0] / ridge[2] - 1) < 0.05
    for values in (subspace, ridge):
        ratio = (values[0] - values[1]) / (values[1] - values[2])
        assert 1.0 < ratio < 4.0
    # the default cap_until (the cap lifted once the loss is below 1e-2 Var f_s) moves both limits by far less
    # than halving the cap does, in fewer steps; float32 while capped (the default) by less than half of it
    lifted = {}
    for float32 in (False, True):
        W, c, lifted_steps, converged, _ = pretrain_population(W0, c0, Wt[:k], a[:k], 1.0, 2.0, 200_000, 1e-4,
                                                                 cap_until=1e-2, float32_while_capped=float32)
        assert converged and lifted_steps < steps[0]
        lifted[float32] = [R.population_risk(W, coef, Wt, a)
                           for coef in limit_readouts(W, Wt, a, [0.0, 1e-2], significant_basis(W, 0.2))]
    # float32 rounding, amplified where neurons escape saddles one after another, moves the limits by 0.1-0.3x
    # of what halving the cap moves them (measured: subspace 0.31x, ridge 0.01x; the lift alone 0.09x, 0.02x)
    assert abs(lifted[False][0] - subspace[0]) < 0.2 * abs(subspace[0] - subspace[1])
    assert abs(lifted[False][1] - ridge[0]) < 0.2 * abs(ridge[0] - ridge[1])
    assert abs(lifted[True][0] - subspace[0]) < 0.5 * abs(subspace[0] - subspace[1])
    assert abs(lifted[True][1] - ridge[0]) < 0.5 * abs(ridge[0] - ridge[1])


def test_lifting_the_cap_near_the_minimum():
    """On a quadratic with curvatures 1 and 0.01 and a cap of 0.1, the cap lifted below loss 1e-2 lets the step
    grow to the stability limit: the same minimum in a small fraction of the steps."""
    A = np.array([1.0, 0.01])
    evaluate = lambda p: (float(0.5 * np.sum(A * p[0] ** 2)), (A * p[0],))  # noqa: E731
    x0 = (np.array([1.0, 1.0]),)
    (x_cap,), capped, ok_cap, _ = R._adaptive_gd(evaluate, x0, 0.1, 0.1, 100_000, 1e-12)
    (x_free,), lifted, ok_free, _ = R._adaptive_gd(evaluate, x0, 0.1, 0.1, 100_000, 1e-12, uncap_loss=1e-2)
    assert ok_cap and ok_free and np.abs(x_free).max() < 2e-5 and np.abs(x_cap).max() < 2e-5  # loss <= 1e-12
    assert lifted < capped / 5
