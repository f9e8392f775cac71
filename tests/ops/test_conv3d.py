"""conv3d and conv_transpose3d: values against a direct loop over output positions written
here, conv_transpose3d as a direct scatter and as the adjoint of conv3d, first and second
derivatives by finite differences over drawn geometries, PyTorch when it is installed,
and bad-input errors."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn.errors import ArgumentTypeError, ShapeError
from tests.helpers import host


@st.composite
def cases(draw, max_extra=3):
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(3))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(3))
    padding = tuple(draw(st.integers(0, 1)) for _ in range(3))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(3))
    size = tuple(max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, max_extra))
                 for k, p, d in zip(kernel, padding, dilation))
    return dict(n=draw(st.integers(1, 2)), c=groups * cg, o=groups * og, size=size, kernel=kernel, stride=stride,
                padding=padding, dilation=dilation, groups=groups, seed=draw(st.integers(0, 2**31)))


def _arrays(case):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["n"], case["c"]) + case["size"])
    w = rng.standard_normal((case["o"], case["c"] // case["groups"]) + case["kernel"])
    return x, w, rng.standard_normal(case["o"])


def _geometry(case):
    return case["stride"], case["padding"], case["dilation"], case["groups"]


def direct_conv3d(x, w, b, stride, pads, dilation, groups):
    """The definition, one output element at a time; ``pads`` is (before, after) per dim."""
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    kernel = w.shape[2:]
    xpad = np.pad(x, ((0, 0), (0, 0)) + tuple(pads))
    out_size = [(xpad.shape[2 + a] - dilation[a] * (kernel[a] - 1) - 1) // stride[a] + 1 for a in range(3)]
    out = np.zeros((n, o) + tuple(out_size))
    per_group = o // groups
    for image in range(n):
        for channel in range(o):
            g = channel // per_group
            for i in range(out_size[0]):
                for j in range(out_size[1]):
                    for k in range(out_size[2]):
                        taps = [np.arange(kernel[a]) * dilation[a] + (i, j, k)[a] * stride[a] for a in range(3)]
                        patch = xpad[image, g * cg:(g + 1) * cg][:, taps[0]][:, :, taps[1]][:, :, :, taps[2]]
                        out[image, channel, i, j, k] = np.sum(patch * w[channel]) + (0 if b is None else b[channel])
    return out


def direct_conv_transpose3d(y, w, stride, padding, output_padding, groups, dilation):
    """Each input element scatters its weighted kernel into the output (then the padding
    is cut away), one element at a time."""
    n, c = y.shape[:2]
    og, kernel = w.shape[1], w.shape[2:]
    per_group = c // groups
    full = [(y.shape[2 + a] - 1) * stride[a] + dilation[a] * (kernel[a] - 1) + 1 + output_padding[a]
            for a in range(3)]
    out = np.zeros((n, og * groups) + tuple(full))
    for image in range(n):
        for channel in range(c):
            g = channel // per_group
            for position in np.ndindex(*y.shape[2:]):
                for tap in np.ndindex(*kernel):
                    where = tuple(position[a] * stride[a] + tap[a] * dilation[a] for a in range(3))
                    out[(image, slice(g * og, (g + 1) * og)) + where] += y[(image, channel) + position] * \
                        w[(channel, slice(None)) + tap]
    return out[(slice(None), slice(None)) + tuple(slice(p, f - p) for p, f in zip(padding, full))]


def _call(case, x, w, b=None):
    return F.conv3d(x, w, b, *_geometry(case))


# ------------------------------------------------------------------ values
@settings(max_examples=12)
@given(case=cases())
def test_conv3d_matches_the_direct_loop(device, case):
    x, w, b = _arrays(case)
    pads = tuple((p, p) for p in case["padding"])
    expected = direct_conv3d(x, w, b, case["stride"], pads, case["dilation"], case["groups"])
    out = _call(case, mt.tensor(x, device=device), mt.tensor(w, device=device), mt.tensor(b, device=device))
    assert out.device.type == mt.device(device).type
    np.testing.assert_allclose(host(out), expected, rtol=1e-10, atol=1e-10)


def test_an_unbatched_input_is_one_sample(device):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 3, 4, 3)), rng.standard_normal((3, 2, 2, 2, 1))
    out = F.conv3d(mt.tensor(x, device=device), mt.tensor(w, device=device), stride=(1, 2, 1))
    assert out.shape == (3, 2, 2, 3)
    np.testing.assert_allclose(host(out), direct_conv3d(x[None], w, None, (1, 2, 1), ((0, 0),) * 3, (1, 1, 1), 1)[0],
                               rtol=1e-12)
    wt = rng.standard_normal((2, 2, 2, 1, 2))
    out = F.conv_transpose3d(mt.tensor(x, device=device), mt.tensor(wt, device=device), stride=2)
    np.testing.assert_allclose(host(out), direct_conv_transpose3d(x[None], wt, (2,) * 3, (0,) * 3, (0,) * 3, 1,
                                                                  (1,) * 3)[0], rtol=1e-12)


@pytest.mark.parametrize("kernel, dilation", [((2, 3, 4), (1, 1, 1)), ((2, 2, 3), (1, 2, 1)), ((1, 1, 1), (1, 1, 1))])
def test_same_padding_keeps_the_size_with_the_odd_one_at_the_end(device, kernel, dilation):
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((1, 2, 4, 5, 4)), rng.standard_normal((3, 2) + kernel)
    out = F.conv3d(mt.tensor(x, device=device), mt.tensor(w, device=device), padding="same", dilation=dilation)
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    pads = tuple((t // 2, t - t // 2) for t in totals)
    assert out.shape == (1, 3, 4, 5, 4)
    np.testing.assert_allclose(host(out), direct_conv3d(x, w, None, (1,) * 3, pads, dilation, 1), rtol=1e-10)
    valid = F.conv3d(mt.tensor(x, device=device), mt.tensor(w, device=device), padding="valid", dilation=dilation)
    np.testing.assert_allclose(host(valid), direct_conv3d(x, w, None, (1,) * 3, ((0, 0),) * 3, dilation, 1),
                               rtol=1e-10)


@st.composite
def transposed_cases(draw, max_extra=2):
    case = draw(cases(max_extra=max_extra))
    case["output_padding"] = tuple(draw(st.integers(0, max(s, d) - 1))
                                   for s, d in zip(case["stride"], case["dilation"]))
    return case


def _transposed_arrays(case):
    """(y, w, b) for a conv_transpose3d from o channels to c: y has the shape of conv3d's
    output for the case's input."""
    x, w, _ = _arrays(case)
    y_size = [(case["size"][a] + 2 * case["padding"][a] - case["dilation"][a] * (case["kernel"][a] - 1) - 1)
              // case["stride"][a] + 1 for a in range(3)]
    rng = np.random.default_rng(case["seed"] + 1)
    # the weight of the conv3d from c to o is the transposed one's from o to c
    return rng.standard_normal((case["n"], case["o"]) + tuple(y_size)), w, rng.standard_normal(case["c"])


def _transposed_size(case, y_shape):
    """PyTorch's output size (it can be below 1: a padding larger than the input covers)."""
    return [(y_shape[2 + a] - 1) * case["stride"][a] - 2 * case["padding"][a]
            + case["dilation"][a] * (case["kernel"][a] - 1) + case["output_padding"][a] + 1 for a in range(3)]


def _transposed_call(case, y, w, b=None):
    return F.conv_transpose3d(y, w, b, case["stride"], case["padding"], case["output_padding"], case["groups"],
                              case["dilation"])


@settings(max_examples=12)
@given(case=transposed_cases())
def test_conv_transpose3d_matches_the_direct_scatter(device, case):
    y, w, b = _transposed_arrays(case)
    assume(min(_transposed_size(case, y.shape)) >= 1)  # where it is not, PyTorch refuses too (tested below)
    expected = direct_conv_transpose3d(y, w, case["stride"], case["padding"], case["output_padding"], case["groups"],
                                       case["dilation"]) + b.reshape(1, -1, 1, 1, 1)
    out = _transposed_call(case, mt.tensor(y, device=device), mt.tensor(w, device=device), mt.tensor(b, device=device))
    np.testing.assert_allclose(host(out), expected, rtol=1e-10, atol=1e-10)


@settings(max_examples=12)
@given(case=transposed_cases())
def test_conv_transpose3d_is_the_adjoint_of_conv3d(device, case):
    y, w, _ = _transposed_arrays(case)
    assume(min(_transposed_size(case, y.shape)) >= 1)
    transposed = _transposed_call(case, mt.tensor(y, device=device), mt.tensor(w, device=device))
    x = np.random.default_rng(case["seed"] + 2).standard_normal(transposed.shape)
    conv = direct_conv3d(x, w, None, case["stride"], tuple((p, p) for p in case["padding"]), case["dilation"],
                         case["groups"])
    # an output padding past the stride gives conv3d more outputs than y: the adjoint of
    # conv3d restricted to y's positions
    conv = conv[(slice(None), slice(None)) + tuple(slice(0, s) for s in y.shape[2:])]
    assert np.sum(conv * y) == pytest.approx(np.sum(x * host(transposed)), rel=1e-10, abs=1e-10)


# ------------------------------------------------------------------ derivatives
def _leaves(device, *arrays):
    return tuple(mt.tensor(a, device=device, requires_grad=True) for a in arrays)


@settings(max_examples=6)
@given(case=cases(max_extra=1))
def test_conv3d_gradients(device, case):
    x, w, b = _leaves(device, *_arrays(case))
    assert mt.gradcheck(lambda x, w, b: _call(case, x, w, b), (x, w, b))


@settings(max_examples=4)
@given(case=cases(max_extra=1))
def test_conv3d_second_derivatives_run_all_three_ops(device, case):
    x, w, _ = _leaves(device, *_arrays(case))
    assert mt.gradgradcheck(lambda x, w: _call(case, x, w), (x, w))


@settings(max_examples=6)
@given(case=transposed_cases(max_extra=0))
def test_conv_transpose3d_first_and_second_derivatives(device, case):
    y, w, b = _leaves(device, *_transposed_arrays(case))
    assume(min(_transposed_size(case, y.shape)) >= 1)
    assert mt.gradcheck(lambda y, w, b: _transposed_call(case, y, w, b), (y, w, b))
    assert mt.gradgradcheck(lambda y, w: _transposed_call(case, y, w), (y, w))


def test_output_padding_past_the_stride_is_differentiable_twice(device):
    # dilation 2 lets output_padding 1 with stride 1: conv3d over the gradient then computes
    # a position y does not have, which the backward crops
    rng = np.random.default_rng(3)
    y, w = _leaves(device, rng.standard_normal((1, 1, 2, 2, 2)), rng.standard_normal((1, 1, 2, 1, 2)))
    fn = lambda y, w: F.conv_transpose3d(y, w, output_padding=(1, 0, 1), dilation=2)  # noqa: E731
    assert fn(y, w).shape == (1, 1, 5, 2, 5)
    assert mt.gradcheck(fn, (y, w)) and mt.gradgradcheck(fn, (y, w))


# ------------------------------------------------------------------ PyTorch
@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note on its own even-kernel copy
def test_against_pytorch_values_and_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((2, 4, 5, 4, 6)), rng.standard_normal((6, 2, 3, 2, 3)), rng.standard_normal(6)
    wt, g = rng.standard_normal((4, 3, 2, 3, 2)), None
    for ours_fn, theirs_fn, weight, kwargs in [
            (F.conv3d, torch.nn.functional.conv3d, w, dict(stride=(1, 2, 1), padding=(1, 0, 2), dilation=(2, 1, 1),
                                                           groups=2)),
            (F.conv3d, torch.nn.functional.conv3d, w, dict(padding="same", groups=2)),
            (F.conv_transpose3d, torch.nn.functional.conv_transpose3d, wt,
             dict(stride=(2, 1, 3), padding=(1, 0, 1), output_padding=(1, 0, 2), groups=2, dilation=(1, 2, 1)))]:
        bias = b if ours_fn is F.conv3d else b[:6]
        ours = [mt.tensor(a, requires_grad=True) for a in (x, weight, bias)]
        theirs = [torch.tensor(a, requires_grad=True) for a in (x, weight, bias)]
        out, expected = ours_fn(*ours, **kwargs), theirs_fn(*theirs, **kwargs)
        np.testing.assert_allclose(host(out), expected.detach().numpy(), rtol=1e-10, atol=1e-10)
        g = rng.standard_normal(out.shape)
        out.backward(mt.tensor(g, device=out.device))
        expected.backward(torch.tensor(g))
        for mine, reference in zip(ours, theirs):
            np.testing.assert_allclose(host(mine.grad), reference.grad.numpy(), rtol=1e-10, atol=1e-10)


# ------------------------------------------------------------------ errors
def _t(*shape):
    return mt.zeros(*shape, dtype="float64")


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.conv3d(_t(1, 2, 3, 3), _t(1, 2, 1, 1)), ShapeError, "5-D weight"),
    (lambda: F.conv3d(_t(2, 3, 3), _t(1, 2, 1, 1, 1)), ShapeError, r"4-D \(unbatched\) or 5-D"),
    (lambda: F.conv3d(_t(1, 2, 3, 3, 3), _t(1, 3, 1, 1, 1)), ShapeError, "to have 3 channels, but got 2"),
    (lambda: F.conv3d(_t(1, 4, 3, 3, 3), _t(3, 2, 1, 1, 1), groups=2), ShapeError, r"out_channels \(3\)"),
    (lambda: F.conv3d(_t(1, 2, 3, 3, 3), _t(1, 2, 4, 1, 1)), ShapeError, "Kernel size can't be greater"),
    (lambda: F.conv3d(_t(1, 2, 3, 3, 3), _t(1, 2, 1, 1, 1), stride=2, padding="same"), ShapeError,
     "not supported for strided"),
    (lambda: F.conv3d(_t(1, 2, 3, 3, 3), _t(1, 2, 1, 1, 1), padding="full"), ShapeError, "'valid', 'same'"),
    (lambda: F.conv3d(_t(1, 2, 3, 3, 3), _t(1, 2, 1, 1, 1), stride=(1, 1)), ArgumentTypeError, "stride"),
    (lambda: F.conv3d(_t(1, 2, 3, 3, 3), _t(1, 2, 1, 1, 1), padding=-1), ShapeError, "padding must be >= 0"),
    (lambda: F.conv3d(_t(1, 2, 3, 3, 3), _t(1, 2, 1, 1, 1), _t(2)), ShapeError, r"bias must have shape \[1\]"),
    (lambda: F.conv3d(_t(1, 2, 3, 3, 3), mt.zeros(1, 2, 1, 1, 1)), ArgumentTypeError, "same floating dtype"),
    (lambda: F.conv3d(np.zeros((1, 2, 3, 3, 3)), _t(1, 2, 1, 1, 1)), ArgumentTypeError, "input must be a Tensor"),
    (lambda: F.conv_transpose3d(_t(1, 3, 2, 2, 2), _t(2, 1, 1, 1, 1)), ShapeError, "expects input with 2 channels"),
    (lambda: F.conv_transpose3d(_t(1, 2, 2, 2, 2), _t(2, 1, 1, 1, 1), stride=2, output_padding=2), ShapeError,
     "output_padding"),
    (lambda: F.conv_transpose3d(_t(1, 3, 2, 2, 2), _t(3, 1, 1, 1, 1), groups=2), ShapeError, "divisible by groups"),
    (lambda: F.conv_transpose3d(_t(1, 2, 1, 1, 1), _t(2, 1, 1, 1, 1), padding=1), ShapeError, "must be positive"),
    (lambda: F.conv_transpose3d(_t(1, 2, 2, 2, 2), _t(2, 1, 1, 1, 1), _t(2)), ShapeError, r"bias must have shape"),
])
def test_bad_arguments_are_refused_before_any_arithmetic(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_errors_are_pytorch_s_exception_types():
    with pytest.raises(RuntimeError):  # what PyTorch raises for a shape mismatch
        F.conv3d(_t(1, 2, 3, 3, 3), _t(1, 3, 1, 1, 1))
    with pytest.raises(ValueError):  # and ours is also a ValueError
        F.conv3d(_t(1, 2, 3, 3, 3), _t(1, 2, 4, 1, 1))
