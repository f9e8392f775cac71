"""The normalisation family: training-mode batch norm and its backward, on (N, C, L).

``reference.py`` (the spec, array code), ``cpu.py`` (Numba: a thread per channel for
the default layout, blocks of rows for channels_last) and ``cuda.py`` (``norm.cu``
through CuPy: fixed-chunk partial sums, so deterministic). Results keep the input's
memory format.
"""

from ..registry import register
from . import cpu, cuda, reference

for _name in ("batch_norm_train", "batch_norm_backward"):
    register(_name, "reference", getattr(reference, _name))
    register(_name, "cpu", getattr(cpu, _name))
    register(_name, "cuda", getattr(cuda, _name))
