"""Convolutions against a direct nested loop written here (independent of im2col),
conv_transpose2d as the adjoint of conv2d, gradients of all three convolution ops, and
bad-input errors."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from tests.helpers import host


@st.composite
def conv_cases(draw, max_side=6):
    kind = draw(st.sampled_from(["dense", "grouped", "depthwise", "depthwise-multiplier"]))
    if kind == "dense":
        groups, cg, og = 1, draw(st.integers(1, 3)), draw(st.integers(1, 3))
    elif kind == "grouped":
        groups, cg, og = 2, draw(st.integers(1, 2)), draw(st.integers(1, 2))
    else:
        groups, cg, og = draw(st.integers(2, 3)), 1, (1 if kind == "depthwise" else 2)
    kernel = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    reach = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    h = draw(st.integers(max(1, reach[0] - 2 * padding[0]), max(1, reach[0] - 2 * padding[0]) + max_side))
    w = draw(st.integers(max(1, reach[1] - 2 * padding[1]), max(1, reach[1] - 2 * padding[1]) + max_side))
    return dict(n=draw(st.integers(1, 3)), c=groups * cg, o=groups * og, h=h, w=w, kernel=kernel, stride=stride,
                padding=padding, dilation=dilation, groups=groups, seed=draw(st.integers(0, 2**31)))


def _arrays(case, dtype=np.float64):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["n"], case["c"], case["h"], case["w"])).astype(dtype)
    w = rng.standard_normal((case["o"], case["c"] // case["groups"]) + case["kernel"]).astype(dtype)
    b = rng.standard_normal(case["o"]).astype(dtype)
    return x, w, b


def direct_conv2d(x, w, b, stride, padding, dilation, groups):
    """The definition, one output element at a time."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (padding[0], padding[0]), (padding[1], padding[1])))
    out_h = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    out_w = (wd + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, out_h, out_w))
    per_group = o // groups
    for image in range(n):
        for channel in range(o):
            g = channel // per_group
            for i in range(out_h):
                for j in range(out_w):
                    rows = i * stride[0] + np.arange(kh) * dilation[0]
                    cols = j * stride[1] + np.arange(kw) * dilation[1]
                    patch = xpad[image, g * cg:(g + 1) * cg][:, rows][:, :, cols]
                    out[image, channel, i, j] = np.sum(patch * w[channel]) + (0 if b is None else b[channel])
    return out


def _call(case, x, w, b=None):
    return F.conv2d(x, w, b, case["stride"], case["padding"], case["dilation"], case["groups"])


@given(case=conv_cases())
def test_conv2d_forward_matches_the_direct_loop(device, case):
    x, w, b = _arrays(case)
    expected = direct_conv2d(x, w, b, case["stride"], case["padding"], case["dilation"], case["groups"])
    for mode in ("auto", "reference"):
        with mt.kernels.using(mode):
            out = _call(case, mt.tensor(x, device=device), mt.tensor(w, device=device), mt.tensor(b, device=device))
        np.testing.assert_allclose(host(out), expected, rtol=1e-10, atol=1e-10)


@given(case=conv_cases(max_side=3))
def test_conv2d_gradients(device, case):
    x, w, b = (mt.tensor(a, device=device, requires_grad=True) for a in _arrays(case))
    assert mt.gradcheck(lambda x, w, b: _call(case, x, w, b), (x, w, b))


@given(case=conv_cases(max_side=2))
def test_conv2d_second_derivatives_cover_all_three_ops(device, case):
    # second derivatives of conv2d run Conv2d, ConvTranspose2d and Conv2dWeight
    x, w, _ = (mt.tensor(a, device=device, requires_grad=True) for a in _arrays(case))
    assert mt.gradgradcheck(lambda x, w: _call(case, x, w), (x, w), fast_mode=True)


def _transposed_case(case, data):
    """Output padding (below stride or dilation) and the matching conv2d input size."""
    output_padding = tuple(data.draw(st.integers(0, max(s, d) - 1)) for s, d in zip(case["stride"], case["dilation"]))
    x, w, _ = _arrays(case)
    y = direct_conv2d(x, w, None, case["stride"], case["padding"], case["dilation"], case["groups"])
    out_hw = [(y.shape[2 + i] - 1) * case["stride"][i] - 2 * case["padding"][i]
              + case["dilation"][i] * (case["kernel"][i] - 1) + output_padding[i] + 1 for i in range(2)]
    assume(min(out_hw) >= 1)  # where padding exceeds what y covers, PyTorch refuses it too (tested below)
    return output_padding, out_hw, y.shape


