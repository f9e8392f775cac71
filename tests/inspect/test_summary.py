"""``summary`` reproduces the lectures' hand calculations, each written out here as the
arithmetic the lecture does, and its totals add up."""

import numpy as np
import pytest

import minitorch_cnn as mt
from minitorch_cnn import models, nn
from minitorch_cnn.inspect import parse_input_size, summary
from tests.helpers import host


def test_ten_5x5_filters_on_a_32x32x3_input():
    s = summary(nn.Conv2d(3, 10, kernel_size=5, stride=1, padding=2), (3, 32, 32))
    (row,) = s.visible_rows()
    assert row.output_shape == (1, 10, 32, 32)
    assert row.params == 10 * (5 * 5 * 3 + 1) == 760
    assert row.macs == (10 * 32 * 32) * (5 * 5 * 3) == 768_000


def test_alexnet_first_layers_flatten_and_first_fully_connected_layer():
    s = summary(models.alexnet(), (3, 227, 227))
    assert s.row("features.0").output_shape == (1, 64, (227 + 2 * 2 - 11) // 4 + 1, 56)  # 56×56×64
    assert s.row("features.2").output_shape == (1, 64, 27, 27)                           # 3×3/2 max-pool
    assert s.row("features.12").output_shape == (1, 256, 6, 6)
    assert s.row("classifier.1").macs == 6 * 6 * 256 * 4096 == 37_748_736
    assert s.row("classifier.1").params == 37_748_736 + 4096
    flat = summary(nn.Flatten(), input=mt.zeros(1, 256, 6, 6))
    assert flat.visible_rows()[0].output_shape == (1, 9216)


def test_two_3x3_convolutions_versus_one_5x5():
    two = summary(nn.Sequential(nn.Conv2d(1, 1, 3, bias=False), nn.Conv2d(1, 1, 3, bias=False)), (1, 9, 9))
    one = summary(nn.Conv2d(1, 1, 5, bias=False), (1, 9, 9))
    assert (two.total_params, one.total_params) == (2 * 3 * 3, 5 * 5) == (18, 25)
    assert two.visible_rows()[-1].output_shape == one.visible_rows()[0].output_shape == (1, 1, 5, 5)


def test_depthwise_separable_versus_full_convolution():
    separable = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.Conv2d(8, 16, 1, bias=False))
    full = nn.Conv2d(8, 16, 3, padding=1, bias=False)
    assert summary(separable, (8, 10, 10)).total_params == 8 * 3 * 3 + 16 * 8 == 200
    assert summary(full, (8, 10, 10)).total_params == 16 * 8 * 3 * 3 == 1_152


def test_macs_of_transposed_and_grouped_convolutions_and_batches():
    up = summary(nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2), (4, 5, 5), batch_size=3)
    assert up.total_macs == (3 * 4 * 5 * 5) * (6 // 2) * 9  # each input element scatters C_out/groups·k² products
    grouped = summary(nn.Conv2d(4, 6, 3, groups=2), (4, 5, 5))
    assert grouped.total_macs == (6 * 3 * 3) * (4 // 2) * 9


def test_totals_add_up_and_containers_aggregate():
    model = models.resnet_cifar(20)
    s = summary(model, (3, 32, 32))
    leaves = [r for r in s.rows if r.is_leaf]
    assert s.total_params == sum(p.numel() for p in model.parameters()) == sum(r.params for r in leaves)
    assert s.total_macs == sum(r.macs for r in leaves)
    assert s.row("layer2").params == sum(p.numel() for p in model.layer2.parameters())
    assert s.row("layer2").macs == sum(r.macs for r in leaves if r.name.startswith("layer2."))
    assert s.activation_bytes == sum(int(np.prod(r.output_shapes[0])) * 4 for r in leaves)
    assert s.param_bytes == 4 * s.total_params and s.input_bytes == 4 * 3 * 32 * 32
    shallow = summary(model, (3, 32, 32), depth=1)
    assert {r.depth for r in shallow.visible_rows()} == {1}
    assert "layer2 (Sequential)" in str(shallow) and "layer2.0" not in str(shallow)
    assert f"Total params: {s.total_params:,}" in str(s)


def test_a_module_called_twice_is_counted_once():
    relu = nn.ReLU()
    s = summary(nn.Sequential(nn.Linear(4, 4), relu, nn.Linear(4, 4), relu), (4,))
    assert s.total_params == 2 * (16 + 4) == sum(r.params for r in s.rows if r.is_leaf)
    assert [r.type for r in s.visible_rows()] == ["Linear", "ReLU", "Linear", "ReLU"]


def test_summary_leaves_the_model_as_it_found_it():
    model = models.resnet_cifar(20).train()
    model.layer1.eval()
    before = {k: host(v).copy() for k, v in model.state_dict().items()}
    summary(model, (3, 32, 32), train=True, batch_size=2)
    assert model.training and not model.layer1.training and model.layer2.training
    assert all(np.array_equal(before[k], host(v)) for k, v in model.state_dict().items())
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())


def test_training_mode_shows_the_auxiliary_classifiers():
    model = models.GoogLeNet(num_classes=4, width_divisor=8)
    names = [r.name for r in summary(model, (3, 64, 64), depth=1, train=True).visible_rows()]
    assert "aux1" in names and "aux2" in names
    assert "aux1" not in [r.name for r in summary(model, (3, 64, 64), depth=1).visible_rows()]


def test_bad_arguments():
    with pytest.raises(TypeError, match="nn.Module"):
        summary(lambda x: x, (3, 4, 4))
    with pytest.raises(ValueError, match="input_size"):
        summary(nn.ReLU())
    with pytest.raises(ValueError, match="depth"):
        summary(nn.ReLU(), (3,), depth=0)
    with pytest.raises(ValueError, match="positive"):
        summary(nn.ReLU(), (3, 0))
    assert parse_input_size("3x224x224") == parse_input_size("3,224,224") == (3, 224, 224)
    with pytest.raises(ValueError, match="'3xa'"):
        parse_input_size("3xa")


def test_attention_macs_count_projections_and_both_products():
    tokens, embed, batch = 5, 8, 3
    layer = nn.MultiheadAttention(embed, 2, batch_first=True)

    class SelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = layer

        def forward(self, x):
            return self.attention(x, x, x, need_weights=False)[0]

    table = mt.summary(SelfAttention(), (tokens, embed), batch_size=batch)
    q_k_v_out = 4 * tokens * embed * embed
    scores_and_mix = 2 * tokens * tokens * embed
    assert table.total_macs == batch * (q_k_v_out + scores_and_mix)
    assert [r.name for r in table.rows if r.is_leaf] == ["attention"]  # out_proj never runs on its own


def test_vit_macs_equal_torchvisions_published_gflops():
    assert round(mt.summary(models.vit_b_16(), (3, 224, 224)).total_macs / 1e9, 2) == 17.56
    assert round(mt.summary(models.vit_b_32(), (3, 224, 224)).total_macs / 1e9, 2) == 4.41
