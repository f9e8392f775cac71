"""The pooling family: max and average pooling with their adjoints, and the per-plane
gather/scatter that max pooling's backward, max_unpool2d and adaptive max pooling share.

``reference.py`` (the spec, array code), ``cpu.py`` (Numba over NCHW planes) and
``cpu_channels_last.py`` (Numba over NHWC, for channels_last tensors). A CUDA version
would go in ``cuda.py``, registered as "cuda". Every kernel returns its result in the
memory format of its input.
"""

from ..registry import register
from . import cpu, reference

for _name in ("max_pool2d", "avg_pool2d", "avg_pool2d_backward", "gather_planes", "scatter_add_planes"):
    register(_name, "reference", getattr(reference, _name))
for _name in ("max_pool2d", "avg_pool2d", "avg_pool2d_backward", "scatter_add_planes"):
    register(_name, "cpu", getattr(cpu, _name))

from .reference import avg_pool2d_divisor  # noqa: E402  (the geometry the ops pass in)
