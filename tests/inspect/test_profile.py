"""``inspect.profile``: the events one training step records (counted against the model's
layers), times that add up, and instrumentation that is gone after the block."""

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import kernels, nn
from minitorch_cnn.autograd.function import Function, Node
from minitorch_cnn.optim.optimizer import Optimizer


def _model():
    mt.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 4, 3),
                         nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))


def test_one_step_records_each_layer_its_kernels_and_the_optimizer():
    model = _model()
    x = mt.tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 6)), dtype=mt.float32)
    optimizer = mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    with mt.inspect.profile() as prof:
        F.cross_entropy(model(x), mt.tensor(np.array([0, 2]))).backward()
        optimizer.step()
    assert prof.ops["Conv2d"].calls == 2 and prof.ops["Conv2d backward"].calls == 2
    assert prof.ops["ReLU"].calls == 2 and prof.ops["Linear"].calls == 1
    assert prof.ops["BatchNormTrain"].calls == 1
    convolutions = {name: s for name, s in prof.kernels.items() if name.startswith("conv2d [")}
    assert sum(s.calls for s in convolutions.values()) == 2  # each forward names its route
    assert prof.kernels["sgd_step"].calls == len(list(model.parameters()))
    assert prof.optimizer["SGD.step"].calls == 1
    in_ops = sum(s.self for s in prof.ops.values())
    assert 0 < in_ops <= prof.wall
    for s in prof.ops.values():
        assert 0 <= s.kernels <= s.self + 1e-9 and s.self <= s.total + 1e-9
    table = prof.table()
    assert "Conv2d backward" in table and "sgd_step" in table and "SGD.step" in table


def test_the_instrumentation_is_removed_after_the_block_even_on_error():
    before = (Function.__dict__["apply"].__func__, Node.apply, Optimizer.step, kernels.conv2d)
    with pytest.raises(ZeroDivisionError):
        with mt.inspect.profile():
            1 / 0
    after = (Function.__dict__["apply"].__func__, Node.apply, Optimizer.step, kernels.conv2d)
    assert after == before


def test_profile_checks_its_argument():
    with pytest.raises(TypeError, match="synchronize must be a bool, got str"):
        with mt.inspect.profile(synchronize="yes"):
            pass


def test_every_public_kernel_the_ops_call_is_instrumented():
    """A kernel added to minitorch_cnn.kernels under its registry name must be timed too."""
    from minitorch_cnn.inspect.profile import CONV_KERNELS, KERNELS

    public = [name for name in kernels.names() if callable(getattr(kernels, name, None))]
    missing = sorted(set(public) - set(KERNELS))
    assert not missing, f"kernels the profiler does not time: {missing}"
    assert set(CONV_KERNELS) <= set(KERNELS) and all(callable(getattr(kernels, name)) for name in KERNELS)
