"""ParameterList and ParameterDict: PyTorch's list and dict methods, registration so that
parameters(), named_parameters(), state_dict() and load_state_dict() see the entries under
PyTorch's names, tensors turned into Parameters, and PyTorch's names where it is installed."""

import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn


class Gains(nn.Module):
    def __init__(self):
        super().__init__()
        self.scales = nn.ParameterList([mt.ones(2), nn.Parameter(mt.zeros(3))])
        self.biases = nn.ParameterDict({"a": mt.ones(1), "b": mt.zeros(2)})

    def forward(self, x):
        return x * self.scales[0].sum() + self.biases["a"]


def test_parameter_list_is_a_list_of_registered_parameters():
    plist = nn.ParameterList([mt.ones(2), mt.zeros(3)])
    plist.append(mt.ones(1))
    plist.extend([mt.ones(4)])
    plist += [mt.ones(5)]
    assert len(plist) == 5 and all(isinstance(p, nn.Parameter) and p.requires_grad for p in plist)
    assert [name for name, _ in plist.named_parameters()] == ["0", "1", "2", "3", "4"]
    assert [p.shape for p in plist.parameters()] == [(2,), (3,), (1,), (4,), (5,)]
    assert plist[-1].shape == (5,) and isinstance(plist[1:3], nn.ParameterList) and len(plist[1:3]) == 2
    plist[0] = mt.ones(6)  # replaced in place: the order stays
    assert [(n, p.shape) for n, p in plist.named_parameters()][0] == ("0", (6,))
    plist.insert(1, mt.ones(7))  # ours (PyTorch has no insert): what follows is renumbered
    assert [p.shape[0] for p in plist] == [6, 7, 3, 1, 4, 5]
    plist.append(3)  # a plain value is kept, not registered
    assert plist[6] == 3 and len(list(plist.parameters())) == 6
    with pytest.raises(IndexError, match="out of range"):
        plist[9]
    with pytest.raises(TypeError, match="indices must be integers"):
        plist["a"]
    with pytest.raises(RuntimeError, match="should not be called"):
        plist(mt.ones(1))


def test_parameter_list_shares_the_tensor():
    t = mt.zeros(3)
    plist = nn.ParameterList([t])
    plist[0].array[0] = 5.0  # Parameter(t) shares t's array, as PyTorch
    assert t.tolist() == [5.0, 0.0, 0.0]


def test_parameter_dict_has_the_dict_methods():
    pdict = nn.ParameterDict({"a": mt.ones(2), "b": nn.Parameter(mt.zeros(3))})
    assert "a" in pdict and list(pdict.keys()) == ["a", "b"] and len(pdict) == 2 and list(pdict) == ["a", "b"]
    assert isinstance(pdict["a"], nn.Parameter) and pdict.get("z") is None
    pdict.update([("c", mt.ones(1))])
    pdict["d"] = mt.zeros(1)
    assert pdict.setdefault("e", mt.ones(4)).shape == (4,) and pdict.setdefault("a").shape == (2,)
    assert [name for name, _ in pdict.named_parameters()] == ["a", "b", "c", "d", "e"]
    assert pdict.popitem()[0] == "e" and pdict.pop("c").shape == (1,)
    del pdict["d"]
    assert list(pdict) == ["a", "b"] and list(reversed(pdict)) == ["b", "a"]
    assert [k for k, _ in pdict.items()] == ["a", "b"] and len(pdict.values()) == 2
    merged = pdict | {"z": mt.ones(1)}
    assert list(merged) == ["a", "b", "z"] and list(pdict) == ["a", "b"]
    copy = pdict.copy()
    assert copy["a"] is pdict["a"]
    assert list(nn.ParameterDict.fromkeys(["x", "y"], mt.ones(1))) == ["x", "y"]
    with pytest.raises(KeyError):
        pdict["zz"]
    with pytest.raises(TypeError, match="not a string"):
        pdict[3] = mt.ones(1)
    pdict.clear()
    assert len(pdict) == 0 and list(pdict.parameters()) == []


def test_containers_show_in_state_dict_and_train():
    model = Gains()
    assert list(model.state_dict()) == ["scales.0", "scales.1", "biases.a", "biases.b"]
    assert len(list(model.parameters())) == 4
    other = Gains()
    other.load_state_dict({"scales.0": mt.full((2,), 3.0), "scales.1": mt.ones(3), "biases.a": mt.full((1,), 2.0),
                           "biases.b": mt.ones(2)})
    assert other.scales[0].tolist() == [3.0, 3.0] and other.biases["a"].tolist() == [2.0]
    other(mt.ones(2)).sum().backward()
    assert other.scales[0].grad.tolist() == [2.0, 2.0]  # d/ds of sum_j x_j * (s0 + s1)
    assert other.biases["a"].grad.tolist() == [2.0]
    assert "(0): Parameter containing: [float32 of size 2" in repr(model.scales)  # then "]" or " (GPU cuda:0)]"


def test_names_agree_with_pytorch():
    torch = pytest.importorskip("torch")

    class TheirGains(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scales = torch.nn.ParameterList([torch.ones(2), torch.nn.Parameter(torch.zeros(3))])
            self.biases = torch.nn.ParameterDict({"a": torch.ones(1), "b": torch.zeros(2)})

    assert list(Gains().state_dict()) == list(TheirGains().state_dict())
    assert [n for n, _ in Gains().named_parameters()] == [n for n, _ in TheirGains().named_parameters()]
