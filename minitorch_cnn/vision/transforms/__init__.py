"""``minitorch_cnn.vision.transforms``, as ``torchvision.transforms``: the transforms take
PIL images (and give PIL images back, computed by PIL as torchvision does) or tensors;
``functional`` holds the function forms."""

from . import functional
from .containers import Compose, Lambda, RandomApply, RandomChoice
from .converters import ConvertImageDtype, PILToTensor, ToPILImage, ToTensor
from .geometric import (CenterCrop, Pad, RandomCrop, RandomHorizontalFlip, RandomResizedCrop, RandomRotation,
                        RandomVerticalFlip, Resize)
from .interpolation import InterpolationMode
from .photometric import ColorJitter, Grayscale, Normalize, RandomGrayscale

__all__ = ["functional", "Compose", "Lambda", "RandomApply", "RandomChoice", "ToTensor", "PILToTensor", "ToPILImage",
           "ConvertImageDtype", "Resize", "CenterCrop", "RandomCrop", "RandomResizedCrop", "RandomHorizontalFlip",
           "RandomVerticalFlip", "Pad", "RandomRotation", "InterpolationMode", "Normalize", "ColorJitter", "Grayscale",
           "RandomGrayscale"]
