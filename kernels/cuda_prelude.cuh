// The text put before every CUDA source of minitorch_cnn.kernels (kernels/cuda_source.py).
//
// One source is compiled once per dtype: the loader defines SCALAR_KIND (0 float32,
// 1 float64, 2 float16) and this prelude turns it into
//   scalar_t   the element type of the arrays,
//   acc_t      the type arithmetic and sums run in (float for float16, as PyTorch does),
//   to_acc(v)  scalar_t -> acc_t,  from_acc(v)  acc_t -> scalar_t.
// Conventions every kernel keeps, so that CuPy's default argument conversion is right
// (a Python int is passed as long long, a Python float as double) and the host build's
// argument check can enforce them:
//   - integer arguments are index_t (long long); real arguments are double;
//   - arrays are C-contiguous and indexed densely;
//   - work is spread with grid-stride loops (GRID_STRIDE), so any grid and block size
//     gives the same result; no warp intrinsics; no atomics (gradients are deterministic).
// The same text compiles as host C++ (tests/support/cuda_host.h defines the CUDA names),
// which is how CI runs every kernel's exact source on the CPU.

typedef long long index_t;

// minus infinity (max pooling's empty window): NVRTC has no math.h to give INFINITY
#ifdef MINITORCH_HOST_BUILD
#define NEG_INFINITY (-INFINITY)
#else
#define NEG_INFINITY (-__int_as_float(0x7f800000))
#endif

#define GRID_STRIDE(i, n)                                                            \
    for (index_t i = (index_t)blockIdx.x * blockDim.x + threadIdx.x; i < (index_t)(n); \
         i += (index_t)blockDim.x * gridDim.x)

// 1 / d correctly rounded, for the index arithmetic of the pooling and batch-norm kernels:
// __drcp_rn is inline, where the division 1.0 / d calls a slow path around which ptxas
// spills on sm_80
__device__ __forceinline__ double reciprocal(double d) {
#ifdef MINITORCH_HOST_BUILD
    return 1.0 / d;
#else
    return __drcp_rn(d);
#endif
}

// q = i / d and rem = i % d for 0 <= i < 2^52 and d >= 1. The GPU has no 64-bit integer
// division: the compiler calls a long software routine, around which ptxas spills on
// sm_80. A multiply by the double reciprocal is within one of the quotient for any i
// below 2^52 (more elements than any GPU holds), and the remainder corrects it.
__device__ __forceinline__ index_t divmod64(index_t i, index_t d, index_t& rem) {
    index_t q = (index_t)((double)i * reciprocal((double)d));
    index_t r = i - q * d;
    while (r < 0) {
        --q;
        r += d;
    }
    while (r >= d) {
        ++q;
        r -= d;
    }
    rem = r;
    return q;
}

#if SCALAR_KIND == 0
typedef float scalar_t;
typedef float acc_t;
__device__ __forceinline__ acc_t to_acc(scalar_t v) { return v; }
__device__ __forceinline__ scalar_t from_acc(acc_t v) { return v; }
#elif SCALAR_KIND == 1
typedef double scalar_t;
typedef double acc_t;
__device__ __forceinline__ acc_t to_acc(scalar_t v) { return v; }
__device__ __forceinline__ scalar_t from_acc(acc_t v) { return v; }
#elif SCALAR_KIND == 2
// float16 is held as its 16 bits, converted by the hardware instruction: cuda_fp16.h is
// not part of NVRTC's built-in headers, and CuPy's wheel does not ship it.
typedef unsigned short scalar_t;
typedef float acc_t;
#ifdef MINITORCH_HOST_BUILD
__device__ __forceinline__ acc_t to_acc(scalar_t v) { return host_half_to_float(v); }
__device__ __forceinline__ scalar_t from_acc(acc_t v) { return host_float_to_half(v); }
#else
__device__ __forceinline__ acc_t to_acc(scalar_t v) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(v));
    return f;
}
__device__ __forceinline__ scalar_t from_acc(acc_t v) {
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(v));
    return h;
}
#endif
#else
#error "SCALAR_KIND must be 0 (float32), 1 (float64) or 2 (float16)"
#endif
