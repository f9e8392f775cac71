"""Attention, as ``torch.nn.functional``: ``scaled_dot_product_attention`` and the
multi-head attention forward that ``nn.MultiheadAttention`` runs (ViT's core).

Both are compositions of matmul, softmax and dropout, so gradients of every order come
from the pieces. Masks follow PyTorch: a bool mask marks the positions that may *not* be
attended (True = masked out), a float mask is added to the scores.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..tensor import Tensor
from .dropout import dropout
from .linalg import linear
from .softmax import softmax
from .unary import where


def _apply_mask(scores, mask, name):
    if mask is None:
        return scores
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name} must be a Tensor or None, got {type(mask).__name__}")
    if mask.dtype.kind == "b":
        return where(mask, float("-inf"), scores)
    return scores + mask


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(Q Kᵀ · scale + mask) V over the last two dims; scale defaults to 1/√d.
    ``attn_mask`` here is PyTorch's: a bool mask marks the positions that *may* attend.
    ``enable_gqa``: grouped-query attention, key and value with fewer heads (dim -3) than the
    query, each shared by ``query heads / key heads`` consecutive query heads."""
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        heads, kv_heads = query.shape[-3], key.shape[-3]
        if heads % kv_heads or value.shape[-3] != kv_heads:
            raise ValueError(f"scaled_dot_product_attention: with enable_gqa the query's heads ({heads}) must be a "
                             f"multiple of the key's and value's ({kv_heads}, {value.shape[-3]})")
        key = key.repeat_interleave(heads // kv_heads, dim=-3)
        value = value.repeat_interleave(heads // kv_heads, dim=-3)
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: incompatible shapes query {list(query.shape)}, "
                         f"key {list(key.shape)}, value {list(value.shape)}")
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: give either attn_mask or is_causal, not both")
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * scale
    if is_causal:  # position i attends to positions <= i
        length, source = query.shape[-2], key.shape[-2]
        future = np.triu(np.ones((length, source), dtype=bool), 1)
        scores = _apply_mask(scores, Tensor(backend.to_device(future, query.device)), "attn_mask")
    elif attn_mask is not None and attn_mask.dtype.kind == "b":
        scores = _apply_mask(scores, ~attn_mask, "attn_mask")  # SDPA's bool mask means "keep"
    else:
        scores = _apply_mask(scores, attn_mask, "attn_mask")
    weights = softmax(scores, -1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return weights @ value


def multi_head_attention_forward(query, key, value, num_heads, in_proj_weight, in_proj_bias, out_proj_weight,
                                 out_proj_bias, dropout_p=0.0, training=True, key_padding_mask=None,
                                 need_weights=True, attn_mask=None, average_attn_weights=True):
    """Multi-head attention on sequence-first inputs (L, N, E) (or unbatched (L, E)).

    Returns (output (L, N, E), weights (N, L, S) averaged over heads, or (N, H, L, S), or
    None when ``need_weights`` is False). Masks: True / -inf = not attended."""
    unbatched = query.ndim == 2
    if unbatched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    if query.ndim != 3 or key.ndim != 3 or value.ndim != 3:
        raise ValueError(f"multi_head_attention: expected (L, N, E) inputs, got query {list(query.shape)}, "
                         f"key {list(key.shape)}, value {list(value.shape)}")
    length, batch, embed = query.shape
    source = key.shape[0]
    if embed % num_heads:
        raise ValueError(f"multi_head_attention: embed_dim ({embed}) must be divisible by num_heads ({num_heads})")
    if key.shape[:2] != value.shape[:2] or key.shape[1] != batch:
        raise ValueError(f"multi_head_attention: key {list(key.shape)} and value {list(value.shape)} must share "
                         f"(S, N) with N = {batch}")
    head = embed // num_heads
    w_q, w_k, w_v = in_proj_weight.chunk(3)
    b_q, b_k, b_v = in_proj_bias.chunk(3) if in_proj_bias is not None else (None, None, None)

    def heads(x, w, b, steps):  # (steps, N, E) -> (N·H, steps, head)
        return linear(x, w, b).reshape(steps, batch * num_heads, head).transpose(0, 1)

    q, k, v = heads(query, w_q, b_q, length), heads(key, w_k, b_k, source), heads(value, w_v, b_v, source)
    scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(head))
    if attn_mask is not None:
        if attn_mask.shape not in ((length, source), (batch * num_heads, length, source)):
            raise ValueError(f"multi_head_attention: attn_mask must be ({length}, {source}) or "
                             f"({batch * num_heads}, {length}, {source}), got {list(attn_mask.shape)}")
        scores = _apply_mask(scores, attn_mask, "attn_mask")
    if key_padding_mask is not None:
        if key_padding_mask.shape != (batch, source):
            raise ValueError(f"multi_head_attention: key_padding_mask must be ({batch}, {source}), "
                             f"got {list(key_padding_mask.shape)}")
        by_head = scores.reshape(batch, num_heads, length, source)
        by_head = _apply_mask(by_head, key_padding_mask.reshape(batch, 1, 1, source), "key_padding_mask")
        scores = by_head.reshape(batch * num_heads, length, source)
    weights = softmax(scores, -1)
    attended = dropout(weights, dropout_p, training) if dropout_p > 0 else weights
    out = (attended @ v).transpose(0, 1).reshape(length, batch, embed)
    out = linear(out, out_proj_weight, out_proj_bias)
    result_weights = None
    if need_weights:
        result_weights = weights.reshape(batch, num_heads, length, source)
        if average_attn_weights:
            result_weights = result_weights.mean(1)
        if unbatched:
            result_weights = result_weights.squeeze(0)
    return (out.squeeze(1) if unbatched else out), result_weights
