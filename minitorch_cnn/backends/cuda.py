"""``backends.cuda``: ``matmul.allow_tf32`` and ``is_built()``, kept for programs that set
or ask them (there is no TF32 path here)."""

import types

matmul = types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True)


def is_built() -> bool:
    """True: this framework can run on CUDA when CuPy and a GPU are there."""
    return True
