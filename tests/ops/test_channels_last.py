"""channels_last is carried through, as PyTorch keeps the memory format: batch norm (train
and eval), pooling, activations, dropout, residual adds, concatenation, padding (every
mode), slicing,
the channel shuffle and a global-mean head give channels_last results and gradients for
channels_last inputs, with the values of the NCHW computation; their gradients are checked in float64 on channels_last inputs; and a
channels_last network makes no layout copy between its convolutions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import backend, nn
from tests.helpers import host

OPS = {
    "batch_norm train": lambda t: F.batch_norm(t, None, None, mt.linspace(0.5, 2, t.shape[1], dtype=t.dtype),
                                               mt.linspace(-1, 1, t.shape[1], dtype=t.dtype), training=True),
    "batch_norm eval": lambda t: F.batch_norm(t, mt.linspace(-1, 1, t.shape[1], dtype=t.dtype),
                                              mt.linspace(0.5, 2, t.shape[1], dtype=t.dtype), training=False),
    "max_pool2d 2x2": lambda t: F.max_pool2d(t, 2),
    "max_pool2d 3x3 s2 p1": lambda t: F.max_pool2d(t, 3, 2, 1),
    "max_pool2d dilated ceil": lambda t: F.max_pool2d(t, 2, 1, 0, 2, ceil_mode=True),
    "avg_pool2d 2x2": lambda t: F.avg_pool2d(t, 2),
    "avg_pool2d 3x3 s1 p1 no pad count": lambda t: F.avg_pool2d(t, 3, 1, 1, count_include_pad=False),
    "adaptive_avg_pool2d": lambda t: F.adaptive_avg_pool2d(t, (2, 1)),
    "relu": F.relu,
    "relu6": F.relu6,
    "leaky_relu": F.leaky_relu,
    "gelu": F.gelu,
    "silu": F.silu,
    "hardswish": F.hardswish,
    "sigmoid": mt.sigmoid,
    "dropout2d": lambda t: F.dropout2d(t, 0.5),
    "residual add": lambda t: F.relu(t) + t * 0.5,
    "cat": lambda t: mt.cat([t, t * 2], 1),
    "channel_shuffle": lambda t: F.channel_shuffle(mt.cat([t, t * 2], 1), 2),
    "pad and slice (a ResNet option-A shortcut)": lambda t: F.pad(t[:, :, ::2, ::2], (0, 0, 0, 0, 1, 2)),
    "global mean head": lambda t: F.relu6(t).mean((2, 3)),
    "reflect padding": lambda t: F.pad(t, (1, 2, 2, 1), mode="reflect"),
    "replicate and circular padding": lambda t: F.pad(F.pad(t, (1, 0, 0, 2), mode="replicate"), (1, 1, 1, 1),
                                                      mode="circular"),
}


@st.composite
def nchw_shapes(draw):
    # at least two channels and two positions: a tensor laid out both ways (one channel,
    # or 1x1) is plain NCHW for PyTorch too
    return (draw(st.integers(1, 3)), draw(st.integers(2, 5)), draw(st.integers(4, 7)), draw(st.integers(4, 7)))


def _channels_last(array):
    return mt.tensor(array).contiguous(memory_format=mt.channels_last)


@pytest.mark.parametrize("name", sorted(OPS))
@given(shape=nchw_shapes(), seed=st.integers(0, 2**31))
def test_channels_last_in_gives_channels_last_out_with_the_nchw_values(name, shape, seed):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape)
    results = {}
    for layout in ("nchw", "channels_last"):
        x = (mt.tensor(values) if layout == "nchw" else _channels_last(values)).requires_grad_()
        mt.manual_seed(seed)  # the same dropout2d mask in both layouts
        y = OPS[name](x)
        upstream = rng.standard_normal(y.shape) if layout == "nchw" else results["nchw"][2]
        g = _channels_last(upstream) if layout == "channels_last" and upstream.ndim == 4 else mt.tensor(upstream)
        y.backward(g)
        results[layout] = (y, x.grad, upstream)
    y, grad, _ = results["channels_last"]
    assert backend.is_channels_last(grad.array)
    assert y.ndim < 4 or backend.is_channels_last(y.array)
    np.testing.assert_allclose(host(y), host(results["nchw"][0]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(host(grad), host(results["nchw"][1]), rtol=1e-12, atol=1e-12)


def test_dropout_keeps_channels_last_and_its_gradient_is_its_mask():
    x = _channels_last(np.random.default_rng(0).standard_normal((2, 4, 5, 5)) + 3).requires_grad_()
    y = F.dropout(x, 0.4)
    assert backend.is_channels_last(y.array)
    y.backward(_channels_last(np.ones(y.shape)))
    assert backend.is_channels_last(x.grad.array)
    kept = host(y) != 0
    np.testing.assert_allclose(host(y)[kept], host(x)[kept] / 0.6, rtol=1e-6)
    np.testing.assert_allclose(host(x.grad), kept / 0.6, rtol=1e-6)
    assert 0.3 < 1 - kept.mean() < 0.5


GRADCHECKED = ["batch_norm train", "max_pool2d 3x3 s2 p1", "max_pool2d dilated ceil", "avg_pool2d 2x2",
               "avg_pool2d 3x3 s1 p1 no pad count"]


@pytest.mark.parametrize("name", GRADCHECKED)
@given(shape=nchw_shapes(), seed=st.integers(0, 2**31))
def test_gradients_on_channels_last_inputs(name, shape, seed):
    x = _channels_last(np.random.default_rng(seed).standard_normal(shape)).requires_grad_()
    assert mt.gradcheck(lambda t: OPS[name](t.contiguous(memory_format=mt.channels_last)), (x,), fast_mode=True)


# ------------------------------------------------------------------ a whole network
class Block(nn.Module):
    """A ResNet basic block with a projection shortcut."""

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


def _network():
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                         Block(16, 32, 1), nn.Dropout2d(0.2), Block(32, 32, 2), nn.Dropout(0.1),
                         nn.Conv2d(32, 32, 3, padding=1, groups=32), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(32, 10))


def test_a_channels_last_network_makes_no_layout_copy_between_convolutions(monkeypatch):
    """Every activation between the input and the pooling head stays channels_last, so does
    every gradient flowing back, and the convolutions that read unpadded channels-last
    memory (the per-core, direct and 1x1 stride-1 routes) read it in place."""
    mt.manual_seed(0)
    model = _network()
    x = mt.randn(4, 3, 16, 16).contiguous(memory_format=mt.channels_last).requires_grad_()
    outputs, gradients, copied = [], [], []
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.MaxPool2d, nn.AvgPool2d, nn.Dropout,
                               nn.Dropout2d, Block)):
            module.register_forward_hook(lambda m, i, o, name=name: outputs.append((name, o)))
    reads_in_place = ("pipelines", "winograd", "direct")
    original = mt.kernels.ConvPlan.input_layout

    def recording(plan, array):
        laid = original(plan, array)
        if plan.route in reads_in_place and not np.shares_memory(laid, array):
            copied.append(plan.summary())
        return laid

    monkeypatch.setattr(mt.kernels.ConvPlan, "input_layout", recording)
    model.train()
    logits = model(x)
    for name, out in outputs:
        assert backend.is_channels_last(out.array), f"{name} returned NCHW"
        out.register_hook(lambda g, name=name: gradients.append((name, g)))
    F.cross_entropy(logits, mt.tensor([1, 2, 3, 4])).backward()
    assert len(gradients) == len(outputs)
    for name, g in gradients:
        assert backend.is_channels_last(g.array), f"the gradient of {name}'s output is NCHW"
    assert backend.is_channels_last(x.grad.array)
    assert copied == [], copied
