"""pad: every mode against NumPy's np.pad (and cropping by negative amounts against
slicing), gradients, errors, and PyTorch where it is installed."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minitorch_cnn as mt
from minitorch_cnn.nn import functional as F
from tests.helpers import array, host, leaf, nonscalar_shapes, seeds

NUMPY_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@st.composite
def padding(draw, shape, mode):
    """Amounts PyTorch accepts, negative (cropping) ones included in every mode."""
    dims = draw(st.integers(1, len(shape)))
    pad = []
    for i in range(dims):
        size = shape[len(shape) - 1 - i]
        limit = {"reflect": size - 1, "circular": size}.get(mode, 3)
        before, after = (draw(st.integers(-size, limit)) for _ in range(2))
        if mode != "constant":  # at least one element out, and (circular) one left to wrap
            assume(size + before + after >= 1 and size - max(0, -before) - max(0, -after) >= 1)
        pad += [before, after]
    return pad


def _widths(ndim, pad):
    widths = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        widths[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return widths


def _crop(values, widths):
    return values[tuple(slice(max(0, -b), values.shape[d] - max(0, -a)) for d, (b, a) in enumerate(widths))]


def _numpy_pad(values, pad, mode, value):
    """np.pad for the positive amounts, slicing for the negative ones: circular crops
    first and wraps what is left; the other modes pad the whole input, then crop."""
    widths = _widths(values.ndim, pad)
    grow = [(max(0, b), max(0, a)) for b, a in widths]
    if mode == "circular":
        return np.pad(_crop(values, widths), grow, mode="wrap")
    if mode == "constant":
        return _crop(np.pad(values, grow, constant_values=value), widths)
    return _crop(np.pad(values, grow, mode=NUMPY_MODE[mode]), widths)


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


def test_negative_amounts_on_hand_worked_rows():
    x = mt.arange(4.0)[None]  # [[0 1 2 3]]
    assert F.pad(x, (-1, 2), mode="reflect").tolist() == [[1, 2, 3, 2, 1]]
    assert F.pad(x, (2, -1), mode="reflect").tolist() == [[2, 1, 0, 1, 2]]
    assert F.pad(x, (-1, 2), mode="replicate").tolist() == [[1, 2, 3, 3, 3]]
    assert F.pad(x, (-1, 2), mode="circular").tolist() == [[1, 2, 3, 1, 2]]  # wraps the cropped [1 2 3]
    assert F.pad(x, (-1, -2), mode="circular").tolist() == [[1]]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_gradient_of_cropping_pads_reaches_only_what_is_read(device, mode):
    x = mt.arange(5.0, device=device, dtype=mt.float64).requires_grad_()
    F.pad(x[None], (-2, 1), mode=mode).sum().backward()
    # reads 2 3 4 and one more: reflect 3, replicate 4, circular the cropped row's first, 2
    extra = {"reflect": 3, "replicate": 4, "circular": 2}[mode]
    expected = [0.0, 0.0, 1.0, 1.0, 1.0]
    expected[extra] += 1
    assert host(x.grad).tolist() == expected


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
    with pytest.raises(RuntimeError, match="reflect padding of \\(3, 0\\) on dim 1 .* must be less than the input "
                       "size there \\(3\\)"):
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(NotImplementedError, match="unrecognised padding mode 'mirror'"):
        F.pad(x, (1, 1), mode="mirror")
    with pytest.raises(RuntimeError, match="too small for the negative padding"):
        F.pad(x, (-2, -2))
    with pytest.raises(RuntimeError, match="input size 3 is too small for replicate padding \\(-2, -1\\)"):
        F.pad(x, (-2, -1), mode="replicate")
    with pytest.raises(RuntimeError, match="wrap around more than once"):
        F.pad(x, (4, 0), mode="circular")
    with pytest.raises(RuntimeError, match="leaving nothing to wrap around"):
        F.pad(x, (-3, 1), mode="circular")
    with pytest.raises(RuntimeError, match="value is only used in constant mode"):
        F.pad(x, (1, 1), mode="reflect", value=2.0)
    with pytest.raises(TypeError, match="sequence of ints"):
        F.pad(x, (1.5, 1))


@settings(max_examples=10)
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@given(shape=nonscalar_shapes, seed=seeds, data=st.data())
def test_pad_agrees_with_pytorch(mode, shape, seed, data):
    torch = pytest.importorskip("torch")
    pad = data.draw(padding(shape, mode))
    batched = (1, 1) + tuple(shape)[len(shape) - len(pad) // 2:]  # PyTorch pads only the dims after (N, C)
    if mode == "circular":  # PyTorch reads uninitialised memory when the padding outgrows the cropped dim
        for i in range(len(pad) // 2):
            size = batched[len(batched) - 1 - i]
            kept = size - max(0, -pad[2 * i]) - max(0, -pad[2 * i + 1])
            assume(max(pad[2 * i], pad[2 * i + 1]) <= kept)
    values = array(seed, batched)
    ours = F.pad(mt.tensor(values), pad, mode=mode)
    theirs = torch.nn.functional.pad(torch.tensor(values), pad, mode=mode)
    np.testing.assert_array_equal(host(ours), theirs.numpy())
