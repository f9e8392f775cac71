"""Tap tables: which input row (or column) each tap of a convolution window reads.

The kernels that read an unpadded image (the direct depthwise kernels, the per-core im2col
pipelines, the Winograd tiles) look positions up here instead of testing bounds or taking
a zero-padded copy: -1 marks a tap that falls in the padding.
"""

from __future__ import annotations

import numpy as np


def tap_tables(in_size, out_size, kernel, stride, before, dilation):
    """For one spatial axis of a convolution, two int64 tables (-1 where nothing is read):

    * ``reads[o, t]``: the input position that tap t of output position o reads;
    * ``feeds[p, t]``: the output position whose tap t reads input position p.
    """
    taps = np.arange(kernel) * dilation
    reads = np.arange(out_size)[:, None] * stride - before + taps[None, :]
    reads = np.where((reads >= 0) & (reads < in_size), reads, -1)
    start = np.arange(in_size)[:, None] + before - taps[None, :]  # o * stride for each tap
    feeds = start // stride
    feeds = np.where((start >= 0) & (start % stride == 0) & (feeds < out_size), feeds, -1)
    return reads.astype(np.int64), feeds.astype(np.int64)


def window_tables(plan):
    """(in_rows, in_cols, out_rows, out_cols) of a planned convolution: the rows and
    columns each output's taps read, and those each input position's taps feed."""
    (h, w), (out_h, out_w), (kh, kw) = plan.input_shape[2:], plan.output_hw, plan.weight_shape[2:]
    rows = tap_tables(h, out_h, kh, plan.stride[0], plan.padding[0], plan.dilation[0])
    cols = tap_tables(w, out_w, kw, plan.stride[1], plan.padding[2], plan.dilation[1])
    return rows[0], cols[0], rows[1], cols[1]
