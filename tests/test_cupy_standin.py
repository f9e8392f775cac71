"""The CuPy stand-in (tests/support/cupy_standin) keeps CuPy's rules: it raises where CuPy
raises, returns what CuPy returns, and has only the names CuPy 14.2 exports. When the real
``cupy`` is importable (it imports without a GPU), its export list, ndarray attributes and
ufunc loop tables are compared with the stand-in's, in a fresh interpreter, since the
stand-in may sit in this one's ``sys.modules`` as ``cupy``."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.support import cupy_standin as cp
from tests.support.cupy_standin import _raw
from tests.support.cupy_standin._exports import EXPORTS
from tests.support.list_cupy_exports import MODULES

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def a():
    return cp.arange(6, dtype=cp.float32).reshape(2, 3)


# ------------------------------------------------------------------- host and device
def test_ndarray_is_not_a_numpy_array(a):
    assert not issubclass(cp.ndarray, np.ndarray)
    assert not isinstance(a, np.ndarray)
    assert cp.float32 is np.float32 and cp.dtype is np.dtype


@pytest.mark.parametrize("convert", [np.asarray, np.array, lambda x: np.array(x, dtype=np.float64)])
def test_implicit_conversion_to_numpy_raises(a, convert):
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        convert(a)


HOST = np.ones((2, 3), dtype=np.float32)
MIXED = {
    "device + host": lambda a: a + HOST,
    "host + device": lambda a: HOST + a,
    "device * host": lambda a: a * HOST,
    "device < host": lambda a: a < HOST,
    "in-place": lambda a: a.__iadd__(HOST),
    "cupy ufunc": lambda a: cp.add(a, HOST),
    "numpy ufunc": lambda a: np.add(HOST, a),
    "cupy ufunc on host only": lambda a: cp.exp(HOST),
    "where": lambda a: cp.where(a > 1, HOST, a),
    "concatenate": lambda a: cp.concatenate([a, HOST]),
    "numpy concatenate": lambda a: np.concatenate([a, HOST]),
    "matmul": lambda a: a @ HOST.T,
    "dot": lambda a: a.dot(HOST.T),
    "list operand": lambda a: a + [1.0, 2.0, 3.0],
    "out is host": lambda a: cp.multiply(a, 2, out=HOST),
}


@pytest.mark.parametrize("operation", MIXED.values(), ids=MIXED.keys())
def test_host_array_in_a_device_operation_raises(a, operation):
    with pytest.raises(TypeError):
        operation(a)


@pytest.mark.parametrize("value", [HOST, [[1.0, 2.0, 3.0]] * 2], ids=["numpy", "list"])
@pytest.mark.parametrize("key", [Ellipsis, slice(None), (0, slice(None))], ids=["...", ":", "0,:"])
def test_assigning_host_data_through_a_basic_index_raises_as_cupy_fill_does(a, key, value):
    with pytest.raises(ValueError, match="non-scalar numpy.ndarray cannot be used for fill"):
        a[key] = value[0] if key == (0, slice(None)) else value


def test_assignments_cupy_accepts(a):
    a[...] = np.float32(7)  # a scalar fills
    a[0, 0] = np.array(1.0)  # so does a 0-d host array
    a[np.array([1]), np.array([2])] = np.array([9.0])  # a scatter copies host values
    a[[0], [1]] = [5.0]
    a[1] = cp.arange(3)  # device values cast as they are written
    assert a.get().tolist() == [[1, 5, 7], [0, 1, 2]]


def test_scalars_are_operands(a):
    for result in (a + np.float32(1), np.float32(2) * a, 1 + a, a - True, a ** 2, 2.0 / (a + 1)):
        assert isinstance(result, cp.ndarray) and result.dtype == np.float32


def test_get_returns_a_host_copy(a):
    host = a.get()
    assert type(host) is np.ndarray and host.dtype == np.float32
    host[0, 0] = 100
    assert a[0, 0].item() == 0
    assert cp.asnumpy(a).tolist() == a.tolist()
    out = np.empty((2, 3), np.float32)
    assert a.get(out=out) is out and out[1, 2] == 5


def test_asarray_copies_host_data_and_passes_device_arrays_through(a):
    host = np.arange(3.0)
    device = cp.asarray(host)
    host[0] = 10
    assert device[0].item() == 0.0
    assert cp.asarray(a) is a and cp.array(a) is not a and cp.ascontiguousarray(a) is a
    assert cp.ascontiguousarray(a.T).flags.c_contiguous
    with pytest.raises(TypeError):
        cp.ascontiguousarray(host)  # device arrays only, as in CuPy


def test_set_copies_host_data_in(a):
    a.set(np.full((2, 3), 4, np.float32))
    assert a.sum().item() == 24
    for bad, error in ((np.zeros((2, 3)), TypeError), (np.zeros((3, 2), np.float32), ValueError), ([1], TypeError)):
        with pytest.raises(error):
            a.set(bad)


# ---------------------------------------------------------------- what comes back
def test_reductions_and_integer_indexing_give_0d_device_arrays(a):
    for value in (a.sum(), a.max(), a.mean(), cp.sum(a), np.sum(a), a.argmax(), a.all(), a[1, 2], a[0][1]):
        assert isinstance(value, cp.ndarray) and value.shape == ()
    assert isinstance(a.sum(axis=0), cp.ndarray) and a.sum(axis=0).shape == (3,)
    assert [x.shape for x in a[0]] == [(), (), ()]


def test_views_have_the_owning_array_as_base(a):
    owner = cp.zeros((4, 4))
    assert owner.base is None and owner.flags.owndata
    for view in (owner[1:], owner[1:][1:], owner.T, owner.reshape(16), owner[0, 0], owner[..., None]):
        assert view.base is owner and not view.flags.owndata
    owner[1:][0, 0] = 5
    assert owner[1, 0].item() == 5
    assert owner.copy().base is None and owner[[0, 1]].base is None  # advanced indexing copies
    vector = cp.zeros(3)
    assert vector.T is vector  # CuPy gives a 1-d array itself for .T


def test_index_kinds(a):
    assert a[np.array([1, 0])].shape == (2, 3)  # CuPy copies host index arrays
    assert a[[True, False]].shape == (1, 3)
    assert a[a > 2].tolist() == [3, 4, 5]
    assert a[[]].shape == (0, 3)
    assert a[cp.asarray(1):].shape == (1, 3)
    with pytest.raises(IndexError):
        a[np.array([0.5])]


def test_python_protocols(a):
    with pytest.raises(TypeError):
        hash(a)
    assert not hasattr(a, "__index__")  # CuPy has none: a 0-d array is no list index
    assert float(a[1, 1]) == 4.0 and int(a[0, 2]) == 2 and bool(a[0, 1])
    assert len(a) == 2 and repr(cp.arange(2)) == "array([0, 1])"
    with pytest.raises(TypeError):
        len(a[0, 0])


def test_cuda_array_interface(a):
    interface = a.__cuda_array_interface__
    assert interface["shape"] == (2, 3) and interface["typestr"] == "<f4" and interface["version"] == 3
    assert interface["strides"] is None and isinstance(interface["data"][0], int)
    assert a.T.__cuda_array_interface__["strides"] == (4, 12)
    assert a.data.ptr == interface["data"][0] and a.device.id == 0


def test_empty_is_poisoned():
    assert np.isnan(cp.empty((3, 2), dtype=cp.float32).get()).all()
    assert np.isnan(cp.empty_like(cp.zeros(4)).get()).all()
    assert np.isnan(cp.ndarray((2,), dtype=cp.float64).get()).all()
    assert (cp.empty(3, dtype=cp.int32).get() == np.iinfo(np.int32).max).all()
    assert np.isnan(np.empty_like(cp.zeros(2)).get()).all()  # numpy dispatches to cupy.empty_like


# ----------------------------------------------------------------------- dtypes
BINARY = ["add", "subtract", "multiply", "true_divide", "floor_divide", "maximum", "power", "equal", "less"]
DTYPES = ["bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("name", BINARY)
def test_binary_promotion_matches_numpy(name):
    for left in DTYPES:
        for right in DTYPES:
            x, y = np.arange(1, 4).astype(left), np.arange(2, 5).astype(right)
            try:
                expected = getattr(np, name)(x, y)
            except TypeError:  # e.g. bool - bool: NumPy and CuPy both refuse
                with pytest.raises(TypeError):
                    getattr(cp, name)(cp.asarray(x), cp.asarray(y))
                continue
            got = getattr(cp, name)(cp.asarray(x), cp.asarray(y))
            assert got.dtype == expected.dtype, (name, left, right)
            np.testing.assert_array_equal(got.get(), expected)


def test_python_and_numpy_scalars_promote_as_nep50():
    f32, i8 = cp.ones(2, cp.float32), cp.ones(2, cp.int8)
    assert (f32 * 2.0).dtype == np.float32 and (i8 + 1).dtype == np.int8
    assert (f32 * np.float64(2)).dtype == np.float64 and (i8 + np.int16(1)).dtype == np.int16


def test_special_functions_take_cupy_loop_types():
    erf = cp.cupyx.scipy.special.erf
    for dtype, expected in (("float32", "float32"), ("float64", "float64"), ("float16", "float64"),
                            ("int16", "float32"), ("int64", "float64")):
        assert erf(cp.ones(2, dtype)).dtype == expected, dtype
    values = erf(cp.asarray([-1.0, 0.0, 0.5])).get()
    assert values.tolist() == [math.erf(-1.0), 0.0, math.erf(0.5)]


# ---------------------------------------------------------------- numpy dispatch
def test_numpy_functions_dispatch_to_the_stand_in(a):
    for result in (np.concatenate([a, a]), np.exp(a), np.mean(a, axis=0), np.where(a > 2, a, 0)):
        assert isinstance(result, cp.ndarray)
    assert cp.get_array_module(a) is cp and cp.get_array_module(HOST) is np
    with pytest.raises(TypeError):
        np.linalg.norm(a)  # cupy.linalg is not emulated: NumPy finds no implementation
    with pytest.raises(TypeError):
        np.add.at(a, [0], 1)  # only __call__ dispatches, as in CuPy


def test_ufunc_methods_are_cupys():
    target = cp.zeros(3, dtype=cp.float32)
    cp.add.at(target, cp.asarray([0, 0, 2]), 1.0)
    assert target.tolist() == [2, 0, 1]
    cp.add.at(target, (slice(None),), cp.ones(3, cp.float32))  # a plain slice is no scatter
    with pytest.raises(TypeError, match="scatter_add only supports"):
        cp.add.at(cp.zeros(3, dtype=cp.int64), [0], 1)  # CuPy's atomics lack int64
    with pytest.raises(NotImplementedError):
        cp.multiply.at(target, [0], 2.0)
    with pytest.raises(NotImplementedError):
        cp.maximum.reduce(target)
    assert cp.add.reduce(target).item() == 6


# ------------------------------------------------------------------------ names
def test_unexported_and_unemulated_names_raise():
    with pytest.raises(AttributeError, match="does not export"):
        cp.no_such_function
    with pytest.raises(AttributeError, match="does not export"):
        cp.cuda.runtime.no_such_call
    with pytest.raises(AttributeError, match="does not emulate"):
        cp.testing  # CuPy has it; the stand-in does not pretend to
    assert callable(cp.einsum) and cp.newaxis is None and cp.pi == np.pi


def test_every_name_the_stand_in_defines_is_exported_by_cupy():
    modules = dict(cp._MODULES, **{"cupy.cuda.driver": cp.cuda.driver})
    assert set(modules) == set(MODULES)
    for path, module in modules.items():
        defined = {name for name in vars(module) if not name.startswith("_")}
        if path == "cupy":
            defined -= cp.STANDIN_ONLY
        assert defined <= set(EXPORTS[path]), (path, sorted(defined - set(EXPORTS[path])))


def test_install_and_uninstall_restore_sys_modules():
    before = {name: sys.modules.get(name) for name in ("cupy", "cupy.cuda", "cupyx", "cupyx.scipy.special")}
    try:
        assert cp.install() is cp
        import cupy
        import cupy.cuda.runtime
        from cupyx.scipy import special

        assert cupy is cp and cupy.cuda.runtime.getDeviceCount() == 1 and special is cp.cupyx.scipy.special
    finally:
        cp.uninstall()
    assert {name: sys.modules.get(name) for name in before} == before


# ----------------------------------------------------------------- device, memory
def test_device_stream_event():
    assert cp.cuda.runtime.getDeviceCount() == 1 and cp.cuda.Device().compute_capability == "90"
    assert cp.cuda.runtime.getDeviceProperties(0)["name"] == b"CuPy stand-in (NumPy)"
    with cp.cuda.Device(0) as device:
        device.synchronize()
    with pytest.raises(cp.cuda.runtime.CUDARuntimeError):
        cp.cuda.Device(1).use()
    stream = cp.cuda.Stream()
    with stream:
        assert cp.cuda.get_current_stream() is stream
    assert cp.cuda.get_current_stream() is cp.cuda.Stream.null
    start, end = cp.cuda.Event(), cp.cuda.Event()
    start.record()
    cp.ones(10).sum()
    end.record()
    end.synchronize()
    assert cp.cuda.get_elapsed_time(start, end) >= 0
    with pytest.raises(cp.cuda.runtime.CUDARuntimeError):
        cp.cuda.get_elapsed_time(start, cp.cuda.Event(disable_timing=True))


def test_memory_pool_counts_live_arrays():
    pool = cp.cuda.MemoryPool()
    with cp.cuda.using_allocator(pool.malloc):
        x = cp.zeros(1000, dtype=cp.float32)  # 4000 bytes, rounded to 512s
        assert pool.used_bytes() == 4096 and pool.total_bytes() == 4096
        del x
        assert pool.used_bytes() == 0 and pool.free_bytes() == 4096
        pool.free_all_blocks()
        assert pool.total_bytes() == 0
        pool.set_limit(size=1024)
        with pytest.raises(cp.cuda.memory.OutOfMemoryError):
            cp.zeros(1000)
    assert cp.get_default_memory_pool().get_limit() == 0


def test_random_gives_device_arrays():
    cp.random.seed(0)
    for sample in (cp.random.rand(2, 3, dtype=cp.float32), cp.random.standard_normal((2, 3), dtype=cp.float32)):
        assert isinstance(sample, cp.ndarray) and sample.dtype == np.float32 and sample.shape == (2, 3)
    assert cp.random.rand().shape == ()
    assert cp.random.randint(0, 5, size=4).dtype == np.int64


# ---------------------------------------------------------------------- kernels
class _FakeHostModule:
    """Stands in for tests/support/cuda_host.py's HostModule: ``fill`` writes its scalar."""

    def __init__(self, code, options):
        self.code, self.options = code, options

    def get_function(self, name):
        if name != "fill":
            raise AttributeError(name)

        def kernel(grid, block, args, shared_mem=0):
            kernel.calls.append((grid, block, args))
            args[0][...] = args[1]

        kernel.calls = []
        return kernel


