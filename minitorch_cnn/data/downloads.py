"""Shared by the readers of downloaded datasets: finding a file under the directory the
user named, opening plain or gzip-compressed files, and the one error type that names
the file and what is wrong with it."""

from __future__ import annotations

import gzip
import os
import zlib


class DatasetFileError(ValueError):
    """A dataset file that is missing, truncated or not in the expected format."""


def find_file(root, names, candidates_dirs, dataset: str, hint: str) -> str:
    """The first existing ``dir/name`` (also ``name.gz``) over the candidate folders under
    ``root``; otherwise a FileNotFoundError that lists where it looked."""
    root = os.fspath(root)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"{dataset}: data directory {root!r} does not exist ({hint})")
    looked = []
    for folder in candidates_dirs:
        for name in names:
            for candidate in (name, name + ".gz"):
                path = os.path.join(root, folder, candidate)
                looked.append(path)
                if os.path.isfile(path):
                    return path
    raise FileNotFoundError(f"{dataset}: missing file {names[0]!r} under {root!r} (looked for "
                            f"{', '.join(looked[:4])}{', …' if len(looked) > 4 else ''}); {hint}")


def read_bytes(path: str) -> bytes:
    """The file's bytes, decompressed if it is gzip (recognised by its magic number)."""
    with open(path, "rb") as handle:
        head = handle.read(2)
        handle.seek(0)
        if head == b"\x1f\x8b":
            try:
                with gzip.GzipFile(fileobj=handle) as unzipped:
                    return unzipped.read()
            except (OSError, EOFError, zlib.error) as error:  # zlib's for a damaged stream
                raise DatasetFileError(f"{path}: a corrupt or truncated gzip file ({error})") from None
        return handle.read()
