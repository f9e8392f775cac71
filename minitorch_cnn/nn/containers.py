"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList`` and
``ParameterDict``, as in ``torch.nn``.

Children are registered under their index ("0", "1", …) or key, which is what makes
state_dict keys like ``features.0.weight`` (or ``scales.0``, ``gains.key``) come out the
same as torchvision's.
"""

from __future__ import annotations

import numbers
from collections import OrderedDict

from ..tensor import Tensor
from .module import Module
from .parameter import Parameter


def _index(index, length, name):
    if isinstance(index, bool) or not isinstance(index, numbers.Integral):
        raise TypeError(f"{name} indices must be integers or slices, not {type(index).__name__}")
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for {name} of length {length}")
    return int(index) % length


class _NumberedModules(Module):
    """What Sequential and ModuleList share: children named "0", "1", … kept in order."""

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def _renumber(self, modules):
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def append(self, module: Module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module):
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)
        return self


class Sequential(_NumberedModules):
    """Runs its children in order, each on the previous one's output.

    ``Sequential(a, b, c)`` names them "0", "1", "2"; ``Sequential(OrderedDict(...))``
    uses the given names."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], (OrderedDict, dict)):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[_index(index, len(self), "Sequential")]

    def __setitem__(self, index, module):
        key = list(self._modules)[_index(index, len(self), "Sequential")]
        self.add_module(key, module)

    def __delitem__(self, index):
        keys = list(self._modules)
        doomed = keys[index] if isinstance(index, slice) else [keys[_index(index, len(self), "Sequential")]]
        for key in doomed:
            del self._modules[key]
        if all(k.isdigit() for k in self._modules):  # keep 0..n-1 numbering, as PyTorch
            self._renumber(list(self._modules.values()))

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_NumberedModules):
    """A list of modules, registered so their parameters are found; no forward of its own."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return self._modules[str(_index(index, len(self), "ModuleList"))]

    def __setitem__(self, index, module):
        self.add_module(str(_index(index, len(self), "ModuleList")), module)

    def __delitem__(self, index):
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else _index(index, len(self), "ModuleList")]
        self._renumber(modules)


class ModuleDict(Module):
    """A dict of modules by string key, registered so their parameters are found."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, key):
        module = self._modules[key]
        del self._modules[key]
        return module

    def clear(self):
        self._modules.clear()

    def update(self, modules) -> None:
        items = modules.items() if hasattr(modules, "items") else modules
        for key, module in items:
            self.add_module(key, module)


# ------------------------------------------------------------------ parameter containers
def _as_parameter(value):
    """PyTorch's rule: a plain Tensor put in a parameter container becomes a Parameter
    (sharing its array); anything else (a Parameter, a module, a number) is kept as it is."""
    return Parameter(value) if isinstance(value, Tensor) and not isinstance(value, Parameter) else value


def _describe(value) -> str:
    """One entry's line in the containers' repr, in PyTorch's words."""
    if not isinstance(value, Tensor):
        return f"Object of type: {type(value).__name__}"
    kind = "Parameter containing" if isinstance(value, Parameter) else "Tensor"
    device = "" if value.device == "cpu" else f" (GPU {value.device})"
    return f"{kind}: [{value.dtype} of size {'x'.join(str(s) for s in value.shape)}{device}]"


def _put(container, name, value):
    """Store ``value`` as entry ``name``: a Parameter replacing a Parameter keeps its
    place in ``_parameters`` (so named_parameters() keeps the container's order, as
    PyTorch); anything else replaces the old entry, registered or plain."""
    value = _as_parameter(value)
    if isinstance(value, Parameter) and name in container._parameters:
        container._parameters[name] = value
        return
    container._forget(name)
    setattr(container, name, value)


