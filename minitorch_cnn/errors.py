"""Errors that are ours and PyTorch's at once.

Our convention is ``ValueError``/``TypeError`` for bad arguments; PyTorch raises
``RuntimeError`` for the same shape and argument errors in convolution, pooling, clamp and
the losses. A ported program may catch either, so those checks raise these classes, which
are both: ``except ValueError`` and ``except RuntimeError`` each catch a ``ShapeError``.
"""


class ShapeError(ValueError, RuntimeError):
    """A bad shape or argument value, where PyTorch raises ``RuntimeError``."""


class ArgumentTypeError(TypeError, RuntimeError):
    """An argument of the wrong type or dtype, where PyTorch raises ``RuntimeError``."""


class AllocationTooLarge(MemoryError, RuntimeError):
    """A size refused before allocating: more bytes than the device has (PyTorch's
    allocators raise ``RuntimeError``; Python code catches ``MemoryError``)."""
