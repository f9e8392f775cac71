"""Which devices a benchmark run times, and what it records and says about them.

``--device cpu`` (the default) times our kernels and PyTorch's on the CPU. ``--device cuda``
adds our kernels on the GPU (CuPy) and PyTorch's (cuDNN) where ``torch.cuda`` sees one,
side by side with the CPU columns in the same run. ``--cuda-standin`` swaps CuPy for the
NumPy-backed stand-in of ``tests/support/cupy_standin`` first, so that the whole cuda path
runs on the CPU as a dry run (its timings mean nothing).
"""

from __future__ import annotations

import importlib.util
import os

from minitorch_cnn import backend

OURS_CUDA, TORCH_CUDA = "minitorch (cuda)", "pytorch (cuda)"
STANDIN_NOTE = ("CuPy stand-in: the cuda columns ran on the CPU over NumPy (a dry run of the code path); "
                "their timings are meaningless")


def install_standin() -> None:
    """The CuPy stand-in as ``cupy`` and as the framework's CUDA module. Must run before
    anything imports CuPy or asks the backend about CUDA (the backend checks once)."""
    from tests.support import cupy_standin

    cupy_standin.install()
    backend._cupy, backend._cupy_checked, backend._cupy_missing = cupy_standin, True, ""


def on_standin() -> bool:
    cupy = backend._cupy if backend._cupy_checked else None
    return cupy is not None and cupy.__name__.endswith("cupy_standin")


def cuda_refusal() -> str | None:
    """None when ``--device cuda`` can run, else the one line saying why not."""
    if backend.cuda_available():
        return None
    return (f"python -m benchmarks: --device cuda: no GPU ({backend.cuda_unavailable_reason()}); "
            "add --cuda-standin --out DIR for a dry run of the cuda path on the CPU")


def absent_line() -> str:
    """The one line a ``--device cpu`` table ends with: why it has no cuda columns."""
    if not backend.cuda_available():
        return f"no GPU: CUDA columns absent ({backend.cuda_unavailable_reason()})"
    return "CUDA columns absent: --device cpu was asked for (a GPU is there: add --device cuda)"


def torch_version(threads: int | None = None) -> str | None:
    """PyTorch's version if it is installed (None otherwise), its CPU threads set to
    ``threads`` (default: every core, as the conv suite has always run it)."""
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    torch.set_num_threads(threads or os.cpu_count() or 1)
    return torch.__version__


def torch_cuda() -> bool:
    """Whether PyTorch sees a GPU; if so, cuDNN picks its fastest algorithm per shape
    (``cudnn.benchmark``: the choice is made during the warm-up calls, never timed)."""
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    if not torch.cuda.is_available():
        return False
    torch.backends.cudnn.benchmark = True
    return True


def torch_cuda_module():
    import torch

    return torch.cuda


def cuda_config() -> dict:
    """What a cuda run's results record: the device, CuPy and CUDA versions, torch.cuda."""
    import minitorch_cnn as mt

    cupy = backend.cupy_module()
    runtime = cupy.cuda.runtime
    info = {"standin": on_standin(), "device": mt.cuda.get_device_name(0), "device_count": mt.cuda.device_count(),
            "cupy": getattr(cupy, "__version__", "stand-in")}
    for key, query in (("cuda_runtime", "runtimeGetVersion"), ("cuda_driver", "driverGetVersion")):
        try:
            info[key] = getattr(runtime, query)()
        except Exception as error:  # the stand-in or an old CuPy may lack one: say so, keep the run
            info[key] = f"unknown ({type(error).__name__})"
    if importlib.util.find_spec("torch") is not None:
        import torch

        info["torch_cuda"] = torch.cuda.is_available()
        info["torch_cuda_version"] = torch.version.cuda
        if torch.cuda.is_available():
            info.update(torch_device=torch.cuda.get_device_name(0), cudnn=torch.backends.cudnn.version(),
                        cudnn_benchmark=True)
    return info


def describe(config: dict) -> str:
    """One line naming the GPU side of a cuda run, printed above its table."""
    cuda = config.get("cuda")
    if not cuda:
        return ""
    torch_side = (f"PyTorch on {cuda['torch_device']} (CUDA {cuda['torch_cuda_version']}, cuDNN {cuda['cudnn']})"
                  if cuda.get("torch_device") else "PyTorch: no CUDA device (pytorch (cuda) columns absent)")
    return (f"GPU: {cuda['device']}, CuPy {cuda['cupy']}, CUDA runtime {cuda['cuda_runtime']}, "
            f"driver {cuda['cuda_driver']}; {torch_side}")
