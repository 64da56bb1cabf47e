// Wigner-d contractions of the S2 and SO(3) transforms, the part of s2_fft / s2_ifft / so3_fft /
// so3_ifft between the FFTs along alpha (and gamma), which stay in cuFFT.
//
// Notation. Z batch entries, J = 2 b_grid points beta_j, N = 2 b_grid FFT indices per FFT axis,
// L degrees 0 <= l < L (L <= b_grid, checked by the launcher). A coefficient has frequencies
// (p, q): SO(3) p = m (along alpha), q = n (along gamma); S2 only q = m, and p = 0. Its degrees run
// over l0(p, q) <= l < L with l0 = max(|p|, |q|) (SO(3)) or |q| (S2): for every (p, q) the
// contraction is a small GEMM over a ragged l-range, which is how the kernels tile it.
//
// Memory layouts (C order, complex = (re, im) interleaved):
//   signal  X, Y [Z, J, N, N] (SO(3): z, beta_j, alpha-frequency index kp, gamma-frequency kq)
//                [Z, J, N]    (S2: z, beta_j, alpha-frequency index kq)
//   table   T    [rows(L), J] real, row spec_row(l, p, q) (see common.cuh), the d^l_{pq}(beta_j)
//                times whatever the transform needs (quadrature weight or 2l+1)
//   spectrum F   [rows, Z], row spec_row(l, p, q), rows >= rows(L) are not touched
#include "common.cuh"

