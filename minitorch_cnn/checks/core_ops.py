"""Gradient checks of the core tensor ops, for ``minitorch-cnn gradcheck``.

Shapes are small and fixed (the test suite draws shapes with hypothesis); they include
broadcasting and size-1 dims. Inputs whose function has a kink (abs, clamp, max) are kept
away from it, where finite differences are meaningless.
"""

from __future__ import annotations

from .. import creation as mt
from ..nn import functional as F
from ..ops import cat, maximum, stack, where
from .registry import register


def _x(*shape, low=None):
    t = mt.randn(*shape, dtype="float64")
    if low is not None:
        t = t.abs() + low
    return t.requires_grad_()


def _unary(name, fn, low=None, shape=(3, 4), second=True):
    register(name, f"shape {shape}", lambda: (fn, (_x(*shape, low=low),)))
    if second:
        register(name, f"shape {shape}", lambda: (fn, (_x(*shape, low=low),)), second_order=True)


def _away_from_zero():
    values = mt.randn(3, 4, dtype="float64")
    return (values + values.sign() * 0.1).requires_grad_()


for _name, _fn, _low in [
    ("exp", lambda a: a.exp(), None),
    ("log", lambda a: a.log(), 0.5),
    ("sqrt", lambda a: a.sqrt(), 0.5),
    ("tanh", lambda a: a.tanh(), None),
    ("sigmoid", lambda a: a.sigmoid(), None),
    ("neg", lambda a: -a, None),
    ("pow (scalar exponent)", lambda a: a ** 3, None),
    ("pow (scalar base)", lambda a: 2.0 ** a, None),
]:
    _unary(_name, _fn, _low)

register("abs", "shape (3, 4), away from 0", lambda: (lambda a: a.abs(), (_away_from_zero(),)))
register("clamp", "min=-0.5 max=0.5", lambda: (lambda a: a.clamp(-0.55, 0.45), (_away_from_zero() * 1.0,)))

