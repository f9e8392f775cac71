"""The normalisation family: training-mode batch norm and its backward, on (N, C, L).

``reference.py`` (the spec, array code) and ``cpu.py`` (Numba: a thread per channel for
the default layout, blocks of rows for channels_last). A CUDA version would go in
``cuda.py``, registered as "cuda". Results keep the input's memory format.
"""

from ..registry import register
from . import cpu, reference

for _name in ("batch_norm_train", "batch_norm_backward"):
    register(_name, "reference", getattr(reference, _name))
    register(_name, "cpu", getattr(cpu, _name))
