"""The ReLU study's theory side: the Hermite-degree split, the significant-subspace readout, the zero-mean teacher."""

import numpy as np
import pytest

from transferability.relu import hermite as H
from transferability.relu import model as R
from transferability.relu import readout as RO


def _network(seed: int, k: int = 7, d: int = 5):
    """Rows of unequal norms and output weights of both signs: the general case."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((k, d)) * rng.uniform(0.3, 2.0, (k, 1)), rng.standard_normal(k)


def test_degree_parts_match_monte_carlo():
    """Closed-form constant, linear and degree >= 2 parts against 1,000,000 Gaussian inputs (seed 11): the mean,
    each component of E[f x] and E (f - f_0 - f_1 . x)^2 within 4 standard errors."""
    W, c = _network(11)
    X = np.random.default_rng(11).standard_normal((1_000_000, W.shape[1]))
    f = np.maximum(X @ W.T, 0.0) @ c
    mean = float(c @ np.linalg.norm(W, axis=1)) / np.sqrt(2 * np.pi)
    linear = c @ W / 2
    assert abs(f.mean() - mean) < 4 * f.std() / np.sqrt(len(f))
    fx = f[:, None] * X
    assert np.all(np.abs(fx.mean(axis=0) - linear) < 4 * fx.std(axis=0) / np.sqrt(len(f)))
    rest = (f - mean - X @ linear) ** 2
    parts = H.degree_parts(W, c)
    assert parts[0] == pytest.approx(mean**2, rel=1e-12) and parts[1] == pytest.approx(linear @ linear, rel=1e-12)
    assert abs(rest.mean() - parts[2]) < 4 * rest.std() / np.sqrt(len(f))
    assert parts.sum() == pytest.approx(c @ R.relu_gram(W, W) @ c, rel=1e-12)
    # the degree >= 2 part is not negligible for a ReLU network (it is what a linear model misses)
    assert parts[2] > 0.05 * parts.sum()


def test_degree_parts_of_known_functions():
    """A linear function (relu(v.x) - relu(-v.x) = v.x) has only a degree-1 part; a single unit neuron has the
    ReLU's own split: 1/(2 pi), 1/4 and 1/2 - 1/(2 pi) - 1/4."""
    v = np.array([0.6, -0.8, 0.0])
    lin = H.degree_parts(np.stack([v, -v]), np.array([1.0, -1.0]))
    assert lin == pytest.approx([0.0, 1.0, 0.0], abs=1e-12)
    one = H.degree_parts(np.eye(3)[:1], np.ones(1))
    assert one == pytest.approx([1 / (2 * np.pi), 0.25, 0.5 - 1 / (2 * np.pi) - 0.25], rel=1e-12)


def test_high_only_projection_equals_the_augmented_span():
    """Projecting on the features plus 1 and x (explicit Gram matrix of the augmented basis, built from
    E relu(u.x) = |u|/sqrt(2 pi) and E relu(u.x) x = u/2) leaves exactly the degree >= 2 residual of the
    ``high_only`` projection."""
    d = 5
    Wf, _ = _network(12, k=4, d=d)
    Wt, a = R.make_teacher(d, 9, seed=12, instance=0)
    nf, nt = np.linalg.norm(Wf, axis=1), np.linalg.norm(Wt, axis=1)
    s2pi = np.sqrt(2 * np.pi)
    G = np.block([[R.relu_gram(Wf, Wf), nf[:, None] / s2pi, Wf / 2],
                  [nf[None, :] / s2pi, np.ones((1, 1)), np.zeros((1, d))],
                  [Wf.T / 2, np.zeros((d, 1)), np.eye(d)]])
    b = np.concatenate([R.relu_gram(Wf, Wt) @ a, [nt @ a / s2pi], Wt.T @ a / 2])
    explicit = a @ R.relu_gram(Wt, Wt) @ a - b @ np.linalg.solve(G, b)
    coef = RO.projection_coefficients(Wf, Wt, a, high_only=True)
    assert H.residual_parts(Wf, coef, Wt, a)[2] == pytest.approx(explicit, rel=1e-6)
    # adding functions to the span can only lower the residual
    assert explicit <= RO.projection_residual(Wf, Wt, a)


def test_subspace_readout_ignores_near_zero_neurons():
    """Features of 3 neurons of order 1 and 30 of order 1e-6 (what a small init leaves): the significant
    subspace has dimension 3, the lambda = 0 readout predicts as least squares on the 3 neurons alone (within
    1e-6), and its population limit is the projection on their span; plain least squares on all 33 features fits
    the label noise with weights of order 1e5 or more."""
    d, n = 6, 20
    rng = np.random.default_rng(13)
    big = rng.standard_normal((3, d))
    W = np.vstack([big, 1e-6 * rng.standard_normal((30, d))])
    Wt, a = R.make_teacher(d, 6, seed=13, instance=0)
    X, y = R.target_sample(Wt, a, n, 0.1, seed=13, instance=0)
    basis = RO.significant_basis(W, 1e-3)
    assert basis.shape == (33, 3)
    coef = RO.sample_readouts(X, y, W, [0.0], basis)[0]
    alone = np.linalg.lstsq(np.maximum(X @ big.T, 0), y, rcond=None)[0]
    Xtest = rng.standard_normal((500, d))
    assert np.allclose(np.maximum(Xtest @ W.T, 0) @ coef, np.maximum(Xtest @ big.T, 0) @ alone, atol=1e-6)
    limit = RO.limit_readouts(W, Wt, a, [0.0], basis)[0]
    assert R.population_risk(W, limit, Wt, a) == pytest.approx(RO.projection_residual(big, Wt, a), rel=1e-6)
    plain = np.linalg.lstsq(np.maximum(X @ W.T, 0), y, rcond=None)[0]
    assert np.abs(plain).max() > 1e5 and np.abs(coef).max() < 1e2


def test_zero_mean_teacher_has_no_constant_part():
    """Alternating output weights remove the constant part (even m*) and keep the same neurons; the equal
    teacher's constant part is (sum a / sqrt(2 pi))^2 = 1/(2 pi)."""
    W0, a0 = R.make_teacher(8, 6, seed=3, instance=1)
    W1, a1 = R.make_teacher(8, 6, seed=3, instance=1, output="zero_mean")
    assert np.array_equal(W0, W1) and np.array_equal(np.abs(a1), a0) and a1.sum() == 0.0
    assert H.degree_parts(W1, a1)[0] == pytest.approx(0.0, abs=1e-30)
    assert H.degree_parts(W0, a0)[0] == pytest.approx(1 / (2 * np.pi), rel=1e-12)
    with pytest.raises(ValueError, match="centred"):
        R.make_teacher(8, 6, seed=3, instance=1, output="centred")
