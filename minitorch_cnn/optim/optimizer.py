"""``Optimizer``: the base of every optimizer, as ``torch.optim.Optimizer``.

It holds parameter groups (each a dict of hyper-parameters and a list of parameters),
per-parameter state (momentum buffers, moment estimates, step counts), ``zero_grad`` and
``state_dict``/``load_state_dict`` in PyTorch's layout: parameters are referred to by
their position across the groups, so a state dict saved from one model loads into a
freshly built identical one. Updates work on the raw arrays, outside the graph, and bump
each parameter's version counter (a graph that saved the old value will notice).
"""

from __future__ import annotations

import copy

from ..autograd.grad_mode import enable_grad, no_grad
from ..backend import xp_of
from ..tensor import Tensor
from ..arguments import integer, real
from .checks import LR, check_hyper_parameters


class Optimizer:
    """Subclasses define ``_update(group, param, grad_array, state)``, which changes
    ``param.array`` in place using the group's hyper-parameters; ``_hyper``, the specs of
    their hyper-parameters (checks.py), checked in the defaults, in every group added and in
    every group loaded; and ``_state_keys``, the names their per-parameter state may hold
    (None: any)."""

    _hyper: tuple = (LR,)
    _state_keys: frozenset | None = None

    def __init__(self, params, defaults: dict):
        check_hyper_parameters(self._hyper, defaults, required=False)
        self._check_consistency(defaults, "")
        self.defaults = dict(defaults)
        self.state: dict = {}
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got a single {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors (Parameters), but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (one computed from others); optimize the leaves")
            if p.dtype.kind != "f":
                raise TypeError(f"optimizer can only optimize floating point Tensors, got {p.dtype}")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group (or twice in one)")
        group = {"params": params}
        for key, default in self.defaults.items():
            group[key] = param_group.get(key, default)
        for key, value in param_group.items():
            if key != "params":
                group[key] = value
        self._check_group(group, f" of parameter group {len(self.param_groups)}")
        self.param_groups.append(group)

    def _check_group(self, group: dict, where: str = "") -> None:
        """Every hyper-parameter of ``group`` (type, finiteness, range), then how they agree."""
        check_hyper_parameters(self._hyper, group, where)
        self._check_consistency(group, where)

    def _check_consistency(self, group: dict, where: str) -> None:
        """Checks between hyper-parameters (SGD's Nesterov needs momentum); none by default."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad = None if set_to_none else p.grad.detach() * 0

    def step(self, closure=None):
        """One update of every parameter that has a gradient; ``closure`` (re-evaluates
        the model and returns the loss) is called first, with gradients enabled."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    grad = p.grad.array
                    if grad.shape != p.shape:
                        raise RuntimeError(f"gradient of shape {list(grad.shape)} for a parameter of shape "
                                           f"{list(p.shape)}")
                    state = self.state.setdefault(p, {})
                    self._update(group, p, grad, state)
                    p._version.value += 1
        return loss

    def _update(self, group, param, grad, state) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define _update")

    # ------------------------------------------------------------------ state dicts
    def state_dict(self) -> dict:
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: (v.detach() if isinstance(v, Tensor) else v)
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """All or nothing: the whole incoming state (group count and sizes, every
        hyper-parameter, every state entry against its parameter) is checked and converted
        first; a state dict that fails leaves the optimizer exactly as it was."""
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            got = sorted(map(str, state_dict)) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"optimizer state_dict must have 'state' and 'param_groups', got {got}")
        groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(groups, (list, tuple)):
            raise TypeError(f"optimizer state_dict['param_groups'] must be a list, got {type(groups).__name__}")
        if not isinstance(saved_state, dict):
            raise TypeError(f"optimizer state_dict['state'] must be a dict, got {type(saved_state).__name__}")
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(groups)} parameter groups, the optimizer has "
                             f"{len(self.param_groups)}")
        by_index, new_groups = {}, []
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if not isinstance(saved, dict) or not isinstance(saved.get("params"), (list, tuple)):
                raise TypeError(f"loaded parameter group {i} must be a dict with a list 'params', got "
                                f"{type(saved).__name__}" + (f" with keys {sorted(map(str, saved))}"
                                                             if isinstance(saved, dict) else ""))
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"loaded state dict contains a parameter group ({i}) of {len(saved['params'])} "
                                 f"parameters; the optimizer's group has {len(group['params'])}")
            for saved_index, p in zip(saved["params"], group["params"]):
                saved_index = integer(saved_index, f"a parameter index in loaded parameter group {i}", low=0)
                if saved_index in by_index:
                    raise ValueError(f"loaded state dict lists parameter {saved_index} twice")
                by_index[saved_index] = p
            merged = dict(group)
            merged.update({key: copy.deepcopy(value) for key, value in saved.items() if key != "params"})
            self._check_group(merged, f" of loaded parameter group {i}")
            new_groups.append(merged)
        new_state = {}
        for key, entry in saved_state.items():
            index = int(key) if isinstance(key, str) and key.isdigit() else key
            p = by_index.get(index) if isinstance(index, int) and not isinstance(index, bool) else None
            if p is None:
                raise ValueError(f"optimizer state refers to parameter {key!r}, which no group has (the groups "
                                 f"hold parameters {sorted(by_index)})")
            if p in new_state:
                raise ValueError(f"optimizer state has two entries for parameter {index}")
            if not isinstance(entry, dict):
                raise TypeError(f"optimizer state of parameter {key} must be a dict, got {type(entry).__name__}")
            new_state[p] = {name: self._loaded_state_value(name, value, index, p) for name, value in entry.items()}
        # everything is checked: from here on nothing can fail
        self.state = new_state
        for group, merged in zip(self.param_groups, new_groups):
            group.update(merged)

    def _loaded_state_value(self, name, value, index, p):
        """One entry of a loaded per-parameter state, checked and converted: a buffer must
        be a floating tensor of its parameter's shape (it becomes the parameter's dtype and
        device), a scalar a finite number (``step`` a non-negative int)."""
        what = f"optimizer state {name!r} of parameter {index}"
        if self._state_keys is not None and name not in self._state_keys:
            raise ValueError(f"{what}: {type(self).__name__} keeps no state of that name (it keeps "
                             f"{sorted(self._state_keys)})")
        if isinstance(value, Tensor) or hasattr(value, "shape"):
            value = value if isinstance(value, Tensor) else Tensor(value)
            if value.ndim and value.shape != p.shape:
                raise ValueError(f"{what} has shape {list(value.shape)}; the parameter has {list(p.shape)}")
            if value.dtype.kind not in ("f" if value.ndim else "fiu"):
                raise TypeError(f"{what} has dtype {value.dtype}; expected a floating point tensor like the "
                                f"parameter ({p.dtype})")
            floating = value.dtype.kind == "f" and value.shape == p.shape
            return value.detach().to(p.device, p.dtype if floating else value.dtype).clone()
        if name == "step":
            return integer(value, what, low=0)
        return real(value, what)

    def __getstate__(self) -> dict:
        # the schedulers' weak reference (scheduler_base.py) is a run-time link, not state
        return {k: v for k, v in self.__dict__.items() if k != "_lr_set_by"}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def as_pair(value):
    """A pair argument (betas, etas, step_sizes) as the tuple a group keeps; anything else
    unchanged, for the group's check to refuse by name."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def state_array(state: dict, name: str, like):
    """``state[name]``'s array, created as zeros shaped like ``like`` on first use."""
    if name not in state:
        state[name] = Tensor._wrap(xp_of(like).zeros_like(like))
    return state[name].array


