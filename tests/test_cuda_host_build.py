"""Layer 2 of the GPU checks without a GPU: every CUDA kernel's exact source, compiled for
the host (``tests/support/cuda_host.py``) and run through its Python glue on the CuPy
stand-in, agrees with the reference kernel on the contract's hypothesis-drawn cases, on
odd launch shapes (one thread; 7 threads in 3 blocks; full blocks), with every argument
checked against the kernel's C signature and outputs poisoned with NaN by the stand-in's
``empty``. Then the host build's own checks: it refuses what CuPy would silently misread.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minitorch_cnn import kernels
from minitorch_cnn.kernels import cuda_launch
from tests.support.standin_device import standin_as_cuda
from tests.test_kernel_contract import CASES, _agree

pytestmark = [pytest.mark.skipif(shutil.which("g++") is None, reason="the host build needs g++"),
              pytest.mark.cpu_only("compares the stand-in's CUDA kernels with the NumPy references itself")]

WITH_CUDA = [name for name in kernels.names() if "cuda" in kernels.implementations(name)]
LAUNCH_SHAPES = {"one-thread": (1, 1), "odd": (7, 3), "warp-pairs": (64, 2), "full": (256, cuda_launch.MAX_BLOCKS)}


def test_the_families_have_cuda_kernels():
    assert {"im2col", "col2im", "max_pool2d", "batch_norm_train", "erf"} <= set(WITH_CUDA)


@pytest.mark.parametrize("shape", LAUNCH_SHAPES.values(), ids=LAUNCH_SHAPES.keys())
@pytest.mark.parametrize("name", WITH_CUDA)
@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=5)
@given(data=st.data())
def test_every_cuda_kernel_agrees_with_its_reference_on_any_launch_shape(name, shape, data):
    block, max_blocks = shape
    case = data.draw(CASES[name]())
    with standin_as_cuda(), cuda_launch.launch_shape(block=block, max_blocks=max_blocks):
        _agree("cuda", name, case)


@pytest.mark.parametrize("layout,shape", [("channels_last", (3, 40, 100)), ("nchw", (3, 3, 3000))])
@pytest.mark.parametrize("name", ["batch_norm_train", "batch_norm_backward"])
@settings(max_examples=2)
@given(data=st.data())
def test_batch_norm_kernels_on_many_channels_and_chunks(name, layout, shape, data):
    """The contract's cases have at most 6 channels and 160 values per channel: one chunk
    (kernels/norm/cuda.py's CHUNK is 4096 values), at most 4 lanes. Channels-last, 40
    channels of 300 rows reach 32 lanes with a partial second group of channels and 3
    chunks of 128 rows; NCHW, 9000 values per channel make 3 chunks."""
    case = data.draw(CASES[name](shape=shape, layout=layout))
    with standin_as_cuda():
        _agree("cuda", name, case)


# ------------------------------------------------------------- the host build itself
SOURCE = '''// dtypes: float32 float64 float16
extern "C" __global__ __launch_bounds__(256) void scale(const scalar_t* __restrict__ x, scalar_t* __restrict__ y,
                                                         double factor, index_t n) {
    GRID_STRIDE(i, n) { y[i] = from_acc(to_acc(x[i]) * (acc_t)factor); }
}
extern "C" __global__ __launch_bounds__(256) void block_sums(const scalar_t* __restrict__ x, acc_t* __restrict__ out,
                                                              index_t n) {
    __shared__ acc_t partial[256];
    acc_t sum = 0;
    GRID_STRIDE(i, n) { sum += to_acc(x[i]); }
    partial[threadIdx.x] = sum;
    __syncthreads();
    if (threadIdx.x == 0) {
        acc_t total = 0;
        for (unsigned k = 0; k < blockDim.x; ++k) total += partial[k];
        out[blockIdx.x] = total;
    }
}
// thread 0 writes what every thread then reads: right only if the barrier holds them
extern "C" __global__ __launch_bounds__(256) void broadcast_first(acc_t* __restrict__ out) {
    __shared__ acc_t first;
    if (threadIdx.x == 0) first = (acc_t)(blockIdx.x + 1);
    __syncthreads();
    out[blockIdx.x * blockDim.x + threadIdx.x] = first;
    __syncthreads();  // the next block's thread 0 must not overwrite `first` under a reader
}
// odd threads return before the barrier the even ones wait at: undefined in CUDA
extern "C" __global__ __launch_bounds__(256) void uneven_barrier(acc_t* __restrict__ out) {
    if (threadIdx.x % 2) return;
    __syncthreads();
    out[threadIdx.x] = 1;
}
'''


@pytest.fixture(scope="module")
def host_module(tmp_path_factory):
    from minitorch_cnn.kernels import cuda_source
    from tests.support.cuda_host import HostModule

    path = tmp_path_factory.mktemp("cuda") / "scale.cu"
    path.write_text(SOURCE)
    return {np.dtype(d): HostModule(cuda_source.program(path, d)) for d in ("float32", "float64", "float16")}


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("grid,block", [(1, 1), (3, 7), (2, 256)])
def test_the_host_build_runs_grid_stride_kernels_on_any_launch_shape(host_module, dtype, grid, block):
    x = np.arange(37, dtype=dtype)
    y = np.full_like(x, np.nan)
    host_module[np.dtype(dtype)].get_function("scale")(grid, block, (x, y, 0.5, 37))
    np.testing.assert_array_equal(y, (x.astype(np.float64) * 0.5).astype(dtype))


@pytest.mark.parametrize("grid,block", [(1, 1), (3, 7), (2, 64)])
def test_the_host_build_gives_each_block_its_shared_memory_and_barrier(host_module, grid, block):
    x = np.arange(100, dtype=np.float64)
    sums = np.full(grid, np.nan)
    host_module[np.dtype("float64")].get_function("block_sums")(grid, block, (x, sums, 100))
    # block b's threads read items b*block + t, then every grid*block items after it
    expected = [sum(x[start::grid * block].sum() for start in range(b * block, (b + 1) * block)) for b in range(grid)]
    np.testing.assert_allclose(sums, expected)


@pytest.mark.parametrize("arguments,message", [
    (lambda x, y: (x, y, 2, 4), r"argument 2 \(double\): expected float or float64, got int"),
    (lambda x, y: (x, y, 2.0, 4.0), r"argument 3 \(index_t\): expected int or int64, got float"),
    (lambda x, y: (x, y, 2.0, True), r"argument 3 \(index_t\): expected int or int64, got bool"),
    (lambda x, y: (x.astype(np.float64), y, 2.0, 4), r"argument 0 \(scalar_t \*\): expected a float32 array, got a float64"),
    (lambda x, y: (x[::2], y, 2.0, 2), r"argument 0 .*C-contiguous"),
    (lambda x, y: (x.tolist(), y, 2.0, 4), r"argument 0 .*expected a float32 array, got list"),
    (lambda x, y: (x, y, 2.0), r"takes 4 arguments, got 3"),
])
def test_the_host_build_refuses_what_cupy_would_misread(host_module, arguments, message):
    x = np.arange(4, dtype=np.float32)
    y = np.zeros(4, dtype=np.float32)
    with pytest.raises(TypeError, match=message):
        host_module[np.dtype("float32")].get_function("scale")(1, 1, arguments(x, y))
    assert (y == 0).all(), "a refused call wrote into its output"


def test_the_barrier_kernels_are_found_through_the_functions_and_macros_they_call():
    from tests.support.cuda_host import barrier_kernels

    code = '''
#define BLOCK_SYNC() __syncthreads()
#define SETTLE BLOCK_SYNC()
__device__ void settle() { SETTLE; }
template <bool SYNC> __device__ void maybe(float* x) { if (SYNC) settle(); x[0] = 1; }
extern "C" __global__ void through_a_template(float* x) { maybe<true>(x); }
extern "C" __global__ void directly(float* x) { __syncthreads(); }
extern "C" __global__ void never(float* x) { for (int i = 0; i < 2; ++i) { x[i] = 0; } }  // __syncthreads()
'''
    assert barrier_kernels(code) == {"through_a_template", "directly"}
    assert barrier_kernels(SOURCE) == {"block_sums", "broadcast_first", "uneven_barrier"}


@pytest.mark.parametrize("grid,block", [(1, 2), (3, 7), (2, 256)])
def test_the_barrier_holds_every_thread_until_all_have_reached_it(host_module, grid, block):
    out = np.full(grid * block, np.nan)
    host_module[np.dtype("float64")].get_function("broadcast_first")((grid,), (block,), (out,))
    np.testing.assert_array_equal(out, np.repeat(np.arange(1.0, grid + 1), block))


def test_a_barrier_met_without_fibers_is_an_error_not_a_wrong_result(host_module):
    """Were the source scan to miss a kernel's __syncthreads, the kernel would run its
    block's threads one after another, so its threads above 0 would read `first` before
    thread 0 wrote it; the launch says so instead."""
    kernel = host_module[np.dtype("float64")].get_function("broadcast_first")
    kernel.with_fibers = False
    with pytest.raises(RuntimeError, match="broadcast_first reached __syncthreads"):
        kernel((2,), (8,), (np.zeros(16),))
    out = np.zeros(2)
    kernel((2,), (1,), (out,))  # one thread per block needs no barrier
    np.testing.assert_array_equal(out, [1.0, 2.0])


def test_threads_that_return_before_a_barrier_others_wait_at_are_an_error(host_module):
    with pytest.raises(RuntimeError, match="uneven_barrier: some threads of a block waited at __syncthreads"):
        host_module[np.dtype("float64")].get_function("uneven_barrier")((1,), (4,), (np.zeros(4),))
