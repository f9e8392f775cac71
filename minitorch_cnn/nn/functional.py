"""``minitorch_cnn.nn.functional``: the functional forms of layers, as
``torch.nn.functional``."""

from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from ..ops.pad import pad
from ..ops.softmax import log_softmax, softmax

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "pad", "softmax", "log_softmax"]
