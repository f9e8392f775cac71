"""Highway networks (Srivastava, Greff and Schmidhuber, 2015).

The first very deep feed-forward networks that trained with plain gradient descent, and
ResNet's direct ancestor. Each highway layer computes a transform H(x) and a *transform
gate* T(x) = sigmoid(W_T x + b_T), and outputs

    y = H(x) · T(x) + x · (1 − T(x))

so the *carry gate* 1 − T lets the input pass through unchanged where T is near 0. The
gate bias starts negative (the paper: −1 to −3; here −2) so every layer begins by carrying
its input, and information and gradients cross many layers. ResNet is the case where the
gate is fixed open on both paths: y = H(x) + x.

``highway_net()`` is the paper's fully connected MNIST network: a plain layer to the
width, ``depth`` highway layers, and a linear classifier.
"""

from __future__ import annotations

from .. import nn
from ..nn import functional as F
from ..nn import init
from .registry import register_model


class HighwayLayer(nn.Module):
    """``y = T·H(x) + (1 - T)·x``: a transform gate T decides how much of H(x) replaces x."""

    def __init__(self, features: int, gate_bias: float = -2.0):
        super().__init__()
        self.transform = nn.Linear(features, features)  # H
        self.gate = nn.Linear(features, features)       # T
        init.constant_(self.gate.bias, gate_bias)

    def forward(self, x):
        t = F.sigmoid(self.gate(x))
        return F.relu(self.transform(x)) * t + x * (1 - t)


class HighwayNet(nn.Module):
    """A highway network (Srivastava et al., 2015) of stacked highway layers."""

    def __init__(self, num_classes: int = 10, in_features: int = 784, width: int = 50, depth: int = 10,
                 gate_bias: float = -2.0):
        super().__init__()
        self.flatten = nn.Flatten()
        self.stem = nn.Sequential(nn.Linear(in_features, width), nn.ReLU())
        self.layers = nn.Sequential(*(HighwayLayer(width, gate_bias) for _ in range(depth)))
        self.classifier = nn.Linear(width, num_classes)

    def forward(self, x):
        return self.classifier(self.layers(self.stem(self.flatten(x))))


@register_model(input_size=(1, 28, 28))
def highway_net(num_classes: int = 10, in_features: int = 784, width: int = 50, depth: int = 10,
                gate_bias: float = -2.0) -> HighwayNet:
    """A fully connected highway network: ``depth`` gated layers of ``width`` units (MNIST-sized input)."""
    return HighwayNet(num_classes, in_features, width, depth, gate_bias)
