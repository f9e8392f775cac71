"""The Vision Transformer (Dosovitskiy et al., 2021): an image read as a sentence of
patches.

The image is cut into P×P patches, each flattened and linearly embedded — which is exactly
a convolution with kernel P and stride P (``conv_proj``). A learned class token is put in
front, learned position embeddings are added, and a stack of pre-norm Transformer encoder
blocks (LayerNorm → multi-head self-attention → residual; LayerNorm → MLP with GELU →
residual) lets every patch attend to every other from the first layer on. The class
token's final state, layer-normed, is classified. There is no convolutional inductive bias
beyond the patching, which is why ViT needs large data sets (or, on CIFAR, small patches
and strong augmentation). torchvision layout.
"""

from __future__ import annotations

import math
from collections import OrderedDict

from .. import nn
from ..creation import zeros
from ..nn import init
from ..nn.parameter import Parameter
from ..ops import cat
from .registry import register_model


class MLPBlock(nn.Sequential):
    """Linear → GELU → Dropout → Linear → Dropout, numbered 0-4 as torchvision's."""

    def __init__(self, hidden_dim: int, mlp_dim: int, dropout: float):
        super().__init__(nn.Linear(hidden_dim, mlp_dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(mlp_dim, hidden_dim),
                         nn.Dropout(dropout))
        for layer in (self[0], self[3]):
            init.xavier_uniform_(layer.weight)
            init.normal_(layer.bias, std=1e-6)


class EncoderBlock(nn.Module):
    """Pre-norm: x + attention(LN(x)), then + MLP(LN(·))."""

    def __init__(self, num_heads: int, hidden_dim: int, mlp_dim: int, dropout: float, attention_dropout: float):
        super().__init__()
        self.ln_1 = nn.LayerNorm(hidden_dim, eps=1e-6)
        self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads, dropout=attention_dropout, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = nn.LayerNorm(hidden_dim, eps=1e-6)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, x):
        if x.ndim != 3:
            raise ValueError(f"EncoderBlock: expected (batch, sequence, hidden), got {list(x.shape)}")
        y = self.ln_1(x)
        y, _ = self.self_attention(y, y, y, need_weights=False)
        x = x + self.dropout(y)
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    """The ViT encoder: dropout after the positions, the encoder layers, a final layer norm."""

    def __init__(self, seq_length: int, num_layers: int, num_heads: int, hidden_dim: int, mlp_dim: int,
                 dropout: float, attention_dropout: float):
        super().__init__()
        self.pos_embedding = Parameter(zeros(1, seq_length, hidden_dim))
        init.normal_(self.pos_embedding, std=0.02)  # from BERT
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.Sequential(OrderedDict(
            (f"encoder_layer_{i}", EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout, attention_dropout))
            for i in range(num_layers)))
        self.ln = nn.LayerNorm(hidden_dim, eps=1e-6)

    def forward(self, x):
        return self.ln(self.layers(self.dropout(x + self.pos_embedding)))


class VisionTransformer(nn.Module):
    """Vision Transformer (Dosovitskiy et al., 2021): patches embedded by a strided
    convolution, a class token, learned positions, and a transformer encoder.
    """

    def __init__(self, image_size: int, patch_size: int, num_layers: int, num_heads: int, hidden_dim: int,
                 mlp_dim: int, dropout: float = 0.0, attention_dropout: float = 0.0, num_classes: int = 1000):
        super().__init__()
        if image_size % patch_size:
            raise ValueError(f"VisionTransformer: image_size {image_size} is not a multiple of patch_size {patch_size}")
        self.image_size, self.patch_size, self.hidden_dim = image_size, patch_size, hidden_dim
        self.conv_proj = nn.Conv2d(3, hidden_dim, kernel_size=patch_size, stride=patch_size)
        self.class_token = Parameter(zeros(1, 1, hidden_dim))
        seq_length = (image_size // patch_size) ** 2 + 1
        self.encoder = Encoder(seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout)
        self.heads = nn.Sequential(OrderedDict(head=nn.Linear(hidden_dim, num_classes)))
        fan_in = 3 * patch_size * patch_size
        init.trunc_normal_(self.conv_proj.weight, std=math.sqrt(1 / fan_in))
        init.zeros_(self.conv_proj.bias)
        init.zeros_(self.heads.head.weight)
        init.zeros_(self.heads.head.bias)

    def forward(self, x):
        n, _, h, w = x.shape
        if (h, w) != (self.image_size, self.image_size):
            raise ValueError(f"VisionTransformer: expected {self.image_size}×{self.image_size} images (the position "
                             f"embeddings are learned for that size), got {h}×{w}")
        patches = self.conv_proj(x).reshape(n, self.hidden_dim, -1).permute(0, 2, 1)   # (N, patches, hidden)
        tokens = cat([self.class_token.expand(n, -1, -1), patches], 1)
        return self.heads(self.encoder(tokens)[:, 0])


# Table 1 of the paper (and DeiT-Tiny for CIFAR): patch, layers, heads, width, MLP width, image size, classes
VARIANTS = {
    "vit_b_16": (16, 12, 12, 768, 3072, 224, 1000, "ViT-Base, 16×16 patches (86,567,656 parameters)"),
    "vit_b_32": (32, 12, 12, 768, 3072, 224, 1000, "ViT-Base, 32×32 patches (49 tokens + the class token)"),
    "vit_l_16": (16, 24, 16, 1024, 4096, 224, 1000, "ViT-Large, 16×16 patches"),
    "vit_tiny_cifar": (4, 12, 3, 192, 768, 32, 10, "DeiT-Tiny's encoder on 4×4 patches of 32×32 images (64 tokens)"),
}


def _register(name: str):
    """The registered constructor ``name(num_classes, dropout, image_size)`` of one variant."""
    patch, layers, heads, width, mlp, size, classes, description = VARIANTS[name]

    def constructor(num_classes: int = classes, dropout: float = 0.0, image_size: int = size) -> VisionTransformer:
        return VisionTransformer(image_size, patch, layers, heads, width, mlp, dropout, num_classes=num_classes)

    constructor.__name__ = constructor.__qualname__ = name
    constructor.__doc__ = f"{description}: {layers} layers, {heads} heads, width {width}, MLP {mlp}."
    return register_model(input_size=(3, size, size))(constructor)


vit_b_16 = _register("vit_b_16")
vit_b_32 = _register("vit_b_32")
vit_l_16 = _register("vit_l_16")
vit_tiny_cifar = _register("vit_tiny_cifar")
