"""``DatasetFolder`` and ``ImageFolder``: one sub-folder per class under ``root``
(``root/cat/001.png``, ``root/dog/xyz.jpg``), as torchvision: classes are the sorted
folder names, ``samples`` the sorted (path, class index) pairs, and ``ImageFolder``
opens each image with PIL, converted to RGB."""

from __future__ import annotations

import os

from ...data.dataset import _check_index
from ...data.downloads import DatasetFileError
from .._pil import pil_image_module
from .vision_dataset import VisionDataset

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename: str, extensions) -> bool:
    return filename.lower().endswith(extensions if isinstance(extensions, str) else tuple(extensions))


def is_image_file(filename: str) -> bool:
    return has_file_allowed_extension(filename, IMG_EXTENSIONS)


def find_classes(directory) -> tuple[list[str], dict[str, int]]:
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"no such folder: {directory!r}")
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: index for index, name in enumerate(classes)}


def make_dataset(directory, class_to_idx=None, extensions=None, is_valid_file=None, allow_empty=False):
    """The sorted (path, class index) pairs of every valid file under each class folder."""
    directory = os.path.expanduser(os.fspath(directory))
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    if extensions is not None:
        def is_valid_file(path):
            return has_file_allowed_extension(path, extensions)
    samples, empty = [], []
    for name in sorted(class_to_idx):
        folder = os.path.join(directory, name)
        if not os.path.isdir(folder):
            continue
        found = [(os.path.join(base, f), class_to_idx[name])
                 for base, _, files in sorted(os.walk(folder, followlinks=True)) for f in sorted(files)
                 if is_valid_file(os.path.join(base, f))]
        samples += found
        if not found:
            empty.append(name)
    if empty and not allow_empty:
        allowed = f" Supported extensions are: {', '.join(extensions) if not isinstance(extensions, str) else extensions}" \
            if extensions is not None else ""
        raise FileNotFoundError(f"Found no valid file for the classes {', '.join(empty)}.{allowed}")
    return samples


def pil_loader(path: str):
    """The image at ``path`` in RGB; a file PIL cannot decode (damaged, truncated, not an
    image) is a ``DatasetFileError`` naming it, the one error of the dataset readers."""
    with open(path, "rb") as handle:
        try:
            image = pil_image_module().open(handle)
            return image.convert("RGB")
        # PIL's UnidentifiedImageError and truncated-data errors are OSErrors; a few of its
        # decoders raise SyntaxError or ValueError on damaged headers
        except (OSError, SyntaxError, ValueError) as error:
            raise DatasetFileError(f"{path}: not a readable image ({error})") from None


default_loader = pil_loader


class DatasetFolder(VisionDataset):
    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None, is_valid_file=None,
                 allow_empty: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.classes, self.class_to_idx = self.find_classes(self.root)
        self.samples = self.make_dataset(self.root, self.class_to_idx, extensions, is_valid_file, allow_empty)
        self.loader, self.extensions = loader, extensions
        self.targets = [target for _, target in self.samples]

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty=False):
        return make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty)

    def find_classes(self, directory):
        return find_classes(directory)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int):
        path, target = self.samples[_check_index(self, index)]
        return self.apply_transforms(self.loader(path), target)


class ImageFolder(DatasetFolder):
    def __init__(self, root, transform=None, target_transform=None, loader=default_loader, is_valid_file=None,
                 allow_empty: bool = False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform=transform,
                         target_transform=target_transform, is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.imgs = self.samples
