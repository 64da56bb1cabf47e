// Host-side stand-ins for the CUDA built-ins the s2cnn kernels use, for the CPU emulation in
// verify/cuda_emu/harness.cpp. The kernels are compiled unchanged by a host C++17 compiler:
//   * every CUDA thread of a block is a fiber (ucontext); __syncthreads() switches back to the
//     scheduler, which releases the barrier once every thread of the block has arrived there
//     (a thread that exits while others wait is reported as a divergent barrier);
//   * __shared__ variables are function-local statics: one copy, shared by the fibers of the
//     block that runs (blocks run one after the other);
//   * global loads and stores (S2CNN_LD / S2CNN_ST) are checked against the buffers of the launch
//     and every store is counted per element.
#pragma once

struct emu_dim3 {
    unsigned x, y, z;
};

// Values of the running fiber (the scheduler sets them before it switches to a fiber).
extern emu_dim3 threadIdx, blockIdx, blockDim, gridDim;

void __syncthreads();
// Both return false (and record an error) for an access outside the buffers of the launch.
bool emu_check_load(const void* ptr, unsigned long size);
bool emu_record_store(const void* ptr, unsigned long size);

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(n)
#define __shared__ static

template <typename T>
inline T emu_load(const T* ptr) {
    return emu_check_load(ptr, sizeof(T)) ? *ptr : T{};
}

template <typename T, typename V>
inline void emu_store(T* ptr, const V& value) {
    if (emu_record_store(ptr, sizeof(T))) {
        *ptr = value;
    }
}

#define S2CNN_LD(ptr) emu_load(ptr)
#define S2CNN_ST(ptr, value) emu_store((ptr), (value))
