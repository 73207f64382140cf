"""The closed forms of the theory against Monte Carlo (fixed seeds, tolerances from the MC error)."""

import numpy as np
import pytest

from transferability.linear import theory as T


def _unit(rng, d):
    v = rng.standard_normal(d)
    return v / np.linalg.norm(v)


def _mc(fn, reps):
    vals = np.array([fn() for _ in range(reps)])
    return vals.mean(), vals.std(ddof=1) / np.sqrt(reps)


@pytest.mark.parametrize("n,d,s2", [(20, 40, 0.25), (60, 40, 0.25), (20, 40, 0.0)])
def test_scratch_risk_exact_matches_monte_carlo(rng, n, d, s2):
    beta = _unit(rng, d)

    def risk():
        X = rng.standard_normal((n, d))
        y = X @ beta + np.sqrt(s2) * rng.standard_normal(n)
        return np.sum((np.linalg.pinv(X) @ y - beta) ** 2)

    mean, se = _mc(risk, 4000)
    assert abs(mean - T.scratch_risk_exact(n, d, s2)) < 4 * se + 1e-9


def test_scratch_risk_asymptotic_limits():
    assert np.isinf(T.scratch_risk(1.0, 0.04))
    assert T.scratch_risk(0.5, 0.0) == pytest.approx(0.5)
    assert T.scratch_risk(2.0, 0.04) == pytest.approx(0.04)
    # exact finite-size tends to the asymptotic law
    assert T.scratch_risk_exact(50_000, 100_000, 0.04) == pytest.approx(T.scratch_risk(0.5, 0.04), rel=1e-3)
    assert np.isnan(T.scratch_risk_exact(100, 100, 0.04))


@pytest.mark.parametrize("theta,n,s2", [(np.pi / 5, 12, 0.04), (np.pi / 3, 40, 0.25)])
def test_linear_transfer_risk_exact_matches_monte_carlo(rng, theta, n, s2):
    d = 30
    bs = _unit(rng, d)
    nu = _unit(rng, d)
    nu -= (nu @ bs) * bs
    nu /= np.linalg.norm(nu)
    bt = np.cos(theta) * bs + np.sin(theta) * nu

    def risk():
        X = rng.standard_normal((n, d))
        y = X @ bt + np.sqrt(s2) * rng.standard_normal(n)
        z = X @ bs
        return np.sum(((z @ y) / (z @ z) * bs - bt) ** 2)

    mean, se = _mc(risk, 6000)
    assert abs(mean - T.linear_transfer_risk_exact(theta, n, s2)) < 4 * se


def test_k_feature_formula_matches_monte_carlo(rng):
    d, k, n, s2 = 30, 3, 25, 0.09
    Q, _ = np.linalg.qr(rng.standard_normal((d, k)))
    bt = _unit(rng, d)
    rho = np.sum((bt - Q @ (Q.T @ bt)) ** 2)

    def risk():
        X = rng.standard_normal((n, d))
        y = X @ bt + np.sqrt(s2) * rng.standard_normal(n)
        c = np.linalg.lstsq(X @ Q, y, rcond=None)[0]
        return np.sum((Q @ c - bt) ** 2)

    mean, se = _mc(risk, 6000)
    assert abs(mean - T.linear_transfer_risk_k_features(rho, k, n, s2)) < 4 * se


def test_ridge_limit_matches_large_n_monte_carlo(rng):
    d, n, theta, lam = 20, 20000, np.pi / 8, 0.3
    bs = np.eye(d)[0]
    bt = np.cos(theta) * bs + np.sin(theta) * np.eye(d)[1]
    X = rng.standard_normal((n, d))
    y = X @ bt + 0.2 * rng.standard_normal(n)
    z = X @ bs
    c = (z @ y) / (z @ z + n * lam)
    assert np.sum((c * bs - bt) ** 2) == pytest.approx(T.ridge_transfer_risk(theta, lam), abs=0.01)


