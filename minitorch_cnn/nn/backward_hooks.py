"""How ``Module.register_full_backward_hook`` sees gradients: the module's tensor inputs
and outputs are passed through identity ops whose backward reports the gradients that
flow through them (as PyTorch's ``BackwardHook`` does).

The output identity runs first in backward and records ``grad_output``; the input
identity then calls the hooks with ``(module, grad_input, grad_output)`` and lets a hook
replace ``grad_input``. When no input needs a gradient (the first layer of a network),
the hooks are called from the output side with ``grad_input`` all None, as in PyTorch.
"""

from __future__ import annotations

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor


class _ReportingIdentity(Function):
    """Passes its tensors through unchanged; backward hands the gradients to ``report``."""

    @staticmethod
    def forward(ctx, report, *arrays):
        ctx.report = report
        views = tuple(a.view() for a in arrays)
        return views

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.report(grads))


class BackwardHookState:
    """One forward call's bookkeeping for the full backward hooks of one module."""

    def __init__(self, module, hooks):
        self.module, self.hooks = module, hooks
        self.tensor_positions = ()
        self.input_positions = ()
        self.grad_output = None

    def wrap_inputs(self, args: tuple) -> tuple:
        self.tensor_positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        if not is_grad_enabled():
            return args
        self.input_positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad)
        if not self.input_positions:
            return args
        passed = _ReportingIdentity.apply(self._input_grads, *(args[i] for i in self.input_positions))
        args = list(args)
        for i, t in zip(self.input_positions, passed):
            args[i] = t
        return tuple(args)

    def wrap_outputs(self, output):
        if not is_grad_enabled():
            return output
        single = isinstance(output, Tensor)
        items = [output] if single else list(output) if isinstance(output, (tuple, list)) else None
        if items is None:
            return output
        positions = [i for i, t in enumerate(items) if isinstance(t, Tensor) and t.requires_grad]
        if not positions:
            return output
        passed = _ReportingIdentity.apply(self._output_grads, *(items[i] for i in positions))
        for i, t in zip(positions, passed):
            items[i] = t
        return items[0] if single else type(output)(items)

    def _output_grads(self, grads):
        self.grad_output = tuple(grads)
        if not self.input_positions:
            self._call_hooks((None,) * max(len(self.tensor_positions), 1))
        return grads

    def _input_grads(self, grads):
        by_position = dict(zip(self.input_positions, grads))
        grad_input = self._call_hooks(tuple(by_position.get(i) for i in self.tensor_positions))
        replaced = dict(zip(self.tensor_positions, grad_input))
        return tuple(replaced[i] for i in self.input_positions)

    def _call_hooks(self, grad_input):
        for hook in self.hooks:
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
                if len(result) != len(grad_input):
                    raise RuntimeError(f"backward hook returned {len(result)} gradients; expected {len(grad_input)}")
                grad_input = result
        return grad_input
