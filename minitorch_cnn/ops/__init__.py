"""Differentiable ops, one ``Function`` subclass per op, forward and backward side by side.

This namespace gathers the functional forms (``ops.add``, ``ops.sum``…) that ``Tensor``
methods and the top-level ``minitorch_cnn`` functions call.
"""

from .activation import erf, relu
from .arithmetic import add, div, floor_divide, fmod, maximum, minimum, mul, neg, pow, remainder, sub
from .common import normalize_dim, normalize_dims, result_type
from .comparison import eq, ge, gt, le, logical_not, logical_op, lt, ne
from .conversion import clone, to_copy
from .indexing import getitem, one_hot, setitem
from .inplace import (add_, bernoulli_, clamp_, copy_, div_, exponential_, fill_, inplace_or_new, mul_, normal_, sub_,
                      uniform_, zero_)
from .elementwise import (
    floor, ceil, trunc, frac, round, sin, cos, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, exp2,
    expm1, log2, log10, log1p, rsqrt, reciprocal, square, fix, atan2, arctan2, lerp, logaddexp, logaddexp2,
    copysign, isclose, allclose,
)
from .join import cat, chunk, split, stack
from .linalg import matmul
from .pad import pad
from .repeat import repeat, repeat_interleave, cumsum
from .reduction import all, amax, amin, any, argmax, argmin, max, mean, min, std, sum, var
from .products_norms import norm, prod, vector_norm
from .rearrange import flip, roll
from .scatter import gather, take_along_dim, scatter, scatter_add, index_select
from .shape import (expand, flatten, permute, reshape, squeeze, sum_to_size, t, transpose, unflatten, unsqueeze,
                    view)
from .sorting import sort, argsort, msort, topk, kthvalue, median, nanmedian
from .softmax import log_softmax, logsumexp, softmax
from .unary import abs, clamp, exp, isfinite, isinf, isnan, log, masked_fill, sigmoid, sign, sqrt, tanh, where
