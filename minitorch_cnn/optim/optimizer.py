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
import numbers

from ..autograd.grad_mode import enable_grad, no_grad
from ..backend import xp_of
from ..tensor import Tensor


class Optimizer:
    """Subclasses define ``_update(group, param, grad_array, state)``, which changes
    ``param.array`` in place using the group's hyper-parameters."""

    def __init__(self, params, defaults: dict):
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
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict) -> None:
        lr = group.get("lr")
        if not isinstance(lr, numbers.Real) or lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")

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
        groups = state_dict.get("param_groups") if isinstance(state_dict, dict) else None
        if groups is None or "state" not in state_dict:
            raise ValueError("optimizer state_dict must have 'state' and 'param_groups'")
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(groups)} parameter groups, the optimizer has "
                             f"{len(self.param_groups)}")
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"loaded state dict contains a parameter group ({i}) of {len(saved['params'])} "
                                 f"parameters; the optimizer's group has {len(group['params'])}")
        by_index = {}
        for saved, group in zip(groups, self.param_groups):
            for saved_index, p in zip(saved["params"], group["params"]):
                by_index[saved_index] = p
        new_state = {}
        for key, entry in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is None:
                raise ValueError(f"optimizer state refers to parameter {key}, which no group has")
            new_state[p] = {}
            for name, value in entry.items():
                if isinstance(value, Tensor) or hasattr(value, "shape"):
                    value = value if isinstance(value, Tensor) else Tensor(value)
                    if value.ndim and value.shape != p.shape:
                        raise ValueError(f"optimizer state {name!r} of parameter {key} has shape "
                                         f"{list(value.shape)}; the parameter has {list(p.shape)}")
                    value = value.detach().to(p.device, p.dtype if value.dtype.kind == "f" and value.ndim else
                                              value.dtype).clone()
                new_state[p][name] = value
        self.state = new_state
        for saved, group in zip(groups, self.param_groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = copy.deepcopy(value)

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
