"""The special-functions family: ``erf``, which NumPy lacks (the exact GELU needs it).

``reference.py`` (``math.erf`` per element on NumPy, CuPy's own ``erf`` on the GPU),
``cpu.py`` (a Numba ufunc) and ``cuda.py`` (``special.cu`` through CuPy, float16 too).
"""

from .. import registry
from . import cpu, cuda, reference

registry.register("erf", "reference", reference.erf)
registry.register("erf", "cpu", cpu.erf)
registry.register("erf", "cuda", cuda.erf)
