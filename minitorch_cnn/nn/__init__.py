"""``minitorch_cnn.nn``: layers and their functional forms (``nn.functional``)."""

from . import functional
