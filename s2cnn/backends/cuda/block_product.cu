// Spectral block products s2_mm / so3_mm and their gradients, as batched complex GEMMs.
//
// Per degree l the products are small matrix products over the feature axes, one per pair of
// spectral indices. With x [rows_x, Z, Fi], y [rows_y, Fi, Fo], z / G [so3_rows, Z, Fo] (C order):
//
//   s2_mm   z^l_{mn}[z, o] = sum_f x^l_m[z, f] conj(y^l_n[f, o])
//   so3_mm  z^l_{mn}[z, o] = sum_k sum_f x^l_{mk}[z, f] conj(y^l_{nk}[f, o])
//
// and, for an upstream gradient G of z (PyTorch's convention: the gradient of a complex tensor is
// the conjugate Wirtinger derivative, so for z = A x the gradient of x is A^H G; z is linear in x
// through conj(y) and antilinear in y):
//
//   so3 grad_x  gx^l_{mk}[z, f] = sum_n sum_o G^l_{mn}[z, o] y^l_{nk}[f, o]
//   so3 grad_y  gy^l_{nk}[f, o] = sum_m sum_z x^l_{mk}[z, f] conj(G^l_{mn}[z, o])
//   s2  grad_x  gx^l_m[z, f]    = sum_n sum_o G^l_{mn}[z, o] y^l_n[f, o]
//   s2  grad_y  gy^l_n[f, o]    = sum_m sum_z x^l_m[z, f] conj(G^l_{mn}[z, o])
//
// Each is, for every output row t (one block column of the grid), a GEMM
//
//   C[i, o] = sum_{r1 < R1} sum_{r2 < R2} op(A[i, r1, r2]) op(B[r1, r2, o])
//
// with strided A and B (tile_gemm below); the kernels only decode t into (l, ., .) and set the
// base pointers and strides. Rows of the SO(3) layout: so3_row(l, m, n); S2: s2_row(l, m).
#include "common.cuh"

