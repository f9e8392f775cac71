"""The pooling family: max and average pooling with their adjoints, and the per-plane
gather/scatter that max pooling's backward, max_unpool2d and adaptive max pooling share.

``reference.py`` (the spec, array code), ``cpu.py`` (Numba over NCHW planes),
``cpu_channels_last.py`` (Numba over NHWC, for channels_last tensors) and ``cuda.py``
(``pool.cu`` through CuPy, both layouts; ``gather_planes`` too). Every kernel returns its
result in the memory format of its input.
"""

from ..registry import register
from . import cpu, cuda, reference

for _name in ("max_pool2d", "avg_pool2d", "avg_pool2d_backward", "gather_planes", "scatter_add_planes"):
    register(_name, "reference", getattr(reference, _name))
for _name in ("max_pool2d", "avg_pool2d", "avg_pool2d_backward", "scatter_add_planes"):
    register(_name, "cpu", getattr(cpu, _name))
for _name in ("max_pool2d", "avg_pool2d", "avg_pool2d_backward", "gather_planes", "scatter_add_planes"):
    register(_name, "cuda", getattr(cuda, _name))

from .reference import avg_pool2d_divisor  # noqa: E402  (the geometry the ops pass in)
