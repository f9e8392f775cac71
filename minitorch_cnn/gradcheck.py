"""Finite-difference gradient checking: ``gradcheck`` and ``gradgradcheck``.

Semantics follow ``torch.autograd.gradcheck``: differentiable inputs must be float64;
central differences; the whole Jacobian compared input by input (``fast_mode=False``), or
random projections ``u^T J v`` per input (``fast_mode=True``) so that a whole network can
be checked in seconds.

What makes a check trustworthy, and so what this one does:

* It never differentiates a *summed* output. The sum of softmax's (or a normalisation
  layer's) output does not depend on the input, so a sum-based check passes a wrong
  backward. The full mode pulls back one-hot rows of the Jacobian; every other check
  uses random upstream gradients.
* Backward must be deterministic: two runs with the same upstream gradient must agree
  (to ``nondet_tol``, default exactly), and a zero upstream gradient must give zero.
* It leaves state as it found it: the framework's RNG is rewound before every evaluation
  (so a dropout mask is the same in every perturbed forward) and restored at the end; so
  are the buffers (running statistics) of ``fn`` when it is an object with
  ``named_buffers()`` (a Module, or a bound method of one), and the input arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import backend
from .autograd.engine import grad as autograd_grad
from .autograd.grad_mode import enable_grad, no_grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck``/``gradgradcheck`` when a check fails."""


@dataclass
class GradcheckResult:
    """What a check found: pass/fail, the largest errors, and the failure message."""

    passed: bool
    max_abs_error: float
    max_rel_error: float
    message: str = ""


# --------------------------------------------------------------------------- helpers
def _host(array) -> np.ndarray:
    return array if isinstance(array, np.ndarray) else array.get()


class _StateGuard:
    """Snapshots the RNG, ``fn``'s buffers and the inputs' arrays; ``restore()`` puts them back."""

    def __init__(self, fn, inputs):
        self.rng = backend.get_rng_state()
        self.owners = []
        for candidate in (fn, getattr(fn, "__self__", None)):
            if candidate is not None and callable(getattr(candidate, "named_buffers", None)):
                snapshot = {name: buf.array.copy() for name, buf in candidate.named_buffers()}
                self.owners.append((candidate, snapshot))
        self.inputs = [(t, t.array.copy()) for t in inputs if isinstance(t, Tensor)]

    def restore(self, inputs_too: bool = False) -> None:
        backend.set_rng_state(self.rng)
        for owner, snapshot in self.owners:
            for name, buf in owner.named_buffers():
                if name in snapshot:
                    buf.array[...] = snapshot[name]
        if inputs_too:
            for t, saved in self.inputs:
                t.array[...] = saved


def _outputs(result) -> list:
    """The floating-point tensor outputs of ``fn`` (a Tensor or a tuple/list)."""
    items = result if isinstance(result, (tuple, list)) else (result,)
    outs = [o for o in items if isinstance(o, Tensor) and o.dtype.kind == "f"]
    if not outs:
        raise GradcheckError("gradcheck: fn returned no floating-point Tensor output")
    return outs


def _differentiable_inputs(inputs, name):
    positions = []
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad:
            if t.dtype != backend.float64:
                raise ValueError(
                    f"{name}: input {i} has dtype {t.dtype}; gradient checks need float64 inputs "
                    "(finite differences in float32 are too noisy to judge a gradient). Use .double()."
                )
            positions.append(i)
    if not positions:
        raise ValueError(f"{name}: at least one input must be a Tensor with requires_grad=True")
    return positions


def _vjp(outs, wrt, upstream):
    """Gradients of ``outs`` pulled back with ``upstream`` (zeros where unused)."""
    live = [(o, u) for o, u in zip(outs, upstream) if o.requires_grad]
    if not live:
        return [np.zeros(t.shape) for t in wrt]
    grads = autograd_grad([o for o, _ in live], wrt, [u for _, u in live], retain_graph=True, allow_unused=True)
    result = []
    for t, g in zip(wrt, grads):
        if g is not None and g.dtype != t.dtype:
            raise GradcheckError(f"gradcheck: the gradient for an input of dtype {t.dtype} came back as {g.dtype}")
        result.append(np.zeros(t.shape) if g is None else _host(g.array).astype(np.float64))
    return result


def _tensor_like(array, reference: Tensor) -> Tensor:
    return Tensor._wrap(backend.to_device(np.asarray(array, dtype=reference.dtype), reference.device))


