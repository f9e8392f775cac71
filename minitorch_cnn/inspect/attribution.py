"""Which pixels a network's decision rests on: saliency, guided backpropagation, class
activation maps and occlusion sensitivity, each as a plain function returning arrays
(``minitorch-cnn visualize`` draws them).

- ``saliency`` (Simonyan et al., 2014): |∂ score / ∂ x|, the largest over channels.
- ``guided_backprop`` (Springenberg et al., 2015): the same gradient, but each ReLU passes
  back only positive gradients, and only where its input was positive.
- ``class_activation_map`` (Zhou et al., 2016): for a network ending in global average
  pooling and one linear layer, Σ_k w[c, k]·A_k, the last feature maps weighted by the
  class's weights.
- ``occlusion`` (Zeiler and Fergus, 2014): how much the score falls when a window of the
  image is covered, window by window.

The score is the model's output (a logit) for ``target``, the predicted class when None.
"""

from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import no_grad
from ..nn import Module, ReLU
from ..tensor import Tensor


def _batch_of_one(image) -> Tensor:
    if not isinstance(image, Tensor) or image.ndim != 3:
        got = list(image.shape) if isinstance(image, Tensor) else type(image).__name__
        raise ValueError(f"image must be a (C, H, W) Tensor, got {got}")
    return image.detach().unsqueeze(0)


def _target(scores: Tensor, target) -> int:
    classes = scores.shape[1]
    if target is None:
        return int(scores.argmax(1).item())
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= target < classes:
        raise ValueError(f"target must be a class index in [0, {classes}), got {target!r}")
    return int(target)


def _input_gradient(model: Module, image, target) -> tuple[np.ndarray, int]:
    x = _batch_of_one(image).requires_grad_()
    scores = model(x)
    if scores.ndim != 2 or scores.shape[0] != 1:
        raise ValueError(f"the model must map a batch of one image to (1, classes) scores, got "
                         f"{list(scores.shape)}")
    chosen = _target(scores, target)
    scores[0, chosen].backward()
    return x.grad.detach().cpu().numpy()[0], chosen


def saliency(model: Module, image, target=None) -> tuple[np.ndarray, int]:
    """(H, W) map of max over channels of |∂ score[target] / ∂ image|, and the class."""
    gradient, chosen = _input_gradient(model, image, target)
    return np.abs(gradient).max(axis=0), chosen


def guided_backprop(model: Module, image, target=None) -> tuple[np.ndarray, int]:
    """(C, H, W) guided gradient of score[target] with respect to the image, and the class:
    every ``nn.ReLU`` module of ``model`` passes back only the positive part of the
    gradient it would pass (a ReLU applied as a function, ``F.relu``, is not seen)."""
    relus = [m for m in model.modules() if isinstance(m, ReLU)]
    if not relus:
        raise ValueError("guided_backprop: the model has no nn.ReLU modules to guide")
    handles = [m.register_full_backward_hook(lambda module, grad_in, grad_out: (grad_in[0].clamp(min=0),))
               for m in relus]
    try:
        return _input_gradient(model, image, target)
    finally:
        for handle in handles:
            handle.remove()


def class_activation_map(feature_maps, class_weights) -> np.ndarray:
    """CAM: Σ_k class_weights[k]·feature_maps[k], for ``feature_maps`` (K, H, W), the maps
    that global average pooling reduces, and ``class_weights`` (K,), the classifier's row
    for the class. Returns (H, W), in the maps' resolution."""
    maps = np.asarray(feature_maps.detach().cpu().numpy() if isinstance(feature_maps, Tensor) else feature_maps)
    weights = np.asarray(class_weights.detach().cpu().numpy() if isinstance(class_weights, Tensor) else class_weights)
    if maps.ndim != 3 or weights.shape != (maps.shape[0],):
        raise ValueError(f"class_activation_map: expected maps (K, H, W) and weights (K,), got {list(maps.shape)} "
                         f"and {list(weights.shape)}")
    return np.tensordot(weights, maps, axes=1)


