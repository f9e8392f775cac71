"""The Module system: registration, traversal, state_dict keys and loading errors, modes,
device/dtype moves, hooks (with gradients checked against hand-derived values),
containers and the printed tree."""

import copy

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import nn
from tests.helpers import host


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(3)
        self.scale = nn.Parameter(mt.ones(1))
        self.register_buffer("steps", mt.zeros(1))
        self.register_buffer("scratch", mt.zeros(2), persistent=False)

    def forward(self, x):
        return self.bn(self.conv(x)) * self.scale


def test_registration_and_state_dict_keys_follow_pytorch():
    model = nn.Sequential(Block(), nn.Flatten(), nn.Linear(3 * 4 * 4, 5))
    assert list(model.state_dict()) == [
        "0.scale", "0.steps", "0.conv.weight", "0.bn.weight", "0.bn.bias", "0.bn.running_mean",
        "0.bn.running_var", "0.bn.num_batches_tracked", "2.weight", "2.bias"]
    assert [n for n, _ in model.named_parameters()] == ["0.scale", "0.conv.weight", "0.bn.weight", "0.bn.bias",
                                                       "2.weight", "2.bias"]
    assert "0.scratch" in dict(model.named_buffers()) and "0.scratch" not in model.state_dict()
    assert [n for n, _ in model.named_modules()] == ["", "0", "0.conv", "0.bn", "1", "2"]
    assert len(list(model.children())) == 3
    assert model.state_dict()["0.bn.num_batches_tracked"].dtype == mt.int64


def test_shared_parameters_are_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, layer)
    assert len(list(model.parameters())) == 2


def test_load_state_dict_round_trip_and_errors_name_the_keys():
    source, target = Block(), Block()
    target.load_state_dict(source.state_dict())
    for (name, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
        np.testing.assert_array_equal(host(a), host(b), err_msg=name)
    state = source.state_dict()
    del state["conv.weight"]
    state["extra"] = mt.zeros(1)
    with pytest.raises(RuntimeError, match='Missing key.*"conv.weight"(.|\n)*Unexpected key.*"extra"'):
        target.load_state_dict(state)
    result = target.load_state_dict(state, strict=False)
    assert result.missing_keys == ["conv.weight"] and result.unexpected_keys == ["extra"]
    bad = source.state_dict()
    bad["bn.weight"] = mt.zeros(4)
    before = host(target.bn.bias).copy()
    with pytest.raises(RuntimeError, match=r"size mismatch for bn.weight.*\(4,\).*\(3,\)"):
        target.load_state_dict(bad, strict=False)
    np.testing.assert_array_equal(host(target.bn.bias), before)  # nothing copied when anything is wrong


def test_a_value_that_cannot_be_cast_leaves_the_model_as_it_was():
    """All or nothing: the values are converted before the first copy, so a value of the
    right shape but a dtype no tensor takes stops the load with nothing changed."""
    source, target = Block(), Block()
    before = {name: host(value).copy() for name, value in target.state_dict().items()}
    state = {name: value for name, value in source.state_dict().items()}
    last = list(state)[-1]
    state[last] = np.full(tuple(state[last].shape), "x")
    with pytest.raises(RuntimeError, match=f"dtype mismatch for {last}: a value of dtype <U1 cannot be copied"):
        target.load_state_dict(state)
    for name, value in target.state_dict().items():
        np.testing.assert_array_equal(host(value), before[name], err_msg=name)


def test_train_eval_zero_grad_apply_and_requires_grad():
    model = Block()
    assert model.training and model.bn.training
    model.eval()
    assert not model.training and not model.bn.training
    out = model(mt.randn(2, 2, 4, 4)).sum()
    out.backward()
    assert model.conv.weight.grad is not None
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Conv2d", "BatchNorm2d", "Block"]
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_to_dtype_keeps_parameter_objects_and_skips_integer_buffers():
    model = Block()
    weight = model.conv.weight
    model.double()
    assert model.conv.weight is weight and weight.dtype == mt.float64
    assert model.bn.num_batches_tracked.dtype == mt.int64
    with pytest.raises(TypeError, match="floating point"):
        model.to(mt.int32)


def test_setattr_rules_and_errors():
    model = Block()
    with pytest.raises(TypeError, match="parameter 'scale'"):
        model.scale = mt.ones(1)
    model.scale = None
    assert "scale" not in model.state_dict()
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'missing'"):
        model.missing
    with pytest.raises(KeyError, match="attribute 'conv' already exists"):
        model.register_buffer("conv", mt.zeros(1))


def test_forward_hooks_see_and_replace_values():
    layer = nn.Linear(3, 2)
    calls = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    post = layer.register_forward_hook(lambda m, args, out: calls.append((host(args[0]), host(out))) or out + 1)
    x = mt.randn(4, 3)
    out = layer(x)
    expected = host(x) * 2 @ host(layer.weight).T + host(layer.bias)
    np.testing.assert_allclose(calls[0][0], host(x) * 2)
    np.testing.assert_allclose(host(out), expected + 1, rtol=1e-6)
    pre.remove()
    post.remove()
    np.testing.assert_allclose(host(layer(x)), host(x) @ host(layer.weight).T + host(layer.bias), rtol=1e-6)


def test_full_backward_hook_reports_input_and_output_gradients():
    layer = nn.Linear(3, 2).double()
    seen = {}

    def hook(module, grad_input, grad_output):
        seen["in"], seen["out"] = grad_input, grad_output

    layer.register_full_backward_hook(hook)
    x = mt.randn(4, 3, dtype="float64", requires_grad=True)
    upstream = mt.randn(4, 2, dtype="float64")
    layer(x).backward(upstream)
    # d(xWᵀ + b)/dx applied to g is g W
    np.testing.assert_allclose(host(seen["out"][0]), host(upstream))
    np.testing.assert_allclose(host(seen["in"][0]), host(upstream) @ host(layer.weight))
    np.testing.assert_allclose(host(x.grad), host(upstream) @ host(layer.weight))


def test_full_backward_hook_can_replace_grad_input_and_fires_for_first_layer():
    layer = nn.Linear(3, 2).double()
    layer.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    x = mt.randn(4, 3, dtype="float64", requires_grad=True)
    layer(x).sum().backward()
    assert not host(x.grad).any()
    first = nn.Linear(3, 2)
    fired = []
    first.register_full_backward_hook(lambda m, gi, go: fired.append((gi, go)))
    first(mt.randn(2, 3)).sum().backward()  # the data needs no gradient
    assert fired and fired[0][0] == (None,) and fired[0][1][0].shape == (2, 2)


def test_repr_prints_the_tree_like_pytorch():
    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))\n"
        "  (1): ReLU()\n"
        "  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
        ")")


