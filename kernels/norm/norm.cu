// CUDA training-mode batch norm and its backward, on (N, C, L) inputs; cuda.py launches
// them and agrees with reference.py.
// dtypes: float32 float64 float16
//
// Two memory orders: "ncl" (the default: channel c is N runs of L contiguous values,
// C * L apart) and "rows" (channels innermost, a channels_last tensor's memory read as
// M = N * L rows of C values; also used for L == 1, where both orders are one).
//
// Each direction is three launches:
//   1. partial sums: fixed chunks of each channel's M values, each summed by one block
//      into partials[c, chunk, 0..1] (float64, as the reference accumulates);
//   2. finish: one thread per channel adds its chunks in order and forms the statistics
//      and the per-channel coefficients of the elementwise pass;
//   3. the elementwise pass, one thread per element in memory order.
// Determinism without atomics, independent of the launch shape: the chunks depend on the
// shape only (cuda.py), and inside a block the chunk is spread over VLANES = 256 fixed
// "virtual lanes", each summing a fixed stride of the chunk sequentially, then added by
// a fixed tree in shared memory. A block of any size (1 to 256 threads) runs the virtual
// lanes in turn, so every grid and block size gives the same bits.
//
// The forward sums x - shift and its square, shift being the channel's first value (as
// cpu.py): the shifted sums keep the variance accurate when the mean is large against
// the spread. The backward sums g and g * (x - mean).

#define VLANES 256

// partials[c, chunk] = (sum, sum of products) of one chunk of channel c: forward
// (x - shift, (x - shift)^2), backward (g, g * (x - mean)).
__device__ __forceinline__ void store_pair(double* __restrict__ partials, index_t c, index_t chunks, index_t chunk,
                                           double first, double second) {
    partials[(c * chunks + chunk) * 2] = first;
    partials[(c * chunks + chunk) * 2 + 1] = second;
}

// sums[0..count) += sums[count..2 * count) halving down to one: the fixed tree over the
// virtual lanes (count a power of two; `lanes` independent trees side by side, entry
// v = slot * lanes + lane). Every thread of the block calls it.
__device__ __forceinline__ void tree_sum(double* sums, double* products, index_t slots, index_t lanes) {
    __syncthreads();
    for (index_t step = slots / 2; step >= 1; step /= 2) {
        for (index_t v = threadIdx.x; v < step * lanes; v += blockDim.x) {
            sums[v] += sums[v + step * lanes];
            products[v] += products[v + step * lanes];
        }
        __syncthreads();
    }
}

// One block per (channel, chunk) work item, chunk = `chunk` consecutive values m = n * L + l
// of the channel, read along L: consecutive virtual lanes read consecutive addresses.
template <bool BACKWARD>
__device__ __forceinline__ void partial_sums_ncl(const scalar_t* __restrict__ x, const scalar_t* __restrict__ grad,
                                                 const scalar_t* __restrict__ center, index_t center_stride,
                                                 double* __restrict__ partials, index_t N, index_t C, index_t L,
                                                 index_t chunk, index_t chunks) {
    __shared__ double sums[VLANES];
    __shared__ double products[VLANES];
    const index_t M = N * L, CL = C * L;
    // stepping m by VLANES moves (n, l) by (dn, dl), with at most one carry from l into n
    const index_t dn = VLANES / L, dl = VLANES % L;
    for (index_t item = blockIdx.x; item < C * chunks; item += gridDim.x) {
        const index_t c = item / chunks, k = item % chunks;
        const index_t m0 = k * chunk, m1 = min(M, m0 + chunk);
        const double mid = (double)to_acc(center[c * center_stride]);
        for (index_t v = threadIdx.x; v < VLANES; v += blockDim.x) {
            double s = 0, p = 0;
            index_t m = m0 + v;
            index_t l = m % L;
            index_t offset = (m / L) * CL + c * L + l;
            for (; m < m1; m += VLANES) {
                const double d = (double)to_acc(x[offset]) - mid;
                if (BACKWARD) {
                    const double g = (double)to_acc(grad[offset]);
                    s += g;
                    p += g * d;
                } else {
                    s += d;
                    p += d * d;
                }
                l += dl;
                offset += dn * CL + dl;
                if (l >= L) {
                    l -= L;
                    offset += CL - L;
                }
            }
            sums[v] = s;
            products[v] = p;
        }
        tree_sum(sums, products, VLANES, 1);
        if (threadIdx.x == 0) store_pair(partials, c, chunks, k, sums[0], products[0]);
        __syncthreads();  // the shared arrays are refilled by the next work item
    }
}

