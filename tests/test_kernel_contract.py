"""The registry's contract: every kernel with more than one implementation agrees with its
reference, on every device present, on hypothesis-drawn cases.

One case builder per kernel name (``CASES``): it draws the arguments, says which of them
the kernel writes into (or that it returns its results), and the tolerance. The test walks
``kernels.names()``, so a kernel registered with a second implementation and no case
builder here fails, by name, until someone writes its builder.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch_cnn as mt
from minitorch_cnn import backend, kernels
from minitorch_cnn.kernels.conv.taps import tap_tables
from minitorch_cnn.kernels.conv.winograd import tile_tables
from minitorch_cnn.kernels.optim.cpu import PARALLEL_FROM
from tests.ops.test_conv import conv_cases


@dataclasses.dataclass
class Case:
    args: tuple
    writes: tuple = ()  # indices of the arguments the kernel fills; () = compare what it returns
    rtol: float = 1e-12
    atol: float = 1e-12
    channels_last: bool | None = None  # the results' memory format: channels_last (True), NCHW (False)


def _rng(seed):
    return np.random.default_rng(seed)


def _layouts():
    return st.sampled_from(["nchw", "channels_last"])


def _in_layout(array, layout):
    return backend.to_channels_last(array) if layout == "channels_last" else np.ascontiguousarray(array)


def _out_size(size, kernel, stride, pad, dilation):
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


# ------------------------------------------------------------------ convolution blocks
def _conv_geometry(case):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = case["kernel"], case["stride"], case["padding"], case["dilation"]
    out_h = _out_size(case["h"], kh, sh, ph, dh)
    out_w = _out_size(case["w"], kw, sw, pw, dw)
    rows = tap_tables(case["h"], out_h, kh, sh, ph, dh)
    cols = tap_tables(case["w"], out_w, kw, sw, pw, dw)
    return out_h, out_w, rows, cols


@st.composite
def _im2col(draw):
    case = draw(conv_cases())
    rng = _rng(case["seed"])
    out_h, out_w, _, _ = _conv_geometry(case)
    xpad = rng.standard_normal((case["n"], case["h"] + 2 * case["padding"][0], case["w"] + 2 * case["padding"][1],
                                case["c"]))
    cols = np.empty((case["n"], out_h, out_w, case["groups"]) + case["kernel"] + (case["c"] // case["groups"],))
    return Case((xpad, cols, case["stride"], case["dilation"]), writes=(1,))


@st.composite
def _col2im(draw):
    case = draw(_im2col())
    xpad, cols, stride, dilation = case.args
    grads = _rng(xpad.size).standard_normal(cols.shape)
    return Case((grads, np.full_like(xpad, np.nan), stride, dilation), writes=(1,))


@st.composite
def _band(draw):
    """A convolution case and a band [first, last) of its output rows."""
    case = draw(conv_cases())
    out_h, out_w, rows, cols = _conv_geometry(case)
    first = draw(st.integers(0, out_h - 1))
    last = draw(st.integers(first + 1, out_h))
    return case, out_w, rows, cols, first, last


@st.composite
def _im2col_taps(draw):
    case, out_w, rows, cols, first, last = draw(_band())
    x = _rng(case["seed"]).standard_normal((case["n"], case["h"], case["w"], case["c"]))
    columns = np.full((case["n"], last - first, out_w, case["groups"]) + case["kernel"] +
                      (case["c"] // case["groups"],), np.nan)
    return Case((x, columns, first, rows[0], cols[0]), writes=(1,))


@st.composite
def _col2im_taps_add(draw):
    case, out_w, rows, cols, first, last = draw(_band())
    rng = _rng(case["seed"])
    columns = rng.standard_normal((case["n"], last - first, out_w, case["groups"]) + case["kernel"] +
                                  (case["c"] // case["groups"],))
    dx = rng.standard_normal((case["n"], case["h"], case["w"], case["c"]))  # it adds to what dx holds
    return Case((columns, dx, first, rows[0], cols[0]), writes=(1,))


@st.composite
def _direct(draw):
    case = draw(conv_cases())
    out_h, out_w, rows, cols = _conv_geometry(case)
    g, cg, og = case["groups"], case["c"] // case["groups"], case["o"] // case["groups"]
    rng = _rng(case["seed"])
    x = rng.standard_normal((case["n"], case["h"], case["w"], cg, g))
    weights = rng.standard_normal(case["kernel"] + (cg, og, g))
    grad = rng.standard_normal((case["n"], out_h, out_w, og, g))
    return case, rows, cols, x, weights, grad, rng


@st.composite
def _direct_forward(draw):
    case, rows, cols, x, weights, grad, rng = draw(_direct())
    bias = rng.standard_normal(grad.shape[3:])
    return Case((x, weights, bias, np.empty_like(grad), rows[0], cols[0]), writes=(3,))


@st.composite
def _direct_input_grad(draw):
    case, rows, cols, x, weights, grad, _ = draw(_direct())
    return Case((grad, weights, np.empty_like(x), rows[1], cols[1]), writes=(2,))


@st.composite
def _direct_weight_grad(draw):
    case, rows, cols, x, weights, grad, _ = draw(_direct())
    partial = np.empty((case["n"],) + weights.shape)
    return Case((x, grad, partial, rows[0], cols[0]), writes=(2,))


# ---------------------------------------------------------------- Winograd transforms
@st.composite
def _tiles(draw):
    """An unpadded image and its tile tables for a 3x3 stride-1 convolution, and a band of tile rows."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 5))
    top, left = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    h, w = draw(st.integers(max(1, 3 - 2 * top), 9)), draw(st.integers(max(1, 3 - 2 * left), 9))
    out_h, out_w = h + 2 * top - 2, w + 2 * left - 2
    rows, cols = tile_tables(h, out_h, top), tile_tables(w, out_w, left)
    first = draw(st.integers(0, len(rows) - 1))
    last = draw(st.integers(first + 1, len(rows)))
    seed = draw(st.integers(0, 2**31))
    return dict(n=n, c=c, h=h, w=w, out_h=out_h, out_w=out_w, rows=rows, cols=cols, first=first, last=last,
                rng=_rng(seed))


