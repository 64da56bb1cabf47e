// Shared helpers of the s2cnn CUDA kernels: complex numbers, spectral layouts, FFT indices.
//
// Written in the subset of C++17 that both NVRTC (device code) and a host C++ compiler accept, so
// that verify/test_cuda_emulated.py can compile the very same kernel bodies on a CPU with a small
// emulation of blockIdx/threadIdx/__syncthreads. No header is included: NVRTC needs none of the
// CUDA toolkit's headers to build these kernels.
//
// Global loads and stores go through S2CNN_LD / S2CNN_ST so that the emulator can check bounds and
// count how often every output element is written. On the GPU they are plain dereferences.
#pragma once

#ifndef S2CNN_LD
#define S2CNN_LD(ptr) (*(ptr))
#endif
#ifndef S2CNN_ST
#define S2CNN_ST(ptr, value) (*(ptr) = (value))
#endif

namespace s2cnn {

typedef long long i64;

// A complex number stored as (re, im), the memory layout of torch.complex64 / complex128.
// Aligned to its size so that a load is one 8-byte (float) or 16-byte (double) transaction.
template <typename R>
struct alignas(2 * sizeof(R)) cplx {
    R re;
    R im;
};

template <typename R>
__device__ __forceinline__ cplx<R> czero() {
    cplx<R> z;
    z.re = R(0);
    z.im = R(0);
    return z;
}

// acc += a * x with a real.
template <typename R>
__device__ __forceinline__ void mac_real(cplx<R>& acc, const R a, const cplx<R>& x) {
    acc.re += a * x.re;
    acc.im += a * x.im;
}

// acc += op_a(a) * op_b(b), op = complex conjugation where CONJ_* is true.
template <bool CONJ_A, bool CONJ_B, typename R>
__device__ __forceinline__ void mac_cplx(cplx<R>& acc, const cplx<R>& a, const cplx<R>& b) {
    const R ai = CONJ_A ? -a.im : a.im;
    const R bi = CONJ_B ? -b.im : b.im;
    acc.re += a.re * b.re - ai * bi;
    acc.im += a.re * bi + ai * b.re;
}

__device__ __forceinline__ int iabs(const int v) { return v < 0 ? -v : v; }
__device__ __forceinline__ int imax(const int a, const int b) { return a > b ? a : b; }
__device__ __forceinline__ int imin(const int a, const int b) { return a < b ? a : b; }

// Number of rows below degree l: S2 l^2, SO(3) l(4l^2-1)/3.
template <bool SO3>
__device__ __forceinline__ i64 rows_below(const int l) {
    return SO3 ? (i64)l * (4LL * l * l - 1) / 3 : (i64)l * l;
}

// Row of F^l_{mn} in the SO(3) layout: l(4l^2-1)/3 + (m+l)(2l+1) + (n+l).
__device__ __forceinline__ i64 so3_row(const int l, const int m, const int n) {
    return rows_below<true>(l) + (i64)(m + l) * (2 * l + 1) + (n + l);
}

// Row of F^l_m in the S2 layout: l^2 + (m+l).
__device__ __forceinline__ i64 s2_row(const int l, const int m) { return (i64)l * l + (m + l); }

// Row of coefficient (l, p, q) of a Wigner table or spectrum: SO(3) row of F^l_{pq}, or the S2 row
// of F^l_q (p is then unused and 0).
template <bool SO3>
__device__ __forceinline__ i64 spec_row(const int l, const int p, const int q) {
    return SO3 ? so3_row(l, p, q) : s2_row(l, q);
}

// First degree l that carries frequencies (p, q): max(|p|, |q|) on SO(3), |q| on S2.
template <bool SO3>
__device__ __forceinline__ int degree_start(const int p, const int q) {
    return SO3 ? imax(iabs(p), iabs(q)) : iabs(q);
}

// Degree of row t (largest l with rows_below(l) <= t), by bisection over 0 <= l < 2^15.
template <bool SO3>
__device__ __forceinline__ int degree_of_row(const i64 t) {
    int lo = 0;
    int hi = 1 << 15;
    while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        if (rows_below<SO3>(mid) <= t) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

// Frequency of index k of an FFT of even length N: k for k < N/2, k - N for k > N/2. The Nyquist
// index N/2 maps to N/2, which no degree l < N/2 carries, so it reads as "no coefficient".
__device__ __forceinline__ int fft_freq(const int k, const int N) {
    return k < N / 2 ? k : (k == N / 2 ? N / 2 : k - N);
}

// FFT index of frequency f, |f| < N/2.
__device__ __forceinline__ int fft_index(const int f, const int N) { return f >= 0 ? f : f + N; }

}  // namespace s2cnn
