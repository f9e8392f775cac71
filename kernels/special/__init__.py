"""The special-functions family: ``erf``, which NumPy lacks (the exact GELU needs it).

``reference.py`` (``math.erf`` per element on NumPy, CuPy's own ``erf`` on the GPU) and
``cpu.py`` (a Numba ufunc). A CUDA version would go in ``cuda.py``, registered as "cuda".
"""

from .. import registry
from . import cpu, reference

registry.register("erf", "reference", reference.erf)
registry.register("erf", "cpu", cpu.erf)