def test_raw_module_runs_kernels_on_the_arrays_own_memory(monkeypatch):
    monkeypatch.setattr(_raw, "_host_module", _FakeHostModule)
    module = cp.RawModule(code="extern \"C\" __global__ void fill(float* x, float v) {}", options=("-O3",))
    kernel = module.get_function("fill")
    target = cp.zeros(4, dtype=cp.float32)
    kernel((0,), (128,), (target, np.float32(3)))
    assert target.tolist() == [3, 3, 3, 3]
    grid, block, args = kernel.kernel.calls[0]
    assert grid == (1, 1, 1) and block == (128, 1, 1)  # padded; a zero grid launches one block
    assert type(args[0]) is np.ndarray and args[1] == 3


@pytest.mark.parametrize("call, error", [
    (lambda k, t: k(1, (32,), (t, np.float32(1))), TypeError),  # grid must be a tuple
    (lambda k, t: k((1,), (32,), (t.get(), np.float32(1))), TypeError),  # a host array
    (lambda k, t: k((1,), (32,), (t, "x")), TypeError),
    (lambda k, t: k((1,), (2048,), (t, np.float32(1))), cp.cuda.driver.CUDADriverError),
    (lambda k, t: k((1,), (32,), (t, np.float32(1)), shared_mem=64 * 1024), cp.cuda.driver.CUDADriverError),
], ids=["int grid", "host array", "string", "block too big", "shared memory"])
def test_kernel_launches_keep_cupys_rules(monkeypatch, call, error):
    monkeypatch.setattr(_raw, "_host_module", _FakeHostModule)
    kernel = cp.RawModule(code="", options=()).get_function("fill")
    with pytest.raises(error):
        call(kernel, cp.zeros(4, dtype=cp.float32))