@given(case=conv_cases(), data=st.data())
def test_conv_transpose2d_is_the_adjoint_of_conv2d(device, case, data):
    output_padding, out_hw, y_shape = _transposed_case(case, data)
    rng = np.random.default_rng(case["seed"] + 1)
    x = rng.standard_normal((case["n"], case["c"], out_hw[0], out_hw[1]))
    y = rng.standard_normal((case["n"], case["o"]) + y_shape[2:])
    w = _arrays(case)[1]
    conv = direct_conv2d(x, w, None, case["stride"], case["padding"], case["dilation"], case["groups"])
    transposed = F.conv_transpose2d(mt.tensor(y, device=device), mt.tensor(w, device=device), None, case["stride"],
                                    case["padding"], output_padding, case["groups"], case["dilation"])
    assert transposed.shape == x.shape
    # <conv(x), y> = <x, conv_transpose(y)>: the definition of the adjoint. When the output
    # padding is at least the stride (allowed by a larger dilation), conv(x) has more
    # outputs than y; conv_transpose is the adjoint of conv restricted to y's positions.
    conv = conv[:, :, :y.shape[2], :y.shape[3]]
    assert np.sum(conv * y) == pytest.approx(np.sum(x * host(transposed)), rel=1e-10, abs=1e-10)


@given(case=conv_cases(max_side=2), data=st.data())
def test_conv_transpose2d_gradients(device, case, data):
    output_padding, _, y_shape = _transposed_case(case, data)
    rng = np.random.default_rng(case["seed"] + 2)
    y = mt.tensor(rng.standard_normal((case["n"], case["o"]) + y_shape[2:]), device=device, requires_grad=True)
    w = mt.tensor(_arrays(case)[1], device=device, requires_grad=True)
    out_channels = w.shape[1] * case["groups"]
    b = mt.tensor(rng.standard_normal(out_channels), device=device, requires_grad=True)

    def fn(y, w, b):
        return F.conv_transpose2d(y, w, b, case["stride"], case["padding"], output_padding, case["groups"],
                                  case["dilation"])

    assert mt.gradcheck(fn, (y, w, b))
    assert mt.gradgradcheck(lambda y, w: fn(y, w, None), (y, w), fast_mode=True)


@pytest.mark.parametrize("route", [None, "chunks", "direct"], ids=["auto", "grouped-as-gemm", "thin-groups-direct"])
@given(case=conv_cases())
def test_fast_kernels_agree_with_the_reference_kernels(route, case):
    # the automatic choice, and both ways of computing a grouped convolution: batched GEMMs
    # and the direct kernels
    if route is None:
        _fast_against_reference(case)
    else:
        with mt.kernels.conv_route(route):
            _fast_against_reference(case)


def conv_kernels(x, w, b, args, upstream=None):
    """(y, dx, dw, (dx, dw)) of one convolution through the public kernel API, one plan for
    all four: the forward, both gradients for ``upstream`` (default: y itself), and the two
    in one pass."""
    plan = mt.kernels.conv_plan(x.shape, w.shape, *args, like=x)
    x_in = plan.input_layout(x)
    y = mt.kernels.conv2d(x_in, w, b, plan)
    g_in = plan.grad_layout(y if upstream is None else upstream)
    return (y, mt.kernels.conv2d_input_grad(g_in, w, plan), mt.kernels.conv2d_weight_grad(x_in, g_in, plan),
            mt.kernels.conv2d_backward(x_in, g_in, w, plan))