for _op, _fn in [("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
                 ("div", lambda a, b: a / b), ("pow (tensor exponent)", lambda a, b: a ** b)]:
    register(_op, "broadcast (3, 1, 4) with (5, 1)", lambda _fn=_fn: (_fn, (_x(3, 1, 4, low=0.5), _x(5, 1, low=0.5))))
    register(_op, "broadcast (3, 1, 4) with (5, 1)", lambda _fn=_fn: (_fn, (_x(3, 1, 4, low=0.5), _x(5, 1, low=0.5))),
             second_order=True)
register("maximum", "(3, 4) with (4,)", lambda: (maximum, (_x(3, 4), _x(4))))


def _away_from_jumps():
    """Dividend (3, 4) and divisor (4,) whose quotients sit between two integers (0.2 to 0.8
    past one), where remainder and fmod are smooth: their jumps are at whole quotients."""
    divisor = (mt.rand(4, dtype="float64") + 0.5) * mt.tensor([1.0, -1.0, 1.0, -1.0], dtype="float64")
    whole = mt.randint(-3, 4, (3, 4)).double()
    dividend = (whole + 0.2 + 0.6 * mt.rand(3, 4, dtype="float64")) * divisor
    return dividend.detach().requires_grad_(), divisor.detach().requires_grad_()


register("remainder", "(3, 4) % (4,), quotients away from integers", lambda: (lambda a, b: a % b, _away_from_jumps()))
register("fmod", "(3, 4) with (4,), quotients away from integers",
         lambda: (lambda a, b: a.fmod(b), _away_from_jumps()))
register("where", "mask (3, 4), operands (3, 4) and (4,)",
         lambda: ((lambda a, b: where(a.detach() > 0, a, b)), (_x(3, 4), _x(4))))

register("matmul", "(2, 3, 4) @ (4, 5)", lambda: (lambda a, b: a @ b, (_x(2, 3, 4), _x(4, 5))))
register("matmul", "(4,) @ (2, 4, 3)", lambda: (lambda a, b: a @ b, (_x(4), _x(2, 4, 3))))
register("matmul", "(3, 4) @ (4,)", lambda: (lambda a, b: (a @ b).tanh(), (_x(3, 4), _x(4))), second_order=True)

for _op, _fn in [
    ("sum", lambda a: a.sum(1)),
    ("mean", lambda a: a.mean((0, 2), keepdim=True)),
    ("var", lambda a: a.var(1)),
    ("std", lambda a: a.std(2, correction=0)),
    ("max (dim)", lambda a: a.max(1).values),
    ("min (dim)", lambda a: a.min(2, keepdim=True).values),
    ("amax", lambda a: a.amax((0, 1))),
    ("logsumexp", lambda a: a.logsumexp(1)),
    ("softmax", lambda a: a.softmax(1)),
    ("log_softmax", lambda a: a.log_softmax(2)),
]:
    register(_op, "shape (2, 3, 4)", lambda _fn=_fn: (_fn, (_x(2, 3, 4),)))
for _op, _fn in [("var", lambda a: a.var(1)), ("softmax", lambda a: a.softmax(1)),
                 ("log_softmax", lambda a: a.log_softmax(2)), ("logsumexp", lambda a: a.logsumexp(1))]:
    register(_op, "shape (2, 3, 4)", lambda _fn=_fn: (_fn, (_x(2, 3, 4),)), second_order=True)

for _op, _fn in [
    ("reshape", lambda a: a.reshape(4, -1) * 1.5),
    ("permute", lambda a: a.permute(2, 0, 1)),
    ("transpose", lambda a: a.transpose(0, 2)),
    ("expand", lambda a: a[:, :1].expand(2, 3, 4)),
    ("squeeze/unsqueeze", lambda a: a[:, :1].squeeze(1).unsqueeze(0)),
    ("flatten", lambda a: a.flatten(1)),
    ("getitem (basic)", lambda a: a[1, ::2, 1:]),
    ("getitem (repeated indices)", lambda a: a[[0, 1, 0], :, [3, 3, 0]]),
    ("getitem (bool mask)", lambda a: a[a.detach() > 0]),
    ("split", lambda a: a.split([1, 2], dim=1)),
    ("chunk", lambda a: a.chunk(3, dim=2)),
    ("pad (constant, negative)", lambda a: F.pad(a, (1, -1, 2, 0), value=0.5)),
    ("pad (reflect)", lambda a: F.pad(a, (2, 3, 1, 1), mode="reflect")),
    ("pad (replicate)", lambda a: F.pad(a, (3, 1), mode="replicate")),
    ("pad (circular)", lambda a: F.pad(a, (1, 2, 2, 1), mode="circular")),
    ("getitem (int, slice, indices)", lambda a: a[1, :, [3, 0]]),
    ("flip", lambda a: a.flip((0, 2))),
    ("roll", lambda a: a.roll((1, -2), (1, 2))),
    ("masked_fill", lambda a: a.masked_fill(a.detach() > 0.5, 2.0)),
    ("unflatten", lambda a: a.unflatten(2, (2, -1))),
]:
    register(_op, "input (2, 3, 4)", lambda _fn=_fn: (_fn, (_x(2, 3, 4),)))
register("getitem (repeated indices)", "input (2, 3, 4)", lambda: (lambda a: a[[0, 0]] ** 2, (_x(2, 3, 4),)),
         second_order=True)
register("cat", "(2, 3) and (2, 5) on dim 1", lambda: (lambda a, b: cat([a, b], 1), (_x(2, 3), _x(2, 5))))
register("stack", "three (3, 2) on dim 1", lambda: (lambda a, b, c: stack([a, b, c], 1), (_x(3, 2), _x(3, 2), _x(3, 2))))
register("to (float32 round trip)", "(3, 4)", lambda: (lambda a: a.float().double() * 2, (_x(3, 4),)),
         atol=1e-4, rtol=1e-3, eps=1e-3)

# ops/elementwise.py: each function inside its domain (inverse trig in (-1, 1), logs above 0)
for _name, _fn in [
    ("sin", lambda a: a.sin()), ("cos", lambda a: a.cos()), ("tan", lambda a: (a * 0.3).tan()),
    ("asin", lambda a: (a.tanh() * 0.9).asin()), ("acos", lambda a: (a.tanh() * 0.9).acos()),
    ("atan", lambda a: a.atan()), ("sinh", lambda a: a.sinh()), ("cosh", lambda a: a.cosh()),
    ("asinh", lambda a: a.asinh()), ("acosh", lambda a: (a * a + 1.2).acosh()),
    ("atanh", lambda a: (a.tanh() * 0.9).atanh()), ("exp2", lambda a: a.exp2()), ("expm1", lambda a: a.expm1()),
    ("log2", lambda a: (a * a + 0.5).log2()), ("log10", lambda a: (a * a + 0.5).log10()),
    ("log1p", lambda a: (a * a).log1p()), ("rsqrt", lambda a: (a * a + 0.5).rsqrt()),
    ("reciprocal", lambda a: (a * a + 0.5).reciprocal()), ("square", lambda a: a.square()),
]:
    _unary(_name, _fn)
for _op, _fn in [("atan2", lambda a, b: a.atan2(b)), ("logaddexp", lambda a, b: a.logaddexp(b)),
                 ("lerp", lambda a, b: a.lerp(b, 0.3))]:
    register(_op, "broadcast (3, 4) with (4,)", lambda _fn=_fn: (_fn, (_x(3, 4), _x(4))))
    register(_op, "broadcast (3, 4) with (4,)", lambda _fn=_fn: (_fn, (_x(3, 4), _x(4))), second_order=True)

# ops/scatter.py, ops/sorting.py, ops/repeat.py
_INDEX = ((0, 2, 1, 2), (1, 1, 0, 2))  # (2, 4) into dim 0 of a (3, 4) input, with repeats
for _op, _fn in [
    ("gather", lambda a: a.gather(0, mt.tensor(_INDEX))),
    ("scatter_add", lambda a: mt.zeros(3, 4, dtype="float64").scatter_add(0, mt.tensor(_INDEX), a[:2] * 2)),
    ("scatter", lambda a: a.scatter(1, mt.tensor([[3, 0], [1, 2], [0, 3]]), a[:, 1:3] * 3)),
    ("index_select", lambda a: a.index_select(1, mt.tensor([3, 0, 3]))),
    ("sort", lambda a: a.sort(1, descending=True).values),
    ("topk", lambda a: a.topk(2, 0).values),
    ("kthvalue", lambda a: a.kthvalue(2, 1).values),
    ("median", lambda a: a.median(0).values),
    ("repeat", lambda a: a.repeat(2, 1, 3)),
    ("repeat_interleave", lambda a: a.repeat_interleave(mt.tensor([2, 0, 1]), dim=0)),
    ("cumsum", lambda a: a.cumsum(1)),
]:
    register(_op, "input (3, 4)", lambda _fn=_fn: (_fn, (_x(3, 4),)))
    register(_op, "input (3, 4)", lambda _fn=_fn: ((lambda a: _fn(a * a)), (_x(3, 4),)), second_order=True)
