"""``minitorch_cnn.utils``, as ``torch.utils``: ``utils.data`` (datasets, samplers, the loader)."""

from . import data  # noqa: F401