class _Checker:
    def __init__(self, fn, inputs, eps, atol, rtol, nondet_tol, name):
        self.fn, self.inputs, self.name = fn, inputs, name
        self.eps, self.atol, self.rtol, self.nondet_tol = eps, atol, rtol, nondet_tol
        self.positions = _differentiable_inputs(inputs, name)
        self.wrt = [inputs[i] for i in self.positions]
        self.guard = _StateGuard(fn, inputs)
        self.random = np.random.default_rng(0)  # our own: the framework's RNG stays untouched
        self.max_abs = 0.0
        self.max_rel = 0.0

    def evaluate(self, record: bool) -> list:
        self.guard.restore()
        if record:
            return _outputs(self.fn(*self.inputs))
        with no_grad():
            return _outputs(self.fn(*self.inputs))

    def evaluate_flat(self) -> list:
        return [_host(o.array).astype(np.float64).ravel() for o in self.evaluate(record=False)]

    def perturbed_difference(self, t: Tensor, direction) -> list:
        """(f(x + eps d) - f(x - eps d)) / 2 eps per output, ``direction`` an index or an array."""
        original = t.array.copy()
        try:
            if isinstance(direction, tuple):
                t.array[direction] = original[direction] + self.eps
                plus = self.evaluate_flat()
                t.array[direction] = original[direction] - self.eps
                minus = self.evaluate_flat()
            else:
                step = backend.to_device(direction * self.eps, t.device)
                t.array[...] = original + step
                plus = self.evaluate_flat()
                t.array[...] = original - step
                minus = self.evaluate_flat()
        finally:
            t.array[...] = original
        return [(p - m) / (2 * self.eps) for p, m in zip(plus, minus)]

    def compare(self, analytical, numerical, where) -> str:
        """Update the largest errors; return a failure message ('' if within tolerance)."""
        analytical, numerical = np.asarray(analytical, np.float64), np.asarray(numerical, np.float64)
        error = np.abs(analytical - numerical)
        if error.size:
            self.max_abs = max(self.max_abs, float(np.nanmax(error)) if not np.isnan(error).all() else np.inf)
            significant = np.abs(numerical) > self.atol
            if significant.any():
                self.max_rel = max(self.max_rel, float(np.max(error[significant] / np.abs(numerical[significant]))))
        bad = ~(error <= self.atol + self.rtol * np.abs(numerical))
        if not bad.any():
            return ""
        worst = np.unravel_index(int(np.argmax(np.where(bad, np.nan_to_num(error, nan=np.inf), -1))), error.shape)
        return where(worst, float(numerical[worst]), float(analytical[worst]))

    def failure(self, message: str) -> str:
        return (f"{self.name}: {message}\n  largest absolute error: {self.max_abs:.3e}, "
                f"largest relative error: {self.max_rel:.3e} (atol={self.atol}, rtol={self.rtol})")

    # ------------------------------------------------------------------- the checks
    def full_jacobians(self) -> str:
        outs = self.evaluate(record=True)
        sizes = [o.numel() for o in outs]
        analytical = [[np.zeros((n, t.numel())) for t in self.wrt] for n in sizes]
        for o_index, out in enumerate(outs):
            if not out.requires_grad:
                continue
            for k in range(sizes[o_index]):
                upstream = []
                for j, other in enumerate(outs):
                    one_hot = np.zeros(other.numel())
                    if j == o_index:
                        one_hot[k] = 1.0
                    upstream.append(_tensor_like(one_hot.reshape(other.shape), other))
                for i, g in enumerate(_vjp(outs, self.wrt, upstream)):
                    analytical[o_index][i][k] = g.ravel()
        shapes = [o.shape for o in outs]
        del outs
        for i, t in enumerate(self.wrt):
            numerical = [np.zeros((n, t.numel())) for n in sizes]
            for j in range(t.numel()):
                index = np.unravel_index(j, t.shape) if t.ndim else ()
                for o_index, column in enumerate(self.perturbed_difference(t, index)):
                    numerical[o_index][:, j] = column
            for o_index in range(len(sizes)):
                def where(worst, num, ana, o_index=o_index, t=t, i=i):
                    out_el = np.unravel_index(worst[0], shapes[o_index]) if shapes[o_index] else ()
                    in_el = np.unravel_index(worst[1], t.shape) if t.ndim else ()
                    return (f"Jacobian mismatch for output {o_index} with respect to input {self.positions[i]}: "
                            f"at output element {tuple(int(x) for x in out_el)} and input element "
                            f"{tuple(int(x) for x in in_el)}, numerical {num:.6g} vs analytical {ana:.6g}")

                message = self.compare(analytical[o_index][i], numerical[o_index], where)
                if message:
                    return message
        return ""

    def projections(self) -> str:
        outs = self.evaluate(record=True)
        upstream_arrays = [self.random.standard_normal(o.shape) for o in outs]
        upstream_arrays = [u / max(np.linalg.norm(u), 1e-12) for u in upstream_arrays]
        upstream = [_tensor_like(u, o) for u, o in zip(upstream_arrays, outs)]
        pulled = _vjp(outs, self.wrt, upstream)
        del outs
        for i, t in enumerate(self.wrt):
            v = self.random.standard_normal(t.shape)
            v /= max(np.linalg.norm(v), 1e-12)
            analytical = float(np.sum(pulled[i] * v))
            columns = self.perturbed_difference(t, v)
            numerical = float(sum(np.dot(u.ravel(), c) for u, c in zip(upstream_arrays, columns)))

            def where(worst, num, ana, i=i):
                return (f"Jacobian mismatch with respect to input {self.positions[i]} (fast mode compares the "
                        f"projection u^T J v for random u, v, so no single element is named): "
                        f"numerical {num:.6g} vs analytical {ana:.6g}")

            message = self.compare(np.array([analytical]), np.array([numerical]), where)
            if message:
                return message
        return ""

    def backward_properties(self) -> str:
        """Deterministic under repetition, zero for a zero upstream gradient."""
        outs = self.evaluate(record=True)
        if not any(o.requires_grad for o in outs):
            return ""
        upstream = [_tensor_like(self.random.standard_normal(o.shape), o) for o in outs]
        first = _vjp(outs, self.wrt, upstream)
        second = _vjp(outs, self.wrt, upstream)
        for i, (a, b) in enumerate(zip(first, second)):
            difference = float(np.max(np.abs(a - b))) if a.size else 0.0
            if not difference <= self.nondet_tol:
                return (f"backward is not deterministic: two runs with the same upstream gradient differ by "
                        f"{difference:.3e} for input {self.positions[i]} (nondet_tol={self.nondet_tol})")
        zeros = [_tensor_like(np.zeros(o.shape), o) for o in outs]
        for i, g in enumerate(_vjp(outs, self.wrt, zeros)):
            if np.any(g != 0):
                return (f"a zero upstream gradient gave a non-zero gradient for input {self.positions[i]} "
                        f"(largest {float(np.max(np.abs(g))):.3e})")
        return ""

    def run(self, fast_mode: bool) -> GradcheckResult:
        try:
            message = self.projections() if fast_mode else self.full_jacobians()
            if not message:
                message = self.backward_properties()
        finally:
            self.guard.restore(inputs_too=True)
        if message:
            return GradcheckResult(False, self.max_abs, self.max_rel, self.failure(message))
        return GradcheckResult(True, self.max_abs, self.max_rel)


