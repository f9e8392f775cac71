// CUDA pooling kernels: max and average pooling, average pooling's adjoint, and the
// per-plane gather/scatter that max pooling's backward, max_unpool2d and adaptive max
// pooling share. Each agrees with its namesake in reference.py; cuda.py launches them.
// dtypes: float32 float64 float16
//
// Arrays are dense (N, C, H, W) in one of two memory orders, told by `channels_last`:
// 0 is NCHW, 1 is NHWC (a channels_last tensor's memory). Every kernel gives one thread
// each element of its result, taken in memory order, so consecutive threads write
// consecutive addresses (along W for NCHW, along C for NHWC) and read neighbours too.
// float16 is read and written through to_acc/from_acc; comparisons and sums run in acc_t.

struct Strides {
    index_t n, c, h, w;
};

// the element strides of a dense (N, C, H, W) array in NCHW or NHWC memory
__device__ __forceinline__ Strides dense_strides(index_t C, index_t H, index_t W, index_t channels_last) {
    Strides s;
    if (channels_last) {
        s.c = 1;
        s.w = C;
        s.h = W * C;
        s.n = H * W * C;
    } else {
        s.w = 1;
        s.h = W;
        s.c = H * W;
        s.n = C * H * W;
    }
    return s;
}

// i / d, i % d in 32 bits (a hardware sequence, several times cheaper than the above)
__device__ __forceinline__ index_t divmod32(index_t i, index_t d, index_t& rem) {
    const unsigned int q = (unsigned int)i / (unsigned int)d;
    rem = (index_t)((unsigned int)i - q * (unsigned int)d);
    return (index_t)q;
}

// a / b for 0 <= a and 1 <= b, in 32 bits when both fit
__device__ __forceinline__ index_t quotient(index_t a, index_t b) {
    index_t unused;
    return (a | b) <= 0x7fffffffLL ? divmod32(a, b, unused) : divmod64(a, b, unused);
}

// (n, c, h, w) of the i-th element, in memory order, of a dense (N, C, H, W) array of
// `total` elements; in 32 bits whenever every index fits.
__device__ __forceinline__ void unravel(index_t i, index_t total, index_t C, index_t H, index_t W,
                                        index_t channels_last, index_t& n, index_t& c, index_t& h, index_t& w) {
    const bool small = total <= 0xffffffffLL;
    index_t r = i;
    if (channels_last) {
        r = small ? divmod32(r, C, c) : divmod64(r, C, c);
        r = small ? divmod32(r, W, w) : divmod64(r, W, w);
        n = small ? divmod32(r, H, h) : divmod64(r, H, h);
    } else {
        r = small ? divmod32(r, W, w) : divmod64(r, W, w);
        r = small ? divmod32(r, H, h) : divmod64(r, H, h);
        n = small ? divmod32(r, C, c) : divmod64(r, C, c);
    }
}

// out, index (N, C, OH, OW): each window's maximum and its flat position r * W + col in
// the H x W plane. Out-of-image taps are skipped (padding is -inf); the first in-image
// tap starts the window, so an all -inf window still points inside the image; a later
// tap wins when it is greater or NaN (so the last NaN wins, as the reference). A dilated
// window whose taps all miss the image gives -inf at index -1.
extern "C" __global__ __launch_bounds__(256) void max_pool2d(
    const scalar_t* __restrict__ x, scalar_t* __restrict__ out, index_t* __restrict__ index, index_t N, index_t C,
    index_t H, index_t W, index_t OH, index_t OW, index_t KH, index_t KW, index_t SH, index_t SW, index_t PH,
    index_t PW, index_t DH, index_t DW, index_t channels_last) {
    const index_t total = N * C * OH * OW;
    const Strides xs = dense_strides(C, H, W, channels_last);
    GRID_STRIDE(i, total) {
        index_t n, c, oh, ow;
        unravel(i, total, C, OH, OW, channels_last, n, c, oh, ow);
        const scalar_t* plane = x + n * xs.n + c * xs.c;
        const index_t r0 = oh * SH - PH, c0 = ow * SW - PW;
        acc_t best = NEG_INFINITY;
        index_t best_index = -1;
        for (index_t ki = 0; ki < KH; ++ki) {
            const index_t r = r0 + ki * DH;
            if (r < 0 || r >= H) continue;
            // not unrolled: ptxas spills the unrolled run-time loop on sm_80, and a
            // memory-bound kernel at full occupancy hides the loads' latency anyway
#pragma unroll 1
            for (index_t kj = 0; kj < KW; ++kj) {
                const index_t col = c0 + kj * DW;
                if (col < 0 || col >= W) continue;
                const acc_t v = to_acc(plane[r * xs.h + col * xs.w]);
                const bool take = best_index < 0 || v > best || v != v;
                best = take ? v : best;
                best_index = take ? r * W + col : best_index;
            }
        }
        out[i] = from_acc(best);
        index[i] = best_index;
    }
}

