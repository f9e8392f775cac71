"""Numba optimizer updates for the CPU; they agree with ``reference.py``.

Each update is one pass over the parameter (split over the cores for large ones): every
element reads its gradient and state, and writes the parameter and the state back, with no
temporary arrays. The
reference's NumPy formulas make a temporary per term and sweep the parameter several
times; for VGG-11-BN's 133 M parameters its SGD-momentum step took 1.7 s of a 2.1 s
training step (``python -m benchmarks models --profile``).

The arithmetic is the reference's, term by term, in the parameter's dtype: the Python
numbers are cast to it first, so float32 stays float32 as NumPy keeps it, and no FMA is
formed (``fastmath`` off), so the results round as the reference's do.

The kernels see 1-D views. Arrays laid out alike and densely (C order, or channels_last,
any dense order) are viewed flat in their memory order (``flat_views``); anything else,
and dtypes other than float32 and float64, is handed to the reference.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .. import flat
from .._numba import PARALLEL, SERIAL
from . import reference

# Each update is written once, as a serial loop over whole 1-D arrays (``_*_loop``). Below
# PARALLEL_FROM elements Python calls it on the whole parameter: a parallel launch costs
# about 120 µs (the workqueue wakes its threads), more than a small parameter's
# whole update takes in one thread. Above it a parallel driver hands the threads slices of
# CHUNK elements. The loops run over range(size), never range(start, stop): with a start
# LLVM cannot prove the index non-negative, keeps Numba's negative-index wraparound, and
# does not vectorise (SGD on 48,000 float32 values: 89 µs against 8.8 µs). A per-element
# function called from two loops was not inlined for Adam and cost 68 ns an element. A
# state array an update does not use is given the gradient's view, which nothing writes:
# LLVM vectorises a loop only after checking that the arrays it writes overlap nothing.
#
# The loops use NumPy's error model: a division by zero gives inf or NaN, as the reference
# does, where Python's raises, and its check on every division kept LLVM from vectorising
# (Adam on 48,000 float32 values: 109 µs, 25 µs with NumPy's model). So does a branch on
# an option inside the loop: ``maximize`` is a sign (±1) and AdamW's decay a factor (1 for
# Adam), and multiplying by 1 or -1 is exact (an options branch left Adam at 110 µs).
# PARALLEL_FROM: a parallel call cost 110-130 µs more than a serial one here (SGD on 70,000
# values 128 against 14 µs) and broke even near a million values (363 against 405 µs).
PARALLEL_FROM = 1 << 20
CHUNK = 1 << 16
LOOP = dict(SERIAL, error_model="numpy")


def _run(loop, parallel, p, *rest):
    """``loop`` over the whole parameter, or ``parallel`` (its chunked driver) from PARALLEL_FROM values."""
    (parallel if p.size >= PARALLEL_FROM else loop)(p, *rest)


def flat_views(*arrays):
    """``kernels.flat.flat_views`` for the dtypes these kernels take (float32, float64, one
    for all), else None."""
    if arrays[0].dtype not in (np.float32, np.float64) or any(a.dtype != arrays[0].dtype for a in arrays):
        return None
    return flat.flat_views(*arrays)


@njit(**LOOP)
def _sgd_loop(p, g, buf, lr, momentum, keep, weight_decay, nesterov, sign, first):
    for i in range(p.size):
        d = sign * g[i]
        if weight_decay != 0:
            d = d + weight_decay * p[i]
        if momentum != 0:
            b = d if first else momentum * buf[i] + keep * d
            buf[i] = b
            d = d + momentum * b if nesterov else b
        p[i] = p[i] - lr * d


@njit(**PARALLEL)
def _sgd_parallel(p, g, buf, *numbers):
    for chunk in prange((p.size + CHUNK - 1) // CHUNK):
        lo, hi = chunk * CHUNK, min(p.size, (chunk + 1) * CHUNK)
        _sgd_loop(p[lo:hi], g[lo:hi], buf[lo:hi], *numbers)


def sgd_step(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov, maximize, first):
    views = flat_views(param, grad, momentum_buffer) if momentum else flat_views(param, grad)
    if views is None:
        return reference.sgd_step(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov,
                                  maximize, first)
    p, g = views[0], views[1]
    t = param.dtype.type
    _run(_sgd_loop, _sgd_parallel, p, g, views[2] if momentum else g, t(lr), t(momentum), t(1 - dampening),
         t(weight_decay), bool(nesterov), t(-1 if maximize else 1), bool(first))


@njit(**LOOP)
def _adam_loop(p, g, m, v, vmax, decay, keep1, keep2, eps, step_size, sqrt_c2, weight_decay, amsgrad, sign,
               beta1, beta2):
    for i in range(p.size):
        d = sign * g[i]
        w = p[i] * decay  # AdamW's decoupled decay; 1 (exact) for Adam
        if weight_decay != 0:  # Adam's L2 term; 0 for AdamW
            d = d + weight_decay * w
        mi = beta1 * m[i] + keep1 * d
        vi = beta2 * v[i] + keep2 * d * d
        m[i] = mi
        v[i] = vi
        if amsgrad:
            vi = max(vmax[i], vi)
            vmax[i] = vi
        p[i] = w - step_size * (mi / (np.sqrt(vi) / sqrt_c2 + eps))


@njit(**PARALLEL)
def _adam_parallel(p, g, m, v, vmax, *numbers):
    for chunk in prange((p.size + CHUNK - 1) // CHUNK):
        lo, hi = chunk * CHUNK, min(p.size, (chunk + 1) * CHUNK)
        _adam_loop(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], vmax[lo:hi], *numbers)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps, weight_decay,
              decoupled, amsgrad, maximize):
    arrays = (param, grad, exp_avg, exp_avg_sq) + ((max_exp_avg_sq,) if amsgrad else ())
    views = flat_views(*arrays)
    if views is None:
        return reference.adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
                                   weight_decay, decoupled, amsgrad, maximize)
    t = param.dtype.type
    decay = 1 - lr * weight_decay if decoupled and weight_decay else 1
    _run(_adam_loop, _adam_parallel, views[0], views[1], views[2], views[3], views[4] if amsgrad else views[1],
         t(decay), t(1 - beta1), t(1 - beta2), t(eps), t(lr / (1 - beta1 ** step)),
         t(math.sqrt(1 - beta2 ** step)), t(0 if decoupled else weight_decay), bool(amsgrad),
         t(-1 if maximize else 1), t(beta1), t(beta2))


@njit(**LOOP)
def _rmsprop_loop(p, g, square, mean, buf, lr, alpha, keep, eps, weight_decay, momentum, centered, sign):
    for i in range(p.size):
        d = sign * g[i]
        if weight_decay != 0:
            d = d + weight_decay * p[i]
        s = alpha * square[i] + keep * d * d
        square[i] = s
        if centered:
            a = alpha * mean[i] + keep * d
            mean[i] = a
            denom = np.sqrt(s - a * a) + eps
        else:
            denom = np.sqrt(s) + eps
        if momentum > 0:
            b = momentum * buf[i] + d / denom
            buf[i] = b
            p[i] = p[i] - lr * b
        else:
            p[i] = p[i] - lr * (d / denom)


@njit(**PARALLEL)
def _rmsprop_parallel(p, g, square, mean, buf, *numbers):
    for chunk in prange((p.size + CHUNK - 1) // CHUNK):
        lo, hi = chunk * CHUNK, min(p.size, (chunk + 1) * CHUNK)
        _rmsprop_loop(p[lo:hi], g[lo:hi], square[lo:hi], mean[lo:hi], buf[lo:hi], *numbers)


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps, weight_decay, momentum,
                 centered, maximize):
    arrays = [param, grad, square_avg] + ([grad_avg] if centered else []) + ([momentum_buffer] if momentum > 0 else [])
    views = flat_views(*arrays)
    if views is None:
        return reference.rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps,
                                      weight_decay, momentum, centered, maximize)
    p, g, square = views[:3]
    rest = iter(views[3:])
    mean = next(rest) if centered else g
    buf = next(rest) if momentum > 0 else g
    t = param.dtype.type
    _run(_rmsprop_loop, _rmsprop_parallel, p, g, square, mean, buf, t(lr), t(alpha), t(1 - alpha), t(eps),
         t(weight_decay), t(momentum), bool(centered), t(-1 if maximize else 1))


@njit(**LOOP)
def _adagrad_loop(p, g, total, rate, eps, weight_decay, sign):
    for i in range(p.size):
        d = sign * g[i]
        if weight_decay != 0:
            d = d + weight_decay * p[i]
        s = total[i] + d * d
        total[i] = s
        p[i] = p[i] - rate * (d / (np.sqrt(s) + eps))


@njit(**PARALLEL)
def _adagrad_parallel(p, g, total, *numbers):
    for chunk in prange((p.size + CHUNK - 1) // CHUNK):
        lo, hi = chunk * CHUNK, min(p.size, (chunk + 1) * CHUNK)
        _adagrad_loop(p[lo:hi], g[lo:hi], total[lo:hi], *numbers)


def adagrad_step(param, grad, total, rate, eps, weight_decay, maximize):
    views = flat_views(param, grad, total)
    if views is None:
        return reference.adagrad_step(param, grad, total, rate, eps, weight_decay, maximize)
    t = param.dtype.type
    _run(_adagrad_loop, _adagrad_parallel, views[0], views[1], views[2], t(rate), t(eps), t(weight_decay),
         t(-1 if maximize else 1))
