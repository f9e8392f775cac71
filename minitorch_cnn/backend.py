"""Devices, array modules, dtypes and the framework's random number generator.

Everything that is not a kernel is written once against an *array module* (``xp``):
NumPy for ``"cpu"`` tensors, CuPy for ``"cuda"``/``"cuda:N"`` tensors. This file is the
one place that knows which is which. CuPy is imported lazily, so importing
``minitorch_cnn`` works on a machine without it.
"""

from __future__ import annotations

import numpy as np

# ----------------------------------------------------------------------------- dtypes
# dtypes are NumPy dtype objects: ``minitorch_cnn.float32 is np.dtype("float32")``.
float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
uint8 = np.dtype("uint8")
bool_ = np.dtype("bool")

SUPPORTED_DTYPES = (float16, float32, float64, int8, int16, int32, int64, uint8, bool_)
_default_float = float32


def get_default_dtype() -> np.dtype:
    """The dtype given to tensors made from Python floats (float32, as in PyTorch)."""
    return _default_float


def set_default_dtype(dtype) -> None:
    """Set the default floating dtype (float32 or float64)."""
    global _default_float
    dtype = as_dtype(dtype, "dtype")
    if dtype not in (float32, float64):
        raise TypeError(f"set_default_dtype: dtype must be float32 or float64, got {dtype}")
    _default_float = dtype


def as_dtype(dtype, argument: str = "dtype") -> np.dtype:
    """Normalise a user's dtype (np.dtype, numpy type, string) or raise naming ``argument``."""
    try:
        normalized = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{argument}: {dtype!r} is not a dtype") from exc
    if normalized not in SUPPORTED_DTYPES:
        supported = ", ".join(str(d) for d in SUPPORTED_DTYPES)
        raise TypeError(f"{argument}: dtype {normalized} is not supported (supported: {supported})")
    return normalized


def is_floating(dtype) -> bool:
    return np.dtype(dtype).kind == "f"


