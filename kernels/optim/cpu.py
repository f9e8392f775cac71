"""Numba optimizer updates for the CPU; they agree with ``reference.py``.

Each update is one parallel pass over the parameter: every element reads its gradient and
state, and writes the parameter and the state back, with no temporary arrays. The
reference's NumPy formulas make a temporary per term and sweep the parameter several
times; for VGG-11-BN's 129 M parameters its SGD-momentum step took 1.7 s of a 2.1 s
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

# each update is written once, for one element (``_*_at``), and looped over by a parallel
# and a serial driver: a parallel launch costs tens of microseconds (the workqueue wakes its
# threads), more than a small parameter's whole update takes in one thread
ELEMENT = dict(cache=True, nogil=True, fastmath=False)  # LLVM inlines it into the loops
PARALLEL_FROM = 1 << 16  # elements; measured in docs/performance.md ("optimizer steps")



def flat_views(*arrays):
    """``kernels.flat.flat_views`` for the dtypes these kernels take (float32, float64, one
    for all), else None."""
    if arrays[0].dtype not in (np.float32, np.float64) or any(a.dtype != arrays[0].dtype for a in arrays):
        return None
    return flat.flat_views(*arrays)


@njit(**ELEMENT)
def _sgd_at(i, p, g, buf, lr, momentum, keep, weight_decay, nesterov, maximize, first):
    d = -g[i] if maximize else g[i]
    if weight_decay != 0:
        d = d + weight_decay * p[i]
    if momentum != 0:
        b = d if first else momentum * buf[i] + keep * d
        buf[i] = b
        d = d + momentum * b if nesterov else b
    p[i] = p[i] - lr * d


@njit(**PARALLEL)
def _sgd_parallel(p, *rest):
    for i in prange(p.size):
        _sgd_at(i, p, *rest)


@njit(**SERIAL)
def _sgd_serial(p, *rest):
    for i in range(p.size):
        _sgd_at(i, p, *rest)


def _sgd(p, *rest):
    (_sgd_parallel if p.size >= PARALLEL_FROM else _sgd_serial)(p, *rest)


def sgd_step(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov, maximize, first):
    views = flat_views(param, grad, momentum_buffer) if momentum else flat_views(param, grad)
    if views is None:
        return reference.sgd_step(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov,
                                  maximize, first)
    p, g = views[0], views[1]
    t = param.dtype.type
    _sgd(p, g, views[2] if momentum else p, t(lr), t(momentum), t(1 - dampening), t(weight_decay), bool(nesterov),
         bool(maximize), bool(first))


@njit(**ELEMENT)
def _adam_at(i, p, g, m, v, vmax, decay, keep1, keep2, eps, step_size, sqrt_c2, weight_decay, decoupled, amsgrad,
             maximize, beta1, beta2):
    d = -g[i] if maximize else g[i]
    w = p[i]
    if decoupled:
        w = w * decay
    elif weight_decay != 0:
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
def _adam_parallel(p, *rest):
    for i in prange(p.size):
        _adam_at(i, p, *rest)


@njit(**SERIAL)
def _adam_serial(p, *rest):
    for i in range(p.size):
        _adam_at(i, p, *rest)


def _adam(p, *rest):
    (_adam_parallel if p.size >= PARALLEL_FROM else _adam_serial)(p, *rest)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps, weight_decay,
              decoupled, amsgrad, maximize):
    arrays = (param, grad, exp_avg, exp_avg_sq) + ((max_exp_avg_sq,) if amsgrad else ())
    views = flat_views(*arrays)
    if views is None:
        return reference.adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
                                   weight_decay, decoupled, amsgrad, maximize)
    t = param.dtype.type
    decoupled_decay = bool(decoupled) and weight_decay != 0
    _adam(views[0], views[1], views[2], views[3], views[4] if amsgrad else views[3],
          t(1 - lr * weight_decay), t(1 - beta1), t(1 - beta2), t(eps), t(lr / (1 - beta1 ** step)),
          t(math.sqrt(1 - beta2 ** step)), t(0 if decoupled else weight_decay), decoupled_decay, bool(amsgrad),
          bool(maximize), t(beta1), t(beta2))


@njit(**ELEMENT)
def _rmsprop_at(i, p, g, square, mean, buf, lr, alpha, keep, eps, weight_decay, momentum, centered, maximize):
    d = -g[i] if maximize else g[i]
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
def _rmsprop_parallel(p, *rest):
    for i in prange(p.size):
        _rmsprop_at(i, p, *rest)


@njit(**SERIAL)
def _rmsprop_serial(p, *rest):
    for i in range(p.size):
        _rmsprop_at(i, p, *rest)


def _rmsprop(p, *rest):
    (_rmsprop_parallel if p.size >= PARALLEL_FROM else _rmsprop_serial)(p, *rest)


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps, weight_decay, momentum,
                 centered, maximize):
    arrays = [param, grad, square_avg] + ([grad_avg] if centered else []) + ([momentum_buffer] if momentum > 0 else [])
    views = flat_views(*arrays)
    if views is None:
        return reference.rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps,
                                      weight_decay, momentum, centered, maximize)
    p, g, square = views[:3]
    rest = iter(views[3:])
    mean = next(rest) if centered else square
    buf = next(rest) if momentum > 0 else square
    t = param.dtype.type
    _rmsprop(p, g, square, mean, buf, t(lr), t(alpha), t(1 - alpha), t(eps), t(weight_decay), t(momentum),
             bool(centered), bool(maximize))


@njit(**ELEMENT)
def _adagrad_at(i, p, g, total, rate, eps, weight_decay, maximize):
    d = -g[i] if maximize else g[i]
    if weight_decay != 0:
        d = d + weight_decay * p[i]
    s = total[i] + d * d
    total[i] = s
    p[i] = p[i] - rate * (d / (np.sqrt(s) + eps))


@njit(**PARALLEL)
def _adagrad_parallel(p, *rest):
    for i in prange(p.size):
        _adagrad_at(i, p, *rest)


@njit(**SERIAL)
def _adagrad_serial(p, *rest):
    for i in range(p.size):
        _adagrad_at(i, p, *rest)


def _adagrad(p, *rest):
    (_adagrad_parallel if p.size >= PARALLEL_FROM else _adagrad_serial)(p, *rest)


def adagrad_step(param, grad, total, rate, eps, weight_decay, maximize):
    views = flat_views(param, grad, total)
    if views is None:
        return reference.adagrad_step(param, grad, total, rate, eps, weight_decay, maximize)
    t = param.dtype.type
    _adagrad(views[0], views[1], views[2], t(rate), t(eps), t(weight_decay), bool(maximize))