// One block per (group of `lanes` channels, chunk of `chunk_rows` rows) work item: the
// virtual lanes are (slot, lane) with the lane (channel) fastest, so consecutive lanes
// read consecutive addresses of a row; slots take every (VLANES / lanes)-th row.
// `lanes` is a power of two up to 32, chosen by cuda.py from C.
template <bool BACKWARD>
__device__ __forceinline__ void partial_sums_rows(const scalar_t* __restrict__ x, const scalar_t* __restrict__ grad,
                                                  const scalar_t* __restrict__ center, index_t center_stride,
                                                  double* __restrict__ partials, index_t M, index_t C, index_t lanes,
                                                  index_t chunk_rows, index_t chunks) {
    __shared__ double sums[VLANES];
    __shared__ double products[VLANES];
    // lanes is a power of two: v / lanes and v % lanes are a shift and a mask
    index_t lane_shift = 0;
    while (((index_t)1 << lane_shift) < lanes) ++lane_shift;
    const index_t slots = VLANES >> lane_shift, groups = (C + lanes - 1) >> lane_shift;
    for (index_t item = blockIdx.x; item < groups * chunks; item += gridDim.x) {
        index_t k;
        const index_t group = divmod64(item, chunks, k);
        const index_t r0 = k * chunk_rows, r1 = min(M, r0 + chunk_rows);
        for (index_t v = threadIdx.x; v < VLANES; v += blockDim.x) {
            const index_t c = group * lanes + (v & (lanes - 1));
            double s = 0, p = 0;
            if (c < C) {
                const double mid = (double)to_acc(center[c * center_stride]);
                for (index_t r = r0 + (v >> lane_shift); r < r1; r += slots) {
                    const double d = (double)to_acc(x[r * C + c]) - mid;
                    if (BACKWARD) {
                        const double g = (double)to_acc(grad[r * C + c]);
                        s += g;
                        p += g * d;
                    } else {
                        s += d;
                        p += d * d;
                    }
                }
            }
            sums[v] = s;
            products[v] = p;
        }
        tree_sum(sums, products, slots, lanes);
        for (index_t v = threadIdx.x; v < lanes; v += blockDim.x) {
            const index_t c = group * lanes + v;
            if (c < C) store_pair(partials, c, chunks, k, sums[v], products[v]);
        }
        __syncthreads();
    }
}

// the channel of element i of a dense (.., C, inner) array of `total` elements: inner = L
// for ncl, 1 for rows; in 32 bits (a hardware sequence) whenever the indices fit
__device__ __forceinline__ index_t channel_of(index_t i, index_t total, index_t C, index_t inner) {
    if (total <= 0xffffffffLL) return (index_t)(((unsigned int)i / (unsigned int)inner) % (unsigned int)C);
    index_t c, unused;
    divmod64(divmod64(i, inner, unused), C, c);
    return c;
}

// ------------------------------------------------------------------------- forward
extern "C" __global__ __launch_bounds__(256) void batch_norm_stats_ncl(
    const scalar_t* __restrict__ x, double* __restrict__ partials, index_t N, index_t C, index_t L, index_t chunk,
    index_t chunks) {
    partial_sums_ncl<false>(x, x, x, L, partials, N, C, L, chunk, chunks);
}

extern "C" __global__ __launch_bounds__(256) void batch_norm_stats_rows(
    const scalar_t* __restrict__ x, double* __restrict__ partials, index_t M, index_t C, index_t lanes,
    index_t chunk_rows, index_t chunks) {
    partial_sums_rows<false>(x, x, x, 1, partials, M, C, lanes, chunk_rows, chunks);
}

