"""The padding layers: values against np.pad on hand-picked amounts (negative ones against
slicing), PyTorch's reprs and input checks, gradients, and PyTorch where it is installed."""

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn
from tests.helpers import array, host, leaf

LAYERS = [  # (layer, NumPy's mode, constant value)
    (nn.ZeroPad1d, "constant", 0.0), (nn.ZeroPad2d, "constant", 0.0),
    (lambda p: nn.ConstantPad1d(p, 2.5), "constant", 2.5), (lambda p: nn.ConstantPad2d(p, -1.0), "constant", -1.0),
    (nn.ReflectionPad1d, "reflect", None), (nn.ReflectionPad2d, "reflect", None),
    (nn.ReplicationPad1d, "edge", None), (nn.ReplicationPad2d, "edge", None),
    (nn.CircularPad1d, "wrap", None), (nn.CircularPad2d, "wrap", None),
]


@pytest.mark.parametrize("make, numpy_mode, value", LAYERS)
@pytest.mark.parametrize("padding", [1, "tuple"])
def test_padding_layers_match_numpy(device, make, numpy_mode, value, padding):
    layer_class = make(0)
    two_d = "2d" in type(layer_class).__name__
    amounts = (1, 2, 0, 1) if two_d else (2, 1)
    layer = make(padding if padding == 1 else amounts)
    widths = [(1, 1)] * (2 if two_d else 1) if padding == 1 else \
        ([(amounts[2], amounts[3]), (amounts[0], amounts[1])] if two_d else [(amounts[0], amounts[1])])
    shape = (2, 3, 3, 4) if two_d else (2, 3, 4)
    x = leaf(0, shape, device)
    kwargs = {"constant_values": value} if numpy_mode == "constant" else {}
    expected = np.pad(host(x), [(0, 0), (0, 0)] + widths, mode=numpy_mode, **kwargs)
    np.testing.assert_array_equal(host(layer(x)), expected)
    np.testing.assert_array_equal(host(layer(x[0])), expected[0])  # unbatched
    assert mt.gradcheck(layer, (x,))


def test_zero_padding_with_negative_amounts_crops(device):
    x = leaf(1, (1, 2, 4, 5), device)
    np.testing.assert_array_equal(host(nn.ZeroPad2d((-1, 2, 0, -2))(x)),
                                  np.pad(host(x)[:, :, :2, 1:], [(0, 0), (0, 0), (0, 0), (0, 2)]))
    np.testing.assert_array_equal(host(nn.ReflectionPad1d((-1, 2))(x[0])),
                                  np.pad(host(x[0]), [(0, 0), (0, 0), (0, 2)], mode="reflect")[..., 1:])


def test_reprs_and_attributes_are_pytorchs():
    assert repr(nn.ZeroPad2d((1, 2, 3, 4))) == "ZeroPad2d((1, 2, 3, 4))"
    assert repr(nn.ConstantPad1d(2, 3.5)) == "ConstantPad1d(padding=(2, 2), value=3.5)"
    assert repr(nn.ReflectionPad1d(2)) == "ReflectionPad1d((2, 2))"
    assert nn.ReplicationPad2d(1).padding == (1, 1, 1, 1) and nn.CircularPad1d((0, 3)).padding == (0, 3)
    assert "Shape:" in nn.ReflectionPad2d.__doc__ and "W_out = W_in + padding_left + padding_right" in \
        nn.ConstantPad1d.__doc__
    assert list(nn.ZeroPad1d(1).parameters()) == []


def test_bad_padding_and_inputs_are_named():
    with pytest.raises(ValueError, match=r"ReflectionPad1d: padding must be an int or a tuple of 2 ints, got \(1, 2, 3\)"):
        nn.ReflectionPad1d((1, 2, 3))
    with pytest.raises(ValueError, match="tuple of 4 ints"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match=r"CircularPad1d.*expected a 2-D or 3-D input"):
        nn.CircularPad1d(1)(mt.ones(1, 1, 1, 3))
    with pytest.raises(RuntimeError, match="must be less than the input size"):
        nn.ReflectionPad2d(3)(mt.ones(1, 3, 3))
    assert nn.ZeroPad1d(1)(mt.ones(1, 1, 3, 3)).shape == (1, 1, 3, 5)  # constant padding takes any rank


@pytest.mark.parametrize("name", ["ZeroPad2d", "ConstantPad1d", "ReflectionPad2d", "ReplicationPad1d",
                                  "CircularPad2d"])
def test_padding_layers_agree_with_pytorch(name):
    torch = pytest.importorskip("torch")
    args = ((2, -1, 1, 0),) if name.endswith("2d") else ((-1, 3),)
    if name.startswith("Constant"):
        args += (0.5,)
    values = array(2, (2, 3, 4, 5) if name.endswith("2d") else (2, 3, 5))
    ours = getattr(nn, name)(*args)(mt.tensor(values))
    theirs = getattr(torch.nn, name)(*args)(torch.tensor(values))
    np.testing.assert_array_equal(host(ours), theirs.numpy())
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))
