"""``nn.parallel.DataParallel`` (also ``nn.DataParallel``), as PyTorch's on one device: the
module is run as it is. PyTorch splits each batch over several GPUs; this framework runs on
one device, where PyTorch's DataParallel runs the module unchanged too. The wrapped module
is ``.module``, so the state_dict keys gain the ``module.`` prefix PyTorch's checkpoints
of wrapped models have."""

from __future__ import annotations

from .module import Module


class DataParallel(Module):
    """PyTorch's ``DataParallel`` on one device: the wrapped module, called as it is (its
    parameters and ``state_dict`` keys under ``module.``, as PyTorch's), so that programs
    written for several GPUs run unchanged.

    Shape:
        - Input and output: the wrapped module's.
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: module must be a Module, got {type(module).__name__}")
        if device_ids is not None and len(list(device_ids)) > 1:
            raise ValueError(f"DataParallel: this framework runs on one device; got device_ids={list(device_ids)}")
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
