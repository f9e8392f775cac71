"""The special-functions family: ``erf``, which NumPy lacks (the exact GELU needs it), and
GELU itself with its backward (exact and tanh forms: reference and Numba; on the GPU the
reference's CuPy expressions serve).

``reference.py`` (``math.erf`` per element on NumPy, CuPy's own ``erf`` on the GPU),
``cpu.py`` (a Numba ufunc) and ``cuda.py`` (``special.cu`` through CuPy, float16 too).
"""

from .. import registry
from . import cpu, cuda, reference

registry.register("erf", "reference", reference.erf)
registry.register("erf", "cpu", cpu.erf)
registry.register("erf", "cuda", cuda.erf)
for _name in ("gelu", "gelu_backward"):
    registry.register(_name, "reference", getattr(reference, _name))
    registry.register(_name, "cpu", getattr(cpu, _name))
