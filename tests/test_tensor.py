"""Tensor attributes and methods with PyTorch's semantics."""

import numpy as np
import pytest

import minitorch_cnn as mt
from tests.helpers import host


def test_attributes():
    x = mt.zeros(2, 3, device="cpu")
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2 and x.numel() == 6
    assert x.size() == (2, 3) and x.size(-1) == 3
    assert x.dtype == mt.float32 and x.device == "cpu" and str(x.device) == "cpu"
    assert x.is_leaf and not x.requires_grad and x.grad is None and x.grad_fn is None
    assert x.element_size() == 4 and x.nbytes == 24 and not x.is_cuda


def test_requires_grad_rules():
    x = mt.ones(2)
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2
    assert y.requires_grad and not y.is_leaf
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        mt.tensor([1, 2], requires_grad=True)


def test_numpy_item_tolist():
    x = mt.tensor([[1.0, 2.0]], device="cpu")  # .numpy() is the host's (a "cuda" tensor raises)
    assert isinstance(x.numpy(), np.ndarray) and x.numpy() is x.array  # shares memory, as PyTorch
    assert x.tolist() == [[1.0, 2.0]]
    assert mt.tensor(3.5).item() == 3.5 and isinstance(mt.tensor(3).item(), int)
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        x.item()
    with pytest.raises(RuntimeError, match="Use tensor.detach\\(\\).numpy\\(\\) instead"):
        mt.ones(1, requires_grad=True, device="cpu").numpy()
    assert np.asarray(mt.ones(2, device="cpu")).tolist() == [1.0, 1.0]


def test_detach_shares_data_and_version_but_not_the_graph():
    x = mt.ones(2, requires_grad=True)
    d = x.detach()
    assert d.array is x.array and d._version is x._version
    assert not d.requires_grad and d.grad_fn is None


def test_data_is_a_tensor_sharing_memory_outside_the_graph(device):
    x = mt.ones(2, 3, requires_grad=True, device=device)
    y = x * 2
    for t in (x, y):
        d = t.data
        assert isinstance(d, mt.Tensor) and d.array is t.array and d.shape == (2, 3)
        assert not d.requires_grad and d.grad_fn is None and d.is_leaf
        assert d._version is not t._version  # its own counter, as PyTorch's .data
    values, indices = mt.max(y.data, 1)  # the CIFAR tutorial's `torch.max(outputs.data, 1)`
    assert host(values).tolist() == [2.0, 2.0] and host(indices).tolist() == [0, 0]


def test_in_place_changes_through_data_reach_the_tensor_and_escape_autograd(device):
    w = mt.ones(3, requires_grad=True, device=device)
    loss = (w * w).sum()
    w.data.mul_(3)  # allowed on a leaf that requires grad, as PyTorch's weights_init does
    assert host(w).tolist() == [3.0, 3.0, 3.0] and w.requires_grad and w._version.value == 0
    loss.backward()  # not refused: .data bypasses the version check, as in PyTorch
    assert host(w.grad).tolist() == [6.0, 6.0, 6.0]  # 2 * w, read after the change (PyTorch's result too)
    v = mt.ones(3, requires_grad=True, device=device)
    loss = (v * v).sum()
    v.detach().mul_(3)  # detach() shares the counter: the change is caught
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_assigning_data_swaps_the_values_and_keeps_the_tensor(device):
    p = mt.nn.Parameter(mt.zeros(2, device=device))
    before = p
    p.data = mt.arange(6.0, device=device).reshape(2, 3)
    assert p is before and p.shape == (2, 3) and p.requires_grad and isinstance(p, mt.nn.Parameter)
    assert host(p).tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    with pytest.raises(TypeError, match="Tensor.data: assigned value must be a Tensor, got ndarray"):
        p.data = np.zeros(2)
    assert p.shape == (2, 3)