// out (N, C, OH, OW): each window's sum over the zero-padded input, divided by
// divisor[oh, ow] (avg_pool2d_divisor: it carries count_include_pad and ceil_mode).
// Taps are added row by row, as the reference adds its kernel offsets, so float32 and
// float64 results are the reference's bit for bit.
extern "C" __global__ __launch_bounds__(256) void avg_pool2d(
    const scalar_t* __restrict__ x, const double* __restrict__ divisor, scalar_t* __restrict__ out, index_t N,
    index_t C, index_t H, index_t W, index_t OH, index_t OW, index_t KH, index_t KW, index_t SH, index_t SW,
    index_t PH, index_t PW, index_t channels_last) {
    const index_t total = N * C * OH * OW;
    const Strides xs = dense_strides(C, H, W, channels_last);
    GRID_STRIDE(i, total) {
        index_t n, c, oh, ow;
        unravel(i, total, C, OH, OW, channels_last, n, c, oh, ow);
        const scalar_t* plane = x + n * xs.n + c * xs.c;
        const index_t r0 = oh * SH - PH, c0 = ow * SW - PW;
        const index_t r_lo = max(r0, (index_t)0), r_hi = min(r0 + KH, H);
        const index_t c_lo = max(c0, (index_t)0), c_hi = min(c0 + KW, W);
        acc_t sum = 0;
        for (index_t r = r_lo; r < r_hi; ++r)
            for (index_t col = c_lo; col < c_hi; ++col) sum += to_acc(plane[r * xs.h + col * xs.w]);
        out[i] = from_acc(sum / (acc_t)divisor[oh * OW + ow]);
    }
}

// out (N, C, H, W) = the adjoint of avg_pool2d applied to grad (N, C, OH, OW), in gather
// form: each input element sums grad / divisor over the windows that cover it, so no two
// threads write one element (no atomics) and the order is fixed (the last window first,
// the order in which the reference's kernel offsets reach an element). It multiplies by
// 1 / divisor (inv_divisor, as cpu.py): an IEEE division in the loop is a called slow
// path around which ptxas spills, so results are within an ulp of the reference's.
extern "C" __global__ __launch_bounds__(256) void avg_pool2d_backward(
    const scalar_t* __restrict__ grad, const double* __restrict__ inv_divisor, scalar_t* __restrict__ out, index_t N,
    index_t C, index_t H, index_t W, index_t OH, index_t OW, index_t KH, index_t KW, index_t SH, index_t SW,
    index_t PH, index_t PW, index_t channels_last) {
    const index_t total = N * C * H * W;
    const Strides gs = dense_strides(C, OH, OW, channels_last);
    GRID_STRIDE(i, total) {
        index_t n, c, h, w;
        unravel(i, total, C, H, W, channels_last, n, c, h, w);
        const scalar_t* plane = grad + n * gs.n + c * gs.c;
        // window oh covers padded rows [oh * SH, oh * SH + KH): those holding row h + PH
        const index_t hp = h + PH, wp = w + PW;
        const index_t oh_lo = hp < KH ? 0 : quotient(hp - KH, SH) + 1, oh_hi = min(quotient(hp, SH) + 1, OH);
        const index_t ow_lo = wp < KW ? 0 : quotient(wp - KW, SW) + 1, ow_hi = min(quotient(wp, SW) + 1, OW);
        acc_t sum = 0;
        for (index_t oh = oh_hi - 1; oh >= oh_lo; --oh)
            for (index_t ow = ow_hi - 1; ow >= ow_lo; --ow)
                sum += to_acc(plane[oh * gs.h + ow * gs.w]) * (acc_t)inv_divisor[oh * OW + ow];
        out[i] = from_acc(sum);
    }
}