class ParameterList(Module):
    """A list of parameters, registered under "0", "1", … so ``parameters()``,
    ``named_parameters()`` and ``state_dict()`` see them. Tensors become Parameters;
    other values are kept (not registered), as PyTorch. ``insert`` is ours (PyTorch's
    ParameterList has none): it renumbers what follows, as ModuleList.insert does."""

    def __init__(self, values=None):
        super().__init__()
        object.__setattr__(self, "_size", 0)
        if values is not None:
            self.extend(values)

    def __len__(self):
        return self._size

    def _position(self, index):
        return _index(index, self._size, "ParameterList")

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ParameterList([self[i] for i in range(self._size)[index]])
        return getattr(self, str(self._position(index)))

    def __setitem__(self, index, value):
        _put(self, str(self._position(index)), value)

    def __iter__(self):
        return iter([self[i] for i in range(self._size)])

    def __iadd__(self, values):
        return self.extend(values)

    def append(self, value):
        object.__setattr__(self, "_size", self._size + 1)
        self[self._size - 1] = value
        return self

    def extend(self, values):
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got "
                            f"{type(values).__name__}")
        for value in list(values):
            self.append(value)
        return self

    def insert(self, index, value):
        values = list(self)
        values.insert(index, value)
        for i in range(self._size):
            self._forget(str(i))
        object.__setattr__(self, "_size", 0)
        return self.extend(values)

    def extra_repr(self) -> str:
        return "\n".join(f"({i}): {_describe(value)}" for i, value in enumerate(self))

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """An ordered dict of parameters by string key, registered under the key so that
    ``named_parameters()`` and ``state_dict()`` name them ``prefix.key``. Tensors become
    Parameters; other values are kept (not registered), as PyTorch."""

    def __init__(self, parameters=None):
        super().__init__()
        object.__setattr__(self, "_keys", {})  # insertion order: a dict of key -> None
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _key(key):
        if not isinstance(key, str):
            raise TypeError(f"Index given to ParameterDict cannot be used as a key as it is not a string "
                            f"(type is '{type(key).__name__}')")
        return key

    def __getitem__(self, key):
        if self._key(key) not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key, value):
        self._keys[self._key(key)] = None
        _put(self, key, value)

    def __delitem__(self, key):
        if self._key(key) not in self._keys:
            raise KeyError(key)
        del self._keys[key]
        self._forget(key)

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(list(self._keys))

    def __reversed__(self):
        return reversed(list(self._keys))

    def __contains__(self, key):
        return key in self._keys

    def keys(self):
        return list(self._keys)

    def values(self):
        return [self[k] for k in self._keys]

    def items(self):
        return [(k, self[k]) for k in self._keys]

    def get(self, key, default=None):
        return self[key] if key in self._keys else default

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        if not self._keys:
            raise KeyError("popitem(): ParameterDict is empty")
        key = next(reversed(list(self._keys)))
        return key, self.pop(key)

    def setdefault(self, key, default=None):
        if key not in self._keys:
            self[key] = default
        return self[key]

    def clear(self):
        for key in list(self._keys):
            del self[key]

    def copy(self):
        """A new ParameterDict holding the same parameters (not copies of them)."""
        return ParameterDict(self.items())

    @staticmethod
    def fromkeys(keys, default=None):
        return ParameterDict([(k, default) for k in keys])

    def update(self, parameters):
        """From a mapping (a dict keeps its order) or an iterable of (key, value) pairs."""
        if hasattr(parameters, "keys"):
            pairs = [(k, parameters[k]) for k in parameters.keys()]
        else:
            pairs = []
            for i, pair in enumerate(parameters):
                if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                    raise ValueError(f"ParameterDict update sequence element #{i} should be a (key, value) pair, "
                                     f"got {pair!r}")
                pairs.append(tuple(pair))
        for key, value in pairs:
            self[key] = value

    def __or__(self, other):
        merged = self.copy()
        merged.update(other)
        return merged

    def __ror__(self, other):
        merged = ParameterDict(other)
        merged.update(self)
        return merged

    def __ior__(self, other):
        self.update(other)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"({k}): {_describe(v)}" for k, v in self.items())

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterDict should not be called.")