# ---------------------------------------------------------------------------- devices
class device:
    """A device, as ``torch.device``: ``device("cpu")``, ``device("cuda")``, ``device("cuda", 1)``.

    Compares equal to its string form, so ``t.device == "cpu"`` works.
    """

    __slots__ = ("type", "index")

    def __init__(self, spec, index: int | None = None):
        if isinstance(spec, device):
            spec, index = spec.type, spec.index if index is None else index
        if not isinstance(spec, str):
            raise TypeError(f"device: expected a string such as 'cpu' or 'cuda:0', got {spec!r}")
        kind, _, number = spec.partition(":")
        if kind not in ("cpu", "cuda"):
            raise ValueError(f"device: unknown device type {kind!r} in {spec!r} (expected 'cpu' or 'cuda')")
        if number:
            if index is not None:
                raise ValueError(f"device: index given twice in {spec!r} and index={index}")
            if not number.isdigit():
                raise ValueError(f"device: invalid device index {number!r} in {spec!r}")
            index = int(number)
        if kind == "cpu" and index not in (None, 0):
            raise ValueError(f"device: cpu has no index {index}")
        if index is not None and index < 0:
            raise ValueError(f"device: index must be >= 0, got {index}")
        self.type = kind
        self.index = None if kind == "cpu" else (0 if index is None else index)

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (TypeError, ValueError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


_default_device = None  # None: the cpu; set_default_device changes it


def get_default_device() -> device:
    """The device factories use when given none (``set_default_device``), as PyTorch's."""
    return CPU if _default_device is None else _default_device


def set_default_device(spec) -> None:
    """Make factories (``tensor``, ``zeros``, ``randn``...) and modules' parameters go to
    ``spec`` ("cpu", "cuda", "cuda:N") when given no device; ``None`` restores the cpu."""
    global _default_device
    _default_device = None if spec is None else as_device(spec, "set_default_device")


def as_device(spec, argument: str = "device") -> device:
    """Normalise a user's device argument, raising a clear error naming ``argument``
    (``None`` is the default device)."""
    if spec is None:
        return get_default_device()
    try:
        dev = device(spec)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{argument}: {exc}") from None
    if dev.type == "cuda":
        if not cuda_available():
            raise CudaUnavailableError(f"{argument}: {spec} is not available: {cuda_unavailable_reason()}")
        if dev.index >= cuda_device_count():
            raise CudaUnavailableError(
                f"{argument}: {dev} was requested but only {cuda_device_count()} CUDA device(s) exist"
            )
    return dev


class CudaUnavailableError(RuntimeError):
    """A "cuda" device was asked for and cannot be had: no CuPy, no driver, or no GPU."""


# --------------------------------------------------------------------- array modules
_cupy = None
_cupy_checked = False
_cupy_missing = ""  # why cupy_module() is None, in words


def _probe_cupy():
    """(cupy module or None, the reason it is None)."""
    try:
        import cupy
    except ImportError:
        return None, ("CuPy is not installed (install the cuda13 or cuda12 extra: "
                      "python -m pip install -e \".[cuda13]\")")
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CuPy raises CUDARuntimeError: no driver, or a driver and no GPU
        if "NoDevice" in str(exc):
            return None, "CuPy and the NVIDIA driver are there but no GPU is visible"
        return None, f"CuPy is installed but finds no usable NVIDIA driver ({type(exc).__name__}: {exc})"
    if count < 1:
        return None, "CuPy and the NVIDIA driver are there but no GPU is visible"
    return cupy, ""


def cupy_module():
    """The cupy module if it is installed and sees a GPU, else None (checked once)."""
    global _cupy, _cupy_checked, _cupy_missing
    if not _cupy_checked:
        _cupy_checked = True
        _cupy, _cupy_missing = _probe_cupy()
    return _cupy


def cuda_unavailable_reason() -> str:
    """Why CUDA is not available ("" when it is): no CuPy, no driver, or no GPU."""
    cupy_module()
    return _cupy_missing


def cuda_available() -> bool:
    return cupy_module() is not None


def cuda_device_count() -> int:
    cp = cupy_module()
    return 0 if cp is None else cp.cuda.runtime.getDeviceCount()


def array_module(dev: device):
    """numpy for the cpu, cupy for a cuda device."""
    return np if dev.type == "cpu" else cupy_module()


def xp_of(array):
    """The array module an array belongs to."""
    if isinstance(array, (np.ndarray, np.generic)):
        return np
    cp = cupy_module()
    if cp is not None and isinstance(array, cp.ndarray):
        return cp
    raise TypeError(f"expected a numpy or cupy array, got {type(array).__name__}")


def device_of(array) -> device:
    if isinstance(array, (np.ndarray, np.generic)):
        return CPU
    return device("cuda", array.device.id)


def to_device(array, dev: device):
    """Move an array to ``dev`` (a copy across devices, the same array otherwise)."""
    src = device_of(array)
    if src == dev:
        return array
    if dev.type == "cpu":
        return array.get()
    cp = cupy_module()
    with cp.cuda.Device(dev.index):
        return cp.asarray(array)


# ------------------------------------------------------------------------------- RNG
class _RandomState:
    """The framework's one random number generator.

    Every random thing (``rand``, ``randn``, init, dropout, shuffling, augmentation) draws
    from here, so ``manual_seed(n)`` makes a whole run reproducible. Numbers are drawn on
    the CPU (NumPy's PCG64) and moved to the requested device: the same seed gives the
    same tensors on the CPU and the GPU, so a model initialised under a seed is identical
    on both. Its state is a JSON-able dict (``get_rng_state``/``set_rng_state``), which is
    what checkpoints and ``gradcheck`` save and restore.
    """

    def __init__(self, seed: int = 0):
        self.seed(seed)

    def seed(self, seed: int) -> None:
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise TypeError(f"manual_seed: seed must be an int, got {seed!r}")
        if seed < 0:
            raise ValueError(f"manual_seed: seed must be >= 0, got {seed}")
        self.generator = np.random.Generator(np.random.PCG64(int(seed)))
        self.initial_seed = int(seed)

    def get_state(self) -> dict:
        state = self.generator.bit_generator.state
        # Python ints in a plain dict: JSON-serialisable and safe to store in a checkpoint.
        return {
            "bit_generator": state["bit_generator"],
            "state": {k: int(v) for k, v in state["state"].items()},
            "has_uint32": int(state["has_uint32"]),
            "uinteger": int(state["uinteger"]),
            "initial_seed": self.initial_seed,
        }

    def set_state(self, state: dict) -> None:
        if not isinstance(state, dict) or state.get("bit_generator") != "PCG64":
            raise ValueError("set_rng_state: expected a state returned by get_rng_state()")
        self.generator.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": dict(state["state"]),
            "has_uint32": state["has_uint32"],
            "uinteger": state["uinteger"],
        }
        self.initial_seed = state.get("initial_seed", self.initial_seed)