def model_class_activation_map(model: Module, image, features: str, classifier: str,
                               target=None) -> tuple[np.ndarray, int]:
    """CAM of ``model`` for one image: the output of its submodule named ``features`` (the
    maps before global average pooling) weighted by the row of the linear layer named
    ``classifier`` for ``target`` (the predicted class when None)."""
    modules = dict(model.named_modules())
    for name in (features, classifier):
        if name not in modules:
            raise ValueError(f"model has no submodule {name!r}")
    weight = getattr(modules[classifier], "weight", None)
    if weight is None or weight.ndim != 2:
        raise ValueError(f"{classifier!r} must be a linear layer (its weight (classes, K)), got "
                         f"{type(modules[classifier]).__name__}")
    captured = []
    handle = modules[features].register_forward_hook(lambda module, args, output: captured.append(output))
    try:
        with no_grad():
            scores = model(_batch_of_one(image))
    finally:
        handle.remove()
    chosen = _target(scores, target)
    maps = captured[-1][0]
    if maps.ndim != 3 or maps.shape[0] != weight.shape[1]:
        raise ValueError(f"{features!r} gives maps {list(maps.shape)}; {classifier!r} takes {weight.shape[1]} "
                         "features: CAM needs the maps that global average pooling feeds to it")
    return class_activation_map(maps, weight[chosen]), chosen


def occlusion(model: Module, image, target=None, window: int = 8, stride: int = 4,
              fill: float = 0.0) -> tuple[np.ndarray, int]:
    """(rows, columns) map of score[target] on the image minus the score with the window at
    each position covered by ``fill`` (positive: covering it hurt the class), and the class.
    Positions step by ``stride``; the windows that fit are tried, all at once in batches."""
    for name, value in (("window", window), ("stride", stride)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"occlusion: {name} must be a positive int, got {value!r}")
    x = _batch_of_one(image)
    _, height, width = image.shape
    if window > min(height, width):
        raise ValueError(f"occlusion: window {window} is larger than the {height}x{width} image")
    with no_grad():
        scores = model(x)
        chosen = _target(scores, target)
        base = float(scores[0, chosen].item())
        tops, lefts = range(0, height - window + 1, stride), range(0, width - window + 1, stride)
        drops = np.zeros((len(tops), len(lefts)))
        for i, top in enumerate(tops):
            covered = x.repeat(len(lefts), 1, 1, 1)
            for j, left in enumerate(lefts):
                covered[j, :, top:top + window, left:left + window] = fill
            drops[i] = base - model(covered)[:, chosen].detach().cpu().numpy()
    return drops, chosen


def filter_grid(weight, columns: int = 8, pad: int = 1) -> np.ndarray:
    """A first-layer weight (C_out, C, KH, KW) as one image: each filter scaled to [0, 1]
    on its own, tiled ``columns`` to a row with ``pad`` pixels of 1 between them;
    (rows·(KH+pad)+pad, columns·(KW+pad)+pad, C) for C = 3, else one grey channel (the
    channels' mean)."""
    w = np.asarray(weight.detach().cpu().numpy() if isinstance(weight, Tensor) else weight, dtype=np.float64)
    if w.ndim != 4:
        raise ValueError(f"filter_grid: expected a (C_out, C, KH, KW) weight, got {list(w.shape)}")
    if w.shape[1] != 3:
        w = w.mean(axis=1, keepdims=True)
    low = w.min(axis=(1, 2, 3), keepdims=True)
    span = w.max(axis=(1, 2, 3), keepdims=True) - low
    w = (w - low) / np.where(span > 0, span, 1.0)
    count, channels, kh, kw = w.shape
    rows = -(-count // columns)
    grid = np.ones((rows * (kh + pad) + pad, columns * (kw + pad) + pad, channels))
    for index in range(count):
        r, c = divmod(index, columns)
        top, left = pad + r * (kh + pad), pad + c * (kw + pad)
        grid[top:top + kh, left:left + kw] = w[index].transpose(1, 2, 0)
    return grid


def feature_maps(model: Module, image, layer: str) -> np.ndarray:
    """The output (C, H, W) of ``model``'s submodule named ``layer`` for one image."""
    modules = dict(model.named_modules())
    if layer not in modules:
        raise ValueError(f"model has no submodule {layer!r} (its layers: {', '.join(n for n in modules if n)})")
    captured = []
    handle = modules[layer].register_forward_hook(lambda module, args, output: captured.append(output))
    try:
        with no_grad():
            model(_batch_of_one(image))
    finally:
        handle.remove()
    return captured[-1][0].detach().cpu().numpy()


__all__ = ["saliency", "guided_backprop", "class_activation_map", "model_class_activation_map", "occlusion",
           "filter_grid", "feature_maps"]
