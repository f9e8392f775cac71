"""What ``weights=`` and ``pretrained=`` mean here. Pretrained weights are not shipped
and nothing is downloaded, so ``weights`` is None or the path of a weights file: ours
(``minitorch_cnn.save(model.state_dict(), path)``, an ``.npz``) or a ``.safetensors``
export of torchvision's (``serialization.load_safetensors``). A weight name such as
"IMAGENET1K_V1", or ``pretrained=True``, is refused with a message saying how to pass a file."""

from __future__ import annotations

import os

from ... import serialization


class PretrainedWeightsUnavailable(ValueError):
    """Pretrained weights were asked for by name; none are shipped (offline)."""


def _how(name: str) -> str:
    return (f"pretrained weights are not shipped with minitorch_cnn and it never downloads; pass the path of a "
            f"weights file instead: {name}(weights='resnet18.npz') loads a file written by "
            f"minitorch_cnn.save(model.state_dict(), path), or a .safetensors export of torchvision's weights "
            f"(see docs/models/index.md)")


def resolve(name: str, weights, pretrained) -> str | None:
    """The weights file to load, or None for random initialisation."""
    if pretrained not in (None, False):
        raise PretrainedWeightsUnavailable(f"{name}: pretrained={pretrained!r}: {_how(name)}")
    if weights is None:
        return None
    if isinstance(weights, (str, os.PathLike)) and os.path.isfile(os.fspath(weights)):
        return os.fspath(weights)
    if isinstance(weights, (str, os.PathLike)) and (os.sep in os.fspath(weights) or
                                                    os.fspath(weights).endswith((".npz", ".safetensors"))):
        raise FileNotFoundError(f"{name}: weights file {os.fspath(weights)!r} does not exist")
    raise PretrainedWeightsUnavailable(f"{name}: weights={weights!r}: {_how(name)}")


def load_into(model, path: str):
    state = serialization.load_safetensors(path) if path.endswith(".safetensors") else serialization.load(path)
    if not isinstance(state, dict):
        raise serialization.CheckpointError(f"{path}: expected a state_dict (a dict of tensors), got "
                                            f"{type(state).__name__}")
    model.load_state_dict(state)
    return model
