"""``cupy.RawModule`` and ``cupy.RawKernel`` for the stand-in: the CUDA C source runs on the
CPU through the host build (``tests/support/cuda_host.py``), on the stand-in arrays' own
NumPy memory, so a kernel's writes land in the arrays it was given.

CuPy's launch rules are kept: ``RawModule`` takes keyword arguments only; ``options`` must
be a tuple; ``grid`` and ``block`` must be tuples (padded with 1s to three, each size at
least 1, as CuPy launches a zero-size grid as one block); the block and grid must fit the
device's limits and dynamic shared memory the 48 KiB default unless
``max_dynamic_shared_size_bytes`` was raised, else ``CUDADriverError``; an argument is a
device array, ``None`` (a null pointer) or a scalar, and a ``numpy.ndarray`` raises
``TypeError``. Python scalars are passed as given: the host build checks each argument
against the kernel's C signature (dtype, contiguity, scalar type), which CuPy does not.
"""

from ._interop import is_device_array
from .cuda._driver import CUDA_ERROR_INVALID_VALUE, CUDADriverError

_NUMPY_SCALAR_CODES = "?bhilqBHILQefdFD"  # the NumPy scalar types CuPy passes by value
_DEFAULT_SHARED = 48 * 1024
_MAX_SHARED_OPTIN = 227 * 1024
_MAX_BLOCK = (1024, 1024, 64)
_MAX_GRID = (2**31 - 1, 65535, 65535)


def _host_module(code: str, options: tuple):
    """The host build of ``code``; imported only when a kernel is first used, so the
    stand-in imports without it."""
    from ..cuda_host import HostModule

    return HostModule(code, options)


def _check_tuple(value, name):
    if not isinstance(value, tuple):
        raise TypeError(f"Argument '{name}' has incorrect type (expected tuple, got {type(value).__name__})")


def _launch_dims(value, name, limits):
    _check_tuple(value, name)
    dims = tuple(max(1, int(d)) for d in (value + (1, 1))[:3])
    if any(d > limit for d, limit in zip(dims, limits)):
        raise CUDADriverError(CUDA_ERROR_INVALID_VALUE)
    return dims


def _kernel_argument(value):
    import numpy as np

    if is_device_array(value):
        return value._a  # the array's own memory: the kernel writes into it
    if value is None or isinstance(value, (bool, int, float, complex)):
        return value
    if isinstance(value, np.generic) and value.dtype.char in _NUMPY_SCALAR_CODES:
        return value
    raise TypeError(f"Unsupported type {type(value)}")


class RawKernel:
    """A kernel from CUDA C source, compiled (for the host) at its first call."""

    def __init__(self, code, name, options=(), backend="nvrtc", *, translate_cucomplex=False,
                 enable_cooperative_groups=False, jitify=False):
        for argument, value, kind in (("code", code, str), ("name", name, str), ("options", options, tuple),
                                      ("backend", backend, str)):
            if not isinstance(value, kind):
                raise TypeError(f"Argument '{argument}' has incorrect type (expected {kind.__name__}, "
                                f"got {type(value).__name__})")
        self.code, self.name, self.options, self.backend = code, name, options, backend
        self.__name__ = name
        self.enable_cooperative_groups = enable_cooperative_groups
        self.file_path = None
        self._module = None  # a RawModule's kernels share its host build
        self._host_kernel = None
        self._max_dynamic_shared = _DEFAULT_SHARED

    @classmethod
    def _of_module(cls, module, name):
        kernel = cls(module.code, name, module.options, module.backend,
                     enable_cooperative_groups=module.enable_cooperative_groups)
        kernel._module = module
        return kernel

    @property
    def kernel(self):
        if self._host_kernel is None:
            host = self._module._host() if self._module is not None else _host_module(self.code, self.options)
            self._host_kernel = host.get_function(self.name)
        return self._host_kernel

    def compile(self, log_stream=None):
        self._host_kernel = None
        return self.kernel

    @property
    def max_dynamic_shared_size_bytes(self):
        return self._max_dynamic_shared

    @max_dynamic_shared_size_bytes.setter
    def max_dynamic_shared_size_bytes(self, size):
        if not 0 <= size <= _MAX_SHARED_OPTIN:
            raise CUDADriverError(CUDA_ERROR_INVALID_VALUE)
        self._max_dynamic_shared = int(size)

    def __call__(self, grid, block, args, *, shared_mem=0, stream=None):
        grid = _launch_dims(grid, "grid", _MAX_GRID)
        block = _launch_dims(block, "block", _MAX_BLOCK)
        if block[0] * block[1] * block[2] > 1024 or not 0 <= shared_mem <= self._max_dynamic_shared:
            raise CUDADriverError(CUDA_ERROR_INVALID_VALUE)
        arguments = tuple(_kernel_argument(value) for value in args)
        self.kernel(grid, block, arguments, shared_mem=shared_mem)


class RawModule:
    """A program of CUDA C source; ``get_function(name)`` gives one of its kernels. It is
    compiled (for the host) when a kernel is first used, as CuPy compiles lazily."""

    def __init__(self, *, code=None, path=None, options=(), backend="nvrtc", translate_cucomplex=False,
                 enable_cooperative_groups=False, name_expressions=None, jitify=False):
        if (code is None) == (path is None):
            raise TypeError("Exactly one of `code` and `path` keyword arguments must be given.")
        if path is not None:
            raise NotImplementedError("the CuPy stand-in runs CUDA C source only: loading a cubin/ptx file "
                                      "is not emulated")
        if not isinstance(code, str):
            raise TypeError(f"Argument 'code' has incorrect type (expected str, got {type(code).__name__})")
        if not isinstance(options, tuple):
            raise TypeError(f"Argument 'options' has incorrect type (expected tuple, got {type(options).__name__})")
        if name_expressions is not None and backend != "nvrtc":
            raise ValueError("only nvrtc supports retrieving the mangled names for the given name expressions")
        self.code, self.options, self.backend = code, options, backend
        self.enable_cooperative_groups = enable_cooperative_groups
        self.name_expressions = None if name_expressions is None else tuple(name_expressions)
        self.file_path = None
        self._host_module = None

    def _host(self):
        if self._host_module is None:
            self._host_module = _host_module(self.code, self.options)
        return self._host_module

    @property
    def module(self):
        return self._host()

    def compile(self, log_stream=None):
        self._host()

    def get_function(self, name):
        if not isinstance(name, str):
            raise TypeError(f"Argument 'name' has incorrect type (expected str, got {type(name).__name__})")
        self._host().get_function(name)  # an unknown name fails here, as in CuPy
        return RawKernel._of_module(self, name)