# ---------------------------------------------------------------------------- public
def check_gradients(fn, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=False, nondet_tol=0.0,
                    name="gradcheck") -> GradcheckResult:
    """Run the checks and return a ``GradcheckResult`` (never raises for a mismatch)."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    if eps <= 0:
        raise ValueError(f"{name}: eps must be positive, got {eps}")
    return _Checker(fn, inputs, eps, atol, rtol, nondet_tol, name).run(fast_mode)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=False, raise_exception=True,
              nondet_tol=0.0) -> bool:
    """Check ``fn``'s analytical gradients against central finite differences.

    Returns True on success. On failure raises ``GradcheckError`` naming the input, the
    output element and index, the numerical and analytical values and the largest absolute
    and relative errors; with ``raise_exception=False`` returns False instead.
    """
    result = check_gradients(fn, inputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode,
                             nondet_tol=nondet_tol, name="gradcheck")
    if not result.passed and raise_exception:
        raise GradcheckError(result.message)
    return result.passed


def second_order_function(fn, inputs, grad_outputs=None):
    """(g, all_inputs): ``g(*inputs, *grad_outputs)`` returns the gradients of ``fn`` with
    respect to its differentiable inputs, recorded with ``create_graph=True`` so that a
    gradient check of ``g`` checks ``fn``'s second derivatives."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    positions = _differentiable_inputs(inputs, "gradgradcheck")
    outs = _outputs(fn(*inputs))
    if grad_outputs is None:
        random = np.random.default_rng(1)
        grad_outputs = tuple(_tensor_like(random.standard_normal(o.shape), o).requires_grad_() for o in outs)
    grad_outputs = tuple(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else (grad_outputs,)
    if len(grad_outputs) != len(outs):
        raise ValueError(f"gradgradcheck: grad_outputs: expected {len(outs)} tensors (one per output), "
                         f"got {len(grad_outputs)}")
    n = len(inputs)

    def all_first_derivatives(*args):
        xs, upstream = args[:n], args[n:]
        with enable_grad():  # the numerical evaluations run under no_grad; these must record
            results = _outputs(fn(*xs))
            live = [(o, u) for o, u in zip(results, upstream) if o.requires_grad]
            return autograd_grad([o for o, _ in live], [xs[i] for i in positions], [u for _, u in live],
                                 create_graph=True, allow_unused=True)

    # which first derivatives exist is decided once, so that every evaluation returns the same outputs
    kept = [i for i, g in enumerate(all_first_derivatives(*inputs, *grad_outputs))
            if g is not None and g.requires_grad]
    if not kept:
        raise GradcheckError("gradgradcheck: the first derivatives do not depend on any input "
                             "(nothing to differentiate a second time)")

    def first_derivatives(*args):
        grads = all_first_derivatives(*args)
        return tuple(grads[i] for i in kept)

    return first_derivatives, inputs + grad_outputs


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=False,
                  raise_exception=True, nondet_tol=0.0) -> bool:
    """Check second derivatives: ``gradcheck`` of the (create_graph) gradients of ``fn``."""
    first_derivatives, all_inputs = second_order_function(fn, inputs, grad_outputs)
    result = check_gradients(first_derivatives, all_inputs, eps=eps, atol=atol, rtol=rtol, fast_mode=fast_mode,
                             nondet_tol=nondet_tol, name="gradgradcheck")
    if not result.passed and raise_exception:
        raise GradcheckError(result.message)
    return result.passed