namespace s2cnn {
namespace contract {
constexpr int NT = 128;  // threads per block
constexpr int TG = 8;    // frequencies q per block (consecutive: one contiguous run in X / Y)
constexpr int TL = 8;    // degrees per tile (analysis: outputs; synthesis: reduction chunk)
constexpr int TJ = 8;    // beta points per tile (analysis: reduction chunk; synthesis: outputs)
constexpr int TZ = 32;   // batch entries per block
constexpr int ZS = NT / TG;  // 16: a thread owns batch entries z0 + tz + ZS * s, s = 0, 1
static_assert(2 * ZS == TZ, "each thread owns two batch entries");
}  // namespace contract

// Analysis (forward of s2_fft / so3_fft, backward of s2_ifft / so3_ifft):
//
//     F[spec_row(l, p, q), z] = sum_{j < J} T[spec_row(l, p, q), j] * X[z, j, kp(p), kq(q)]
//
// for |p|, |q| < L and l0(p, q) <= l < L (kp, kq: FFT index of the frequency).
//
// Grid: x = lt + n_ltiles * zt (degree tile lt, batch tile zt), y = tile of TG consecutive q in
// -L < q < L, z = p + L - 1 (SO(3); 1 for S2). Block (p, q-tile, lt, zt) computes for each q in
// its tile the degrees l0(p, q) + lt*TL + i, i < TL, for TZ batch entries: TG independent GEMMs
// [TL x J] * [J x TZ] of a real table tile by a complex signal tile, reduced over J in chunks of
// TJ staged in shared memory. A thread owns one q, two z and all TL degrees (16 accumulators).
// Loads: X runs of TG consecutive kq (64 B / 128 B), T runs of TJ consecutive j (32 B / 64 B),
// stores: runs of 16 consecutive z.
//
// Bound. flops = 4 J Z rows(L) (real x complex multiply-add). Bytes from DRAM, once the X tile of
// a (p, q-tile, zt) stays in L2 while its lt blocks run (lt is the fastest grid index):
// X: Z J (2L-1)^d c (d = 2 SO(3), 1 S2; only the coefficients that carry a frequency < L are read),
// T: rows(L) J r per batch tile (ceil(Z/TZ) passes, L2-resident across neighbouring batch tiles),
// F: rows(L) Z c written (c = complex size, r = real size). Memory-bound below b ~ 100
// (~ b/5 flop per byte for SO(3) with b_in = b_out = b).
template <typename R, bool SO3>
__global__ void __launch_bounds__(contract::NT)
    wigner_analysis(const cplx<R>* __restrict__ X, const R* __restrict__ T, cplx<R>* __restrict__ F,
                    const int Z, const int J, const int N, const int L, const int n_ltiles) {
    using namespace contract;
    __shared__ cplx<R> xs[TJ][TZ][TG + 1];  // signal chunk, q fastest (+1: bank spread)
    __shared__ R ts[TG][TL * TJ + 1];       // table chunk per q, j fastest (+1: bank spread)

    const int tid = (int)threadIdx.x;
    const int lt = (int)(blockIdx.x % (unsigned)n_ltiles);
    const int z0 = (int)(blockIdx.x / (unsigned)n_ltiles) * TZ;
    const int c0 = (int)blockIdx.y * TG;  // compact index c = q + L - 1 of the first q
    const int ncomp = 2 * L - 1;
    const int p = SO3 ? (int)blockIdx.z - (L - 1) : 0;
    const i64 plane = SO3 ? (i64)N * N : (i64)N;  // elements per (z, j)
    const i64 p_offset = SO3 ? (i64)fft_index(p, N) * N : 0;

    // Leave when no q of the tile has a degree in this tile (block-uniform, before any barrier).
    int l0_block = L;
    for (int g = 0; g < TG; ++g) {
        if (c0 + g < ncomp) {
            l0_block = imin(l0_block, degree_start<SO3>(p, c0 + g - (L - 1)));
        }
    }
    if (l0_block + lt * TL >= L) {
        return;
    }

    const int tz = tid % ZS;
    const int tg = tid / ZS;
    const int q = c0 + tg - (L - 1);
    const bool q_ok = c0 + tg < ncomp;
    const int l_first = degree_start<SO3>(p, q) + lt * TL;

    cplx<R> acc[TL][2];
    for (int i = 0; i < TL; ++i) {
        acc[i][0] = czero<R>();
        acc[i][1] = czero<R>();
    }

    for (int j0 = 0; j0 < J; j0 += TJ) {
        // X chunk: TJ x TZ x TG elements, consecutive threads read consecutive kq.
        for (int e = tid; e < TJ * TZ * TG; e += NT) {
            const int g = e % TG;
            const int jj = (e / TG) % TJ;
            const int zz = e / (TG * TJ);
            const int c = c0 + g;
            const int j = j0 + jj;
            const int z = z0 + zz;
            cplx<R> v = czero<R>();
            if (c < ncomp && j < J && z < Z) {
                v = S2CNN_LD(X + ((i64)z * J + j) * plane + p_offset + fft_index(c - (L - 1), N));
            }
            xs[jj][zz][g] = v;
        }
        // T chunk: TG x TL x TJ elements, consecutive threads read consecutive j.
        for (int e = tid; e < TG * TL * TJ; e += NT) {
            const int jj = e % TJ;
            const int i = (e / TJ) % TL;
            const int g = e / (TJ * TL);
            const int c = c0 + g;
            const int j = j0 + jj;
            R v = R(0);
            if (c < ncomp && j < J) {
                const int qg = c - (L - 1);
                const int l = degree_start<SO3>(p, qg) + lt * TL + i;
                if (l < L) {
                    v = S2CNN_LD(T + spec_row<SO3>(l, p, qg) * J + j);
                }
            }
            ts[g][i * TJ + jj] = v;
        }
        __syncthreads();
        for (int jj = 0; jj < TJ; ++jj) {
            const cplx<R> x0 = xs[jj][tz][tg];
            const cplx<R> x1 = xs[jj][tz + ZS][tg];
            for (int i = 0; i < TL; ++i) {
                const R t = ts[tg][i * TJ + jj];
                mac_real(acc[i][0], t, x0);
                mac_real(acc[i][1], t, x1);
            }
        }
        __syncthreads();
    }

    if (!q_ok) {
        return;
    }
    for (int i = 0; i < TL; ++i) {
        const int l = l_first + i;
        if (l >= L) {
            break;
        }
        const i64 row = spec_row<SO3>(l, p, q);
        for (int s = 0; s < 2; ++s) {
            const int z = z0 + tz + ZS * s;
            if (z < Z) {
                S2CNN_ST(F + row * Z + z, acc[i][s]);
            }
        }
    }
}

// Synthesis (forward of s2_ifft / so3_ifft, backward of s2_fft / so3_fft), the transpose of the
// analysis:
//
//     Y[z, j, kp, kq] = sum_{l0(p, q) <= l < L} T[spec_row(l, p, q), j] * F[spec_row(l, p, q), z]
//
// for every FFT index kp, kq < N (frequencies p, q); Y is 0 where no l < L carries (p, q),
// including the Nyquist index, so every element of Y is written once and Y needs no zero fill.
//
// Grid: x = jt + n_jtiles * zt (beta tile jt, batch tile zt), y = tile of TG consecutive kq,
// z = kp (SO(3); 1 for S2). Block (kp, kq-tile, jt, zt) computes Y for TG frequencies q, TJ beta
// points and TZ batch entries; per q a GEMM [TJ x l-range] * [l-range x TZ] reduced over its own
// degrees l0(p, q) + TL*chunk + i in chunks of TL staged in shared memory. A thread owns one q,
// two z and all TJ beta points (16 accumulators). Loads: F runs of TZ consecutive z, T runs of TJ
// consecutive j; stores: runs of TG consecutive kq (64 B / 128 B).
//
// Bound. flops = 4 J Z rows(L). Bytes from DRAM: F rows(L) Z c (re-read once per beta tile,
// ceil(J/TJ) passes, from L2: jt is the fastest grid index), T rows(L) J r per batch tile,
// Y: Z J N^d c written (the zeros included).
template <typename R, bool SO3>
__global__ void __launch_bounds__(contract::NT)
    wigner_synthesis(const cplx<R>* __restrict__ F, const R* __restrict__ T, cplx<R>* __restrict__ Y,
                     const int Z, const int J, const int N, const int L, const int n_jtiles) {
    using namespace contract;
    __shared__ cplx<R> fs[TL][TZ][TG + 1];  // spectrum chunk, q fastest (+1: bank spread)
    __shared__ R ts[TG][TL * TJ + 1];       // table chunk per q, j fastest (+1: bank spread)

    const int tid = (int)threadIdx.x;
    const int j0 = (int)(blockIdx.x % (unsigned)n_jtiles) * TJ;
    const int z0 = (int)(blockIdx.x / (unsigned)n_jtiles) * TZ;
    const int k0 = (int)blockIdx.y * TG;  // FFT index of the first q
    const int kp = SO3 ? (int)blockIdx.z : 0;
    const int p = SO3 ? fft_freq(kp, N) : 0;
    const i64 plane = SO3 ? (i64)N * N : (i64)N;
    const i64 p_offset = SO3 ? (i64)kp * N : 0;

    // Reduction chunks: enough for the q of the tile with the longest l-range (block-uniform).
    int l0_block = L;
    for (int g = 0; g < TG; ++g) {
        if (k0 + g < N) {
            l0_block = imin(l0_block, degree_start<SO3>(p, fft_freq(k0 + g, N)));
        }
    }
    const int n_chunks = l0_block < L ? (L - l0_block + TL - 1) / TL : 0;

    const int tg = tid % TG;
    const int tz = tid / TG;

    cplx<R> acc[TJ][2];
    for (int jj = 0; jj < TJ; ++jj) {
        acc[jj][0] = czero<R>();
        acc[jj][1] = czero<R>();
    }

    for (int chunk = 0; chunk < n_chunks; ++chunk) {
        // F chunk: TG x TL x TZ elements, consecutive threads read consecutive z.
        for (int e = tid; e < TG * TL * TZ; e += NT) {
            const int zz = e % TZ;
            const int i = (e / TZ) % TL;
            const int g = e / (TZ * TL);
            const int k = k0 + g;
            const int z = z0 + zz;
            cplx<R> v = czero<R>();
            if (k < N && z < Z) {
                const int qg = fft_freq(k, N);
                const int l = degree_start<SO3>(p, qg) + chunk * TL + i;
                if (l < L) {
                    v = S2CNN_LD(F + spec_row<SO3>(l, p, qg) * Z + z);
                }
            }
            fs[i][zz][g] = v;
        }
        // T chunk: TG x TL x TJ elements, consecutive threads read consecutive j.
        for (int e = tid; e < TG * TL * TJ; e += NT) {
            const int jj = e % TJ;
            const int i = (e / TJ) % TL;
            const int g = e / (TJ * TL);
            const int k = k0 + g;
            const int j = j0 + jj;
            R v = R(0);
            if (k < N && j < J) {
                const int qg = fft_freq(k, N);
                const int l = degree_start<SO3>(p, qg) + chunk * TL + i;
                if (l < L) {
                    v = S2CNN_LD(T + spec_row<SO3>(l, p, qg) * J + j);
                }
            }
            ts[g][i * TJ + jj] = v;
        }
        __syncthreads();
        for (int i = 0; i < TL; ++i) {
            const cplx<R> f0 = fs[i][tz][tg];
            const cplx<R> f1 = fs[i][tz + ZS][tg];
            for (int jj = 0; jj < TJ; ++jj) {
                const R t = ts[tg][i * TJ + jj];
                mac_real(acc[jj][0], t, f0);
                mac_real(acc[jj][1], t, f1);
            }
        }
        __syncthreads();
    }

    const int k = k0 + tg;
    if (k >= N) {
        return;
    }
    for (int jj = 0; jj < TJ; ++jj) {
        const int j = j0 + jj;
        if (j >= J) {
            break;
        }
        for (int s = 0; s < 2; ++s) {
            const int z = z0 + tz + ZS * s;
            if (z < Z) {
                S2CNN_ST(Y + ((i64)z * J + j) * plane + p_offset + k, acc[jj][s]);
            }
        }
    }
}

}  // namespace s2cnn