def _tile_buffer(t, fill=np.nan):
    return np.full((16, t["n"], t["last"] - t["first"], len(t["cols"]), t["c"]), fill)


@st.composite
def _winograd_input_tiles(draw):
    t = draw(_tiles())
    x = t["rng"].standard_normal((t["n"], t["h"], t["w"], t["c"]))
    return Case((x, _tile_buffer(t), t["first"], t["rows"], t["cols"], np.empty((1, 4, 4, t["c"]))), writes=(1,))


@st.composite
def _winograd_input_tiles_adjoint_add(draw):
    t = draw(_tiles())
    tiles = t["rng"].standard_normal(_tile_buffer(t).shape)
    dx = t["rng"].standard_normal((t["n"], t["h"], t["w"], t["c"]))  # it adds to what dx holds
    return Case((tiles, dx, t["first"], t["rows"], t["cols"], np.empty((1, 4, 4, t["c"]))), writes=(1,))


@st.composite
def _winograd_output_tiles(draw):
    t = draw(_tiles())
    products = t["rng"].standard_normal(_tile_buffer(t).shape)
    out = np.full((t["n"], t["out_h"], t["out_w"], t["c"]), np.nan)  # rows outside the band stay NaN in both
    return Case((products, out, t["first"], t["rng"].standard_normal(t["c"])), writes=(1,))


@st.composite
def _winograd_grad_tiles(draw):
    t = draw(_tiles())
    grad = t["rng"].standard_normal((t["n"], t["out_h"], t["out_w"], t["c"]))
    return Case((grad, _tile_buffer(t), t["first"], np.empty((2, 2, t["c"]))), writes=(1,))


@st.composite
def _winograd_filter_tiles(draw):
    c_out, c, seed = draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(0, 2**31))
    weight = _rng(seed).standard_normal((c_out, c, 3, 3))
    return Case((weight, np.full((16, c_out, c), np.nan)), writes=(1,))


@st.composite
def _winograd_filter_tiles_adjoint(draw):
    c_out, c, seed = draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(0, 2**31))
    du = _rng(seed).standard_normal((16, c_out, c))
    return Case((du, np.full((c_out, c, 3, 3), np.nan)), writes=(1,))


