"""``minitorch_cnn.nn.functional``: the functional forms of layers, as
``torch.nn.functional``. The core provides ``pad``, ``softmax`` and ``log_softmax``."""

from ..ops.pad import pad
from ..ops.softmax import log_softmax, softmax

__all__ = ["pad", "softmax", "log_softmax"]
