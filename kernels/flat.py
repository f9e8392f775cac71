"""``flat_views``: 1-D views of arrays that share one dense layout, for elementwise kernels.

An elementwise Numba kernel over arrays laid out alike need not know their shape or order:
it can walk each array's memory from start to end. That takes arrays whose axes, ordered
by stride, are C-contiguous (C order, channels_last, a transpose of either) with the same
order in elements for all of them (a bool mask and a float32 array of one layout qualify).
"""

from __future__ import annotations


def flat_views(*arrays):
    """1-D views walking each of ``arrays`` in its memory order, or None when they do not
    have one shape and one dense layout."""
    first = arrays[0]
    if any(a.shape != first.shape for a in arrays):
        return None
    if all(a.flags.c_contiguous for a in arrays):  # the common case, without the stride walk (5 -> 1 µs)
        return [a.reshape(-1) for a in arrays]
    elements = [tuple(s // a.itemsize for s, n in zip(a.strides, a.shape) if n > 1) for a in arrays]
    if any(e != elements[0] for e in elements):
        return None
    order = sorted(range(first.ndim), key=lambda axis: -first.strides[axis])
    views = [a.transpose(order) for a in arrays]
    if not all(v.flags.c_contiguous for v in views):
        return None
    return [v.reshape(-1) for v in views]