# ------------------------------------------------------------------------ pooling
@st.composite
def _pool_geometry(draw, dilated=True):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilated else (1, 1)
    hw = tuple(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 8))
               for k, p, d in zip(kernel, padding, dilation))
    out_hw = tuple(_out_size(s, k, st_, p, d) for s, k, st_, p, d in zip(hw, kernel, stride, padding, dilation))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 5))) + hw
    return shape, kernel, stride, padding, dilation, out_hw, draw(_layouts()), draw(st.integers(0, 2**31))


@st.composite
def _max_pool2d(draw):
    shape, kernel, stride, padding, dilation, out_hw, layout, seed = draw(_pool_geometry())
    x = _rng(seed).standard_normal(shape)
    x.flat[seed % x.size] = np.nan  # NaN wins, in both
    x = _in_layout(x, layout)
    return Case((x, kernel, stride, padding, dilation, out_hw), channels_last=backend.is_channels_last(x))


def _divisor(hw, kernel, stride, padding, out_hw, seed):
    return kernels.avg_pool2d_divisor(hw, kernel, stride, padding, out_hw, bool(seed % 2), None)


@st.composite
def _avg_pool2d(draw):
    shape, kernel, stride, padding, _, out_hw, layout, seed = draw(_pool_geometry(dilated=False))
    x = _in_layout(_rng(seed).standard_normal(shape), layout)
    return Case((x, kernel, stride, padding, out_hw, _divisor(shape[2:], kernel, stride, padding, out_hw, seed)),
                channels_last=backend.is_channels_last(x))


@st.composite
def _avg_pool2d_backward(draw):
    shape, kernel, stride, padding, _, out_hw, layout, seed = draw(_pool_geometry(dilated=False))
    grad = _in_layout(_rng(seed).standard_normal(shape[:2] + out_hw), layout)
    divisor = _divisor(shape[2:], kernel, stride, padding, out_hw, seed)
    wanted = draw(st.booleans())  # the forward input's format, which a (N, C, 1, 1) grad cannot tell
    return Case((grad, kernel, stride, padding, shape[2:], divisor, wanted), channels_last=wanted)


@st.composite
def _scatter_add_planes(draw):
    shape, kernel, stride, padding, dilation, out_hw, layout, seed = draw(_pool_geometry())
    x = _rng(seed).standard_normal(shape)
    _, index = kernels.implementations("max_pool2d")["reference"](x, kernel, stride, padding, dilation, out_hw)
    values = _rng(seed + 1).standard_normal(index.shape)
    wanted = draw(st.booleans())
    return Case((_in_layout(values, layout), _in_layout(index, layout), shape[2:], wanted), channels_last=wanted)


@st.composite
def _gather_planes(draw):
    """max pooling's argmax read back from the planes (-1: a window that missed the image)."""
    shape, kernel, stride, padding, dilation, out_hw, layout, seed = draw(_pool_geometry())
    x = _in_layout(_rng(seed).standard_normal(shape), layout)
    _, index = kernels.implementations("max_pool2d")["reference"](x, kernel, stride, padding, dilation, out_hw)
    return Case((x, _in_layout(index, layout)), channels_last=backend.is_channels_last(x))


# ---------------------------------------------------------------- normalisation, erf
@st.composite
def _batch_norm(draw, shape=None, layout=None):
    """x (N, C, L) and its layouts; ``shape`` and ``layout`` fix them (the GPU kernels'
    many-channel, many-row cases in tests/test_cuda_host_build.py)."""
    if shape is None:
        n, c, length = draw(st.integers(1, 4)), draw(st.integers(1, 6)), draw(st.integers(1, 40))
        shape = (n, c, max(length, 2) if n * length < 2 else length)
    rng = _rng(draw(st.integers(0, 2**31)))
    x = rng.standard_normal(shape) * 3 + rng.standard_normal(shape[1])[:, None] * 10
    return x, rng, layout or draw(_layouts()), layout or draw(_layouts())


@st.composite
def _batch_norm_train(draw, shape=None, layout=None):
    x, rng, layout, _ = draw(_batch_norm(shape, layout))
    weight = rng.standard_normal(x.shape[1]) if rng.random() < 0.8 else None
    bias = rng.standard_normal(x.shape[1]) if rng.random() < 0.8 else None
    x = _in_layout(x, layout)
    return Case((x, weight, bias, 1e-5), rtol=1e-9, atol=1e-9, channels_last=backend.is_channels_last(x))


