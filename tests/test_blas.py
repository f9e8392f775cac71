"""``blas.one_thread``: OpenBLAS on one thread inside the block, its idle worker threads
ended (counted in /proc/self/task), and a threaded GEMM after it still right."""

import os

import numpy as np
import pytest

from minitorch_cnn import blas


def _threads():
    return len(os.listdir("/proc/self/task"))


@pytest.mark.cpu_only("OpenBLAS's threads")
def test_one_thread_ends_openblas_idle_workers_and_a_later_gemm_restarts_them():
    if blas.threads() in (None, 1) or not os.path.isdir("/proc/self/task"):
        pytest.skip("needs OpenBLAS with more than one thread, on Linux")
    a = np.random.default_rng(0).standard_normal((512, 512))
    expected = a @ a  # a threaded GEMM: OpenBLAS's workers exist now
    with_workers = _threads()
    with blas.one_thread() as before:
        assert before == blas.threads() and before > 1
        inside = _threads()
        np.testing.assert_allclose(a @ a, expected, rtol=1e-12)
    assert inside <= with_workers - (before - 1)
    np.testing.assert_allclose(a @ a, expected, rtol=1e-12)  # the workers start again
    assert _threads() >= inside + before - 1
