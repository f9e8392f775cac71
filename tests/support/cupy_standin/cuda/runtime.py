"""``cupy.cuda.runtime`` for the stand-in: one device, id 0, described as a CUDA 13 runtime
and a compute-capability 9.0 GPU, so code that asks the runtime about the device gets
plausible answers; anything that names another device fails as CUDA does."""

from .._exports import gate as _gate

is_hip = False

# stream handles CUDA reserves (cudaStreamLegacy, cudaStreamPerThread)
streamLegacy = 1
streamPerThread = 2

# the device the stand-in describes: its memory is what the memory pool's limit and
# memGetInfo measure against (arrays really live in host memory)
_TOTAL_MEMORY = 16 * 1024**3
_VERSION = 13000  # CUDA 13.0, as cupy-cuda13x reports it

_ERRORS = {
    1: ("cudaErrorInvalidValue", "invalid argument"),
    101: ("cudaErrorInvalidDevice", "invalid device ordinal"),
    400: ("cudaErrorInvalidResourceHandle", "invalid resource handle"),
    600: ("cudaErrorNotReady", "device not ready"),
}


class CUDARuntimeError(RuntimeError):
    """A CUDA runtime error, as CuPy's: ``status`` is the cudaError_t code."""

    def __init__(self, status):
        self.status = status
        name, text = _ERRORS.get(status, ("cudaErrorUnknown", "unknown error"))
        super().__init__(f"{name}: {text}")

    def __reduce__(self):
        return (type(self), (self.status,))


_current_device = 0


def _check_device(device: int) -> int:
    if device != 0:
        raise CUDARuntimeError(101)
    return device


def getDeviceCount() -> int:
    return 1


def getDevice() -> int:
    return _current_device


def setDevice(device: int) -> None:
    global _current_device
    _current_device = _check_device(device)


def deviceSynchronize() -> None:
    """Every stand-in operation has finished when it returns."""


def getDeviceProperties(device: int) -> dict:
    _check_device(device)
    return {
        "name": b"CuPy stand-in (NumPy)",
        "totalGlobalMem": _TOTAL_MEMORY,
        "sharedMemPerBlock": 48 * 1024,
        "sharedMemPerBlockOptin": 227 * 1024,
        "regsPerBlock": 65536,
        "warpSize": 32,
        "maxThreadsPerBlock": 1024,
        "maxThreadsDim": (1024, 1024, 64),
        "maxGridSize": (2**31 - 1, 65535, 65535),
        "clockRate": 1755000,
        "totalConstMem": 65536,
        "major": 9,
        "minor": 0,
        "multiProcessorCount": 132,
        "integrated": 0,
        "concurrentKernels": 1,
        "pciBusID": 0,
        "pciDeviceID": 0,
        "pciDomainID": 0,
        "l2CacheSize": 50 * 1024**2,
        "maxThreadsPerMultiProcessor": 2048,
    }


def driverGetVersion() -> int:
    return _VERSION


def runtimeGetVersion() -> int:
    return _VERSION


def memGetInfo() -> tuple:
    """(free, total) bytes of the described device: total minus what the default memory
    pool holds (in use or cached), as on a GPU."""
    from . import memory

    held = memory._default_pool.total_bytes()
    return max(_TOTAL_MEMORY - held, 0), _TOTAL_MEMORY


__getattr__ = _gate("cupy.cuda.runtime", globals())
