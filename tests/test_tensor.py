"""Tensor attributes and methods with PyTorch's semantics."""

import numpy as np
import pytest

import minitorch_cnn as mt


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
    assert isinstance(x.numpy(), np.ndarray) and x.numpy() is x.data  # shares memory, as PyTorch
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
    assert d.data is x.data and d._version is x._version
    assert not d.requires_grad and d.grad_fn is None


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