default_rng = _RandomState(0)


def manual_seed(seed: int) -> None:
    """Seed every random thing in the framework (as ``torch.manual_seed``)."""
    default_rng.seed(seed)


def initial_seed() -> int:
    """The seed the framework's generator was last seeded with."""
    return default_rng.initial_seed


def get_rng_state() -> dict:
    """The generator's state, a JSON-able dict."""
    return default_rng.get_state()


def set_rng_state(state: dict) -> None:
    """Restore the framework's generator from ``get_rng_state()``'s value."""
    default_rng.set_state(state)


# ---------------------------------------------------------------------- memory formats
class memory_format:
    """How a 4-D (N, C, H, W) tensor is laid out in memory, as ``torch.memory_format``:
    ``contiguous_format`` (NCHW, the default) or ``channels_last`` (NHWC memory under the
    same NCHW shape). Convolutions keep the format of their input."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"minitorch_cnn.{self.name}"


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
preserve_format = memory_format("preserve_format")


def channels_innermost(array) -> bool:
    """Whether an (N, C, ...) array holds its channels innermost in memory: moved to
    (N, ..., C) it is C-contiguous (NHWC memory under an NCHW shape)."""
    if array.ndim < 3:
        return False
    order = (0,) + tuple(range(2, array.ndim)) + (1,)
    return bool(array.transpose(order).flags.c_contiguous)


def is_channels_last(array) -> bool:
    """Whether an (N, C, ...) array is laid out channels_last rather than in the default
    order: its strides grow from C to the last spatial dim, on up the spatial dims to N
    (channels innermost; a strided view of channels_last memory counts too), and it is not
    also C-contiguous. This is the memory format a result keeps (PyTorch's
    ``suggest_memory_format``, whose stride rule also asks that the dims not overlap, so
    that it calls some strided views of channels_last memory NCHW). An array laid out both
    ways (one channel, or a single position) counts as the default, so its results are
    plain NCHW; so does any view with one channel or one position (a one-channel slice)."""
    if array.ndim < 3 or array.flags.c_contiguous or 0 in array.shape:
        return False
    if array.shape[1] == 1 or all(size == 1 for size in array.shape[2:]):
        return False  # one channel, or one position: the default, whatever the strides
    # a dim of size one says nothing about the order, and its stride may be anything
    dims = [dim for dim in (1,) + tuple(range(array.ndim - 1, 1, -1)) + (0,) if array.shape[dim] != 1]
    strides = [array.strides[dim] for dim in dims]
    return all(0 < a <= b for a, b in zip(strides, strides[1:]))


def full_in_format(shape, value, dtype, channels_last: bool, xp):
    """An array of ``shape`` filled with ``value``: channels innermost in memory when
    ``channels_last`` (an NCHW view of NHWC memory), else C-contiguous."""
    if not channels_last or len(shape) < 3:
        return xp.full(shape, value, dtype=dtype)
    order = (0,) + tuple(range(2, len(shape))) + (1,)
    back = (0, len(shape) - 1) + tuple(range(1, len(shape) - 1))
    return xp.full(tuple(shape[d] for d in order), value, dtype=dtype).transpose(back)


def to_channels_last(array):
    """An (N, C, ...) array with the same values and its channels innermost in memory (the
    array itself when it already is)."""
    if channels_innermost(array):
        return array
    order = (0,) + tuple(range(2, array.ndim)) + (1,)
    back = (0, array.ndim - 1) + tuple(range(1, array.ndim - 1))
    return xp_of(array).ascontiguousarray(array.transpose(order)).transpose(back)


def in_format_of(template, array):
    """``array`` (an (N, C, ...) result computed from ``template``) in the memory format
    ``template`` keeps: channels_last when ``template`` is, else as it is."""
    return to_channels_last(array) if is_channels_last(template) and not channels_innermost(array) else array
