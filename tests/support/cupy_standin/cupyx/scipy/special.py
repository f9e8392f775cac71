"""``cupyx.scipy.special`` for the stand-in: a few of its ufuncs, computed in float64 with
Python's ``math`` (SciPy may be absent) and typed by CuPy's own loop tables, so the result
dtype is CuPy's: ``erf`` of float32 is float32, of float16 or an integer float64."""

import math as _math

import numpy as _np

from ..._exports import gate as _gate
from ..._ufunc import typed_ufunc as _typed_ufunc

# CuPy 14's loop tables for these ufuncs (complex loops left out: not emulated)
_REAL = ["e->d", "f->f", "d->d"]
_REAL_AND_LONG = ["l->d", "e->d", "f->f", "d->d"]


def _per_element(function, pole):
    """``function`` (a math one) over an array in float64; ``pole`` where it is undefined."""

    def safe(x):
        try:
            return function(x)
        except (ValueError, OverflowError):
            return pole(x)

    elementwise = _np.frompyfunc(safe, 1, 1)
    return lambda x: _np.asarray(elementwise(_np.asarray(x, dtype=_np.float64)), dtype=_np.float64)


def _expit(x):
    x = _np.asarray(x, dtype=_np.float64)
    with _np.errstate(over="ignore"):
        return 1 / (1 + _np.exp(-x))


def _logit(x):
    x = _np.asarray(x, dtype=_np.float64)
    with _np.errstate(divide="ignore", invalid="ignore"):
        return _np.log(x / (1 - x))


def _log_expit(x):
    return -_np.logaddexp(0, -_np.asarray(x, dtype=_np.float64))


def _gamma_pole(x):
    return _math.copysign(_math.inf, x) if x == 0 else (_math.inf if x > 0 else _math.nan)


erf = _typed_ufunc("erf", _REAL, _per_element(_math.erf, lambda x: _math.nan))
erfc = _typed_ufunc("erfc", _REAL, _per_element(_math.erfc, lambda x: _math.nan))
ndtr = _typed_ufunc("ndtr", _REAL, _per_element(lambda x: 0.5 * _math.erfc(-x / _math.sqrt(2)), lambda x: _math.nan))
gamma = _typed_ufunc("gamma", _REAL_AND_LONG, _per_element(_math.gamma, _gamma_pole))
gammaln = _typed_ufunc("gammaln", _REAL_AND_LONG, _per_element(_math.lgamma, lambda x: _math.inf))
expit = _typed_ufunc("expit", _REAL, _expit)
logit = _typed_ufunc("logit", _REAL, _logit)
log_expit = _typed_ufunc("log_expit", _REAL, _log_expit)

__getattr__ = _gate("cupyx.scipy.special", globals())
