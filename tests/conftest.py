"""Shared test setup: hypothesis profiles, the ``device`` fixture, ``--cuda`` and
``--cuda-standin``.

``python -m pytest --cuda`` runs every test on device "cuda" (a real GPU, as
``tools/gpu_check.py`` does); ``python -m pytest --cuda-standin`` runs the whole suite on device "cuda" over the NumPy
stand-in for CuPy (``tests/support/cupy_standin``), whose ``RawModule`` runs each CUDA
kernel's exact source on the CPU: the GPU code paths, kernels included, without a GPU.
Tests that are CPU-only by nature carry ``@pytest.mark.cpu_only(reason)`` and are skipped
there. ``standin_cuda`` gives one test the stand-in in a normal run.

Profiles: ``ci`` (the default) is derandomized, so every run draws the same examples, and
has no deadline, since Numba compiles on first call; ``thorough`` draws many more examples
for local runs: ``HYPOTHESIS_PROFILE=thorough python -m pytest``.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

import minitorch_cnn as mt

settings.register_profile("ci", max_examples=20, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors])
settings.register_profile("thorough", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from minitorch_cnn import backend  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--cuda", action="store_true", default=False,
                     help="run every test on device 'cuda' (a real GPU: tools/gpu_check.py)")
    parser.addoption("--cuda-standin", action="store_true", default=False,
                     help="run every test on device 'cuda' over the NumPy stand-in for CuPy (no GPU needed)")


def _on_cuda(config) -> bool:
    return config.getoption("--cuda") or config.getoption("--cuda-standin")


def pytest_configure(config):
    config.addinivalue_line("markers", "cpu_only(reason): a test of CPU-only machinery, skipped with --cuda-standin")
    if config.getoption("--cuda-standin"):
        from tests.support import cupy_standin

        cupy_standin.install()
        backend._cupy, backend._cupy_checked = cupy_standin, True
        # A smaller launch than a GPU's: the host build runs every thread of a block, so
        # its cost grows with the block (the vgg11_bn gradcheck took 8.1 s with 256-thread
        # blocks, 1.6 s with 32, measured before barrier kernels ran as fibers). The launch
        # shape never changes results (the host-build tests run every kernel on the GPU's
        # shape and odd ones), so the stand-in suite checks the same code paths.
        from minitorch_cnn.kernels import cuda_launch

        config._standin_launch = cuda_launch.launch_shape(block=32, max_blocks=16)
        config._standin_launch.__enter__()
    if _on_cuda(config):
        if not backend.cuda_available():
            raise pytest.UsageError(f"--cuda: no GPU ({backend.cuda_unavailable_reason()}); try --cuda-standin")
        backend.set_default_device("cuda")


def pytest_unconfigure(config):
    launch = getattr(config, "_standin_launch", None)
    if launch is not None:
        launch.__exit__(None, None, None)  # the GPU's launch shape again, for whatever runs after pytest


def pytest_collection_modifyitems(config, items):
    if not _on_cuda(config):
        return
    for item in items:
        marker = item.get_closest_marker("cpu_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else marker.kwargs.get("reason", "CPU-only")
            item.add_marker(pytest.mark.skip(reason=f"CPU-only: {reason}"))


def on_standin() -> bool:
    """Whether "cuda" is the NumPy stand-in (for the few tests whose sizes only a GPU affords)."""
    cupy = backend.cupy_module()
    return cupy is not None and cupy.__name__.endswith("cupy_standin")


def devices():
    """The devices a ``device`` test runs on: "cpu" and "cuda" when CuPy sees a GPU; only
    "cuda" under ``--cuda-standin``."""
    if backend.get_default_device().type == "cuda":
        return ["cuda"]
    return ["cpu"] + (["cuda"] if mt.cuda.is_available() else [])


def pytest_generate_tests(metafunc):
    if "device" in metafunc.fixturenames:
        metafunc.parametrize("device", devices(), scope="session")


@pytest.fixture
def standin_cuda():
    """The CuPy stand-in as this test's "cuda" device (in a run without ``--cuda-standin``):
    ``backend.to_device(array, mt.device("cuda"))`` gives stand-in arrays, and the CUDA
    kernels run their source on the CPU."""
    from tests.support.standin_device import standin_as_cuda

    with standin_as_cuda() as module:
        yield module


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts from seed 0, in grad mode, with the auto kernel choice and the
    convolution plan's thresholds (autotuning off, nothing measured)."""
    mt.manual_seed(0)
    previous_default = mt.get_default_dtype()
    previous_device = backend._default_device
    yield
    mt.set_default_dtype(previous_default)
    backend._default_device = previous_device
    mt.kernels.use("auto")
    mt.kernels.set_conv_autotune(False)
    mt.kernels.clear_conv_autotune()