def test_sequential_indexing_slicing_append_and_delete():
    a, b, c = nn.ReLU(), nn.Tanh(), nn.Sigmoid()
    seq = nn.Sequential(a, b)
    seq.append(c)
    assert len(seq) == 3 and seq[-1] is c and seq[0] is a
    assert list(seq[1:]) == [b, c] and isinstance(seq[1:], nn.Sequential)
    del seq[0]
    assert list(seq._modules) == ["0", "1"] and seq[0] is b
    with pytest.raises(IndexError, match="out of range"):
        seq[5]


def test_module_list_and_dict_register_their_members():
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    heads = nn.ModuleDict({"cls": nn.Linear(2, 5), "box": nn.Linear(2, 4)})
    holder = nn.Module()
    holder.blocks, holder.heads = blocks, heads
    names = list(holder.state_dict())
    assert names[:2] == ["blocks.0.weight", "blocks.0.bias"] and "heads.box.bias" in names
    assert len(blocks) == 3 and blocks[-1] is blocks[2] and "cls" in heads
    with pytest.raises(NotImplementedError, match="forward"):
        blocks(mt.zeros(1))


def test_deepcopy_gives_independent_parameters():
    model = Block()
    twin = copy.deepcopy(model)
    with mt.no_grad():
        twin.conv.weight.fill_(0.0)
    assert host(model.conv.weight).any()


def test_unflatten_and_identity():
    x = mt.randn(2, 12)
    assert nn.Unflatten(1, (3, 4))(x).shape == (2, 3, 4)
    assert nn.Identity(54, unused=1)(x) is x
    with pytest.raises(ValueError, match="unflattened_size"):
        nn.Unflatten(1, (5, 4))(x)


def test_to_memory_format_lays_out_4d_parameters_and_keeps_the_results():
    from minitorch_cnn import backend

    mt.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                          nn.Linear(4 * 5 * 5, 2)).double()
    x = mt.tensor(np.random.default_rng(0).standard_normal((2, 3, 5, 5)))
    expected = host(model(x))
    weight = model[0].weight
    assert model.to(memory_format=mt.channels_last) is model and model[0].weight is weight
    assert backend.channels_innermost(weight.array) and model[4].weight.array.flags.c_contiguous  # 2-D: as it was
    np.testing.assert_allclose(host(model(x.to(memory_format=mt.channels_last))), expected, rtol=1e-12)
    model(x).sum().backward()
    assert weight.grad.array.strides == weight.array.strides  # the gradient keeps its parameter's layout
    model.to(memory_format=mt.contiguous_format)
    assert weight.array.flags.c_contiguous
    with pytest.raises(TypeError, match="nn.Module.to: memory_format must be .* got 'nhwc'"):
        model.to(memory_format="nhwc")
    with pytest.raises(TypeError, match="Tensor.to: memory_format must be"):
        x.to(memory_format="nhwc")
