"""The implementations one kernel case is timed with, on which device and clock, and the
ratios between them — shared by the conv and layers suites.

A CPU run times our fast path (NCHW and channels_last), the reference kernels and PyTorch's
CPU op. A cuda run times ours and PyTorch's on the GPU beside ours (NCHW) and PyTorch's on
the CPU: the four columns a GPU-vs-CPU comparison needs; the reference kernels and the
channels_last CPU variant are the CPU run's business and would only lengthen the GPU check.
"""

from __future__ import annotations

from . import devices
from .timing import clocked_medians, cpu_seconds, cuda_clock


def chosen(device, labels, reference, torch_version, torch_cuda, ours, theirs):
    """[(label, device, make, kernel mode)] of a run on ``device``. ``labels``: our CPU
    implementation's name in NCHW and in channels_last; ``ours(device, channels_last)`` and
    ``theirs(device)`` make an implementation's (forward, forward+backward) calls."""
    nchw, channels_last = labels
    picked = [(nchw, "cpu", lambda: ours("cpu", False), "auto")]
    if device == "cpu":
        picked.append((channels_last, "cpu", lambda: ours("cpu", True), "auto"))
        if reference:
            picked.append(("minitorch (reference)", "cpu", lambda: ours("cpu", False), "reference"))
    if torch_version:
        picked.append(("pytorch", "cpu", lambda: theirs("cpu"), None))
    if device == "cuda":
        picked.append((devices.OURS_CUDA, "cuda", lambda: ours("cuda", False), None))
        if torch_cuda:
            picked.append((devices.TORCH_CUDA, "cuda", lambda: theirs("cuda"), None))
    return picked


def in_mode(kernel_mode, run):
    """``run`` with the kernel registry in ``kernel_mode`` (None: leave it as it is)."""
    if kernel_mode is None:
        return run
    import minitorch_cnn as mt

    def wrapped():
        with mt.kernels.using(kernel_mode):
            run()

    return wrapped


def clock_for(label, device, cache):
    """Host wall time on the CPU; CUDA events on the GPU, PyTorch's for PyTorch (its stream
    is not CuPy's), ours otherwise. ``cache`` keeps one clock per kind."""
    kind = "cpu" if device == "cpu" else ("torch" if label == devices.TORCH_CUDA else "cupy")
    if kind not in cache:
        cache[kind] = {"cpu": lambda: cpu_seconds, "torch": lambda: cuda_clock(devices.torch_cuda_module()),
                       "cupy": cuda_clock}[kind]()
    return cache[kind]


def time_all(picked, repeats, budget, warmup=1):
    """{label: (forward s, forward+backward s)}, every implementation in the same rounds."""
    runs, clocks, cache = {}, {}, {}
    for label, device, make, kernel_mode in picked:
        forward, forward_backward = make()
        clock = clock_for(label, device, cache)
        for part, call in ((0, forward), (1, forward_backward)):
            runs[(label, part)], clocks[(label, part)] = in_mode(kernel_mode, call), clock
    medians = clocked_medians(runs, clocks, repeats, warmup, budget)
    return {label: (medians[(label, 0)], medians[(label, 1)]) for label, *_ in picked}


def compare(label, timings, cpu_label):
    """(forward x torch, forward+backward x torch, GPU speed-up of forward+backward) of one
    implementation: "x torch" against PyTorch on the same device; the speed-up over the same
    implementation on the CPU, for the GPU rows only (None where a side is absent)."""
    on_gpu = label in (devices.OURS_CUDA, devices.TORCH_CUDA)
    against = timings.get(devices.TORCH_CUDA if on_gpu else "pytorch")
    cpu = timings.get({devices.OURS_CUDA: cpu_label, devices.TORCH_CUDA: "pytorch"}.get(label))
    own = timings[label]
    return (own[0] / against[0] if against else None, own[1] / against[1] if against else None,
            cpu[1] / own[1] if cpu else None)