def test_raw_module_arguments_are_cupys():
    with pytest.raises(TypeError):
        cp.RawModule("code")  # keyword arguments only
    with pytest.raises(TypeError):
        cp.RawModule(code="", options=["-O3"])  # a tuple, not a list
    with pytest.raises(TypeError):
        cp.RawKernel("", "k", options=["-O3"])


# -------------------------------------------------- compared with the real CuPy
_REAL_CUPY = r"""
import json, sys
try:
    import cupy
except ImportError:
    sys.exit(3)
from tests.support.list_cupy_exports import exports
ufuncs = {name: getattr(cupy, name).types for name in sys.argv[1:]}
classes = {"ndarray": cupy.ndarray, "Device": cupy.cuda.Device, "Stream": cupy.cuda.Stream,
           "Event": cupy.cuda.Event, "MemoryPool": cupy.cuda.MemoryPool, "RawKernel": cupy.RawKernel,
           "RawModule": cupy.RawModule}
print(json.dumps({"exports": exports(), "ufuncs": ufuncs,
                  "classes": {name: dir(cls) for name, cls in classes.items()}}))
"""


@pytest.fixture(scope="module")
def real_cupy():
    """What the installed CuPy says about itself, from a fresh interpreter."""
    run = subprocess.run([sys.executable, "-c", _REAL_CUPY, *BINARY], cwd=REPO, capture_output=True, text=True,
                         timeout=120)
    if run.returncode == 3:
        pytest.skip("the real cupy is not installed")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_exports_file_matches_the_installed_cupy(real_cupy):
    assert real_cupy["exports"] == EXPORTS, "rerun: python -m tests.support.list_cupy_exports"