def _fast_against_reference(case):
    x, w, b = _arrays(case)
    args = (case["stride"], (case["padding"][0],) * 2 + (case["padding"][1],) * 2, case["dilation"], case["groups"])
    with mt.kernels.conv_route("reference"):  # the spec, even inside a block forcing another route
        ref_y, ref_dx, ref_dw, _ = conv_kernels(x, w, b, args)
    y, dx, dw, both = conv_kernels(x, w, b, args, upstream=ref_y)
    np.testing.assert_allclose(y, ref_y, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dw, ref_dw, rtol=1e-9, atol=1e-9)
    # the two in one pass, where a route can
    np.testing.assert_allclose(both[0], ref_dx, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(both[1], ref_dw, rtol=1e-9, atol=1e-9)


@given(case=conv_cases())
def test_numba_im2col_and_col2im_agree_with_the_reference(case):
    from minitorch_cnn.kernels.conv import cpu, reference

    rng = np.random.default_rng(case["seed"])
    g, cg = case["groups"], case["c"] // case["groups"]
    kh, kw = case["kernel"]
    hp, wp = case["h"] + 2 * case["padding"][0], case["w"] + 2 * case["padding"][1]
    out_h = (hp - case["dilation"][0] * (kh - 1) - 1) // case["stride"][0] + 1
    out_w = (wp - case["dilation"][1] * (kw - 1) - 1) // case["stride"][1] + 1
    xpad = rng.standard_normal((case["n"], hp, wp, case["c"]))
    shape = (case["n"], out_h, out_w, g, kh, kw, cg)
    cols_ref = reference.im2col(xpad, np.empty(shape), case["stride"], case["dilation"])
    cols_fast = cpu.im2col(xpad, np.empty(shape), case["stride"], case["dilation"])
    np.testing.assert_array_equal(cols_fast, cols_ref)
    grads = rng.standard_normal(shape)
    back_ref = reference.col2im(grads, np.zeros_like(xpad), case["stride"], case["dilation"])
    back_fast = cpu.col2im(grads, np.zeros_like(xpad), case["stride"], case["dilation"])
    np.testing.assert_allclose(back_fast, back_ref, rtol=1e-12, atol=1e-12)
    # col2im is a gather: a second run is bit-identical
    np.testing.assert_array_equal(cpu.col2im(grads, np.zeros_like(xpad), case["stride"], case["dilation"]), back_fast)


@given(case=conv_cases(max_side=4))
def test_backward_is_deterministic(case):
    x, w, b = _arrays(case, np.float32)
    results = []
    for _ in range(2):
        tx, tw = mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)
        _call(case, tx, tw).backward(mt.ones(_call(case, tx, tw).shape))
        results.append((host(tx.grad).copy(), host(tw.grad).copy()))
    for first, second in zip(*results):
        np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("route", ["chunks", pytest.param("pipelines", id="per-core-pipelines", marks=pytest.mark.cpu_only(
    "the pipelines route runs on CPU threads over NumPy arrays"))])
def test_batches_are_chunked_under_the_memory_budget(route):
    fast = mt.kernels

    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal((5, 3, 8, 8)), requires_grad=True)
    w = mt.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    upstream = mt.tensor(rng.standard_normal((5, 4, 8, 8)))

    def run():
        x.grad = w.grad = None
        with mt.kernels.conv_route(route):
            y = F.conv2d(x, w, padding=1)
            y.backward(upstream)
        return host(y), host(x.grad), host(w.grad)

    whole = run()
    device = x.device.type
    previous = fast.memory_budget(device)
    fast.set_memory_budget(2 * 8 * 8 * 9 * 3 * 8, device)  # two images' im2col buffer: chunks of 2, 2 and 1
    try:
        chunked = run()
    finally:
        fast.set_memory_budget(previous, device)
    for a, b in zip(chunked, whole):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="nbytes must be a positive int"):
        fast.set_memory_budget(0)


def test_conv1d_and_conv_transpose1d_match_their_2d_definitions():
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 4, 11)), rng.standard_normal((6, 2, 3))
    out = F.conv1d(mt.tensor(x), mt.tensor(w), None, stride=2, padding=1, dilation=2, groups=2)
    expected = direct_conv2d(x[:, :, None, :], w[:, :, None, :], None, (1, 2), (0, 1), (1, 2), 2)[:, :, 0, :]
    np.testing.assert_allclose(host(out), expected, rtol=1e-12)
    y = rng.standard_normal(expected.shape)
    transposed = F.conv_transpose1d(mt.tensor(y), mt.tensor(w), None, stride=2, padding=1, output_padding=0,
                                    groups=2, dilation=2)
    assert transposed.shape == (2, 4, 11)
    assert np.sum(expected * y) == pytest.approx(np.sum(x * host(transposed)), rel=1e-12)
    xt, wt = mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)
    assert mt.gradcheck(lambda a, b: F.conv1d(a, b, stride=2, padding="valid", groups=2), (xt, wt))


