"""``minitorch_cnn.data.transforms``: per-image transforms (torchvision's names and
rules) and batch-level Mixup/CutMix. Every random choice draws from the framework's
seeded generator, so ``manual_seed`` makes an augmented run reproducible.

Images are NumPy arrays (H, W) / (H, W, C) as datasets return them, or (C, H, W)
Tensors after ``ToTensor``; every transform but ``ToTensor`` takes either and returns the
same kind."""

from .color import ColorJitter, Grayscale
from .compose import Compose, Lambda, RandomChoice
from .erasing import Cutout, RandomErasing
from .geometry import CenterCrop, RandomCrop, RandomHorizontalFlip, RandomResizedCrop, Resize
from .mixing import CutMix, Mixup
from .tensor import Normalize, ToTensor

__all__ = ["Compose", "RandomChoice", "Lambda", "ToTensor", "Normalize", "Resize", "CenterCrop", "RandomCrop",
           "RandomResizedCrop", "RandomHorizontalFlip", "ColorJitter", "Grayscale", "RandomErasing", "Cutout",
           "Mixup", "CutMix"]
