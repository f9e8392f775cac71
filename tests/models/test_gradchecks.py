"""The registered whole-model gradient checks pass (each model shrunk, float64, training
mode, fast mode), and a model with a deliberately wrong backward is caught by the same
check."""

import pytest

from minitorch_cnn import models, nn
from minitorch_cnn.autograd import Function
from minitorch_cnn.checks import checks, run_check
from minitorch_cnn.checks.models import model_check
from minitorch_cnn.checks.registry import Check

MODEL_CHECKS = [c for c in checks() if c.op in models.list_models()]
# the slowest model check (25 s of a cold 13-minute default run); `python -m pytest -m slow` runs it
SLOW_CHECKS = {"inception_resnet_v2"}


def test_every_model_has_a_check():
    assert {c.op for c in MODEL_CHECKS} == set(models.list_models())


@pytest.mark.parametrize("check", [pytest.param(c, marks=[pytest.mark.slow] if c.op in SLOW_CHECKS else [])
                                   for c in MODEL_CHECKS], ids=[f"{c.op}: {c.config}" for c in MODEL_CHECKS])
def test_whole_model_gradients(check):
    result, _ = run_check(check)
    assert result.passed, result.message


class _HalfGradient(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad * 0.5


class _Broken(nn.Module):
    def forward(self, x):
        return _HalfGradient.apply(x)


def test_a_wrong_backward_deep_inside_a_model_is_caught():
    def build():
        model = models.CifarResNet(8, 3, width=4)
        model.layer2[0].bn1 = nn.Sequential(model.layer2[0].bn1, _Broken())
        return model

    result, _ = run_check(Check("broken", "test", model_check(build, (2, 3, 8, 8)), fast_mode=True,
                                tolerances={"eps": 1e-7}))
    assert not result.passed and "input 0" in result.message
