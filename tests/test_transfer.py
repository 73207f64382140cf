"""Linear transfer (ridge on frozen features) against explicit regressions and its exact risk."""

import numpy as np
import pytest


from transferability.core.seeding import rng_for
from transferability.linear import procedures as P
from transferability.linear import tasks, theory
from transferability.linear.readout import linear_transfer, significant_features
from transferability.linear.training import GDSettings


def _Xy(seed, n, d, b, beta, sigma):
    g = rng_for(seed, "design", n, d, b)
    X = g.standard_normal((n, d))
    return X, X @ beta + sigma * g.standard_normal(n)


def test_features_after_pretraining_are_rank_one_with_threshold():
    d, B, alpha = 30, 3, 1e-5
    beta_s, _ = tasks.make_tasks(d, B, seed=2)
    layers, _ = P.pretrain_population(beta_s, d, 2, alpha, 2, GDSettings(tol=1e-12))
    feats, rank = significant_features(layers, 1e-3)
    assert np.all(rank == 1)
    # the single feature is beta_s up to sign and the layer scale
    cos = np.abs(np.einsum("bd,bd->b", feats[:, :, 0], beta_s)) / np.linalg.norm(feats[:, :, 0], axis=1)
    assert np.all(cos > 1 - 1e-9)
    # a threshold below alpha keeps the O(alpha) directions (least squares on them fits noise)
    _, rank_all = significant_features(layers, 1e-9)
    assert np.all(rank_all == d)


def test_linear_transfer_equals_explicit_ridge_on_the_feature():
    d, n, B, sigma, theta = 20, 15, 3, 0.3, 0.8
    beta_s, nu = tasks.make_tasks(d, B, seed=9)
    layers, _ = P.pretrain_population(beta_s, d, 2, 1e-5, 9, GDSettings(tol=1e-12))
    feats, rank = significant_features(layers, 1e-3)
    D = tasks.make_design(n, d, B, seed=9)
    bt = tasks.target_task(beta_s, nu, theta)
    lams = np.array([0.0, 0.1, 0.5])
    out = linear_transfer(feats, rank, D, bt, sigma, lams)
    for b in range(B):
        X, y = _Xy(9, n, d, b, bt[b], sigma)
        f = feats[b, :, :1]
        Z = X @ f
        for j, lam in enumerate(lams):
            w = np.linalg.solve(Z.T @ Z + n * lam * np.eye(1), Z.T @ y)
            risk = np.sum((f @ w - bt[b]) ** 2)
            assert out["risk"][b, j] == pytest.approx(risk, rel=1e-9)
            assert out["train_loss"][b, j] == pytest.approx(np.mean((Z @ w - y) ** 2), rel=1e-9)


@pytest.mark.parametrize("d, n, B, sigma, theta_deg", [(40, 20, 400, 0.2, 35), (100, 50, 4000, 1.0, 45)])
def test_linear_transfer_mean_risk_matches_exact_formula(d, n, B, sigma, theta_deg):
    """Monte Carlo over many instances of the pipeline's own estimator vs eq. (10), within 4 standard errors (the
    second case is the depth study's cell, where its 100 instances sit 3 s.e. low: a draw, not a bias)."""
    theta = np.deg2rad(theta_deg)
    beta_s, nu = tasks.make_tasks(d, B, seed=11)
    feats = beta_s[:, :, None]
    rank = np.ones(B, dtype=int)
    D = tasks.make_design(n, d, B, seed=11)
    bt = tasks.target_task(beta_s, nu, theta)
    risk = linear_transfer(feats, rank, D, bt, sigma, np.array([0.0]))["risk"][:, 0]
    se = risk.std(ddof=1) / np.sqrt(B)
    assert abs(risk.mean() - theory.linear_transfer_risk_exact(theta, n, sigma**2)) < 4 * se


def test_finite_source_pretraining_learns_the_min_norm_source_estimate():
    """Pretraining on n_s noisy samples ends at X_s^+ y_s, and the feature map is rank one along it."""
    from transferability.linear.jobs.pretrain import compute as compute_pretrain

    d, B, ns, sigma_s = 30, 3, 15, 0.2
    beta_s, nu = tasks.make_tasks(d, B, seed=13)
    spec = {"width": d, "depth": 2, "init_scale": 1e-5, "feature_rank_tol": 1e-3, "source_n": ns,
            "source_sigma": sigma_s, "seed": 13, "train": {"tol": 1e-12, "max_steps": 200_000}}
    out = compute_pretrain(spec, {"tasks": {"beta_s": beta_s, "nu": nu}}, lambda s: None)
    assert out["converged"].all() and np.all(out["feature_rank"] == 1)
    for b in range(B):
        g = rng_for(13, "source_design", ns, d, b)
        X = g.standard_normal((ns, d))
        y = X @ beta_s[b] + sigma_s * g.standard_normal(ns)
        target = np.linalg.pinv(X) @ y
        np.testing.assert_allclose(out["layer0"][b] @ out["layer1"][b][:, 0], target, atol=1e-4)
        f = out["features"][b, :, 0]
        assert abs(f @ target) / (np.linalg.norm(f) * np.linalg.norm(target)) > 1 - 1e-8
