// CPU emulation of the s2cnn CUDA kernels (see shim.h): a shared library with a C entry point
// that runs one launch (grid, block, arguments) of a kernel instantiation on host memory.
//
// Built by verify/cuda_emu/__init__.py with
//   g++ -std=c++17 -O1 -shared -fPIC -I<build dir> harness.cpp -o emu.so
// where <build dir>/s2cnn_kernels.inc holds s2cnn.backends.cuda._source.kernel_source().
#include <ucontext.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "shim.h"

#include "s2cnn_kernels.inc"

emu_dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace {

enum State { READY, AT_BARRIER, DONE };

struct Fiber {
    ucontext_t ctx;
    std::vector<char> stack;
    State state;
    emu_dim3 tid;
};

struct Buffer {
    uintptr_t lo, hi;  // [lo, hi)
    unsigned long elem;
    bool writable;
    std::vector<int32_t> writes;  // per element, writable buffers only
};

constexpr size_t kStack = 256 * 1024;

ucontext_t g_scheduler;
std::vector<Fiber> g_fibers;
int g_current = -1;
std::function<void()> g_body;
std::vector<Buffer> g_buffers;
std::string g_error;

void fail(const std::string& message) {
    if (g_error.empty()) {
        g_error = message;
    }
}

std::string where() {
    char text[160];
    std::snprintf(text, sizeof text, "block (%u, %u, %u) thread (%u, %u, %u)", blockIdx.x, blockIdx.y,
                  blockIdx.z, threadIdx.x, threadIdx.y, threadIdx.z);
    return text;
}

Buffer* find(const void* ptr, unsigned long size) {
    const uintptr_t p = reinterpret_cast<uintptr_t>(ptr);
    for (Buffer& b : g_buffers) {
        if (p >= b.lo && p + size <= b.hi) {
            return &b;
        }
    }
    return nullptr;
}

void fiber_entry() {
    g_body();
    g_fibers[g_current].state = DONE;
    // returning resumes uc_link, the scheduler
}

}  // namespace

bool emu_check_load(const void* ptr, unsigned long size) {
    if (find(ptr, size) == nullptr) {
        char text[96];
        std::snprintf(text, sizeof text, "load of %lu bytes at %p outside the buffers, ", size, ptr);
        fail(text + where());
        return false;
    }
    return true;
}

bool emu_record_store(const void* ptr, unsigned long size) {
    Buffer* b = find(ptr, size);
    if (b == nullptr || !b->writable) {
        char text[112];
        std::snprintf(text, sizeof text, "store of %lu bytes at %p outside the output buffers, ", size, ptr);
        fail(text + where());
        return false;
    }
    const uintptr_t offset = reinterpret_cast<uintptr_t>(ptr) - b->lo;
    if (offset % b->elem != 0 || size != b->elem) {
        fail("misaligned or partial store, " + where());
        return false;
    }
    b->writes[offset / b->elem] += 1;
    return true;
}

void __syncthreads() {
    Fiber& f = g_fibers[g_current];
    f.state = AT_BARRIER;
    swapcontext(&f.ctx, &g_scheduler);
}

namespace {

using Kernel = std::function<void(const long long*)>;

#define S2CNN_EMU_KERNEL(NAME, R, SO3, PTR0, PTR1, PTR2, NINT)                                      \
    {                                                                                               \
        "s2cnn::" #NAME "<" #R ", " #SO3 ">", [](const long long* a) {                              \
            call_##NINT(s2cnn::NAME<R, SO3>, reinterpret_cast<PTR0>(a[0]), reinterpret_cast<PTR1>(a[1]), \
                        reinterpret_cast<PTR2>(a[2]), a + 3);                                        \
        }                                                                                           \
    }

template <typename K, typename A, typename B, typename C>
void call_5(K kernel, A a, B b, C c, const long long* i) {
    kernel(a, b, c, (int)i[0], (int)i[1], (int)i[2], (int)i[3], (int)i[4]);
}

template <typename K, typename A, typename B, typename C>
void call_3(K kernel, A a, B b, C c, const long long* i) {
    kernel(a, b, c, (int)i[0], (int)i[1], (int)i[2]);
}

#define S2CNN_EMU_CONTRACT(NAME, R, SO3) \
    S2CNN_EMU_KERNEL(NAME, R, SO3, const s2cnn::cplx<R>*, const R*, s2cnn::cplx<R>*, 5)
#define S2CNN_EMU_PRODUCT(NAME, R, SO3) \
    S2CNN_EMU_KERNEL(NAME, R, SO3, const s2cnn::cplx<R>*, const s2cnn::cplx<R>*, s2cnn::cplx<R>*, 3)
#define S2CNN_EMU_ALL(R, SO3)                              \
    S2CNN_EMU_CONTRACT(wigner_analysis, R, SO3),           \
        S2CNN_EMU_CONTRACT(wigner_synthesis, R, SO3),      \
        S2CNN_EMU_PRODUCT(block_product, R, SO3),          \
        S2CNN_EMU_PRODUCT(block_product_grad_x, R, SO3),   \
        S2CNN_EMU_PRODUCT(block_product_grad_y, R, SO3)

