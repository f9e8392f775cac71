// CUDA special functions: the error function, elementwise (cuda.py launches it; it
// agrees with reference.py). float16 is computed in float (acc_t), as the prelude says.
// dtypes: float32 float64 float16
//
// Named special_erf, not erf: the kernel is extern "C", and erf is the C library's (and
// CUDA's) own name, which the host build's math.h declares.

__device__ __forceinline__ float erf_of(float v) { return erff(v); }
__device__ __forceinline__ double erf_of(double v) { return erf(v); }

// out[i] = erf(x[i]) over n dense elements, one thread each
extern "C" __global__ __launch_bounds__(256) void special_erf(const scalar_t* __restrict__ x,
                                                               scalar_t* __restrict__ out, index_t n) {
    GRID_STRIDE(i, n) { out[i] = from_acc(erf_of(to_acc(x[i]))); }
}