def test_fine_tune_finite_size_matches_monte_carlo_of_gradient_flow_end_point(rng):
    """sigma = 0: the end point is beta_sc + (I - P) beta_s, so E[T_ft] = (1 - n/d)(2 cos - 1)."""
    d, n, theta = 40, 16, np.pi / 3.3
    bs = np.eye(d)[0]
    bt = np.cos(theta) * bs + np.sin(theta) * np.eye(d)[1]

    def T_ft():
        X = rng.standard_normal((n, d))
        Xp = np.linalg.pinv(X)
        P = Xp @ X
        b_sc = Xp @ (X @ bt)
        b_ft = b_sc + bs - P @ bs
        return np.sum((b_sc - bt) ** 2) - np.sum((b_ft - bt) ** 2)

    mean, se = _mc(T_ft, 4000)
    assert abs(mean - T.fine_tune_transferability_exact(theta, n, d)) < 4 * se


def test_negative_transfer_interval_is_where_T_lt_changes_sign():
    theta, s2 = np.deg2rad(70), 0.04
    lo, hi, lo2 = T.negative_transfer_interval(theta, s2)
    assert 0 < lo < hi < 1 < lo2
    assert T.linear_transferability(theta, lo, s2) == pytest.approx(0, abs=1e-9)
    assert T.linear_transferability(theta, hi, s2) == pytest.approx(0, abs=1e-9)
    assert T.linear_transferability(theta, lo2, s2) == pytest.approx(0, abs=1e-9)
    assert T.linear_transferability(theta, (lo + hi) / 2, s2) < 0
    assert T.linear_transferability(theta, lo / 2, s2) > 0
    # empty below 1 when 1 - cos(theta) <= sigma
    lo, hi, _ = T.negative_transfer_interval(np.deg2rad(20), 0.04)
    assert np.isnan(lo) and np.isnan(hi)


def test_noiseless_linear_transfer_wins_iff_gamma_below_cos2():
    theta = np.deg2rad(40)
    c2 = np.cos(theta) ** 2
    assert T.linear_transferability(theta, c2 - 0.05, 0.0) > 0 > T.linear_transferability(theta, c2 + 0.05, 0.0)
    assert T.linear_transferability(theta, 1.5, 0.0) == pytest.approx(-np.sin(theta) ** 2)


def test_fine_tune_break_even_and_balancedness_factor():
    assert T.fine_tune_transferability(np.pi / 3, 0.5) == pytest.approx(0.0, abs=1e-12)
    assert T.fine_tune_transferability(0.3, 1.5) == 0.0
    assert T.balancedness_factor(0.5, 0.5) == pytest.approx(1.0)  # sigma = 0: c = 1
    c = T.balancedness_factor(0.3, 0.9)
    assert c**4 - 0.3 * c**2 - 0.9 == pytest.approx(0, abs=1e-12)


def test_balanced_break_even_moves_to_about_52_degrees_at_sigma_1():
    d = 1_000_000
    th = np.deg2rad(np.linspace(40, 65, 2501))
    T_bal = T.fine_tune_transferability_balanced(th, 0.5 * d, d, 1.0)
    zero = np.rad2deg(th[np.argmin(np.abs(T_bal))])
    assert 50.5 < zero < 53.5


def test_finite_source_formulas():
    # eq. (23) is where eq. (22) vanishes
    gs, s2 = 0.5, 0.04
    th = T.finite_source_break_even_angle(gs, s2)
    assert T.finite_source_fine_tune_transferability(th, 0.3, gs, s2) == pytest.approx(0, abs=1e-12)
    assert T.finite_source_fine_tune_transferability(0.2, 1.3, gs, s2) == 0.0
    assert 0 < T.finite_source_feature_overlap(0.0, 1.5, 0.04) < 1


