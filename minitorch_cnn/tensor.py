"""``Tensor``: an array (NumPy or CuPy) with a gradient, a device, a dtype and a place in
the recorded graph.

The arithmetic lives in ``minitorch_cnn.ops`` (one ``Function`` per op); this class gives
it PyTorch's method and operator names, and holds what autograd needs per tensor: the
node that made it (``grad_fn``), its leaf gradient accumulator, its hooks, and a version
counter that in-place ops bump, so that backward can tell when a tensor it saved was
changed afterwards.
"""

from __future__ import annotations

import weakref

import numpy as np

from . import backend
from .autograd.function import AccumulateGrad
from .hooks import RemovableHandle


def _method(name):
    """A Tensor method that forwards to ``minitorch_cnn.ops.<name>`` (looked up per call, so
    the class can be defined before the ops that import it)."""

    def method(self, *args, **kwargs):
        return getattr(_ops, name)(self, *args, **kwargs)

    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    return method


def check_memory_format(memory_format, where: str):
    """``memory_format`` if it is one of the three formats, else a TypeError naming ``where``."""
    formats = (backend.contiguous_format, backend.channels_last, backend.preserve_format)
    if not any(memory_format is f for f in formats):
        raise TypeError(f"{where}: memory_format must be minitorch_cnn.contiguous_format, channels_last or "
                        f"preserve_format, got {memory_format!r}")
    return memory_format


def parse_to_arguments(args, kwargs) -> tuple:
    """(device, dtype) from ``to()``'s arguments (either may be None), for Tensor and Module."""
    dev, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to(): unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dev, dtype = a.device, a.dtype
        elif isinstance(a, (str, backend.device)):
            dev = a
        elif a is not None:
            dtype = a
    return dev, dtype


