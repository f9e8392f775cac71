"""The CUDA kernels on the device, through the ops, against the reference kernels on the
CPU: forward and backward of every family (convolution on each of its GPU routes, pooling,
batch norm, the exact GELU's erf), in float32 and float64, at small shapes and at the
sizes real networks run (those only on a real GPU; the stand-in runs the small ones).

Skipped without a "cuda" device: ``tools/gpu_check.py`` runs this file on the GPU with
``--cuda``, CI with ``--cuda-standin``.
"""

from __future__ import annotations

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import kernels
from tests.conftest import on_standin
from tests.helpers import host

pytestmark = pytest.mark.skipif(not mt.cuda.is_available(), reason="needs a cuda device (a GPU, or --cuda-standin)")

TOLERANCE = {"float64": dict(rtol=1e-9, atol=1e-9), "float32": dict(rtol=2e-4, atol=2e-4)}


# name: scale -> (input shape, weight shape, conv2d options); each takes a different GPU route
CASES = {
    "conv2d dense 3x3": lambda s: ((s, 16 * s, 9 * s, 9 * s), (16 * s, 16 * s, 3, 3), dict(padding=1)),
    "conv2d strided 3x3": lambda s: ((s, 8 * s, 9 * s, 8 * s), (8 * s, 8 * s, 3, 3), dict(padding=1, stride=2)),
    "conv2d 1x1": lambda s: ((s, 16 * s, 7 * s, 7 * s), (32 * s, 16 * s, 1, 1), {}),
    "conv2d depthwise 3x3": lambda s: ((s, 16 * s, 9 * s, 9 * s), (16 * s, 1, 3, 3), dict(padding=1, groups=16 * s)),
    "conv2d grouped dilated": lambda s: ((s, 8 * s, 9 * s, 9 * s), (8 * s, 4, 3, 3),
                                         dict(padding=2, dilation=2, groups=2 * s)),
}
SCALES = [pytest.param(1, id="small"), pytest.param(4, id="large", marks=pytest.mark.skipif(
    mt.cuda.is_available() and on_standin(), reason="large shapes only on a real GPU"))]
DTYPES = ["float32", "float64"]


def _pair(shape, dtype, seed):
    values = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return (mt.tensor(values, device="cpu", requires_grad=True), mt.tensor(values, device="cuda", requires_grad=True))


def _agree(cpu_outputs, cuda_outputs, dtype):
    for expected, got in zip(cpu_outputs, cuda_outputs):
        np.testing.assert_allclose(host(got), host(expected), **TOLERANCE[dtype])


def _run_both(op, shapes, dtype):
    """op on the CPU under the reference kernels and on cuda under the auto choice: the
    outputs and the gradients of every input, for the same random upstream gradient."""
    pairs = [_pair(shape, dtype, seed) for seed, shape in enumerate(shapes)]
    results = {}
    for side, mode in ((0, "reference"), (1, "auto")):
        inputs = [pair[side] for pair in pairs]
        with kernels.using(mode):
            out = op(*inputs)
            upstream = np.random.default_rng(99).standard_normal(out.shape).astype(dtype)
            out.backward(mt.tensor(upstream, device=out.device))
        results[side] = [out] + [t.grad for t in inputs]
    return results[0], results[1]


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CASES)
def test_convolutions_on_the_device_agree_with_the_reference(name, dtype, scale):
    x_shape, w_shape, options = CASES[name](scale)
    cpu, cuda = _run_both(lambda x, w: F.conv2d(x, w, **options), [x_shape, w_shape], dtype)
    _agree(cpu, cuda, dtype)


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
def test_pooling_and_batch_norm_on_the_device_agree_with_the_reference(dtype, scale, layout):
    shape = (2 * scale, 8 * scale, 11 * scale, 10 * scale)
    channels = shape[1]
    weight = np.random.default_rng(7).standard_normal(channels).astype(dtype)

    def network(x):
        if layout == "channels_last":
            x = x.contiguous(memory_format=mt.channels_last)
        w = mt.tensor(weight, device=x.device)
        y = F.batch_norm(x, None, None, w, w * 0.5, training=True)
        corner = (Ellipsis, slice(0, 4 * scale), slice(0, 4 * scale))  # ceil_mode may add a row or column
        y = (F.max_pool2d(y, 3, stride=2, padding=1)[corner]
             + F.avg_pool2d(y, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)[corner])
        return F.gelu(y)

    cpu, cuda = _run_both(network, [shape], dtype)
    _agree(cpu, cuda, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_model_trains_identically_on_the_device(dtype):
    """LeNet-5: the same seed gives the same weights on both devices, and one SGD step of
    the same batch the same loss and weights."""
    results = []
    for device in ("cpu", "cuda"):
        mt.manual_seed(3)
        model = mt.models.get_model("lenet5").to(device=device, dtype=dtype)
        optimizer = mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        images = mt.randn(16, 1, 32, 32, dtype=dtype, device=device)
        labels = mt.randint(0, 10, (16,), device=device)
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        results.append([loss] + [p.detach() for p in model.parameters()])
    _agree(results[0], results[1], dtype)