def test_kl_closed_form_matches_monte_carlo(rng):
    d, s2, theta = 10, 0.09, 0.7
    bs = np.eye(d)[0]
    bt = np.cos(theta) * bs + np.sin(theta) * np.eye(d)[1]
    X = rng.standard_normal((200_000, d))
    y = X @ bs + np.sqrt(s2) * rng.standard_normal(X.shape[0])
    log_ratio = (-((y - X @ bs) ** 2) + (y - X @ bt) ** 2) / (2 * s2)
    se = log_ratio.std() / np.sqrt(len(log_ratio))
    assert abs(log_ratio.mean() - T.kl_divergence(theta, s2)) < 4 * se


def test_ridge_monte_carlo_reference_is_exact_at_lambda_zero_and_tends_to_eq13():
    theta, s2 = np.pi / 8, 0.04
    lam0 = T.ridge_transfer_risk_mc(theta, 30, s2, [0.0], reps=200_000, seed=1)[0]
    assert lam0 == pytest.approx(float(T.linear_transfer_risk_exact(theta, 30, s2)), rel=5e-3)
    big = T.ridge_transfer_risk_mc(theta, 5000, s2, [0.3], reps=2000, seed=1)[0]
    assert big == pytest.approx(float(T.ridge_transfer_risk(theta, 0.3)), abs=2e-3)


@pytest.mark.parametrize("n", [3, 5, 20, 250, 1000])
def test_exact_ridge_expectation_matches_the_closed_form_monte_carlo_and_eq13(n):
    """The quadrature equals sin^2 + (sin^2 + s2)/(n - 2) at lambda = 0 (relative 2e-3 at n = 3, 1e-6 from n = 5),
    a Monte Carlo of the ridge estimator (400,000 draws to n = 20, 20,000 above) within 4 of its standard errors at
    lambda > 0, and eq. (13) as n -> infinity (within 1e-5 at n = 10^7)."""
    theta, s2, lams = np.pi / 8, 0.04, np.array([0.0, 0.05, 0.3, 1.0])
    exact = T.ridge_transfer_risk_exact(theta, n, s2, lams)
    closed = float(T.linear_transfer_risk_k_features(np.sin(theta) ** 2, 1, n, s2))
    assert exact[0] == pytest.approx(closed, rel=2e-3 if n == 3 else 1e-6)
    rng = np.random.default_rng(n)
    reps = 400_000 if n <= 20 else 20_000
    z, z2, e = rng.standard_normal((3, reps, n))
    y = np.cos(theta) * z + np.sin(theta) * z2 + np.sqrt(s2) * e
    c = np.sum(z * y, 1)[None] / (np.sum(z * z, 1)[None] + n * lams[1:, None])
    risk = (c - np.cos(theta)) ** 2 + np.sin(theta) ** 2
    se = risk.std(axis=1) / np.sqrt(reps)
    assert np.all(np.abs(exact[1:] - risk.mean(axis=1)) < 4 * se)
    far = T.ridge_transfer_risk_exact(theta, 10**7, s2, lams)
    np.testing.assert_allclose(far, T.ridge_transfer_risk(theta, lams), atol=1e-5)


def test_depth_balancedness_factor_solves_its_polynomial_and_is_one_without_noise():
    """q = c^(2/(L-1)) solves q^L - a q^(L-1) - b = 0; c = 1 for L = 1 and wherever sigma = 0 (b = 1 - a); deeper
    networks keep more of the source direction (c grows with L at sigma > 0), which moves the break-even angle
    at sigma = 1, gamma = 0.5 from 52.2 (L = 2) to 48.0 (L = 3) and 45.2 degrees (L = 4), as the closed form
    cos(theta*) = c / 2 says."""
    a, b = 0.3, 1.1
    cs = [float(T.balancedness_factor(a, b, L)) for L in (2, 3, 4, 6)]
    for L, c in zip((2, 3, 4, 6), cs):
        q = c ** (2 / (L - 1))
        assert q**L - a * q ** (L - 1) - b == pytest.approx(0, abs=1e-12)
    assert np.all(np.diff(cs) > 0)
    assert T.balancedness_factor(a, b, 1) == 1.0
    np.testing.assert_allclose(T.balancedness_factor(0.4, 0.6, [1, 2, 3, 4, 5]), 1.0, atol=1e-12)
    d = 1_000_000
    th = np.deg2rad(np.linspace(40, 65, 25001))
    zeros = [np.rad2deg(th[np.argmin(np.abs(T.fine_tune_transferability_balanced(th, 0.5 * d, d, 1.0, L)))])
             for L in (2, 3, 4)]
    np.testing.assert_allclose(zeros, [52.24, 48.01, 45.24], atol=0.01)
    # the closed form cos(theta*) = c / 2 gives the same angles
    np.testing.assert_allclose(T.fine_tune_break_even_balanced(0.5 * d, d, 1.0, [2, 3, 4]), zeros, atol=0.01)


