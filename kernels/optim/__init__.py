"""The optimizer family: the in-place parameter updates of SGD, Adam/AdamW, RMSprop and
Adagrad.

``reference.py`` (PyTorch's formulas as array code, NumPy or CuPy) and ``cpu.py`` (Numba:
one pass per parameter, no temporaries). On CuPy the reference serves: its elementwise
expressions already run on the GPU.
"""

from ..registry import register
from . import cpu, reference

NAMES = ("sgd_step", "adam_step", "rmsprop_step", "adagrad_step")
for _name in NAMES:
    register(_name, "reference", getattr(reference, _name))
    register(_name, "cpu", getattr(cpu, _name))