def refuse_unsupported(optimizer: str, **flags) -> None:
    """PyTorch's implementation switches (``foreach``, ``capturable``, ``differentiable``,
    ``fused``) are accepted when off; on, they would promise behaviour we do not have."""
    for name, value in flags.items():
        if value not in (None, False):
            raise NotImplementedError(f"{optimizer}: {name}={value!r} is not supported (minitorch_cnn updates each "
                                      f"parameter in place, outside the graph); leave {name} at None or False")


def ascent_and_l2(grad, param, weight_decay: float, maximize: bool):
    """The gradient an update uses: negated to ascend, plus the L2 term λ·w. A new array,
    so the parameter's own ``.grad`` is never changed."""
    grad = -grad if maximize else grad
    if weight_decay != 0:
        grad = grad + weight_decay * param
    return grad


def weight_decayed(grad, param, lr: float, weight_decay: float, decoupled: bool, maximize: bool):
    """The gradient after weight decay, as NAdam's and RAdam's ``decoupled_weight_decay``
    choose: decoupled shrinks the parameter in place, w ← w·(1 - lr·λ) (AdamW's); otherwise
    λ·w joins the gradient (L2)."""
    if decoupled:
        param *= 1 - lr * weight_decay
        return ascent_and_l2(grad, param, 0, maximize)
    return ascent_and_l2(grad, param, weight_decay, maximize)
