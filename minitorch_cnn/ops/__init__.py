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
from .join import cat, chunk, split, stack
from .linalg import matmul
from .pad import pad
from .reduction import all, amax, amin, any, argmax, argmin, max, mean, min, std, sum, var
from .rearrange import flip, roll
from .shape import (expand, flatten, permute, reshape, squeeze, sum_to_size, t, transpose, unflatten, unsqueeze,
                    view)
from .softmax import log_softmax, logsumexp, softmax
from .unary import abs, clamp, exp, isfinite, isinf, isnan, log, masked_fill, sigmoid, sign, sqrt, tanh, where
