"""``minitorch_cnn.vision.datasets``, as ``torchvision.datasets``, from local files only
(nothing is downloaded; ``download=True`` checks that the files are there)."""

from .cifar import CIFAR10, CIFAR100
from .fakedata import FakeData
from .folder import IMG_EXTENSIONS, DatasetFolder, ImageFolder, default_loader, find_classes, make_dataset
from .locate import DatasetNotFoundError
from .mnist import MNIST, FashionMNIST
from .vision_dataset import VisionDataset

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "FakeData", "DatasetFolder", "ImageFolder",
           "VisionDataset", "DatasetNotFoundError", "IMG_EXTENSIONS", "default_loader", "find_classes", "make_dataset"]
