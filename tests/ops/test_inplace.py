"""In-place ops: values, the rules for when they are allowed, the version counter, and
``x += y`` semantics."""

import numpy as np
import pytest

import minitorch_cnn as mt


def test_inplace_values_and_versions(device):
    x = mt.tensor([1.0, 2.0, 3.0], device=device)
    x.add_(1).mul_(2).sub_(mt.tensor([1.0, 1.0, 1.0], device=device), alpha=2).div_(2)
    assert x.tolist() == [1.0, 2.0, 3.0]
    assert x._version.value == 4
    x.zero_()
    assert x.tolist() == [0.0, 0.0, 0.0]
    x.fill_(7).clamp_(max=5)
    assert x.tolist() == [5.0, 5.0, 5.0]
    x.copy_(mt.tensor([1, 2, 3], device=device))
    assert x.tolist() == [1.0, 2.0, 3.0] and x.dtype == mt.float32


def test_inplace_broadcasts_other_but_not_self():
    x = mt.zeros(2, 3)
    x.add_(mt.tensor([1.0, 2.0, 3.0]))
    assert x.tolist() == [[1, 2, 3], [1, 2, 3]]
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        mt.zeros(3).add_(mt.ones(2, 3))


def test_inplace_refuses_to_narrow_the_dtype_category():
    with pytest.raises(RuntimeError, match="result type float32 can't be cast to the desired output type int64"):
        mt.tensor([1, 2]).add_(0.5)


def test_inplace_on_leaf_requiring_grad_only_under_no_grad():
    w = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.sub_(1)
    with mt.no_grad():
        w.sub_(1)
    assert w.tolist() == [0.0, 0.0] and w.requires_grad


def test_inplace_on_a_non_leaf_with_grad_enabled_is_refused():
    h = mt.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="not recorded by the graph"):
        h.mul_(2)


def test_inplace_on_an_expanded_tensor_is_refused():
    x = mt.ones(1, 3).expand(2, 3)
    with pytest.raises(RuntimeError, match="expanded view.*clone"):
        x.add_(1)


def test_augmented_assignment_is_in_place_when_nothing_records():
    x = mt.zeros(2)
    alias = x
    x += 1
    assert alias is x and alias.tolist() == [1.0, 1.0]


def test_augmented_assignment_rebinds_when_the_graph_records():
    w = mt.ones(2, requires_grad=True)
    total = mt.zeros(2)
    alias = total
    total += w * 3
    assert total is not alias and alias.tolist() == [0.0, 0.0]
    total.sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_optimizer_style_update_loop():
    w = mt.tensor([3.0], requires_grad=True)
    for _ in range(100):
        loss = ((w - 1.0) ** 2).sum()
        loss.backward()
        with mt.no_grad():
            w.sub_(w.grad * 0.1)
        w.grad.zero_()
    np.testing.assert_allclose(w.tolist(), [1.0], atol=1e-6)
