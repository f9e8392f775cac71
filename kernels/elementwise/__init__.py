"""The elementwise family: ``where`` (selection by a mask).

``reference.py`` (the array module's own ``where``, NumPy or CuPy) and ``cpu.py`` (Numba,
for a mask and a same-layout array against a scalar, the activations' backward case).
"""

from ..registry import register
from . import cpu, reference

register("where", "reference", reference.where)
register("where", "cpu", cpu.where)
