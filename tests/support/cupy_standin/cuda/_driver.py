"""``cupy.cuda.driver`` for the stand-in: the driver error a kernel launch raises (CuPy's
``cupy.cuda.driver`` is an attribute, not an importable module, and so is this one)."""

from .._exports import gate as _gate

CUDA_ERROR_INVALID_VALUE = 1

_ERRORS = {CUDA_ERROR_INVALID_VALUE: ("CUDA_ERROR_INVALID_VALUE", "invalid argument")}


class CUDADriverError(RuntimeError):
    """A CUDA driver error, as CuPy's: ``status`` is the CUresult code."""

    def __init__(self, status):
        self.status = status
        name, text = _ERRORS.get(status, ("CUDA_ERROR_UNKNOWN", "unknown error"))
        super().__init__(f"{name}: {text}")

    def __reduce__(self):
        return (type(self), (self.status,))


__getattr__ = _gate("cupy.cuda.driver", globals())
