"""Finding a dataset's files under ``root`` in torchvision's layout, and what
``download=`` means offline: nothing is fetched; ``download=True`` only checks that the
files are there, and a missing file is a ``DatasetNotFoundError`` that names each
missing file, the folder to put it in, and where to get it."""

from __future__ import annotations

import os


class DatasetNotFoundError(FileNotFoundError, RuntimeError):
    """A dataset's files are not under ``root``. A FileNotFoundError, and a RuntimeError
    as torchvision's "Dataset not found" is, so code catching either catches it."""


def find_in(root: str, folders, names) -> dict[str, str | None]:
    """For each file name, its path in the first of ``folders`` (relative to ``root``) that
    holds it (also as ``name.gz``), or None."""
    found = {}
    for name in names:
        found[name] = None
        for folder in folders:
            for candidate in (name, name + ".gz"):
                path = os.path.join(root, folder, candidate)
                if os.path.isfile(path):
                    found[name] = path
                    break
            if found[name]:
                break
    return found


def require(dataset: str, root: str, folders, names, source: str, download: bool) -> dict[str, str]:
    """The paths of ``names``; a DatasetNotFoundError naming the missing ones otherwise."""
    found = find_in(root, folders, names)
    missing = [name for name, path in found.items() if path is None]
    if missing:
        place = os.path.join(root, folders[0])
        why = ("download=True cannot fetch them: minitorch_cnn never downloads (these machines are offline)"
               if download else "download=False")
        raise DatasetNotFoundError(f"{dataset}: missing {', '.join(missing)} under {root!r}; put "
                                   f"{'it' if len(missing) == 1 else 'them'} in {place!r} ({source}). "
                                   f"{why}, so the files must already be there")
    return found