// out (N, C, K) = x[n, c].flat[index[n, c, k]], reading 0 where the index is -1 (a dilated
// window that missed the image). x is (N, C, HW) and index/out (N, C, K), dense in one
// memory order: NCHW puts a plane's positions at stride 1, NHWC at stride C. One thread
// per result element, in memory order.
extern "C" __global__ __launch_bounds__(256) void gather_planes(
    const scalar_t* __restrict__ x, const index_t* __restrict__ index, scalar_t* __restrict__ out, index_t N,
    index_t C, index_t HW, index_t K, index_t channels_last) {
    const index_t total = N * C * K;
    GRID_STRIDE(i, total) {
        // (n, c, k) as an (N, C, 1, K) array: unravel's h is always 0
        index_t n, c, unused, k;
        unravel(i, total, C, 1, K, channels_last, n, c, unused, k);
        const index_t p = index[i];
        const index_t offset = channels_last ? (n * HW + p) * C + c : (n * C + c) * HW + p;
        out[i] = p >= 0 ? x[offset] : from_acc((acc_t)0);
    }
}

// out (N, C, HW) = zeros with values (N, C, K) added at the flat positions index
// (N, C, K); index -1 adds nothing. The index is arbitrary (max pooling's argmax,
// max_unpool2d's indices), so an output element cannot find its contributors by itself.
// Determinism without atomics: each plane's HW positions are split into `owners`
// contiguous slices, and thread (plane, owner) zeroes its slice, then walks all K entries
// of the plane in order and adds those that land in its slice. Every position is thus
// written by one thread, its values added in index order (the reference's bincount
// order), whatever `owners` and the launch shape are: `owners` only trades threads (to
// fill the GPU when planes are few) against repeated reads of the index.
// Thread order: NCHW (owner, plane) with the owner fastest, so the owners of a plane sit
// side by side in a warp and read each index entry as one broadcast; NHWC (channel,
// owner, image) with the channel fastest, so a warp reads a row of C entries at once.
extern "C" __global__ __launch_bounds__(256) void scatter_add_planes(
    const scalar_t* __restrict__ values, const index_t* __restrict__ index, scalar_t* __restrict__ out, index_t N,
    index_t C, index_t K, index_t HW, index_t owners, index_t channels_last) {
    const index_t total = N * C * owners;
    GRID_STRIDE(t, total) {
        index_t n, c, owner, unused;
        if (channels_last)
            unravel(t, total, C, 1, owners, 1, n, c, unused, owner);  // memory order (n, owner, c)
        else
            unravel(t, total, C, 1, owners, 0, n, c, unused, owner);  // memory order (n, c, owner)
        const index_t stride = channels_last ? C : 1;
        const index_t entries = channels_last ? n * K * C + c : (n * C + c) * K;
        scalar_t* plane = out + (channels_last ? n * HW * C + c : (n * C + c) * HW);
        const index_t lo = quotient(owner * HW, owners), hi = quotient((owner + 1) * HW, owners);
        for (index_t p = lo; p < hi; ++p) plane[p * stride] = from_acc((acc_t)0);
        // one unsigned compare tests lo <= p < hi (and rejects p = -1)
        const unsigned long long span = (unsigned long long)(hi - lo);
#pragma unroll 4
        for (index_t k = 0; k < K; ++k) {
            const index_t p = index[entries + k * stride];
            if ((unsigned long long)(p - lo) < span)
                plane[p * stride] = from_acc(to_acc(plane[p * stride]) + to_acc(values[entries + k * stride]));
        }
    }
}