class _VersionCounter:
    """Shared by a tensor and its views; in-place ops add one."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


_DEFAULT_DTYPE_BY_KIND = {"f": None, "i": backend.int64, "b": backend.bool_}


class Tensor:
    """A multi-dimensional array that records the operations applied to it.

    Make tensors with ``minitorch_cnn.tensor(...)``, ``zeros``, ``randn`` and the other
    factories; ``Tensor(array)`` wraps an existing NumPy/CuPy array without copying.
    """

    __slots__ = ("array", "_requires_grad", "_grad", "grad_fn", "_output_nr", "_version",
                 "_accumulator", "_hooks", "__weakref__")
    # NumPy defers to our reflected operators: `ndarray * Tensor` calls Tensor.__rmul__.
    __array_ufunc__ = None
    __hash__ = object.__hash__

    def __init__(self, data, requires_grad: bool = False):
        if isinstance(data, Tensor):
            data = data.array
        if isinstance(data, np.generic):
            data = np.asarray(data)
        backend.xp_of(data)  # raises for anything that is not a numpy/cupy array
        self.array = data
        self._requires_grad = False
        self._grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._version = _VersionCounter()
        self._accumulator = None
        self._hooks = None
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _wrap(cls, array, grad_fn=None, output_nr=0, version=None, requires_grad=False):
        """Internal constructor: no checks, no copies."""
        t = cls.__new__(cls)
        if isinstance(array, np.generic):
            array = np.asarray(array)
        t.array = array
        t._requires_grad = requires_grad
        t._grad = None
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._version = _VersionCounter() if version is None else version
        t._accumulator = None
        t._hooks = None
        return t

    # ------------------------------------------------------------------ attributes
    @property
    def shape(self) -> tuple:
        return self.array.shape

    def size(self, dim: int | None = None):
        if dim is None:
            return self.array.shape
        return self.array.shape[_ops.normalize_dim(dim, self.ndim, "dim")]

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def dim(self) -> int:
        return self.array.ndim

    def numel(self) -> int:
        return int(self.array.size)

    def element_size(self) -> int:
        return self.array.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return int(self.array.nbytes)

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    @property
    def device(self) -> backend.device:
        return backend.device_of(self.array)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad or self.grad_fn is not None

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self.grad_fn is not None:
            if not flag:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach()."
                )
            return
        if flag and not backend.is_floating(self.dtype):
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients (this one is {self.dtype})")
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: expected a Tensor or None, got {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"grad: assigned grad has shape {list(value.shape)}, the tensor has {list(self.shape)}")
            if value.device != self.device:
                raise RuntimeError(f"grad: assigned grad is on {value.device}, the tensor is on {self.device}")
            if value.dtype != self.dtype:  # PyTorch: "assigned grad has data of a different type"
                raise RuntimeError(f"grad: assigned grad has dtype {value.dtype}, the tensor has {self.dtype}")
        self._grad = value

    @property
    def T(self) -> Tensor:
        return _ops.permute(self, tuple(reversed(range(self.ndim))))

    @property
    def mT(self) -> Tensor:
        return _ops.transpose(self, -2, -1)

    # --------------------------------------------------------------- autograd glue
    def _gradient_edge(self):
        """(node, output index) that receives this tensor's gradient, or None."""
        if self.grad_fn is not None:
            return (self.grad_fn, self._output_nr)
        if not self._requires_grad:
            return None
        accumulator = self._accumulator() if self._accumulator is not None else None
        if accumulator is None:
            accumulator = AccumulateGrad(self)
            self._accumulator = weakref.ref(accumulator)
        return (accumulator, 0)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (as ``torch.Tensor.backward``)."""
        from .autograd.engine import run_backward

        run_backward(self, None if gradient is None else (gradient,), retain_graph, create_graph,
                     inputs=inputs, accumulate=True)

    def register_hook(self, hook) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned Tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            hooks = self._hooks
        else:
            node = self.grad_fn
            if node.tensor_hooks is None:
                node.tensor_hooks = {}
            hooks = node.tensor_hooks.setdefault(self._output_nr, {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (a no-op on leaves)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        node = self.grad_fn
        if node.retained is None:
            node.retained = {}
        node.retained[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        node = self.grad_fn
        if node is None or not node.retained:
            return False
        ref = node.retained.get(self._output_nr)
        return ref is not None and ref() is self

    def detach(self) -> Tensor:
        """The same data (shared, as in PyTorch), cut from the graph."""
        return Tensor._wrap(self.array, version=self._version)

    @property
    def data(self) -> Tensor:
        """As PyTorch's ``.data``: a tensor of the same values sharing this one's memory,
        outside the graph (``requires_grad`` False) and with a version counter of its own, so
        that in-place changes through it (``m.weight.data.normal_(0, 0.02)``) are not seen by
        autograd's checks; ``detach()`` is the safe way, whose in-place changes are.

        Assigning ``t.data = other`` (a Tensor) makes ``t`` hold ``other``'s values in
        place of its own, shape and dtype included, keeping ``t`` itself, its gradient flag
        and its place in the graph. The raw NumPy or CuPy array is ``t.array``."""
        return Tensor._wrap(self.array)

    @data.setter
    def data(self, value) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data: assigned value must be a Tensor, got {type(value).__name__} (the raw "
                            f"array is Tensor.array)")
        self.array = value.array

    def detach_(self) -> Tensor:
        if self.grad_fn is not None:
            raise RuntimeError("detach_: can only detach leaves in place here; use detach() instead")
        self._requires_grad = False
        return self

    # ---------------------------------------------------------------- conversions
    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self.device.type != "cpu":
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.")
        return self.array

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return self.array.item()

    def tolist(self):
        array = self.array if self.device.type == "cpu" else self.array.get()
        return array.tolist()

    def to(self, *args, **kwargs) -> Tensor:
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other)`` as in PyTorch;
        ``memory_format=channels_last`` (4-D) or ``contiguous_format`` lays the result out so."""
        copy = kwargs.pop("copy", False)
        memory_format = check_memory_format(kwargs.pop("memory_format", backend.preserve_format), "Tensor.to")
        dev, dtype = parse_to_arguments(args, kwargs)
        dev = self.device if dev is None else backend.as_device(dev)
        dtype = self.dtype if dtype is None else backend.as_dtype(dtype)
        out = self if dev == self.device and dtype == self.dtype and not copy else _ops.to_copy(self, dtype, dev)
        return out if memory_format is backend.preserve_format else out.contiguous(memory_format)

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, device=None) -> Tensor:
        if device is None:
            device = "cuda"
        elif isinstance(device, int):
            device = f"cuda:{device}"
        return self.to(device)

    def float(self) -> Tensor:
        return self.to(backend.float32)

    def double(self) -> Tensor:
        return self.to(backend.float64)

    def half(self) -> Tensor:
        return self.to(backend.float16)

    def long(self) -> Tensor:
        return self.to(backend.int64)

    def int(self) -> Tensor:
        return self.to(backend.int32)

    def bool(self) -> Tensor:
        return self.to(backend.bool_)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def type(self, dtype=None):
        """With no argument, the type's name as PyTorch spells it ("torch.FloatTensor", and
        "torch.cuda.FloatTensor" on a GPU); with a dtype, this tensor in it (``to(dtype)``)."""
        if dtype is None:
            names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                     "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
            where = "torch.cuda." if self.device.type == "cuda" else "torch."
            return f"{where}{names.get(str(self.dtype), str(self.dtype))}Tensor"
        return self.to(dtype)

    def clone(self, memory_format=backend.preserve_format) -> Tensor:
        return _ops.clone(self, memory_format)

    def contiguous(self, memory_format=backend.contiguous_format) -> Tensor:
        """This tensor if it already is laid out as asked, else a differentiable copy that is.
        ``memory_format=channels_last`` (4-D only): NHWC memory under the same NCHW shape."""
        if self.is_contiguous(memory_format):
            return self
        return _ops.clone(self, memory_format)

    def is_contiguous(self, memory_format=backend.contiguous_format) -> bool:
        if memory_format is backend.channels_last:
            if self.ndim != 4:
                raise RuntimeError(f"channels_last memory format needs a 4-D tensor, got {self.ndim}-D")
            return backend.channels_innermost(self.array)
        if memory_format is not backend.contiguous_format:
            raise ValueError(f"is_contiguous: memory_format must be contiguous_format or channels_last, "
                             f"got {memory_format!r}")
        return bool(self.array.flags.c_contiguous)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _creation.zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _creation.ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _creation.full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                              requires_grad=requires_grad)

    # -------------------------------------------------------------------- python
    def __repr__(self) -> str:
        array = self.array if self.device.type == "cpu" else self.array.get()
        body = np.array2string(array, separator=", ", prefix="tensor(", precision=4, threshold=1000, edgeitems=3)
        extras = []
        if self.device.type != "cpu":
            extras.append(f"device='{self.device}'")
        default = backend.get_default_dtype() if self.dtype.kind == "f" else _DEFAULT_DTYPE_BY_KIND.get(self.dtype.kind)
        if self.dtype != default or self.numel() == 0:
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.numel()} values is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iub" or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    # ----------------------------------------------------------------- arithmetic
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(other, self)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    def __mod__(self, other):
        return _ops.remainder(self, other)

    def __rmod__(self, other):
        return _ops.remainder(other, self)

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(other, self)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    # x += y is in place where PyTorch allows an unrecorded in-place op; where the graph
    # would have to record it, it rebinds x to a new tensor (same values, no aliasing).
    def __iadd__(self, other):
        return _ops.inplace_or_new(self, other, "add")

    def __isub__(self, other):
        return _ops.inplace_or_new(self, other, "sub")

    def __imul__(self, other):
        return _ops.inplace_or_new(self, other, "mul")

    def __itruediv__(self, other):
        return _ops.inplace_or_new(self, other, "div")

    add = _method("add")
    sub = _method("sub")
    mul = _method("mul")
    div = _method("div")
    remainder = _method("remainder")
    fmod = _method("fmod")
    floor_divide = _method("floor_divide")
    pow = _method("pow")
    matmul = _method("matmul")
    neg = _method("neg")
    exp = _method("exp")
    log = _method("log")
    sqrt = _method("sqrt")
    abs = _method("abs")
    tanh = _method("tanh")
    sigmoid = _method("sigmoid")
    clamp = _method("clamp")
    clip = _method("clamp")
    maximum = _method("maximum")
    minimum = _method("minimum")
    sign = _method("sign")
    sum = _method("sum")
    mean = _method("mean")
    var = _method("var")
    std = _method("std")
    max = _method("max")
    min = _method("min")
    amax = _method("amax")
    amin = _method("amin")
    argmax = _method("argmax")
    argmin = _method("argmin")
    logsumexp = _method("logsumexp")
    softmax = _method("softmax")
    log_softmax = _method("log_softmax")
    reshape = _method("reshape")
    view = _method("view")
    flatten = _method("flatten")
    unflatten = _method("unflatten")
    flip = _method("flip")
    roll = _method("roll")
    masked_fill = _method("masked_fill")
    relu = _method("relu")
    erf = _method("erf")
    squeeze = _method("squeeze")
    unsqueeze = _method("unsqueeze")
    permute = _method("permute")
    transpose = _method("transpose")
    t = _method("t")
    expand = _method("expand")
    sum_to_size = _method("sum_to_size")
    split = _method("split")
    chunk = _method("chunk")
    eq = _method("eq")
    ne = _method("ne")
    lt = _method("lt")
    le = _method("le")
    gt = _method("gt")
    ge = _method("ge")
    isnan = _method("isnan")
    isinf = _method("isinf")
    isfinite = _method("isfinite")
    any = _method("any")
    all = _method("all")
    add_ = _method("add_")
    sub_ = _method("sub_")
    mul_ = _method("mul_")
    div_ = _method("div_")
    zero_ = _method("zero_")
    fill_ = _method("fill_")
    copy_ = _method("copy_")
    clamp_ = _method("clamp_")
    normal_ = _method("normal_")
    uniform_ = _method("uniform_")
    exponential_ = _method("exponential_")
    bernoulli_ = _method("bernoulli_")
    floor = _method("floor")
    ceil = _method("ceil")
    trunc = _method("trunc")
    frac = _method("frac")
    round = _method("round")
    sin = _method("sin")
    cos = _method("cos")
    tan = _method("tan")
    asin = _method("asin")
    acos = _method("acos")
    atan = _method("atan")
    sinh = _method("sinh")
    cosh = _method("cosh")
    asinh = _method("asinh")
    acosh = _method("acosh")
    atanh = _method("atanh")
    exp2 = _method("exp2")
    expm1 = _method("expm1")
    log2 = _method("log2")
    log10 = _method("log10")
    log1p = _method("log1p")
    rsqrt = _method("rsqrt")
    reciprocal = _method("reciprocal")
    square = _method("square")
    fix = _method("fix")
    atan2 = _method("atan2")
    arctan2 = _method("arctan2")
    lerp = _method("lerp")
    logaddexp = _method("logaddexp")
    logaddexp2 = _method("logaddexp2")
    copysign = _method("copysign")
    isclose = _method("isclose")
    allclose = _method("allclose")
    gather = _method("gather")
    scatter = _method("scatter")
    scatter_add = _method("scatter_add")
    index_select = _method("index_select")
    sort = _method("sort")
    argsort = _method("argsort")
    msort = _method("msort")
    topk = _method("topk")
    kthvalue = _method("kthvalue")
    median = _method("median")
    nanmedian = _method("nanmedian")
    repeat = _method("repeat")
    repeat_interleave = _method("repeat_interleave")
    cumsum = _method("cumsum")
    take_along_dim = _method("take_along_dim")
    prod = _method("prod")
    norm = _method("norm")

    def view_as(self, other: Tensor) -> Tensor:
        return _ops.view(self, other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return _ops.reshape(self, other.shape)

    def expand_as(self, other: Tensor) -> Tensor:
        return _ops.expand(self, other.shape)

    # ---------------------------------------------------------------- comparisons
    def __eq__(self, other):
        return _ops.eq(self, other)

    def __ne__(self, other):
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    def __and__(self, other):
        return _ops.logical_op(self, other, "and")

    def __or__(self, other):
        return _ops.logical_op(self, other, "or")

    def __xor__(self, other):
        return _ops.logical_op(self, other, "xor")

    # reflected: ``1 & x`` (the operation is symmetric)
    def __rand__(self, other):
        return _ops.logical_op(self, other, "and")

    def __ror__(self, other):
        return _ops.logical_op(self, other, "or")

    def __rxor__(self, other):
        return _ops.logical_op(self, other, "xor")

    def __invert__(self):
        return _ops.logical_not(self)

    # ------------------------------------------------------------------- indexing
    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value) -> None:
        _ops.setitem(self, index, value)


from . import creation as _creation  # noqa: E402  (the ops import Tensor from this module)
from . import ops as _ops  # noqa: E402