const std::unordered_map<std::string, Kernel>& kernels() {
    static const std::unordered_map<std::string, Kernel> table = {
        S2CNN_EMU_ALL(float, false), S2CNN_EMU_ALL(float, true), S2CNN_EMU_ALL(double, false),
        S2CNN_EMU_ALL(double, true)};
    return table;
}

// Run one block: every fiber until the barrier or its end, repeatedly. order: 0 thread 0 first,
// 1 last thread first, 2 alternate between the two every phase.
bool run_block(int order) {
    const int n = (int)g_fibers.size();
    for (int t = 0; t < n; ++t) {
        Fiber& f = g_fibers[t];
        getcontext(&f.ctx);
        f.ctx.uc_stack.ss_sp = f.stack.data();
        f.ctx.uc_stack.ss_size = f.stack.size();
        f.ctx.uc_link = &g_scheduler;
        makecontext(&f.ctx, fiber_entry, 0);
        f.state = READY;
    }
    for (int phase = 0;; ++phase) {
        const bool reverse = order == 1 || (order == 2 && phase % 2 == 1);
        for (int s = 0; s < n; ++s) {
            const int t = reverse ? n - 1 - s : s;
            Fiber& f = g_fibers[t];
            if (f.state != READY) {
                continue;
            }
            g_current = t;
            threadIdx = f.tid;
            swapcontext(&g_scheduler, &f.ctx);
        }
        int done = 0;
        int waiting = 0;
        for (const Fiber& f : g_fibers) {
            done += f.state == DONE;
            waiting += f.state == AT_BARRIER;
        }
        if (done == n) {
            return true;
        }
        if (done > 0) {
            char text[160];
            std::snprintf(text, sizeof text,
                          "divergent __syncthreads: %d threads exited while %d wait at a barrier, block (%u, "
                          "%u, %u), phase %d",
                          done, waiting, blockIdx.x, blockIdx.y, blockIdx.z, phase);
            fail(text);
            return false;
        }
        for (Fiber& f : g_fibers) {
            f.state = READY;
        }
    }
}

}  // namespace

extern "C" {

// Buffers of the next launch: n entries of [lo, lo + nbytes), element size, writable flag.
void emu_set_buffers(int n, const unsigned long long* lo, const unsigned long long* nbytes,
                     const unsigned long long* elem, const int* writable) {
    g_buffers.clear();
    for (int i = 0; i < n; ++i) {
        Buffer b;
        b.lo = (uintptr_t)lo[i];
        b.hi = (uintptr_t)(lo[i] + nbytes[i]);
        b.elem = (unsigned long)elem[i];
        b.writable = writable[i] != 0;
        if (b.writable) {
            b.writes.assign(nbytes[i] / elem[i], 0);
        }
        g_buffers.push_back(std::move(b));
    }
}

// Store counts of buffer i (n elements) after a launch.
void emu_get_writes(int i, int32_t* out) {
    const Buffer& b = g_buffers.at((size_t)i);
    std::memcpy(out, b.writes.data(), b.writes.size() * sizeof(int32_t));
}

// The first error of the last launch ("" if none).
const char* emu_error() { return g_error.c_str(); }

// Run kernel `name` on grid[3] x block[3] with nargs 64-bit arguments (addresses and ints).
// Returns 0 on success, 1 on an unknown kernel, 2 on an error reported by emu_error().
int emu_launch(const char* name, const unsigned* grid, const unsigned* block, const long long* args,
               int nargs, int order) {
    g_error.clear();
    auto it = kernels().find(name);
    if (it == kernels().end()) {
        g_error = std::string("unknown kernel ") + name;
        return 1;
    }
    std::vector<long long> argv(args, args + nargs);
    const Kernel kernel = it->second;
    g_body = [kernel, argv]() { kernel(argv.data()); };
    gridDim = {grid[0], grid[1], grid[2]};
    blockDim = {block[0], block[1], block[2]};
    const unsigned n = block[0] * block[1] * block[2];
    g_fibers.resize(n);
    unsigned t = 0;
    for (unsigned z = 0; z < block[2]; ++z) {
        for (unsigned y = 0; y < block[1]; ++y) {
            for (unsigned x = 0; x < block[0]; ++x, ++t) {
                g_fibers[t].tid = {x, y, z};
                g_fibers[t].stack.resize(kStack);
            }
        }
    }
    for (unsigned bz = 0; bz < grid[2]; ++bz) {
        for (unsigned by = 0; by < grid[1]; ++by) {
            for (unsigned bx = 0; bx < grid[0]; ++bx) {
                blockIdx = {bx, by, bz};
                if (!run_block(order) || !g_error.empty()) {
                    return 2;
                }
            }
        }
    }
    return 0;
}

}  // extern "C"