@st.composite
def _batch_norm_backward(draw, shape=None, layout=None):
    x, rng, layout, grad_layout = draw(_batch_norm(shape, layout))
    weight = rng.standard_normal(x.shape[1]) if rng.random() < 0.8 else None
    _, mean, _, invstd = kernels.implementations("batch_norm_train")["reference"](x, weight, None, 1e-5)
    x, grad = _in_layout(x, layout), _in_layout(rng.standard_normal(x.shape), grad_layout)
    return Case((x, grad, mean, invstd, weight), rtol=1e-9, atol=1e-9, channels_last=backend.is_channels_last(x))


@st.composite
def _erf(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    values = draw(st.lists(st.floats(-6, 6, allow_nan=False), min_size=1, max_size=30))
    x = np.array(values + [0.0, np.inf, -np.inf, np.nan], dtype=dtype)
    if draw(st.booleans()):  # enough values for the parallel loop (kernels/special/cpu.py), channels_last
        x = backend.to_channels_last(np.resize(x, (4, 8, 128, 256)))
    return Case((x,), rtol=1e-6, atol=1e-7)


@st.composite
def _gelu_input(draw):
    """x (small, or a million values and more for the parallel pass, channels_last or C
    order) with its extremes, the approximation, and the dtype's tolerance."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = _rng(draw(st.integers(0, 2**31)))
    shape = (4, 8, 128, 256) if draw(st.booleans()) else (2, 3, 4, 5)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    x.reshape(-1)[:4] = [0.0, 12.0, -12.0, 40.0]
    x = backend.to_channels_last(x) if draw(st.booleans()) else x
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    return x, draw(st.sampled_from(["none", "tanh"])), rng, tolerance


@st.composite
def _gelu(draw):
    x, approximate, _, tol = draw(_gelu_input())
    return Case((x, approximate), rtol=tol, atol=tol)


@st.composite
def _gelu_backward(draw):
    x, approximate, rng, tol = draw(_gelu_input())
    grad = np.empty_like(x)
    grad[...] = rng.standard_normal(x.shape)
    return Case((x, grad, approximate), rtol=tol, atol=tol)


# ----------------------------------------------------------------------- elementwise
@st.composite
def _where(draw):
    """A mask and values of one shape and layout against a 0-d fill (the fast case), or
    against a broadcast operand or in another layout (handed to the reference)."""
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int64]))
    shape = tuple(draw(st.lists(st.integers(1, 6), min_size=0, max_size=4)))
    rng = _rng(draw(st.integers(0, 2**31)))
    values = (rng.standard_normal(shape) * 10).astype(dtype)
    values = backend.to_channels_last(values) if len(shape) == 4 and draw(st.booleans()) else values
    condition = np.asarray(rng.random(shape) < 0.5)
    if len(shape) == 4 and draw(st.booleans()):
        condition = backend.to_channels_last(condition)
    other = draw(st.sampled_from(["scalar", "broadcast"]))
    fill = np.asarray(dtype(3) if other == "scalar" else rng.standard_normal(shape[-1:]).astype(dtype), dtype=dtype)
    if dtype == np.float64 and draw(st.booleans()) and values.size:
        values.reshape(-1)[0] = np.nan  # a masked-out NaN gradient gives the fill, not NaN
    args = (condition, values, fill) if draw(st.booleans()) else (condition, fill, values)
    return Case(args, rtol=0, atol=0, channels_last=None)


# ------------------------------------------------------------------------ optimizers
@st.composite
def _optimizer_arrays(draw, count):
    """``count`` arrays of one drawn shape, dtype and layout (C order, channels_last, or a
    transposed view that no flat pass can take, which the fast kernels hand back to the
    reference), and the tolerance for the dtype."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = tuple(draw(st.lists(st.integers(1, 7), min_size=1, max_size=4)))
    if draw(st.booleans()):  # large enough for the parallel loops (kernels/optim/cpu.py)
        shape = (draw(st.integers(PARALLEL_FROM // 64, PARALLEL_FROM // 32)), 64) + shape[2:]
    layout = draw(st.sampled_from(["c", "channels_last", "transposed"]))
    rng = _rng(draw(st.integers(0, 2**31)))

    def one(positive=False):
        a = rng.standard_normal(shape)
        a = (np.abs(a) + 0.1 if positive else a).astype(dtype)
        if layout == "channels_last" and a.ndim == 4:
            return backend.to_channels_last(a)
        return a.T if layout == "transposed" else a

    tolerance = 1e-6 if dtype == np.float32 else 1e-13
    return [one(positive=i >= 2) for i in range(count)], tolerance


def _options(draw, **choices):
    return {name: draw(st.sampled_from(values)) for name, values in choices.items()}


@st.composite
def _sgd_step(draw):
    (param, grad, buffer), tol = draw(_optimizer_arrays(3))
    o = _options(draw, lr=[0.1, 1e-3], momentum=[0.0, 0.9], dampening=[0.0, 0.25], weight_decay=[0.0, 0.01],
                 maximize=[False, True], first=[False, True])
    nesterov = o["momentum"] > 0 and o["dampening"] == 0 and draw(st.booleans())
    return Case((param, grad, buffer, o["lr"], o["momentum"], o["dampening"], o["weight_decay"], nesterov,
                 o["maximize"], o["first"]), writes=(0, 2), rtol=tol, atol=tol)


@st.composite
def _adam_step(draw):
    (param, grad, m, v, v_max), tol = draw(_optimizer_arrays(5))
    o = _options(draw, step=[1, 2, 30], lr=[1e-2, 1e-3], beta1=[0.9, 0.5], beta2=[0.999, 0.9], eps=[1e-8, 1e-3],
                 weight_decay=[0.0, 0.1], decoupled=[False, True], amsgrad=[False, True], maximize=[False, True])
    return Case((param, grad, m, v, v_max, o["step"], o["lr"], o["beta1"], o["beta2"], o["eps"], o["weight_decay"],
                 o["decoupled"], o["amsgrad"], o["maximize"]), writes=(0, 2, 3, 4), rtol=tol, atol=tol)


@st.composite
def _rmsprop_step(draw):
    (param, grad, square, mean, buffer), tol = draw(_optimizer_arrays(5))
    square += mean * mean  # s ≥ a², as running averages of g² and g keep it, so √(s - a²) stays real
    o = _options(draw, lr=[1e-2, 1e-3], alpha=[0.99, 0.5], eps=[1e-8, 1e-3], weight_decay=[0.0, 0.1],
                 momentum=[0.0, 0.9], centered=[False, True], maximize=[False, True])
    return Case((param, grad, square, mean, buffer, o["lr"], o["alpha"], o["eps"], o["weight_decay"], o["momentum"],
                 o["centered"], o["maximize"]), writes=(0, 2, 3, 4), rtol=tol, atol=tol)


@st.composite
def _adagrad_step(draw):
    (param, grad, total), tol = draw(_optimizer_arrays(3))
    o = _options(draw, rate=[1e-2, 0.5], eps=[1e-10, 1e-3], weight_decay=[0.0, 0.1], maximize=[False, True])
    return Case((param, grad, total, o["rate"], o["eps"], o["weight_decay"], o["maximize"]), writes=(0, 2),
                rtol=tol, atol=tol)


CASES = {
    "im2col": _im2col, "col2im": _col2im, "im2col_taps": _im2col_taps, "col2im_taps_add": _col2im_taps_add,
    "direct_forward": _direct_forward, "direct_input_grad": _direct_input_grad,
    "direct_weight_grad": _direct_weight_grad,
    "winograd_input_tiles": _winograd_input_tiles,
    "winograd_input_tiles_adjoint_add": _winograd_input_tiles_adjoint_add,
    "winograd_output_tiles": _winograd_output_tiles, "winograd_grad_tiles": _winograd_grad_tiles,
    "winograd_filter_tiles": _winograd_filter_tiles, "winograd_filter_tiles_adjoint": _winograd_filter_tiles_adjoint,
    "max_pool2d": _max_pool2d, "avg_pool2d": _avg_pool2d, "avg_pool2d_backward": _avg_pool2d_backward,
    "scatter_add_planes": _scatter_add_planes, "gather_planes": _gather_planes,
    "batch_norm_train": _batch_norm_train, "batch_norm_backward": _batch_norm_backward,
    "erf": _erf,
    "gelu": _gelu, "gelu_backward": _gelu_backward, "where": _where,
    "sgd_step": _sgd_step, "adam_step": _adam_step, "rmsprop_step": _rmsprop_step, "adagrad_step": _adagrad_step,
}
FAST = [name for name in kernels.names() if len(kernels.implementations(name)) > 1]


def _on(device, value):
    """A fresh copy of an argument on ``device`` (kernels write into their arguments)."""
    if isinstance(value, np.ndarray):
        copy = value.copy(order="K")
        return copy if device == "cpu" else backend.to_device(copy, mt.device(device))
    return value


def _results(case, returned, args):
    """What the kernel computed: the arguments it writes into, or what it returns."""
    if case.writes:
        return [args[i] for i in case.writes]
    return list(returned) if isinstance(returned, tuple) else [returned]


def _check_format(name, case, results):
    if case.channels_last is None:
        return
    for value in results:
        if value.ndim >= 3:  # a result laid out both ways (one channel, one position) suits either
            kept = backend.channels_innermost(value) if case.channels_last else not backend.is_channels_last(value)
            assert kept, f"{name}: the result is not in the memory format it should keep"


def test_every_kernel_with_a_fast_version_has_a_case_builder():
    missing = sorted(set(FAST) - set(CASES))
    assert not missing, f"kernels with a fast implementation but no case builder in {__file__}: {missing}"
    assert sorted(set(CASES) - set(FAST)) == [], "case builders for kernels that have no fast version"


@pytest.mark.parametrize("name", FAST)
@given(data=st.data())
def test_every_fast_kernel_agrees_with_its_reference(device, name, data):
    if name not in CASES:
        pytest.fail(f"kernel {name!r} has implementations {sorted(kernels.implementations(name))} but no case "
                    f"builder in tests/test_kernel_contract.py")
    _agree(device, name, data.draw(CASES[name]()))


def _missing_windows(layout):
    """A dilated pooling whose windows on the single row miss the image: every tap of
    kernel (2, 1), dilation (3, 1), padding (2, 0) on a 1-row image lands in the padding."""
    x = _in_layout(_rng(5).standard_normal((2, 3, 1, 5)), layout)
    return x, (2, 1), (1, 1), (2, 0), (3, 1), (2, 5)


def _explicit_cases():
    """Cases the draws reach too rarely for the ci profile: windows that miss the image."""
    cases = []
    for layout in ("nchw", "channels_last"):
        x, kernel, stride, padding, dilation, out_hw = _missing_windows(layout)
        cases.append(("max_pool2d", Case((x, kernel, stride, padding, dilation, out_hw),
                                         channels_last=backend.is_channels_last(x))))
        _, index = kernels.implementations("max_pool2d")["reference"](x, kernel, stride, padding, dilation, out_hw)
        assert (index < 0).any()
        values = _in_layout(_rng(6).standard_normal(index.shape), layout)
        cases.append(("scatter_add_planes", Case((values, _in_layout(index, layout), x.shape[2:],
                                                  layout == "channels_last"), channels_last=layout == "channels_last")))
    return cases


@pytest.mark.parametrize("name,case", _explicit_cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_fast_kernels_agree_with_their_reference_on_windows_that_miss_the_image(device, name, case):
    _agree(device, name, case)


def _agree(device, name, case):
    implementations = kernels.implementations(name)
    reference_args = [_on("cpu", a) for a in case.args]
    expected = _results(case, implementations["reference"](*reference_args), reference_args)
    _check_format(name, case, expected)
    kind = "cpu" if device == "cpu" else "cuda"
    if kind not in implementations:
        return  # nothing but the reference serves this device
    args = [_on(device, a) for a in case.args]
    got = _results(case, implementations[kind](*args), args)
    _check_format(name, case, got)
    assert len(got) == len(expected)
    for value, reference in zip(got, expected):
        host = backend.to_device(value, mt.device("cpu"))
        assert host.shape == reference.shape and host.dtype == reference.dtype, (host.shape, reference.shape)
        np.testing.assert_allclose(host, reference, rtol=case.rtol, atol=case.atol, equal_nan=True)
