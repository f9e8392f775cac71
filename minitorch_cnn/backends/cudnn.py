"""``backends.cudnn``: ``benchmark`` is convolution autotuning; the other flags are kept
(see the package docstring)."""

import sys
import types


class _Cudnn(types.ModuleType):
    deterministic = False
    enabled = True
    allow_tf32 = True

    @property
    def benchmark(self) -> bool:
        from .. import kernels

        return kernels.conv.autotune.enabled()

    @benchmark.setter
    def benchmark(self, flag) -> None:
        from .. import kernels

        kernels.set_conv_autotune(flag)

    @staticmethod
    def is_available() -> bool:
        from .. import cuda

        return cuda.is_available()

    @staticmethod
    def version():
        return None


sys.modules[__name__].__class__ = _Cudnn
