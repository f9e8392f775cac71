"""``FakeData``: random images with random labels, for trying a pipeline without files.

Sample ``i`` is drawn from a generator seeded with ``i + random_offset``, so it is the
same every time it is read (as torchvision's), but the pixels are not torchvision's:
they are uniform uint8 values from NumPy's PCG64, where torchvision converts torch's
normal draws. An item is a PIL image ("L" for one channel, "RGB" for three) and an int."""

from __future__ import annotations

import numbers

import numpy as np

from ...data.dataset import _check_index
from .._pil import pil_image_module
from .vision_dataset import VisionDataset


class FakeData(VisionDataset):
    def __init__(self, size: int = 1000, image_size=(3, 224, 224), num_classes: int = 10, transform=None,
                 target_transform=None, random_offset: int = 0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 0:
            raise ValueError(f"FakeData: size must be a non-negative int, got {size!r}")
        image_size = tuple(image_size)
        if len(image_size) != 3 or image_size[0] not in (1, 3) or min(image_size[1:]) < 1:
            raise ValueError(f"FakeData: image_size must be (C, H, W) with C = 1 or 3, got {image_size!r}")
        if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or num_classes < 1:
            raise ValueError(f"FakeData: num_classes must be a positive int, got {num_classes!r}")
        self.size, self.image_size, self.num_classes = int(size), image_size, int(num_classes)
        self.random_offset = int(random_offset)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int):
        index = _check_index(self, index)
        generator = np.random.default_rng(index + self.random_offset)
        channels, height, width = self.image_size
        pixels = generator.integers(0, 256, size=(height, width, channels), dtype=np.uint8)
        target = int(generator.integers(0, self.num_classes))
        image = pil_image_module().fromarray(pixels[:, :, 0] if channels == 1 else pixels)
        return self.apply_transforms(image, target)
