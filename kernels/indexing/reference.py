"""Reference indexing kernels: readable array code that runs on NumPy or CuPy arrays."""

from __future__ import annotations

from ...backend import xp_of


def index_add(target, index, values):
    """``target[index] += values`` in place, where repeated indices *accumulate*.

    Plain ``target[index] += values`` keeps only one of several writes to the same element;
    the unbuffered ``ufunc.at`` adds every one. ``index`` is a tuple as NumPy indexing takes
    it (integer arrays, slices, None, Ellipsis); ``values`` broadcasts to ``target[index]``.
    """
    xp_of(target).add.at(target, index, values)
    return target
