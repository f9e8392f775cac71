"""``Module``: the base class of every layer and model, as ``torch.nn.Module``.

A module owns parameters (``Parameter`` attributes), buffers (``register_buffer``: running
statistics and other state that is saved but not learned) and submodules (``Module``
attributes), all found by attribute assignment. It walks that tree for ``parameters()``,
``state_dict()``, ``to()``, ``train()``/``eval()``, and prints it like PyTorch.
``__call__`` runs the forward pre-hooks, ``forward``, the forward hooks and, when any are
registered, wires the full backward hooks into the graph.
"""

from __future__ import annotations

import collections.abc
from collections import OrderedDict, namedtuple

import numpy as np

from .. import backend
from ..autograd.grad_mode import no_grad
from ..hooks import RemovableHandle
from ..tensor import Tensor, check_memory_format, parse_to_arguments
from .backward_hooks import BackwardHookState
from .parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class for layers and models: subclass it, assign layers and parameters in
    ``__init__``, and write ``forward``."""

    def __init__(self):
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", OrderedDict())
        set_(self, "_buffers", OrderedDict())
        set_(self, "_non_persistent_buffers", set())
        set_(self, "_modules", OrderedDict())
        set_(self, "_forward_pre_hooks", OrderedDict())
        set_(self, "_forward_hooks", OrderedDict())
        set_(self, "_backward_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # -------------------------------------------------------------- registration
    def _check_name(self, name, what):
        if not isinstance(name, str):
            raise TypeError(f"{what} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f'{what} name can\'t be empty or contain ".", got {name!r}')
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(minitorch_cnn.nn.Parameter or None required)")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        self._check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(Tensor or None required)")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        d = self.__dict__
        if isinstance(value, Parameter):
            if "_parameters" not in d:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            if "_modules" not in d:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name)
            self._modules[name] = value
        elif "_parameters" in d and name in self._parameters:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(minitorch_cnn.nn.Parameter or None expected)")
            self._parameters[name] = None
        elif "_modules" in d and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                "(minitorch_cnn.nn.Module or None expected)")
            self._modules[name] = None
        elif "_buffers" in d and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name):
        self.__dict__.pop(name, None)
        for store in (self._parameters, self._buffers, self._modules):
            store.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        if memo is None:
            memo = set()
        if remove_duplicate and self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, store, prefix, recurse, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no attribute `{part}` (looking up {target!r})")
            module = module._modules[part]
        return module

    # ------------------------------------------------------------------ modes
    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = p.grad.detach() * 0

    def apply(self, fn) -> Module:
        """Call ``fn`` on every submodule (children first) and on self, as PyTorch."""
        if not callable(fn):
            raise TypeError(f"apply: fn must be a function of a module, got {type(fn).__name__}")
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # --------------------------------------------------------- device and dtype
    def _convert(self, convert) -> Module:
        """Replace every parameter's and buffer's array with ``convert(array)``, keeping the
        Parameter objects (so an optimizer built before ``to()`` still holds them)."""
        with no_grad():
            for module in self.modules():
                for store in (module._parameters, module._buffers):
                    for name, t in store.items():
                        if t is None:
                            continue
                        new = convert(t.array)
                        if new is not t.array:
                            t.array = new
                            t._version.value += 1  # a graph that saved the old value will notice
                        if t.grad is not None:
                            t.grad = Tensor._wrap(convert(t.grad.array))
        return self

    def to(self, *args, **kwargs) -> Module:
        """``to(device)``, ``to(dtype)`` (floating tensors only), ``to(device, dtype)``;
        ``memory_format=channels_last`` lays every 4-D parameter and buffer out channels-last
        (a convolution's weight; the activations follow the input's format), as PyTorch's
        ``model.to(memory_format=torch.channels_last)``."""
        kwargs = dict(kwargs)
        memory_format = check_memory_format(kwargs.pop("memory_format", backend.preserve_format), "nn.Module.to")
        dev, dtype = parse_to_arguments(args, kwargs)
        dev = None if dev is None else backend.as_device(dev)
        if dtype is not None:
            dtype = backend.as_dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")

        def convert(array):
            if dtype is not None and array.dtype.kind == "f" and array.dtype != dtype:
                array = array.astype(dtype)
            if dev is not None:
                array = backend.to_device(array, dev)
            if array.ndim == 4 and memory_format is backend.channels_last:
                array = backend.to_channels_last(array)
            elif array.ndim == 4 and memory_format is backend.contiguous_format:
                array = backend.xp_of(array).ascontiguousarray(array)
            return array

        return self._convert(convert)

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self, device=None) -> Module:
        return self.to("cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device))

    def float(self) -> Module:
        return self.to(backend.float32)

    def double(self) -> Module:
        return self.to(backend.float64)

    def half(self) -> Module:
        return self.to(backend.float16)

    # ---------------------------------------------------------------- state dict
    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False) -> OrderedDict:
        """Parameters and persistent buffers by dotted name (``features.0.weight``,
        ``bn1.running_mean``), as PyTorch; detached unless ``keep_vars``."""
        if destination is None:
            destination = OrderedDict()
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = b if keep_vars else b.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def _state_entries(self, prefix=""):
        """(key, module, store name, attribute) for everything ``state_dict`` would list."""
        for module_prefix, module in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            dotted = module_prefix + "." if module_prefix else ""
            for name, p in module._parameters.items():
                if p is not None:
                    yield dotted + name, module, "_parameters", name
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent_buffers:
                    yield dotted + name, module, "_buffers", name

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False) -> IncompatibleKeys:
        """Copy values into parameters and buffers by name. Shape mismatches always raise;
        missing and unexpected keys raise when ``strict``. All problems are reported
        together, by name, and nothing is copied unless everything checks out."""
        if not isinstance(state_dict, collections.abc.Mapping):  # a list would read as keys "0", "1", ...
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        entries = {key: (module, store, name) for key, module, store, name in self._state_entries()}
        missing = [k for k in entries if k not in state_dict]
        unexpected = [k for k in state_dict if k not in entries]
        errors, plan = [], []
        for key, (module, store, name) in entries.items():
            if key not in state_dict:
                continue
            target = getattr(module, store)[name]
            value = state_dict[key]
            array = value.array if isinstance(value, Tensor) else value
            if not hasattr(array, "shape") or not hasattr(array, "dtype"):
                errors.append(f"While copying the parameter named \"{key}\", expected a Tensor or an array from "
                              f"the checkpoint but received {type(value).__name__}.")
                continue
            if tuple(array.shape) != tuple(target.shape):
                errors.append(f"size mismatch for {key}: copying a param with shape {tuple(array.shape)} from "
                              f"checkpoint, the shape in current model is {tuple(target.shape)}.")
                continue
            if getattr(array, "dtype", np.dtype(object)).kind not in "biuf":
                errors.append(f"dtype mismatch for {key}: a value of dtype {getattr(array, 'dtype', None)} cannot be "
                              f"copied into a {target.dtype} tensor (numbers only).")
                continue
            # converted now, before anything is copied: a failure here leaves the model as it was
            plan.append((target, backend.to_device(array, target.device).astype(target.dtype, copy=False)))
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        with no_grad():
            for target, array in plan:
                target.array[...] = array
                target._version.value += 1
        return IncompatibleKeys(missing, unexpected)

    # ---------------------------------------------------------------- hooks
    def register_forward_pre_hook(self, hook) -> RemovableHandle:
        """``hook(module, args)`` runs before forward; it may return new args."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook) -> RemovableHandle:
        """``hook(module, args, output)`` runs after forward; it may return a new output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_full_backward_hook(self, hook) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs when the gradients with respect to
        the module's tensor inputs are computed; it may return a replacement grad_input."""
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        return handle

    def __call__(self, *args, **kwargs):
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        backward_state = None
        if self._backward_hooks:
            backward_state = BackwardHookState(self, list(self._backward_hooks.values()))
            args = backward_state.wrap_inputs(args)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        if backward_state is not None:
            output = backward_state.wrap_outputs(output)
        return output

    # ---------------------------------------------------------------- printing
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's line in ``repr``."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, module in self._modules.items():
            text = repr(module).replace("\n", "\n  ")
            lines.append(f"({name}): {text}")
        if not self._modules:
            return f"{self._get_name()}({extra})" if "\n" not in extra else \
                f"{self._get_name()}(\n  " + "\n  ".join(lines) + "\n)"
        return f"{self._get_name()}(\n  " + "\n  ".join(lines) + "\n)"

