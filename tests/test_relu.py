"""Building blocks of the ReLU student-teacher experiment (Section 4), against Monte Carlo and known cases."""

import numpy as np
import pytest

from transferability import relu as R


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
    assert R.projection_residual(W, W, a) == pytest.approx(0.0, abs=1e-8 * norm2)  # mu = 0: nothing outside
    # a target orthogonal to the source span: g(x) = v.x = relu(v.x) - relu(-v.x), sources orthogonal to v
    v = np.eye(d)[0]
    src = np.eye(d)[1:5]
    g_W, g_a = np.stack([v, -v]), np.array([1.0, -1.0])
    full = g_a @ R.relu_gram(g_W, g_W) @ g_a
    assert full == pytest.approx(1.0)
    assert R.projection_residual(src, g_W, g_a) == pytest.approx(full, rel=1e-8)
    # removing neurons can only increase the residual
    res = [R.projection_residual(W[: R.source_size(m_star, mu)], W, a) for mu in (0.0, 0.5, 1.0)]
    assert res[0] <= res[1] <= res[2] == pytest.approx(norm2)


def test_pretraining_reduces_the_source_risk():
    d, m_star, m, N = 5, 4, 60, 600
    Wt, a = R.make_teacher(d, m_star, seed=2, instance=0)
    rng = np.random.default_rng(2)
    X = rng.standard_normal((N, d))
    y = np.maximum(X @ Wt.T, 0) @ a
    W0, c0 = R.init_student(d, m, 1e-3, 2, "student_init")
    before = R.population_risk(W0, c0 / m, Wt, a)
    W, c, steps, _, loss = R.train_student(X, y, W0, c0, lr=0.5, max_steps=3000, tol=1e-9)
    after = R.population_risk(W, c / m, Wt, a)
    norm2 = a @ R.relu_gram(Wt, Wt) @ a
    assert before > 0.9 * norm2
    assert after < 0.05 * norm2


def test_power_law_fit_and_alignment():
    n = np.array([20, 40, 80, 160, 320])
    fit = R.fit_power_law(n, 3.0 * n**-1.2)
    assert fit["A"] == pytest.approx(3.0) and fit["nu"] == pytest.approx(1.2)
    assert fit["nu_lo"] <= 1.2 <= fit["nu_hi"]
    K = np.random.default_rng(0).standard_normal((10, 10))
    K = K @ K.T
    assert R.centered_kernel_alignment(K, 3 * K) == pytest.approx(1.0)
    assert R.centered_kernel_alignment(K, np.eye(10)) < 1.0