def test_finite_source_linear_transfer_overlap_matches_monte_carlo(rng):
    """cos^2(phi) between the finite-source estimate and beta_t (claim beyond the paper), gamma_s < 1 and > 1."""
    d, s2s, theta = 300, 0.04, np.deg2rad(30)
    bs = np.eye(d)[0]
    bt = np.cos(theta) * bs + np.sin(theta) * np.eye(d)[1]
    for gs in (0.5, 1.5):
        n = int(gs * d)
        vals = []
        for _ in range(40):
            X = rng.standard_normal((n, d))
            y = X @ bs + np.sqrt(s2s) * rng.standard_normal(n)
            b = np.linalg.pinv(X) @ y
            vals.append((b @ bt) ** 2 / (b @ b))
        assert np.mean(vals) == pytest.approx(float(T.finite_source_feature_overlap(theta, gs, s2s)), abs=0.02)


def test_finite_source_fine_tuning_formula_matches_monte_carlo(rng):
    """Eq. (22) against the gradient-flow end point beta_sc + (I - P) beta_hat_s (L = 2, sigma_t = 0)."""
    d, s2s, theta, gt = 300, 0.04, np.deg2rad(40), 0.4
    bs = np.eye(d)[0]
    bt = np.cos(theta) * bs + np.sin(theta) * np.eye(d)[1]
    for gs in (0.5, 1.5):
        ns, n = int(gs * d), int(gt * d)
        Ts = []
        for _ in range(30):
            Xs = rng.standard_normal((ns, d))
            b_s = np.linalg.pinv(Xs) @ (Xs @ bs + np.sqrt(s2s) * rng.standard_normal(ns))
            X = rng.standard_normal((n, d))
            Xp = np.linalg.pinv(X)
            b_sc = Xp @ (X @ bt)
            b_ft = b_sc + b_s - Xp @ (X @ b_s)
            Ts.append(np.sum((b_sc - bt) ** 2) - np.sum((b_ft - bt) ** 2))
        expected = float(T.finite_source_fine_tune_transferability(theta, gt, gs, s2s))
        assert np.mean(Ts) == pytest.approx(expected, abs=0.03)


def test_empirical_w1_of_two_1d_gaussians_matches_closed_form():
    """W1(N(0,1), N(mu,1)) = |mu|: POT's exact solver on large 1-D samples."""
    from transferability.linear.distances import empirical_w1

    rng = np.random.default_rng(3)
    a = rng.standard_normal((2000, 1))
    b = 0.7 + rng.standard_normal((2000, 1))
    assert empirical_w1(a, b) == pytest.approx(0.7, abs=0.06)


def test_dudley_lower_bound_is_valid_and_below_its_ceiling():
    from transferability.linear.distances import dudley_lower_bound, w1_population_upper_bound

    th = np.linspace(0, np.pi, 50)
    for sigma in (0.0, 0.2, 1.0):
        lb = dudley_lower_bound(th, sigma)
        assert np.all(lb >= 0) and np.all(lb < 2)
        assert lb[0] == pytest.approx(0.0, abs=1e-12)
        # a bounded-Lipschitz distance never exceeds W1, hence never the population W1 bound
        assert np.all(lb <= w1_population_upper_bound(th) + 1e-12)
    assert np.all(np.diff(dudley_lower_bound(th, 0.2)) >= -1e-12)