// mean, var (biased), invstd (C,) in scalar_t, and coef (C, 2): y = x * coef[0] + coef[1].
// The shift is x[c * shift_stride], the value the partial sums were taken about.
// weight and bias are read only when has_weight / has_bias (else any array is passed).
extern "C" __global__ __launch_bounds__(256) void batch_norm_stats_finish(
    const scalar_t* __restrict__ x, const double* __restrict__ partials, const scalar_t* __restrict__ weight,
    const scalar_t* __restrict__ bias, scalar_t* __restrict__ mean_out, scalar_t* __restrict__ var_out,
    scalar_t* __restrict__ invstd_out, acc_t* __restrict__ coef, index_t C, index_t chunks, index_t count,
    index_t shift_stride, index_t has_weight, index_t has_bias, double eps) {
    GRID_STRIDE(c, C) {
        double s = 0, ss = 0;
        for (index_t k = 0; k < chunks; ++k) {
            s += partials[(c * chunks + k) * 2];
            ss += partials[(c * chunks + k) * 2 + 1];
        }
        const double shifted_mean = s / (double)count;
        double var = ss / (double)count - shifted_mean * shifted_mean;
        var = var < 0 ? 0.0 : var;  // rounding can take it below zero; NaN stays NaN
        const double mean = shifted_mean + (double)to_acc(x[c * shift_stride]);
        const double invstd = 1.0 / sqrt(var + eps);
        const double scale = has_weight ? invstd * (double)to_acc(weight[c]) : invstd;
        const double shift = has_bias ? (double)to_acc(bias[c]) - mean * scale : -mean * scale;
        coef[2 * c] = (acc_t)scale;
        coef[2 * c + 1] = (acc_t)shift;
        mean_out[c] = from_acc((acc_t)mean);
        var_out[c] = from_acc((acc_t)var);
        invstd_out[c] = from_acc((acc_t)invstd);
    }
}

extern "C" __global__ __launch_bounds__(256) void batch_norm_apply(
    const scalar_t* __restrict__ x, const acc_t* __restrict__ coef, scalar_t* __restrict__ y, index_t total,
    index_t C, index_t inner) {
    GRID_STRIDE(i, total) {
        const index_t c = channel_of(i, total, C, inner);
        y[i] = from_acc(to_acc(x[i]) * coef[2 * c] + coef[2 * c + 1]);
    }
}

// ------------------------------------------------------------------------ backward
extern "C" __global__ __launch_bounds__(256) void batch_norm_grad_sums_ncl(
    const scalar_t* __restrict__ x, const scalar_t* __restrict__ grad, const scalar_t* __restrict__ mean,
    double* __restrict__ partials, index_t N, index_t C, index_t L, index_t chunk, index_t chunks) {
    partial_sums_ncl<true>(x, grad, mean, 1, partials, N, C, L, chunk, chunks);
}

extern "C" __global__ __launch_bounds__(256) void batch_norm_grad_sums_rows(
    const scalar_t* __restrict__ x, const scalar_t* __restrict__ grad, const scalar_t* __restrict__ mean,
    double* __restrict__ partials, index_t M, index_t C, index_t lanes, index_t chunk_rows, index_t chunks) {
    partial_sums_rows<true>(x, grad, mean, 1, partials, M, C, lanes, chunk_rows, chunks);
}

// dweight = sum g * xhat, dbias = sum g (C,) in scalar_t, and coef (C, 4) of
// dx = coef[0] * (g - coef[1] - (x - coef[3]) * coef[2]), as cpu.py:
// weight * invstd, mean(g), mean(g * xhat) * invstd, mean.
extern "C" __global__ __launch_bounds__(256) void batch_norm_grad_finish(
    const double* __restrict__ partials, const scalar_t* __restrict__ mean, const scalar_t* __restrict__ invstd,
    const scalar_t* __restrict__ weight, scalar_t* __restrict__ dweight, scalar_t* __restrict__ dbias,
    acc_t* __restrict__ coef, index_t C, index_t chunks, index_t count, index_t has_weight) {
    GRID_STRIDE(c, C) {
        double sg = 0, sgx = 0;
        for (index_t k = 0; k < chunks; ++k) {
            sg += partials[(c * chunks + k) * 2];
            sgx += partials[(c * chunks + k) * 2 + 1];
        }
        const double inv = (double)to_acc(invstd[c]);
        const double sgxhat = sgx * inv;
        dbias[c] = from_acc((acc_t)sg);
        dweight[c] = from_acc((acc_t)sgxhat);
        coef[4 * c] = (acc_t)(has_weight ? inv * (double)to_acc(weight[c]) : inv);
        coef[4 * c + 1] = (acc_t)(sg / (double)count);
        coef[4 * c + 2] = (acc_t)(sgxhat / (double)count * inv);
        coef[4 * c + 3] = to_acc(mean[c]);
    }
}

extern "C" __global__ __launch_bounds__(256) void batch_norm_grad_input(
    const scalar_t* __restrict__ x, const scalar_t* __restrict__ grad, const acc_t* __restrict__ coef,
    scalar_t* __restrict__ dx, index_t total, index_t C, index_t inner) {
    GRID_STRIDE(i, total) {
        const acc_t* k = coef + 4 * channel_of(i, total, C, inner);
        dx[i] = from_acc(k[0] * (to_acc(grad[i]) - k[1] - (to_acc(x[i]) - k[3]) * k[2]));
    }
}
