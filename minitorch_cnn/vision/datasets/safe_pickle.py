"""Reading CIFAR's "python version" batches without unpickling them.

Those files are pickles, and ``pickle.load`` runs whatever callables a file names, so a
downloaded file could run code. This reader interprets the pickle opcodes itself and
builds only plain data: dicts, lists, tuples, strings, bytes, numbers, and NumPy arrays
described by numpy's own reduce recipe (``_reconstruct`` + ``BUILD`` with the shape,
dtype and raw bytes), which it turns into ``np.frombuffer`` without calling anything a
file names. Any other global, or an opcode outside that set, is refused with the file
and the offset. Python 2 strings (CIFAR's files were written by Python 2's cPickle) are
decoded as latin-1, as torchvision's ``pickle.load(f, encoding="latin1")`` does.
"""

from __future__ import annotations

import struct

import numpy as np

from ...data.downloads import DatasetFileError

_RECONSTRUCT, _NDARRAY, _DTYPE, _ENCODE = "numpy._reconstruct", "numpy.ndarray", "numpy.dtype", "_codecs.encode"
_ALLOWED_GLOBALS = {("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
                    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
                    ("numpy", "ndarray"): _NDARRAY, ("numpy", "dtype"): _DTYPE, ("_codecs", "encode"): _ENCODE}


class _Pending:
    """An array or dtype whose ``BUILD`` state has not arrived yet."""

    def __init__(self, kind, argument=None):
        self.kind, self.argument, self.value = kind, argument, None


class _Mark:
    """The pickle MARK opcode's place on the stack: where a tuple, list or dict's items begin."""


def _resolved(value):
    return value.value if isinstance(value, _Pending) and value.value is not None else value


class _Reader:
    def __init__(self, raw: bytes, path: str):
        self.raw, self.path, self.at = raw, path, 0
        self.stack, self.memo = [], {}

    def fail(self, why: str):
        raise DatasetFileError(f"{self.path}: {why} at byte {self.at} (not a CIFAR python batch, or a pickle that "
                               "asks for code to run; it was not run)")

    def take(self, count: int) -> bytes:
        if self.at + count > len(self.raw):
            self.fail("truncated")
        chunk = self.raw[self.at:self.at + count]
        self.at += count
        return chunk

    def number(self, fmt: str):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def line(self) -> str:
        end = self.raw.find(b"\n", self.at)
        if end < 0:
            self.fail("truncated")
        text = self.raw[self.at:end].decode("latin1")
        self.at = end + 1
        return text

    def pop_mark(self) -> list:
        for index in range(len(self.stack) - 1, -1, -1):
            if isinstance(self.stack[index], _Mark):
                items = self.stack[index + 1:]
                del self.stack[index:]
                return items
        self.fail("no MARK")

    def pop(self):
        if not self.stack or isinstance(self.stack[-1], _Mark):
            self.fail("stack underflow")
        return self.stack.pop()

    def global_name(self, module: str, name: str):
        if (module, name) not in _ALLOWED_GLOBALS:
            self.fail(f"refused global {module}.{name}")
        return _ALLOWED_GLOBALS[(module, name)]

    def reduce(self, function, arguments):
        if function == _RECONSTRUCT and len(arguments) == 3 and arguments[0] == _NDARRAY:
            return _Pending("array")
        if function == _DTYPE and arguments and isinstance(arguments[0], str):
            return _Pending("dtype", arguments[0])
        if function == _ENCODE and len(arguments) == 2 and isinstance(arguments[0], str) and \
                arguments[1] in ("latin1", "latin-1"):
            return arguments[0].encode("latin1")
        self.fail(f"refused call {function}{tuple(type(a).__name__ for a in arguments)}")

    def build(self, pending, state):
        if not isinstance(pending, _Pending) or not isinstance(state, tuple):
            self.fail("BUILD of something other than an array or dtype")
        try:
            if pending.kind == "dtype":
                dtype = np.dtype(pending.argument)
                order = state[1] if len(state) > 1 else "|"
                pending.value = dtype.newbyteorder(order) if order in "<>" else dtype
            else:
                version, shape, dtype, fortran, raw = state
                dtype = _resolved(dtype)
                raw = raw.encode("latin1") if isinstance(raw, str) else raw
                if not isinstance(dtype, np.dtype) or dtype.hasobject or not isinstance(raw, bytes):
                    self.fail("an array of objects")
                array = np.frombuffer(raw, dtype=dtype, count=int(np.prod(shape, dtype=np.int64)))
                pending.value = array.reshape(shape, order="F" if fortran else "C").astype(dtype.newbyteorder("="))
        except (TypeError, ValueError) as error:
            self.fail(f"a malformed array ({error})")
        return pending.value

    def run(self):
        push, stack = self.stack.append, self.stack
        while True:
            code = self.take(1)
            if code == b"\x80":
                self.take(1)
            elif code == b"\x95":
                self.take(8)
            elif code == b".":
                result = self.pop()
                if isinstance(result, _Pending):
                    self.fail("an unfinished object")
                return result
            elif code == b"(":
                push(_Mark())
            elif code == b"}":
                push({})
            elif code == b"]":
                push([])
            elif code == b")":
                push(())
            elif code == b"t":
                push(tuple(self.pop_mark()))
            elif code in (b"\x85", b"\x86", b"\x87"):
                count = code[0] - 0x84
                items = [self.pop() for _ in range(count)][::-1]
                push(tuple(items))
            elif code == b"a":
                value = self.pop()
                self.list_on_top().append(value)
            elif code == b"e":
                items = self.pop_mark()
                self.list_on_top().extend(items)
            elif code == b"s":
                value, key = self.pop(), self.pop()
                self.dict_on_top()[key] = value
            elif code == b"u":
                items = self.pop_mark()
                self.dict_on_top().update(zip(items[::2], items[1::2]))
            elif code == b"q":
                self.memo[self.number("<B")] = stack[-1]
            elif code == b"r":
                self.memo[self.number("<I")] = stack[-1]
            elif code == b"\x94":
                self.memo[len(self.memo)] = stack[-1]
            elif code in (b"h", b"j"):
                key = self.number("<B" if code == b"h" else "<I")
                if key not in self.memo:
                    self.fail(f"memo entry {key} used before it is set")
                push(_resolved(self.memo[key]))
            elif code == b"J":
                push(self.number("<i"))
            elif code == b"K":
                push(self.number("<B"))
            elif code == b"M":
                push(self.number("<H"))
            elif code == b"\x8a":
                push(int.from_bytes(self.take(self.number("<B")), "little", signed=True))
            elif code == b"N":
                push(None)
            elif code in (b"\x88", b"\x89"):
                push(code == b"\x88")
            elif code == b"G":
                push(self.number(">d"))
            elif code in (b"U", b"T"):
                push(self.take(self.number("<B" if code == b"U" else "<i")).decode("latin1"))
            elif code in (b"C", b"B", b"\x8e"):
                push(bytes(self.take(self.number({b"C": "<B", b"B": "<I", b"\x8e": "<Q"}[code]))))
            elif code in (b"X", b"\x8c", b"\x8d"):
                push(self.take(self.number({b"X": "<I", b"\x8c": "<B", b"\x8d": "<Q"}[code])).decode("utf-8"))
            elif code == b"c":
                module = self.line()
                push(self.global_name(module, self.line()))
            elif code == b"\x93":
                name, module = self.pop(), self.pop()
                push(self.global_name(str(module), str(name)))
            elif code == b"R":
                arguments, function = self.pop(), self.pop()
                if not isinstance(arguments, tuple):
                    self.fail("REDUCE without an argument tuple")
                push(self.reduce(function, arguments))
            elif code == b"b":
                state = self.pop()
                stack[-1] = self.build(stack[-1], state)
            else:
                self.at -= 1
                self.fail(f"unsupported pickle opcode {code!r}")

    def list_on_top(self) -> list:
        if not self.stack or not isinstance(self.stack[-1], list):
            self.fail("APPENDS without a list")
        return self.stack[-1]

    def dict_on_top(self) -> dict:
        if not self.stack or not isinstance(self.stack[-1], dict):
            self.fail("SETITEM without a dict")
        return self.stack[-1]


def read_python_batch(path: str) -> dict:
    """The dict stored in one CIFAR python-version file, with str keys."""
    with open(path, "rb") as handle:
        raw = handle.read()
    result = _Reader(raw, path).run()
    if not isinstance(result, dict):
        raise DatasetFileError(f"{path}: expected a pickled dict (a CIFAR python batch), got {type(result).__name__}")
    return {key.decode("latin1") if isinstance(key, bytes) else key: value for key, value in result.items()}
