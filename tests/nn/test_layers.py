"""Layers on top of the functional ops: convolution padding modes against an explicit pad,
transposed convolution's output_size, layer-named errors, attention against a direct
NumPy computation, a transformer block's gradients, and a small network's gradients."""

import numpy as np
import pytest

import minitorch_cnn as mt
import minitorch_cnn.nn.functional as F
from minitorch_cnn import nn
from tests.helpers import host, leaf


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv_padding_modes_pad_then_convolve(mode):
    layer = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode).double()
    x = leaf(0, (1, 2, 5, 6))
    a = host(x)
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    padded = np.pad(a, ((0, 0), (0, 0), (1, 1), (2, 2)), mode=np_mode)
    expected = host(F.conv2d(mt.tensor(padded), layer.weight, layer.bias))
    np.testing.assert_allclose(host(layer(x)), expected, rtol=1e-12)
    assert mt.gradcheck(layer, (x,))


def test_conv_same_padding_with_reflect_keeps_size():
    layer = nn.Conv2d(1, 1, 4, padding="same", padding_mode="reflect")
    assert layer(mt.randn(1, 1, 7, 7)).shape == (1, 1, 7, 7)


def test_conv_transpose_output_size_picks_output_padding():
    layer = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)
    x = mt.randn(1, 4, 5, 5)
    assert layer(x).shape[-2:] == (9, 9)
    assert layer(x, output_size=(10, 10)).shape[-2:] == (10, 10)
    with pytest.raises(ValueError, match="not reachable"):
        layer(x, output_size=(12, 12))


def test_layer_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8, kernel_size=\(3, 3\).*expected input with 3 channels "
                                         r"\(dim 1\), got shape \[2, 4, 8, 8\]"):
        nn.Conv2d(3, 8, 3)(mt.randn(2, 4, 8, 8))
    with pytest.raises(ValueError, match=r"Conv2d.*expected a 3-D or 4-D input.*got shape \[8, 8\]"):
        nn.Conv2d(3, 8, 3)(mt.randn(8, 8))
    with pytest.raises(ValueError, match=r"Linear\(in_features=5.*last dim 5, got shape \[2, 4\]"):
        nn.Linear(5, 2)(mt.randn(2, 4))
    with pytest.raises(ValueError, match=r"in_channels \(3\) and out_channels \(8\) must both be divisible by groups \(2\)"):
        nn.Conv2d(3, 8, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 8, 3, padding_mode="mirror")
    assert nn.Conv2d(3, 8, 3)(mt.randn(3, 8, 8)).shape == (8, 6, 6)  # unbatched


def test_multihead_attention_matches_direct_computation():
    attention = nn.MultiheadAttention(6, 2, batch_first=True).double()
    q, kv = leaf(1, (2, 4, 6)), leaf(2, (2, 3, 6))
    out, weights = attention(q, kv, kv, average_attn_weights=False)
    wq, wk, wv = np.split(host(attention.in_proj_weight), 3)
    bq, bk, bv = np.split(host(attention.in_proj_bias), 3)
    expected = np.zeros((2, 4, 6))
    for n in range(2):
        heads = []
        for h in range(2):
            cols = slice(3 * h, 3 * h + 3)
            qh = (host(q)[n] @ wq.T + bq)[:, cols]
            kh = (host(kv)[n] @ wk.T + bk)[:, cols]
            vh = (host(kv)[n] @ wv.T + bv)[:, cols]
            scores = qh @ kh.T / np.sqrt(3)
            probs = np.exp(scores - scores.max(1, keepdims=True))
            probs /= probs.sum(1, keepdims=True)
            np.testing.assert_allclose(host(weights)[n, h], probs, rtol=1e-10)
            heads.append(probs @ vh)
        expected[n] = np.concatenate(heads, 1) @ host(attention.out_proj.weight).T + host(attention.out_proj.bias)
    np.testing.assert_allclose(host(out), expected, rtol=1e-10)
    assert mt.gradcheck(lambda a, b: attention(a, b, b)[0], (q, kv))


def test_transformer_encoder_layer_gradients_and_padding_mask():
    mt.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0, batch_first=True, norm_first=True,
                                       activation="gelu").double()
    x = leaf(3, (2, 3, 4))
    assert layer(x).shape == (2, 3, 4)
    assert mt.gradcheck(layer, (x,), atol=1e-5)
    mask = mt.tensor([[False, False, True], [False, False, False]])
    masked = host(layer(x, src_key_padding_mask=mask))
    changed = x.detach().clone()
    changed.array[0, 2] += 5.0  # the masked key's value must not reach the others
    np.testing.assert_allclose(host(layer(changed, src_key_padding_mask=mask))[0, :2], masked[0, :2], rtol=1e-10)
    encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(4).double())
    assert len(list(encoder.parameters())) == 2 * len(list(layer.parameters())) + 2


def test_small_cnn_gradients_through_every_layer_kind():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU6(), nn.MaxPool2d(2),
                          nn.Conv2d(3, 4, 1), nn.GroupNorm(2, 4), nn.SiLU(), nn.AvgPool2d(2, ceil_mode=True),
                          nn.Flatten(), nn.Linear(4, 3)).double()
    x = leaf(5, (3, 2, 4, 4))
    assert mt.gradcheck(lambda t: F.cross_entropy(model(t), mt.tensor([0, 2, 1])), (x,))
    before = {k: host(v).copy() for k, v in model.state_dict().items()}
    assert mt.gradcheck(model, (x,), fast_mode=True)
    for k, v in model.state_dict().items():  # running stats restored after the check
        np.testing.assert_array_equal(host(v), before[k], err_msg=k)


@pytest.mark.parametrize("mask_kind", ["none", "causal", "bool", "float"])
def test_scaled_dot_product_attention_matches_direct_computation(mask_kind):
    q, k, v = leaf(1, (2, 4, 3)), leaf(2, (2, 5, 3)), leaf(3, (2, 5, 2))
    rng = np.random.default_rng(0)
    keep = rng.random((4, 5)) > 0.3
    keep[:, 0] = True  # every query keeps at least one key
    additive = rng.standard_normal((4, 5))
    mask = {"none": None, "causal": None, "bool": mt.tensor(keep), "float": mt.tensor(additive)}[mask_kind]
    scores = host(q) @ np.swapaxes(host(k), 1, 2) / np.sqrt(3)
    if mask_kind == "causal":
        scores = np.where(np.tril(np.ones((4, 5), bool)), scores, -np.inf)
    elif mask_kind == "bool":
        scores = np.where(keep, scores, -np.inf)  # SDPA's bool mask marks what may be attended
    elif mask_kind == "float":
        scores = scores + additive
    probs = np.exp(scores - scores.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    fn = lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=mask,  # noqa: E731
                                                         is_causal=mask_kind == "causal")
    np.testing.assert_allclose(host(fn(q, k, v)), probs @ host(v), rtol=1e-10)
    assert mt.gradcheck(fn, (q, k, v))
