"""Agreement bookkeeping: which cells are scored, the tolerance GD's stopping rule earns, the tuned baseline."""

import numpy as np

from transferability.linear.aggregate import away_from_one, gd_tolerance, scratch_rows, tidy_table


def test_cells_near_gamma_one_are_excluded_in_decimal_and_gd_tolerance_follows_tol():
    # |0.9 - 1| is 0.09999999999999998 in floating point: still scored, as the documentation says
    assert away_from_one([0.9, 0.95, 1.0, 1.05, 1.1, 2.0]).tolist() == [True, False, False, False, True, True]
    # n > d: e = 2 sqrt(tol) / (1 - gamma^-1/2) = 4e-3 at gamma = 4, tol = 1e-6; e^2 + 2 e sqrt(R)
    np.testing.assert_allclose(gd_tolerance([4.0, 4.0], 1e-6, [0.0, 0.25]), [1.6e-5, 1.6e-5 + 4e-3], rtol=1e-12)
    assert gd_tolerance([0.5], 1e-6, [0.3])[0] == 0.0  # n < d: not set by the train loss
    assert gd_tolerance([1.1], 1e-6, [0.0])[0] > gd_tolerance([2.0], 1e-6, [0.0])[0]  # larger near n = d


def test_the_tuned_baseline_of_an_instance_is_chosen_on_the_other_instances():
    """Weight decays 0 and 0.1 at one gamma, three instances. wd = 0 gives risk 1 everywhere, wd = 0.1 gives
    0, 0.5 and 3. Held out, instance 2 sees wd = 0.1 best on the others (mean 0.25) and is scored at its own 3;
    instances 0 and 1 see wd = 0 best (means 1.75 and 1.5). Choosing on all instances would have scored each at
    its own minimum over a shared choice instead."""
    exp = {"name": "e", "d": 10, "sigma": 0.0, "source_gamma": None, "source_sigma": 0.0}
    arrays = {"risk": np.array([[1.0, 0.0], [1.0, 0.5], [1.0, 3.0]]), "train_loss": np.zeros((3, 2)),
              "steps": np.ones((3, 2), int), "converged": np.ones((3, 2), bool), "stop_reason": np.zeros((3, 2), int)}
    runs = tidy_table([scratch_rows(exp, 0.5, 5, 0, arrays, (0.0, 0.1))])
    tuned = runs[runs.method == "scratch_tuned"].sort_values("instance")
    assert tuned.risk.tolist() == [1.0, 1.0, 3.0]
    assert tuned.weight_decay.isna().all()
    sc = runs[runs.method == "scratch"]
    assert np.allclose(sc.weight_decay_sgd, 2 * sc.weight_decay)  # the SGD convention: gradient wd_sgd * W