namespace s2cnn {
namespace product {
constexpr int NT = 256;  // threads per block
constexpr int TI = 32;   // output rows i per block
constexpr int TO = 32;   // output columns o per block
constexpr int TR = 16;   // reduction chunk
constexpr int OS = 16;   // a thread owns columns o0 + to + OS * b and rows i0 + ti + OS * a, a, b < 2
static_assert(NT == OS * OS, "16 x 16 threads, 2 x 2 outputs each");
}  // namespace product

// Block tile (i0.., o0..) of C = op(A) op(B), reduction index r = r1 * R2 + r2 in chunks of TR:
//   A[i, r1, r2] = A[i * sAi + r1 * sA1 + r2 * sA2],  B[r1, r2, o] = B[r1 * sB1 + r2 * sB2 + o * sBo],
//   C[i, o] = C[i * sCi + o].
// Tiles are staged as [TR][TI] / [TR][TO] in shared memory; each global load walks the unit
// stride of its operand (r or i for A, r or o for B), stores walk o.
template <bool CONJ_A, bool CONJ_B, typename R>
__device__ __forceinline__ void tile_gemm(const cplx<R>* __restrict__ A, const i64 sAi, const i64 sA1,
                                          const i64 sA2, const cplx<R>* __restrict__ B, const i64 sB1,
                                          const i64 sB2, const i64 sBo, const int R1, const int R2,
                                          const int nI, const int nO, const int i0, const int o0,
                                          cplx<R>* __restrict__ C, const i64 sCi) {
    using namespace product;
    __shared__ cplx<R> as[TR][TI + 1];
    __shared__ cplx<R> bs[TR][TO + 1];

    const int tid = (int)threadIdx.x;
    const int to = tid % OS;
    const int ti = tid / OS;
    const int r_total = R1 * R2;
    const bool a_i_fast = sAi == 1 && sA2 != 1;  // walk i in memory order, else r
    const bool b_o_fast = sBo == 1;               // walk o in memory order, else r

    cplx<R> acc[2][2];
    for (int a = 0; a < 2; ++a) {
        acc[a][0] = czero<R>();
        acc[a][1] = czero<R>();
    }

    for (int r0 = 0; r0 < r_total; r0 += TR) {
        for (int e = tid; e < TI * TR; e += NT) {
            const int ii = a_i_fast ? e % TI : e / TR;
            const int rr = a_i_fast ? e / TI : e % TR;
            const int i = i0 + ii;
            const int r = r0 + rr;
            cplx<R> v = czero<R>();
            if (i < nI && r < r_total) {
                const int r1 = r / R2;
                const int r2 = r - r1 * R2;
                v = S2CNN_LD(A + i * sAi + r1 * sA1 + r2 * sA2);
            }
            as[rr][ii] = v;
        }
        for (int e = tid; e < TO * TR; e += NT) {
            const int oo = b_o_fast ? e % TO : e / TR;
            const int rr = b_o_fast ? e / TO : e % TR;
            const int o = o0 + oo;
            const int r = r0 + rr;
            cplx<R> v = czero<R>();
            if (o < nO && r < r_total) {
                const int r1 = r / R2;
                const int r2 = r - r1 * R2;
                v = S2CNN_LD(B + r1 * sB1 + r2 * sB2 + o * sBo);
            }
            bs[rr][oo] = v;
        }
        __syncthreads();
        for (int rr = 0; rr < TR; ++rr) {
            const cplx<R> a0 = as[rr][ti];
            const cplx<R> a1 = as[rr][ti + OS];
            const cplx<R> b0 = bs[rr][to];
            const cplx<R> b1 = bs[rr][to + OS];
            mac_cplx<CONJ_A, CONJ_B>(acc[0][0], a0, b0);
            mac_cplx<CONJ_A, CONJ_B>(acc[0][1], a0, b1);
            mac_cplx<CONJ_A, CONJ_B>(acc[1][0], a1, b0);
            mac_cplx<CONJ_A, CONJ_B>(acc[1][1], a1, b1);
        }
        __syncthreads();
    }

    for (int a = 0; a < 2; ++a) {
        const int i = i0 + ti + OS * a;
        for (int b = 0; b < 2; ++b) {
            const int o = o0 + to + OS * b;
            if (i < nI && o < nO) {
                S2CNN_ST(C + i * sCi + o, acc[a][b]);
            }
        }
    }
}

// Forward product: out [so3_rows(b), Z, Fo] from x [rows(b), Z, Fi], y [rows(b), Fi, Fo]
// (rows = b^2 for s2_mm, SO3 = false; so3_rows for so3_mm, SO3 = true).
// Grid: x = output row t = so3_row(l, m, n), y = tile of TI batch entries, z = tile of TO features.
// Bound. flops = 8 Z Fi Fo sum_l (2l+1)^(2 + SO3) (complex multiply-add = 8 flops);
// bytes: out so3_rows Z Fo c written (dominant for s2_mm), x and y read once per (block row,
// block column) pair from L2, once from DRAM: rows Z Fi c + rows Fi Fo c.
template <typename R, bool SO3>
__global__ void __launch_bounds__(product::NT)
    block_product(const cplx<R>* __restrict__ x, const cplx<R>* __restrict__ y, cplx<R>* __restrict__ out,
                  const int Z, const int Fi, const int Fo) {
    using namespace product;
    const i64 t = (i64)blockIdx.x;
    const int l = degree_of_row<true>(t);
    const int w = 2 * l + 1;
    const i64 rem = t - rows_below<true>(l);
    const int m = (int)(rem / w) - l;
    const int n = (int)(rem % w) - l;
    const i64 ZF = (i64)Z * Fi;
    const i64 FF = (i64)Fi * Fo;
    const cplx<R>* A;
    const cplx<R>* B;
    if (SO3) {  // reduction over (k, f): A[z, k, f] = x[(l, m, k), z, f], B[k, f, o] = y[(l, n, k), f, o]
        A = x + so3_row(l, m, -l) * ZF;
        B = y + so3_row(l, n, -l) * FF;
    } else {  // reduction over f: A[z, f] = x[(l, m), z, f], B[f, o] = y[(l, n), f, o]
        A = x + s2_row(l, m) * ZF;
        B = y + s2_row(l, n) * FF;
    }
    tile_gemm<false, true>(A, Fi, ZF, 1, B, FF, Fo, 1, SO3 ? w : 1, Fi, Z, Fo, (int)blockIdx.y * TI,
                           (int)blockIdx.z * TO, out + t * Z * Fo, Fo);
}

// Gradient with respect to x: gx [rows(b), Z, Fi] from G [so3_rows(b), Z, Fo] and y.
// Grid: x = row t of gx ((l, m, k) or (l, m)), y = tile of batch entries, z = tile of features Fi.
// Bound. flops as the forward; bytes: G read (so3_rows Z Fo c, dominant), y, gx written.
template <typename R, bool SO3>
__global__ void __launch_bounds__(product::NT)
    block_product_grad_x(const cplx<R>* __restrict__ G, const cplx<R>* __restrict__ y,
                         cplx<R>* __restrict__ gx, const int Z, const int Fi, const int Fo) {
    using namespace product;
    const i64 t = (i64)blockIdx.x;
    const int l = degree_of_row<SO3>(t);
    const int w = 2 * l + 1;
    const i64 rem = t - rows_below<SO3>(l);
    const int m = SO3 ? (int)(rem / w) - l : (int)rem - l;
    const i64 ZO = (i64)Z * Fo;
    const i64 FF = (i64)Fi * Fo;
    // A[z, n, o] = G[(l, m, n), z, o]; B[n, o, f] = y[(l, n, k), f, o] (SO(3)) or y[(l, n), f, o].
    const cplx<R>* A = G + so3_row(l, m, -l) * ZO;
    const cplx<R>* B;
    i64 sB1;
    if (SO3) {
        const int k = (int)(rem % w) - l;
        B = y + so3_row(l, -l, k) * FF;
        sB1 = (i64)w * FF;
    } else {
        B = y + s2_row(l, -l) * FF;
        sB1 = FF;
    }
    tile_gemm<false, false>(A, Fo, ZO, 1, B, sB1, 1, Fo, w, Fo, Z, Fi, (int)blockIdx.y * TI,
                            (int)blockIdx.z * TO, gx + t * Z * Fi, Fi);
}

// Gradient with respect to y: gy [rows(b), Fi, Fo] from x and G [so3_rows(b), Z, Fo].
// Grid: x = row t of gy ((l, n, k) or (l, n)), y = tile of features Fi, z = tile of features Fo.
// Bound. flops as the forward; bytes: G read (dominant), x, gy written.
template <typename R, bool SO3>
__global__ void __launch_bounds__(product::NT)
    block_product_grad_y(const cplx<R>* __restrict__ x, const cplx<R>* __restrict__ G,
                         cplx<R>* __restrict__ gy, const int Z, const int Fi, const int Fo) {
    using namespace product;
    const i64 t = (i64)blockIdx.x;
    const int l = degree_of_row<SO3>(t);
    const int w = 2 * l + 1;
    const i64 rem = t - rows_below<SO3>(l);
    const int n = SO3 ? (int)(rem / w) - l : (int)rem - l;
    const i64 ZF = (i64)Z * Fi;
    const i64 ZO = (i64)Z * Fo;
    // A[f, m, z] = x[(l, m, k), z, f] (SO(3)) or x[(l, m), z, f]; B[m, z, o] = G[(l, m, n), z, o].
    const cplx<R>* A;
    i64 sA1;
    if (SO3) {
        const int k = (int)(rem % w) - l;
        A = x + so3_row(l, -l, k) * ZF;
        sA1 = (i64)w * ZF;
    } else {
        A = x + s2_row(l, -l) * ZF;
        sA1 = ZF;
    }
    const cplx<R>* B = G + so3_row(l, -l, n) * ZO;
    tile_gemm<false, true>(A, 1, sA1, Fi, B, (i64)w * ZO, Fo, 1, w, Z, Fi, Fo, (int)blockIdx.y * TI,
                           (int)blockIdx.z * TO, gy + t * Fi * Fo, Fo);
}

}  // namespace s2cnn