def test_same_padding_is_asymmetric_like_pytorch():
    # kernel 4: total padding 3, one row/column before and two after
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((1, 1, 5, 6)), rng.standard_normal((1, 1, 4, 4))
    out = F.conv2d(mt.tensor(x), mt.tensor(w), padding="same")
    padded = np.pad(x, ((0, 0), (0, 0), (1, 2), (1, 2)))
    np.testing.assert_allclose(host(out), direct_conv2d(padded, w, None, (1, 1), (0, 0), (1, 1), 1), rtol=1e-12)
    assert F.conv1d(mt.ones(1, 2, 7), mt.ones(3, 2, 4), padding="same").shape == (1, 3, 7)


def test_unbatched_input():
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    out = F.conv2d(mt.tensor(x), mt.tensor(w))
    np.testing.assert_allclose(host(out), direct_conv2d(x[None], w, None, (1, 1), (0, 0), (1, 1), 1)[0], rtol=1e-12)
    assert F.conv_transpose2d(mt.tensor(x), mt.tensor(rng.standard_normal((2, 3, 3, 3)))).shape == (3, 7, 7)


def test_float32_results_match_float64_within_float32_tolerance():
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((2, 8, 9, 9)), rng.standard_normal((16, 8, 3, 3))
    single = F.conv2d(mt.tensor(x, dtype=mt.float32), mt.tensor(w, dtype=mt.float32), padding=1)
    double = F.conv2d(mt.tensor(x), mt.tensor(w), padding=1)
    assert single.dtype == mt.float32
    np.testing.assert_allclose(host(single), host(double), rtol=1e-4, atol=1e-4)


BAD = [
    (lambda: F.conv2d(mt.ones(1, 3, 5, 5), mt.ones(4, 3, 3, 3), groups=2), "in_channels \\(3\\) must be divisible by groups \\(2\\)"),
    (lambda: F.conv2d(mt.ones(1, 4, 5, 5), mt.ones(3, 2, 3, 3), groups=2), "out_channels \\(3\\) must be divisible by groups"),
    (lambda: F.conv2d(mt.ones(1, 4, 5, 5), mt.ones(4, 3, 3, 3)), "expected input \\[1, 4, 5, 5\\] to have 3 channels, but got 4"),
    (lambda: F.conv2d(mt.ones(1, 3, 2, 2), mt.ones(4, 3, 5, 5), padding=1), "padded input size per channel: \\(4 x 4\\)"),
    (lambda: F.conv2d(mt.ones(3, 5, 5, 1, 1), mt.ones(4, 3, 3, 3)), "expected a 3-D \\(unbatched\\) or 4-D"),
    (lambda: F.conv2d(mt.ones(1, 3, 5, 5), mt.ones(4, 3, 3)), "expected a 4-D weight"),
    (lambda: F.conv2d(mt.ones(1, 3, 5, 5), mt.ones(4, 3, 3, 3, dtype=mt.float64)), "must have the same floating dtype"),
    (lambda: F.conv2d(mt.ones(1, 3, 5, 5), mt.ones(4, 3, 3, 3), stride=0), "stride must be >= 1"),
    (lambda: F.conv2d(mt.ones(1, 3, 5, 5), mt.ones(4, 3, 3, 3), padding=-1), "padding must be >= 0"),
    (lambda: F.conv2d(mt.ones(1, 3, 5, 5), mt.ones(4, 3, 3, 3), padding="same", stride=2), "not supported for strided"),
    (lambda: F.conv2d(mt.ones(1, 3, 5, 5), mt.ones(4, 3, 3, 3), mt.ones(3)), "bias must have shape \\[4\\]"),
    (lambda: F.conv_transpose2d(mt.ones(1, 3, 5, 5), mt.ones(3, 2, 3, 3), stride=2, output_padding=2),
     "output_padding \\(2\\) must be smaller than either stride \\(2\\) or dilation \\(1\\)"),
    (lambda: F.conv_transpose2d(mt.ones(1, 4, 5, 5), mt.ones(3, 2, 3, 3)), "expects input with 3 channels"),
    (lambda: F.conv_transpose2d(mt.ones(1, 1, 1, 1), mt.ones(1, 1, 1, 1), stride=3, padding=1),
     "output size would be \\[-1, -1\\]"),
]


