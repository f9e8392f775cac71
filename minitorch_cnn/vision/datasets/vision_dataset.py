"""``VisionDataset``: what torchvision's datasets share — ``root``, ``transform``,
``target_transform`` (or one joint ``transforms``) and the repr."""

from __future__ import annotations

import os

from ...data.dataset import Dataset


class VisionDataset(Dataset):
    def __init__(self, root=None, transforms=None, transform=None, target_transform=None):
        if root is not None and not isinstance(root, (str, os.PathLike)):
            raise TypeError(f"{type(self).__name__}: root must be a folder's path (str or os.PathLike), got "
                            f"{type(root).__name__} {root!r}")
        self.root = os.path.expanduser(os.fspath(root)) if root is not None else None
        if transforms is not None and (transform is not None or target_transform is not None):
            raise ValueError("pass either transforms, or transform and/or target_transform, not both")
        self.transforms, self.transform, self.target_transform = transforms, transform, target_transform

    def apply_transforms(self, image, target):
        if self.transforms is not None:
            return self.transforms(image, target)
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}"]
        if self.root is not None:
            lines.append(f"    Root location: {self.root}")
        lines += [f"    {line}" for line in self.extra_repr().splitlines()]
        for label, value in (("Transforms", self.transforms), ("Transform", self.transform),
                             ("Target transform", self.target_transform)):
            if value is not None:
                lines.append(f"    {label}: {value!r}")
        return "\n".join(lines)
