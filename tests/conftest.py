"""Shared test setup: hypothesis profiles and the ``device`` fixture.

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

DEVICES = ["cpu"] + (["cuda"] if mt.cuda.is_available() else [])


@pytest.fixture(params=DEVICES, scope="session")
def device(request):
    """"cpu" always, and "cuda" when CuPy sees a GPU: the same test runs on both."""
    return request.param


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts from seed 0, in grad mode, with the auto kernel choice."""
    mt.manual_seed(0)
    previous_default = mt.get_default_dtype()
    yield
    mt.set_default_dtype(previous_default)
    mt.kernels.use("auto")
