"""pad: every mode against NumPy's np.pad (and cropping against slicing), gradients, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from minitorch_cnn.nn import functional as F
from tests.helpers import array, host, leaf, nonscalar_shapes, seeds

NUMPY_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@st.composite
def padding(draw, shape, mode):
    dims = draw(st.integers(1, len(shape)))
    pad = []
    for i in range(dims):
        size = shape[len(shape) - 1 - i]
        limit = {"reflect": size - 1, "circular": size}.get(mode, 3)
        low = -size if mode == "constant" else 0
        pad += [draw(st.integers(max(low, -limit if mode == "constant" else 0), limit)) for _ in range(2)]
    return pad


def _numpy_pad(values, pad, mode, value):
    widths = [(0, 0)] * values.ndim
    for i in range(len(pad) // 2):
        widths[values.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode == "constant":
        grow = [(max(0, b), max(0, a)) for b, a in widths]
        out = np.pad(values, grow, constant_values=value)
        crop = tuple(slice(max(0, -b), out.shape[d] - max(0, -a)) for d, (b, a) in enumerate(widths))
        return out[crop]
    return np.pad(values, widths, mode=NUMPY_MODE[mode])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_pad_modes(device, mode, shape, seed, data):
    pad = data.draw(padding(shape, mode))
    value = 0.0 if mode != "constant" else data.draw(st.sampled_from([0.0, 1.5]))
    expected = _numpy_pad(array(seed, shape), pad, mode, value)
    if 0 in expected.shape:
        return
    x = leaf(seed, shape, device)
    kwargs = {"value": value} if mode == "constant" else {}
    np.testing.assert_array_equal(host(F.pad(x, pad, mode=mode, **kwargs)), expected)
    assert mt.gradcheck(lambda t: F.pad(t, pad, mode=mode, **kwargs), (x,))
    assert mt.gradgradcheck(lambda t: F.pad(t * t, pad, mode=mode, **kwargs), (x,))


def test_reflect_padding_gradient_counts_every_read():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    F.pad(x, (2, 2), mode="reflect").sum().backward()  # [3 2 1 2 3 2 1]
    assert x.grad.tolist() == [2.0, 3.0, 2.0]


def test_pad_errors_name_the_problem():
    x = mt.ones(2, 3)
    with pytest.raises(ValueError, match="even-length"):
        F.pad(x, (1,))
    with pytest.raises(ValueError, match="too large for a 2-D input"):
        F.pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(ValueError, match="reflect padding of \\(3, 0\\) on dim 1 must be at most 2"):
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="mode must be one of"):
        F.pad(x, (1, 1), mode="mirror")
    with pytest.raises(RuntimeError, match="too small for the negative padding"):
        F.pad(x, (-2, -2))
