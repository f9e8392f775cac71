"""``nn.init``: in-place initialisers with PyTorch's names, formulas and fan rules.

Why the scales are what they are (docs/init.md has the derivation): a layer
``y = W x`` with ``fan_in`` independent inputs of variance v and weights of variance s²
gives outputs of variance ``fan_in · s² · v``. Keeping activations at the same variance
layer after layer needs ``s² = 1 / fan_in``; keeping back-propagated gradients steady
needs ``s² = 1 / fan_out``. Xavier/Glorot takes the compromise ``2 / (fan_in + fan_out)``
(for tanh-like units); Kaiming/He multiplies by the gain² of the nonlinearity: ReLU zeroes
half its inputs, halving the second moment, so its gain is √2.

For a convolution weight (out, in/groups, kh, kw) the fans count the receptive field:
``fan_in = in/groups · kh · kw`` and ``fan_out = out · kh · kw`` (PyTorch's rule).

All random numbers come from the framework's one generator (``manual_seed``), drawn on
the host and moved to the tensor's device, so a seed gives the same weights everywhere.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import backend
from ..arguments import real
from ..tensor import Tensor


def _check_tensor(fn: str, tensor) -> None:
    """Every initialiser's first check: it fills a Tensor (a list or an array has no place
    to write to)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}: tensor must be a Tensor, got {type(tensor).__name__}")

_LINEAR_LIKE = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity: the factor that restores unit variance."""
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool) and math.isfinite(param):
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4  # PyTorch's choice, for self-normalising networks
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError(f"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
                         f"(got shape {list(tensor.shape)})")
    receptive_field = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, values) -> Tensor:
    """Write host ``values`` into ``tensor`` in place (no graph), keeping its dtype and device."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init: expected a Tensor, got {type(tensor).__name__}")
    values = np.asarray(values, dtype=tensor.dtype)
    tensor.array[...] = backend.to_device(values, tensor.device)
    tensor._version.value += 1
    return tensor


def _generator():
    return backend.default_rng.generator


def _draw_dtype(tensor: Tensor):
    """float32 tensors get float32 draws: half the memory traffic, three times faster for
    VGG's 100-million-weight classifier; every other dtype draws in float64."""
    return np.float32 if np.dtype(tensor.dtype) == np.float32 else np.float64


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill ``tensor`` in place with U(a, b) draws from the framework's generator."""

    _check_tensor("uniform_", tensor)
    real(a, "uniform_: a")
    real(b, "uniform_: b")
    if a > b:
        raise ValueError(f"uniform_: expects a <= b, got a={a}, b={b}")
    values = _generator().random(tensor.shape, dtype=_draw_dtype(tensor))
    values *= b - a
    values += a
    return _fill(tensor, values)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill ``tensor`` in place with N(mean, std²) draws."""

    _check_tensor("normal_", tensor)
    real(mean, "normal_: mean")
    real(std, "normal_: std", low=0.0)
    values = _generator().standard_normal(tensor.shape, dtype=_draw_dtype(tensor))
    values *= std
    values += mean
    return _fill(tensor, values)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0) -> Tensor:
    """Normal(mean, std) restricted to [a, b] (bounds in absolute units, as PyTorch).

    Drawn by rejection: values outside [a, b] are drawn again, which gives exactly the
    truncated distribution (PyTorch uses the inverse CDF; same distribution, other numbers)."""
    _check_tensor("trunc_normal_", tensor)
    real(mean, "trunc_normal_: mean")
    real(std, "trunc_normal_: std", low=0.0)
    real(a, "trunc_normal_: a", finite=False)
    real(b, "trunc_normal_: b", finite=False)
    if not a < b:
        raise ValueError(f"trunc_normal_: expects a < b, got a={a}, b={b}")
    gen = _generator()
    values = gen.normal(mean, std, tensor.shape)
    outside = (values < a) | (values > b)
    for _ in range(10_000):
        if not outside.any():
            break
        values[outside] = gen.normal(mean, std, int(outside.sum()))
        outside = (values < a) | (values > b)
    else:
        raise ValueError(f"trunc_normal_: [a, b] = [{a}, {b}] holds almost no mass of Normal({mean}, {std})")
    return _fill(tensor, values)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` in place with ``val``."""

    _check_tensor("constant_", tensor)
    if isinstance(val, bool) or not isinstance(val, numbers.Real):  # inf and NaN are values a tensor can hold
        raise TypeError(f"constant_: val must be a real number, got {type(val).__name__} {val!r}")
    return _fill(tensor, np.full(tensor.shape, val))


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones."""
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D ``tensor`` with the identity (ones on the diagonal)."""

    _check_tensor("eye_", tensor)
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape {list(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot's U(-b, b) with ``b = gain·√(6 / (fan_in + fan_out))``: variance
    ``2 / (fan_in + fan_out)`` (see docs/init.md for the derivation).
    """

    _check_tensor("xavier_uniform_", tensor)
    real(gain, "xavier_uniform_: gain")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # U(-b, b) has variance b²/3
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot's N(0, s²) with ``s = gain·√(2 / (fan_in + fan_out))``."""

    _check_tensor("xavier_normal_", tensor)
    real(gain, "xavier_normal_: gain")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)))


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """He's U(-b, b) with ``b = gain·√(3 / fan)``, ``gain = calculate_gain(nonlinearity, a)``
    and ``fan`` the fan_in or fan_out (``mode``): variance ``gain² / fan``, which keeps the
    signal's scale through ReLU layers.
    """

    _check_tensor("kaiming_uniform_", tensor)
    real(a, "kaiming_uniform_: a (the negative slope)")
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """He's N(0, s²) with ``s = gain / √fan`` (``gain = calculate_gain(nonlinearity, a)``)."""

    _check_tensor("kaiming_normal_", tensor)
    real(a, "kaiming_normal_: a (the negative slope)")
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    return normal_(tensor, 0.0, std)


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one, with the
    signs fixed by R's diagonal so the result is uniformly distributed (as PyTorch)."""
    _check_tensor("orthogonal_", tensor)
    real(gain, "orthogonal_: gain")
    if tensor.ndim < 2:
        raise ValueError(f"Only tensors with 2 or more dimensions are supported (got shape {list(tensor.shape)})")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _generator().normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


def default_layer_init_(weight: Tensor, bias: Tensor | None = None) -> None:
    """PyTorch's default for Linear and the convolutions: ``kaiming_uniform_(a=√5)``,
    which is U(-1/√fan_in, 1/√fan_in), for the weight, and the same range for the bias."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)


# PyTorch's deprecated names without the trailing underscore are left out on purpose.
__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "zeros_", "ones_", "eye_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
           "default_layer_init_"]
