// The CUDA names the kernels use, defined for host C++, so that a kernel's exact source
// compiles with g++ and runs on the CPU (tests/support/cuda_host.py). A block's threads
// run as real threads with a real barrier when the kernel calls __syncthreads, else one
// after another; blocks run one at a time, in reverse order, so a kernel that relies on
// an order CUDA does not promise fails here too.
#pragma once
#define MINITORCH_HOST_BUILD 1
#include <math.h>
#include <atomic>
#include <barrier>
#include <cstring>
#include <thread>
#include <type_traits>
#include <vector>

struct dim3 {
    unsigned int x, y, z;
};
inline thread_local dim3 threadIdx{0, 0, 0};
inline thread_local dim3 blockIdx{0, 0, 0};
inline thread_local dim3 blockDim{1, 1, 1};
inline thread_local dim3 gridDim{1, 1, 1};

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
// blocks run one at a time, so a function's static array is the running block's shared memory
#define __shared__ static

inline thread_local std::barrier<>* host_block_barrier = nullptr;
inline void __syncthreads() {
    if (host_block_barrier) host_block_barrier->arrive_and_wait();
}

template <class T>
inline T atomicAdd(T* address, T value) {
    return std::atomic_ref<T>(*address).fetch_add(value);
}

template <class A, class B>
inline std::common_type_t<A, B> min(A a, B b) { return b < a ? b : a; }
template <class A, class B>
inline std::common_type_t<A, B> max(A a, B b) { return a < b ? b : a; }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }

inline float host_half_to_float(unsigned short bits) {
    _Float16 h;
    std::memcpy(&h, &bits, sizeof bits);
    return (float)h;
}
inline unsigned short host_float_to_half(float value) {
    _Float16 h = (_Float16)value;
    unsigned short bits;
    std::memcpy(&bits, &h, sizeof bits);
    return bits;
}

template <class Body>
void host_run_grid(const unsigned* grid, const unsigned* block, int threaded, Body body) {
    const unsigned threads = block[0] * block[1] * block[2];
    const long long blocks = (long long)grid[0] * grid[1] * grid[2];
    for (long long b = blocks - 1; b >= 0; --b) {
        const dim3 block_index{unsigned(b % grid[0]), unsigned(b / grid[0] % grid[1]),
                               unsigned(b / ((long long)grid[0] * grid[1]))};
        auto run_thread = [&](unsigned t, std::barrier<>* barrier) {
            threadIdx = dim3{t % block[0], t / block[0] % block[1], t / (block[0] * block[1])};
            blockIdx = block_index;
            blockDim = dim3{block[0], block[1], block[2]};
            gridDim = dim3{grid[0], grid[1], grid[2]};
            host_block_barrier = barrier;
            body();
            host_block_barrier = nullptr;
        };
        if (threaded) {
            std::barrier<> barrier(threads);
            std::vector<std::thread> workers;
            workers.reserve(threads);
            for (unsigned t = 0; t < threads; ++t) workers.emplace_back(run_thread, t, &barrier);
            for (auto& worker : workers) worker.join();
        } else {
            for (unsigned t = threads; t-- > 0;) run_thread(t, nullptr);
        }
    }
}