def test_random_fills_draw_from_their_distributions(device):
    mt.manual_seed(0)
    n = 200_000
    normal = host(mt.empty(n, device=device).normal_(1.5, 0.5))
    assert abs(normal.mean() - 1.5) < 5 * 0.5 / n ** 0.5 and abs(normal.std() - 0.5) < 0.01
    uniform = host(mt.empty(n, dtype=mt.float64, device=device).uniform_(-2, 3))
    assert uniform.min() >= -2 and uniform.max() < 3 and abs(uniform.mean() - 0.5) < 5 * 5 / (12 * n) ** 0.5
    exponential = host(mt.empty(n, device=device).exponential_(4.0))
    assert exponential.min() >= 0 and abs(exponential.mean() - 0.25) < 5 * 0.25 / n ** 0.5
    coins = host(mt.empty(n, dtype=mt.int64, device=device).bernoulli_(0.3))
    assert set(np.unique(coins).tolist()) == {0, 1} and abs(coins.mean() - 0.3) < 5 * (0.21 / n) ** 0.5
    # the framework's one generator: the same seed, the same values
    mt.manual_seed(7)
    first = host(mt.empty(5, device=device).normal_())
    mt.manual_seed(7)
    assert host(mt.empty(5, device=device).normal_()).tolist() == first.tolist()


def test_random_fills_check_their_arguments_and_the_tensor():
    t = mt.zeros(3)
    for call, message in [(lambda: t.normal_(0, -1), "normal_: std must be >= 0, got -1.0"),
                          (lambda: t.normal_(float("nan")), "normal_: mean must be a finite number, got nan"),
                          (lambda: t.uniform_(2, 1), "uniform_: expects from <= to, got from=2.0, to=1.0"),
                          (lambda: t.exponential_(0), "exponential_: lambd must be > 0, got 0.0"),
                          (lambda: t.bernoulli_(1.5), r"bernoulli_: p must be in \[0, 1\], got 1.5")]:
        with pytest.raises(ValueError, match=message):
            call()
    assert t.tolist() == [0.0, 0.0, 0.0] and t._version.value == 0
    with pytest.raises(TypeError, match="normal_: expects a floating point tensor, got dtype int64"):
        mt.zeros(2, dtype=mt.int64).normal_()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        mt.zeros(2, requires_grad=True).normal_()
    with mt.no_grad():
        assert mt.zeros(2, requires_grad=True).uniform_(1, 1).tolist() == [1.0, 1.0]


def test_python_protocols():
    assert bool(mt.tensor([1.0])) and not bool(mt.tensor(0.0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mt.ones(2))
    assert float(mt.tensor(2.5)) == 2.5 and int(mt.tensor(7)) == 7
    assert len(mt.zeros(4, 2)) == 4
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(mt.tensor(1.0))
    rows = list(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    assert f"{mt.tensor(3.14159):.2f}" == "3.14"
    assert [10, 20, 30][mt.tensor(1)] == 20


@pytest.mark.cpu_only("the repr of a CPU tensor, which names no device (a \"cuda\" one adds device='cuda:0')")
def test_repr_is_readable():
    assert repr(mt.tensor([1.0, 2.5])) == "tensor([1. , 2.5])"
    assert repr(mt.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(mt.tensor([1.0], dtype=mt.float64)) == "tensor([1.], dtype=float64)"
    assert repr(mt.ones(1, requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(mt.ones(1, requires_grad=True) * 2) == "tensor([2.], grad_fn=<MulBackward>)"
    assert "\n        [" in repr(mt.zeros(2, 2))  # rows aligned under "tensor("


def test_grad_assignment_is_validated():
    x = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="assigned grad has shape \\[3\\]"):
        x.grad = mt.ones(3)
    with pytest.raises(TypeError, match="expected a Tensor or None"):
        x.grad = [1.0, 1.0]


def test_register_hook_needs_grad():
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
        mt.ones(2).register_hook(lambda g: g)


def test_new_factories_keep_dtype_and_device():
    x = mt.ones(2, dtype=mt.float64)
    assert x.new_zeros(3).dtype == mt.float64 and x.new_ones((2, 2)).shape == (2, 2)
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0]


def test_cuda_moves_the_tensor_or_names_why_it_cannot():
    x = mt.ones(2, requires_grad=True)
    if mt.cuda.is_available():
        y = x.cuda()
        assert y.device == "cuda:0" and y.cpu().tolist() == [1.0, 1.0]
    else:
        with pytest.raises(RuntimeError, match="cuda is not available: "):
            x.cuda()
        with pytest.raises(RuntimeError, match="device: cuda is not available: "):
            mt.zeros(2, device="cuda")
