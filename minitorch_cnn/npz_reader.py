"""Reading a checkpoint's ``.npz`` without trusting it: every member checked before its
bytes become an array.

``numpy.load`` reads what an array's header claims: a damaged header can claim 8 TiB
(``MemoryError``), an object, string, complex or structured dtype that no checkpoint
holds, or a compression method that does not exist (``NotImplementedError``). Here each
``.npy`` member's header is parsed first and refused unless its dtype is one a tensor can
have and its shape accounts for exactly the bytes the member holds; only then are the
bytes read (zipfile checks their CRC-32 at the end) and viewed as an array. Every failure
is a ``CheckpointError`` naming the file and the member; nothing is ever unpickled.
"""

from __future__ import annotations

import math
import zipfile

import numpy as np

# the dtypes a tensor of this framework can have (uint64 has no PyTorch counterpart)
LOADABLE_DTYPES = frozenset(np.dtype(name) for name in (
    "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"))
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def read_arrays(path: str, error) -> dict:
    """The arrays of the ``.npz`` at ``path`` by member name (without ``.npy``); any damage
    raises ``error`` (the caller's error class) with a message naming it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as failure:
        raise error(f"{path}: not a readable minitorch_cnn checkpoint (not a zip archive: truncated or "
                    f"corrupt?): {failure}") from None
    with archive:
        members = archive.infolist()
        names = [member.filename for member in members]
        if len(set(names)) != len(names):
            raise error(f"{path}: the archive names a member twice")
        arrays = {}
        for member in members:
            if not member.filename.endswith(".npy"):
                raise error(f"{path}: unexpected member {member.filename!r} (a checkpoint holds only .npy arrays)")
            arrays[member.filename[:-4]] = _read_member(path, archive, member, error)
    return arrays


def _read_member(path, archive, member, error):
    where = f"{path}: member {member.filename!r}"
    try:
        with archive.open(member) as stream:
            version = np.lib.format.read_magic(stream)
            if version not in _HEADER_READERS:
                raise error(f"{where}: .npy format version {version} is not one a checkpoint uses")
            shape, fortran_order, dtype = _HEADER_READERS[version](stream)
            if dtype not in LOADABLE_DTYPES:
                raise error(f"{where}: dtype {dtype} is not one a checkpoint holds (a tensor's dtype: "
                            f"{', '.join(sorted(str(d) for d in LOADABLE_DTYPES))})")
            header_size = stream.tell()
            claimed = math.prod(shape) * dtype.itemsize
            held = member.file_size - header_size
            if claimed != held:  # checked before reading: a header may claim terabytes
                raise error(f"{where}: its header declares shape {list(shape)} of {dtype} ({claimed} bytes) but "
                            f"the member holds {held} bytes")
            data = stream.read()  # zipfile checks the CRC-32 once the member is read to its end
    except error:
        raise
    except Exception as failure:  # zip and .npy parsing raise many types for damaged bytes
        raise error(f"{where}: not readable (truncated or corrupt?): {type(failure).__name__}: {failure}") from None
    if len(data) != held:
        raise error(f"{where}: truncated: {len(data)} of {held} bytes")
    array = np.frombuffer(data, dtype=dtype)
    array = array.reshape(shape[::-1]).T if fortran_order else array.reshape(shape)
    return np.array(array, order="C")  # its own writable memory, not the read buffer's
