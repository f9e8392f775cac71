"""How every Numba kernel is compiled, decided once for all families.

* The ``workqueue`` threading layer, unless ``NUMBA_THREADING_LAYER`` says otherwise: the
  default layers fought OpenBLAS's threads for our two cores and ran forward+backward 2-5x
  slower. It must be set before the first parallel kernel runs, hence here, imported by
  every module that defines a kernel.
* ``cache=True`` everywhere: compiled code is kept on disk, so only the first run pays.
* ``nogil=True``: the per-core pipelines call the serial kernels from their own threads.
* ``fastmath=False`` unless a kernel says why (NaN and infinity keep their IEEE meaning).
"""

from __future__ import annotations

import os

import numba

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"

# a kernel that splits its loop over all cores with prange
PARALLEL = dict(parallel=True, cache=True, nogil=True, fastmath=False)
# a kernel one thread runs on its share of the work (the per-core pipelines, Winograd)
SERIAL = dict(parallel=False, cache=True, nogil=True, fastmath=False)
# a parallel reduction: reassociation lets LLVM keep partial sums in vector lanes, and
# contraction allows FMA; nothing else of fastmath (see ``norm/cpu.py`` for the measurements)
PARALLEL_REDUCTION = dict(parallel=True, cache=True, nogil=True, fastmath={"reassoc", "contract"})
