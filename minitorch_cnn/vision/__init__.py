"""``minitorch_cnn.vision``, the torchvision counterpart: ``import minitorch_cnn.vision as
torchvision`` gives ``datasets`` (local files, never downloaded), ``transforms`` (PIL
images and tensors), ``models`` (torchvision's constructor names; no pretrained weights
shipped) and ``utils`` (``make_grid``, ``save_image``). See docs/vision.md."""

from . import datasets, models, transforms, utils

__all__ = ["datasets", "models", "transforms", "utils"]