def test_stand_in_classes_have_only_cupys_attributes(real_cupy):
    machinery = {"__module__", "__qualname__", "__doc__", "__slots__", "__weakref__", "__dict__",
                 "__firstlineno__", "__static_attributes__", "__annotations__", "__init__"}
    classes = {"ndarray": cp.ndarray, "Device": cp.cuda.Device, "Stream": cp.cuda.Stream, "Event": cp.cuda.Event,
               "MemoryPool": cp.cuda.MemoryPool, "RawKernel": cp.RawKernel, "RawModule": cp.RawModule}
    for name, cls in classes.items():
        ours = {attr for attr in vars(cls) if not (attr.startswith("_") and not attr.startswith("__"))}
        extra = ours - machinery - set(real_cupy["classes"][name])
        assert not extra, (name, sorted(extra))


def test_cupy_loop_tables_select_numpys_result_types(real_cupy):
    """CuPy picks the first loop its inputs cast to safely; NumPy 2 must pick the same
    type, or the stand-in's dtypes (NumPy's) would not be CuPy's."""
    for name, loops in real_cupy["ufuncs"].items():
        for left in DTYPES:
            for right in DTYPES:
                chosen = next((loop.split("->")[1] for loop in loops
                               if np.can_cast(left, loop[0]) and np.can_cast(right, loop[1])), None)
                try:
                    expected = getattr(np, name)(np.ones(1, left), np.ones(1, right)).dtype
                except TypeError:
                    continue  # NumPy refuses (bool - bool); so does CuPy, through an error loop
                assert chosen is not None and np.dtype(chosen) == expected, (name, left, right, chosen)
