"""map_forked: the figure jobs' way of using the cores Snakemake gives them."""

import os

import numpy as np
import pytest

from transferability.core.forked import map_forked


def test_map_forked_keeps_order_inherits_data_and_uses_other_processes():
    data = np.arange(10.0)  # a closure over this process's data: the forked workers see it without pickling it
    out = map_forked(lambda i: (float(data[i] ** 2), os.getpid()), range(10), processes=2)
    assert [v for v, _ in out] == [float(i**2) for i in range(10)]
    assert os.getpid() not in {pid for _, pid in out}
    assert map_forked(lambda i: os.getpid(), [0, 1], processes=1) == [os.getpid()] * 2  # serial: in this process


def test_map_forked_raises_a_worker_error_here():
    def fail_on_three(i):
        if i == 3:
            raise ValueError("figure 3 failed")
        return i

    with pytest.raises(ValueError, match="figure 3 failed"):
        map_forked(fail_on_three, range(5), processes=2)
