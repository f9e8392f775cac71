// The CUDA names the kernels use, defined for host C++, so that a kernel's exact source
// compiles with g++ and runs on the CPU (tests/support/cuda_host.py). Blocks run one at a
// time, in reverse order, so a kernel that relies on an order CUDA does not promise fails
// here too. A kernel without __syncthreads runs a block's threads one after another, the
// last first; one that has it runs each CUDA thread as a fiber (ucontext) of one OS
// thread: __syncthreads hands over to the next fiber, and a round over all of a block's
// fibers is one barrier phase, so every thread reaches the barrier before any passes it.
// Why fibers: with real threads (one per CUDA thread, meeting at a std::barrier) the 49
// batch-norm statistics launches of an EfficientNet-B0 forward took 18.8 s on 2 cores,
// with fibers 2.9 s (32-thread blocks both times).
#pragma once
#define MINITORCH_HOST_BUILD 1
#include <math.h>
#include <atomic>
#include <cstring>
#include <memory>
#include <type_traits>
#include <ucontext.h>
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

// the running fiber's context and the scheduler's, while a barrier kernel runs
inline thread_local ucontext_t* host_fiber = nullptr;
inline thread_local ucontext_t* host_scheduler = nullptr;
// set when a kernel run without fibers (cuda_host.py found no __syncthreads it can reach)
// meets one in a block of more than one thread: the launch then reports an error rather
// than results computed without the barrier
inline thread_local bool host_missed_barrier = false;
inline void __syncthreads() {
    if (host_fiber) {
        swapcontext(host_fiber, host_scheduler);
    } else if (blockDim.x * blockDim.y * blockDim.z > 1) {
        host_missed_barrier = true;
    }
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

struct HostFiber {
    ucontext_t context;
    bool done;
};
inline thread_local void (*host_fiber_body)(void*) = nullptr;
inline thread_local void* host_fiber_argument = nullptr;
inline thread_local HostFiber* host_fiber_running = nullptr;
inline void host_fiber_entry() {
    host_fiber_body(host_fiber_argument);
    host_fiber_running->done = true;  // then uc_link returns to the scheduler
}

inline void host_set_indices(unsigned t, long long b, const unsigned* grid, const unsigned* block) {
    threadIdx = dim3{t % block[0], t / block[0] % block[1], t / (block[0] * block[1])};
    blockIdx = dim3{unsigned(b % grid[0]), unsigned(b / grid[0] % grid[1]), unsigned(b / ((long long)grid[0] * grid[1]))};
    blockDim = dim3{block[0], block[1], block[2]};
    gridDim = dim3{grid[0], grid[1], grid[2]};
}

// Runs the grid; returns 1 when a block's threads, run one after another, met a
// __syncthreads (see host_missed_barrier), 2 when some of a block's threads waited at a
// barrier that others never reached (they had returned: undefined in CUDA), else 0.
// Each round runs the fibers in the order opposite to the last one's, so a kernel that
// reads another thread's write without a barrier between them reads it too early in one
// round or the next, whichever thread index wrote it.
template <class Body>
int host_run_grid(const unsigned* grid, const unsigned* block, int with_fibers, Body body) {
    const unsigned threads = block[0] * block[1] * block[2];
    const long long blocks = (long long)grid[0] * grid[1] * grid[2];
    host_missed_barrier = false;
    if (!with_fibers) {
        for (long long b = blocks - 1; b >= 0; --b)
            for (unsigned t = threads; t-- > 0;) {
                host_set_indices(t, b, grid, block);
                body();
            }
        return host_missed_barrier ? 1 : 0;
    }
    constexpr size_t STACK = 64 * 1024;  // the kernels' frames are a few hundred bytes
    std::vector<HostFiber> fibers(threads);
    std::unique_ptr<char[]> stacks(new char[(size_t)threads * STACK]);  // not zero-filled: 16 MiB at 256 threads
    ucontext_t scheduler;
    host_fiber_body = [](void* argument) { (*static_cast<Body*>(argument))(); };
    host_fiber_argument = &body;
    host_scheduler = &scheduler;
    for (long long b = blocks - 1; b >= 0; --b) {
        for (unsigned t = 0; t < threads; ++t) {
            HostFiber& fiber = fibers[t];
            getcontext(&fiber.context);
            fiber.context.uc_stack.ss_sp = stacks.get() + (size_t)t * STACK;
            fiber.context.uc_stack.ss_size = STACK;
            fiber.context.uc_link = &scheduler;
            fiber.done = false;
            makecontext(&fiber.context, host_fiber_entry, 0);
        }
        int uneven = 0;
        bool descending = true;
        for (unsigned waiting = threads; waiting > 0; descending = !descending) {  // one round: one barrier phase
            unsigned finished = 0;
            waiting = 0;
            for (unsigned k = 0; k < threads; ++k) {
                const unsigned t = descending ? threads - 1 - k : k;
                HostFiber& fiber = fibers[t];
                if (fiber.done) continue;
                host_set_indices(t, b, grid, block);
                host_fiber = &fiber.context;
                host_fiber_running = &fiber;
                swapcontext(&scheduler, &fiber.context);
                (fiber.done ? finished : waiting) += 1;
            }
            if (finished > 0 && waiting > 0) uneven = 1;
        }
        if (uneven) {
            host_fiber = nullptr;
            host_scheduler = nullptr;
            return 2;
        }
    }
    host_fiber = nullptr;
    host_scheduler = nullptr;
    return 0;
}
