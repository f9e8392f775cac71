"""Reference pooling and plane-gather/scatter kernels: readable array code (NumPy or CuPy).

Shapes are NCHW. The op layer computes the output size (``out_hw``) and checks the
arguments; these functions only compute. Max pooling returns, with the values, the
argmax of each window as a flat index into its H*W plane (PyTorch's ``return_indices``).
A window never reads padding: out-of-bounds positions are skipped, which is what padding
with -inf means, and the index starts at the window's first in-bounds element so an
all -inf window still points inside the image (as PyTorch). NaN wins, as in PyTorch. A
dilated window can miss the image altogether (its taps all in the padding): it gives -inf
at index -1, and the scatter and gather skip index -1.
Results keep the memory format of the input (channels_last stays channels_last).
"""

from __future__ import annotations

import numpy as np

from ...backend import in_format_of, to_channels_last, xp_of


def _in_format(array, channels_last):
    """``array`` channels_last, or plain contiguous NCHW."""
    return to_channels_last(array) if channels_last else xp_of(array).ascontiguousarray(array)


def max_pool2d(x, kernel, stride, padding, dilation, out_hw):
    xp = xp_of(x)
    n, c, h, w = x.shape
    oh, ow = out_hw
    rows0 = xp.arange(oh) * stride[0] - padding[0]
    cols0 = xp.arange(ow) * stride[1] - padding[1]
    best = xp.full((n, c, oh, ow), -np.inf, dtype=x.dtype)
    index = xp.full((n, c, oh, ow), -1, dtype=np.int64)
    for i in range(kernel[0]):
        rows = rows0 + i * dilation[0]
        row_ok = (rows >= 0) & (rows < h)
        for j in range(kernel[1]):
            cols = cols0 + j * dilation[1]
            col_ok = (cols >= 0) & (cols < w)
            valid = row_ok[:, None] & col_ok[None, :]
            values = x[:, :, xp.clip(rows, 0, h - 1)][:, :, :, xp.clip(cols, 0, w - 1)]
            flat = xp.clip(rows, 0, h - 1)[:, None] * w + xp.clip(cols, 0, w - 1)[None, :]
            first = valid & (index < 0)
            index = xp.where(first, flat, index)
            take = valid & ((values > best) | xp.isnan(values))
            best = xp.where(take, values, best)
            index = xp.where(take, flat, index)
    return in_format_of(x, best), in_format_of(x, index)


def avg_pool2d_divisor(in_hw, kernel, stride, padding, out_hw, count_include_pad, divisor_override):
    """The (oh, ow) divisors of average pooling, by PyTorch's rule: the window clipped to
    the padded image (so a ceil_mode overhang never counts), or to the image itself when
    padding is not counted."""
    if divisor_override:
        return np.full(out_hw, float(divisor_override))
    sizes = []
    for axis in range(2):
        start = np.arange(out_hw[axis]) * stride[axis] - padding[axis]
        end = np.minimum(start + kernel[axis], in_hw[axis] + padding[axis])
        with_pad = end - start
        inside = np.minimum(end, in_hw[axis]) - np.maximum(start, 0)
        sizes.append(with_pad if count_include_pad else inside)
    return (sizes[0][:, None] * sizes[1][None, :]).astype(np.float64)


def _window_slices(kernel, stride, out_hw, i, j):
    return (slice(i, i + stride[0] * (out_hw[0] - 1) + 1, stride[0]),
            slice(j, j + stride[1] * (out_hw[1] - 1) + 1, stride[1]))


def _padded_extent(in_hw, kernel, stride, padding, out_hw):
    return tuple(max(in_hw[a] + 2 * padding[a], stride[a] * (out_hw[a] - 1) + kernel[a]) for a in range(2))


def avg_pool2d(x, kernel, stride, padding, out_hw, divisor):
    """Window sums over the zero-padded input divided by ``divisor`` (avg_pool2d_divisor)."""
    xp = xp_of(x)
    n, c, h, w = x.shape
    ph, pw = _padded_extent((h, w), kernel, stride, padding, out_hw)
    xpad = xp.zeros((n, c, ph, pw), dtype=x.dtype)
    xpad[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w] = x
    total = xp.zeros((n, c) + tuple(out_hw), dtype=x.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            total += xpad[(slice(None), slice(None)) + _window_slices(kernel, stride, out_hw, i, j)]
    return in_format_of(x, total / xp.asarray(divisor, dtype=x.dtype))


def avg_pool2d_backward(grad, kernel, stride, padding, in_hw, divisor, channels_last=False):
    """The adjoint of ``avg_pool2d``: each output's gradient, divided by its divisor,
    spread over its window (kernel offsets added as strided slices, in a fixed order)."""
    xp = xp_of(grad)
    n, c, oh, ow = grad.shape
    ph, pw = _padded_extent(in_hw, kernel, stride, padding, (oh, ow))
    share = grad / xp.asarray(divisor, dtype=grad.dtype)
    gpad = xp.zeros((n, c, ph, pw), dtype=grad.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            gpad[(slice(None), slice(None)) + _window_slices(kernel, stride, (oh, ow), i, j)] += share
    return _in_format(gpad[:, :, padding[0]:padding[0] + in_hw[0], padding[1]:padding[1] + in_hw[1]], channels_last)


def gather_planes(x, index):
    """out[n, c, k] = x[n, c].flat[index[n, c, k]] (x: N,C,H,W; index: N,C,oh,ow); index -1
    (a dilated window that missed the image) reads 0, the adjoint of adding nothing."""
    xp = xp_of(x)
    n, c = x.shape[:2]
    flat_index = index.reshape(n, c, -1)
    flat = xp.take_along_axis(x.reshape(n, c, -1), xp.maximum(flat_index, 0), axis=2)
    flat = xp.where(flat_index >= 0, flat, xp.zeros((), dtype=x.dtype))
    return in_format_of(x, flat.reshape(index.shape))


def scatter_add_planes(values, index, in_hw, channels_last=False):
    """The adjoint of ``gather_planes``: zeros of (N, C, H, W) with each value added at its
    index; repeated indices add up (a bincount, so the order is fixed)."""
    xp = xp_of(values)
    n, c = values.shape[:2]
    plane = in_hw[0] * in_hw[1]
    offsets = (xp.arange(n * c) * plane).reshape(n, c, 1)
    inside = index.reshape(n, c, -1) >= 0  # -1: a dilated window that missed the image adds nothing
    flat = xp.where(inside, index.reshape(n, c, -1) + offsets, 0).ravel()
    weights = xp.where(inside, values.reshape(n, c, -1), 0).ravel().astype(np.float64)
    summed = xp.bincount(flat, weights=weights, minlength=n * c * plane)
    return _in_format(summed.astype(values.dtype).reshape(n, c, in_hw[0], in_hw[1]), channels_last)