@pytest.mark.parametrize("call,message", BAD)
def test_bad_input_is_named_before_any_arithmetic(call, message):
    with pytest.raises((ValueError, TypeError, RuntimeError), match=message):
        call()


def test_outputs_are_contiguous_nchw_like_pytorch():
    # user code flattens conv outputs with view(); that needs contiguous NCHW memory
    x = mt.randn(2, 3, 6, 6, requires_grad=True)
    w = mt.randn(4, 3, 3, 3, requires_grad=True)
    for y in (F.conv2d(x, w, padding=1), F.conv2d(x, w[:, :1].expand(4, 1, 3, 3).contiguous()[:3], groups=3),
              F.conv_transpose2d(x, mt.randn(3, 2, 3, 3), stride=2)):
        assert y.is_contiguous()
        assert y.view(y.shape[0], -1).shape[1] == y[0].numel()
    F.conv2d(x, w, padding=1).view(2, -1).sum().backward()
    assert x.grad.is_contiguous() and w.grad.is_contiguous()


def test_channels_last_inputs_give_channels_last_outputs_like_pytorch():
    x = mt.randn(2, 3, 6, 6).contiguous(memory_format=mt.channels_last).requires_grad_()
    assert x.is_contiguous(memory_format=mt.channels_last) and not x.is_contiguous()
    w = mt.randn(4, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    assert y.is_contiguous(memory_format=mt.channels_last)
    with pytest.raises(RuntimeError, match="not compatible with input tensor's size and stride"):
        y.view(2, -1)  # as in PyTorch: flatten a channels_last tensor with reshape
    reference = F.conv2d(x.contiguous(), w, padding=1)
    np.testing.assert_allclose(host(y), host(reference), rtol=1e-5, atol=1e-6)
    y.reshape(2, -1).sum().backward()
    assert x.grad.shape == x.shape
    assert mt.gradcheck(lambda a: a.contiguous(memory_format=mt.channels_last) * 2,
                        (mt.randn(1, 2, 3, 3, dtype=mt.float64, requires_grad=True),))


def test_frozen_weights_and_inputs_without_grad():
    # only one of x and w needs a gradient: each path computes just that one, correctly
    rng = np.random.default_rng(7)
    x_values, w_values = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3))
    x = mt.tensor(x_values, requires_grad=True)
    F.conv2d(x, mt.tensor(w_values), padding=1).sum().backward()
    w = mt.tensor(w_values, requires_grad=True)
    F.conv2d(mt.tensor(x_values), w, padding=1).sum().backward()
    both_x, both_w = mt.tensor(x_values, requires_grad=True), mt.tensor(w_values, requires_grad=True)
    F.conv2d(both_x, both_w, padding=1).sum().backward()
    np.testing.assert_allclose(host(x.grad), host(both_x.grad), rtol=1e-12)
    np.testing.assert_allclose(host(w.grad), host(both_w.grad), rtol=1e-12)


def test_tap_tables_match_a_direct_scan():
    """reads[o, t] is the input position tap t of output o reads (-1: padding), and
    feeds[p, t] the output whose tap t reads p: checked against the definition."""
    from minitorch_cnn.kernels.conv import tap_tables

    for size in range(1, 8):
        for kernel in range(1, 4):
            for stride in range(1, 4):
                for before in range(0, 3):
                    for dilation in (1, 2):
                        out = (size + 2 * before - dilation * (kernel - 1) - 1) // stride + 1
                        if out < 1:
                            continue
                        reads, feeds = tap_tables(size, out, kernel, stride, before, dilation)
                        for o in range(out):
                            for t in range(kernel):
                                p = o * stride - before + t * dilation
                                assert reads[o, t] == (p if 0 <= p < size else -1)
                        for p in range(size):
                            for t in range(kernel):
                                sources = [o for o in range(out) if o * stride - before + t * dilation == p]
                                assert feeds[p, t] == (sources[0] if sources else -1)
