"""``minitorch_cnn.backends``, as ``torch.backends``: the flags PyTorch programs set, so that
they run unchanged (not to be confused with ``minitorch_cnn.backend``, our devices and
array modules).

- ``backends.cudnn``: ``benchmark`` turns on measured convolution routes
  (``kernels.set_conv_autotune``: every route timed once per shape, the fastest kept,
  which is what cuDNN's benchmark mode does with its algorithms), on every device;
  ``deterministic``, ``enabled`` and ``allow_tf32`` are kept and change nothing (our
  routes are deterministic for a given plan, and there is no TF32 path);
  ``is_available()`` says whether a CUDA GPU is there; ``version()`` is None (no cuDNN).
- ``backends.mps``, ``backends.mkldnn``, ``backends.openmp``: ``is_available()`` False
  (no such backend here); ``backends.cuda.matmul.allow_tf32`` is kept.
"""

from . import cuda, cudnn, mkldnn, mps, openmp  # noqa: F401
