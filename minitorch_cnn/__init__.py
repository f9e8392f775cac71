"""minitorch_cnn: a from-scratch deep-learning framework for studying convolutional networks.

The public names follow PyTorch: ``minitorch_cnn.tensor``, ``zeros``, ``randn``,
``manual_seed``, ``no_grad``, ``autograd.grad``, ``gradcheck``… so that what a user learns
here transfers. Importing it never needs CuPy.
"""

from . import _kernels_location

_kernels_location.install(__file__)  # a checkout runs its own kernels (see _kernels_location)

from . import backend  # noqa: E402
from .backend import (
    bool_,
    channels_last,
    contiguous_format,
    memory_format,
    preserve_format,
    device,
    float16,
    float32,
    float64,
    get_default_device,
    get_default_dtype,
    get_rng_state,
    initial_seed,
    int8,
    int16,
    int32,
    int64,
    manual_seed,
    set_default_device,
    set_default_dtype,
    set_rng_state,
    uint8,
)
from .tensor import Tensor
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from . import autograd, cuda, kernels, ops
from .autograd import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                       set_grad_enabled)
from .ops import (
    abs,
    amax,
    amin,
    argmax,
    argmin,
    cat,
    chunk,
    clamp,
    exp,
    flatten,
    flip,
    floor_divide,
    fmod,
    isfinite,
    isinf,
    isnan,
    log,
    log_softmax,
    masked_fill,
    logsumexp,
    matmul,
    maximum,
    mean,
    minimum,
    permute,
    remainder,
    reshape,
    roll,
    sigmoid,
    sign,
    softmax,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sum,
    tanh,
    transpose,
    unflatten,
    unsqueeze,
    var,
    where,
)
from .ops import max, min  # noqa: A004  (PyTorch's names)
from .ops import round  # noqa: A004
from .ops import add, div, mul, neg, pow, sub  # noqa: F401,A004
from .ops import norm, prod  # noqa: F401
from .ops import (  # noqa: F401
    floor, ceil, trunc, frac, sin, cos, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, exp2, expm1,
    log2, log10, log1p, rsqrt, reciprocal, square, fix, atan2, arctan2, lerp, logaddexp, logaddexp2, copysign,
    isclose, allclose, gather, take_along_dim, scatter, scatter_add, index_select, sort, argsort, msort, topk,
    kthvalue, median, nanmedian, repeat_interleave, cumsum,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from . import nn, optim
from . import data, models, utils
from . import accelerator, backends, linalg
from .inspect import summary
from .serialization import CheckpointError, load, load_safetensors, save

bool = bool_  # noqa: A001  (``minitorch_cnn.bool`` as ``torch.bool``)
# PyTorch's other dtype names (the NumPy dtypes above under torch's aliases)
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16
clip = clamp

__version__ = "0.1.0"
