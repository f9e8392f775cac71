"""The indexing family: ``index_add`` (the backward of integer-array indexing).

Only a reference implementation: NumPy's and CuPy's ``add.at`` already is the kernel.
"""

from .. import registry
from . import reference

registry.register("index_add", "reference", reference.index_add)
