"""Fourier transforms on the sphere in plain PyTorch: FFT along alpha, then the Wigner-d
contraction along beta as a few batched real GEMMs. Autograd differentiates through the
inverse's FFT and the gathers; the analysis (its FFT included) and the GEMM stage of the synthesis
are :class:`torch.autograd.Function` pairs with their adjoints written out, so that they can
write into buffers of their own (no concatenation, no fresh temporaries).

Shapes follow :mod:`s2cnn.backends.protocol`; the math is in :mod:`s2cnn.spectral`; the tables
and symmetries in :mod:`._tables`; the index plans in :mod:`._plans`.

Forward (real ``f``; a complex one is transformed as its real and imaginary parts, stacked on
the batch axis): :class:`_S2Analysis` takes the ``rfft`` of a block of northern rings ``j``
and of their mirrors ``2b - 1 - j`` at a time (:data:`FFT_CHUNK_BYTES`), the orders ``m >= 0``,
and writes their sums :math:`X_j + X_{2b-1-j}` and differences :math:`X_j - X_{2b-1-j}` to the
layout ``[p, m, j, Z]`` (the ``2b`` rings folded into ``b``); parity ``p``
and bucket ``k`` is the GEMM ``[M_k, R, b] @ [M_k, b, 2Z]`` (real and imaginary parts side by
side, quadrature weights in the table), written into its rows of one output; ``m < 0`` follows
by :math:`F_{-m} = (-1)^m \\overline{F_m}`. A quarter of the direct contraction's multiply-adds.
A grid-sized FFT output would be fresh memory again and again: glibc gives blocks of that size
back to the system when they are freed, and a later call page-faults them in (b=128, float64, 16
signals: 16 MB on every other call in a loop of transforms; faulting in 7 MB takes ~3.4 ms on
this project's 2-core EPYC VM), hence the chunks.

Inverse: parity ``p`` and bucket ``k`` is the GEMM ``[M_k, b, R] @ [M_k, R, 4Z]`` that
synthesises the orders ``m`` and ``-m`` at once (:math:`d_{-m,0} = (-1)^m d_{m0}`) on the
northern rings, written into its slice of one block ``[p, m, j, (h, Z)]``
(:class:`_S2Synthesis`); the even and odd parts then become, in place, their sums (northern
rings) and differences (southern rings, reflected); one gather (``grid_rows_padded``) lays them out as
the FFT input ``[bin, beta, Z]``, with one spare ring per bin: ``ifft`` along the leading bin axis
(a stride of :math:`2b \\cdot Z` complex numbers, a power of two, conflicts in the caches: 8.4
against 5.2 ms at b=128, 16 fields, float64) returns the grid in memory order
``[beta, Z, alpha]``: no transpose of grid-sized data.
"""

from __future__ import annotations

import torch

from ..._blocks import items_per_block
from ._plans import s2_plan
from ._so3 import _real_stack, _signed_rows
from ._tables import s2_tables


def s2_fft(x: torch.Tensor, b_out: int) -> torch.Tensor:
    """``x [Z, 2b_in, 2b_in]`` -> ``[b_out**2, Z]``."""
    Z = x.shape[0]
    nl = b_out
    xr = _real_stack(x)
    plan = s2_plan(x.shape[-1] // 2, nl, xr.dtype, x.device)
    F = _signed_rows(_s2_analysis(xr, nl), plan.out_index, plan.out_factor)  # [nl**2, Z']
    return F[:, :Z] + 1j * F[:, Z:] if x.is_complex() else F


def s2_ifft(x: torch.Tensor, b_out: int) -> torch.Tensor:
    """``x [b_in**2, Z]`` -> ``[Z, 2b_out, 2b_out]``.

    The result is a transposed view (memory order ``[beta, Z, alpha]``)."""
    nl = round(x.shape[0] ** 0.5)
    plan = s2_plan(b_out, nl, x.real.dtype, x.device)
    F = torch.view_as_real(x).index_select(0, plan.in_index).mul_(plan.in_factor[:, None, None])
    G = _s2_synthesis(F.view(-1, 4 * x.shape[1]), b_out, nl)  # rows (p, bucket, m, r) -> [bin, beta, Z]
    return torch.fft.ifft(G, dim=0, norm="forward").permute(2, 1, 0)


#: Bytes of the ``rfft`` output of one block of rings of the S2 analysis on the CPU (and of the
#: ``irfft`` input of its adjoint): small, so that it is reused from one block and one call to the
#: next instead of page-faulted in (the module's docstring).
FFT_CHUNK_BYTES = 1 << 20


def _ring_chunk(Zr: int, b: int, dtype: torch.dtype, device: torch.device) -> int:
    """Northern rings per ``rfft`` block of the S2 analysis (each with its southern mirror): all
    ``b`` on an accelerator, else as many as keep the block's ``[Z', rings, b + 1]`` complex bins
    within :data:`FFT_CHUNK_BYTES`."""
    ring = Zr * (b + 1) * 2 * torch.empty((), dtype=dtype).element_size()
    return items_per_block(b, ring, FFT_CHUNK_BYTES if device.type == "cpu" else None)


@torch.compiler.disable  # runs eagerly inside compiled graphs: torch 2.13's dynamo warns on autograd.Function
def _s2_analysis(xr: torch.Tensor, nl: int) -> torch.Tensor:
    """:class:`_S2Analysis`."""
    return _S2Analysis.apply(xr, nl)


@torch.compiler.disable
def _s2_synthesis(F: torch.Tensor, b: int, nl: int) -> torch.Tensor:
    """:class:`_S2Synthesis`."""
    return _S2Synthesis.apply(F, b, nl)


def _tables(b: int, nl: int, like: torch.Tensor):
    """``(plan, forward tables, inverse tables)`` between the grid of ``b`` and ``l < nl``, at the
    real precision and on the device of ``like``."""
    rdt = like.real.dtype
    return (s2_plan(b, nl, rdt, like.device), *s2_tables(b, nl, rdt, like.device))


def _products(tables, plan, A: torch.Tensor, out: torch.Tensor, synthesis: bool) -> torch.Tensor:
    """The GEMMs of every parity ``p`` and bucket ``[m0, m1)`` between the GEMM rows
    ``[rows, C]`` (ordered ``(p, bucket, m, r)``) and the ring block ``[2, nl, b, C]``
    (``[p, m, j, C]``), each into its slice of ``out``.

    ``synthesis``: rows ``A`` -> ``out`` block, :math:`E_p[m] = T_p[m]^T A_p[m]`; otherwise
    block ``A`` -> rows ``out``, :math:`R_p[m] = T_p[m] A_p[m]` (``T`` the table ``[M, R, b]``)."""
    rows, block = (A, out) if synthesis else (out, A)
    # one iterator over the row blocks of both parities: each parity's loop takes its own share
    pieces = iter(rows.split([t.shape[0] * t.shape[1] for tables_p in tables for t in tables_p]))
    for tables_p, block_p in zip(tables, block, strict=True):
        for t, r, e in zip(tables_p, pieces, block_p.split([m1 - m0 for m0, m1 in plan.buckets]), strict=False):
            r = r.view(t.shape[0], t.shape[1], rows.shape[1])
            if synthesis:
                torch.bmm(t.transpose(1, 2), r, out=e)
            else:
                torch.bmm(t, e, out=r)
    return out


def _fold_(E: torch.Tensor) -> torch.Tensor:
    """``E [2, ...]`` -> ``(E_0 + E_1, E_0 - E_1)``, in place; the second as
    :math:`(E_0 + E_1) - 2 E_1` (one pass each, no temporary; rounding within an ulp of the
    larger of the two). The map is its own adjoint."""
    E[0].add_(E[1])
    torch.add(E[0], E[1], alpha=-2, out=E[1])
    return E


def _rows_count(tables) -> int:
    """Rows of the GEMM output of all parities and buckets."""
    return sum(t.shape[0] * t.shape[1] for tables_p in tables for t in tables_p)


class _S2Analysis(torch.autograd.Function):
    """The FFT and Wigner-d stages of the S2 analysis of a real batch: ``xr [Z', 2b, 2b]``
    (beta, alpha) -> the GEMM rows ``R [rows, 2Z']`` of the forward tables (real and imaginary
    parts interleaved), for the degrees ``l < nl``.

    For each block of northern rings ``j`` (:func:`_ring_chunk`) and their mirrors ``2b - 1 - j``:
    ``rfft`` along alpha of both, the bins :math:`X_{jm}`, ``m < nl``, and the sums
    :math:`X_j + X_{2b-1-j}` and differences :math:`X_j - X_{2b-1-j}` written to ``[0, m, j, Z']``
    and ``[1, m, j, Z']`` (``l + m`` even and odd); :func:`_products` writes each GEMM into its
    rows of ``R``.

    Backward: :class:`_S2AnalysisAdjoint`, whose own backward is this class (any order)."""

    @staticmethod
    def forward(ctx, xr: torch.Tensor, nl: int) -> torch.Tensor:
        Zr, nb = xr.shape[0], xr.shape[-1]
        b = nb // 2
        ctx.b, ctx.nl = b, nl
        plan, tables, _ = _tables(b, nl, xr)
        B = xr.new_empty(2, nl, b, Zr, dtype=torch.promote_types(xr.dtype, torch.complex64))  # [half, m, j, Z']
        step = _ring_chunk(Zr, b, xr.dtype, xr.device)
        for j0 in range(0, b, step):
            j1 = min(b, j0 + step)
            north = torch.fft.rfft(xr[:, j0:j1], dim=-1)[..., :nl]  # [Z', j, m]
            south = torch.fft.rfft(xr[:, nb - j1 : nb - j0], dim=-1)[..., :nl]  # rings 2b-1-j, j descending
            south = south.index_select(1, plan.reflect[b - (j1 - j0) :])  # j ascending
            # even l + m: sums; odd: differences (written through permuted views of [m, j, Z'])
            torch.add(north, south, out=B[0, :, j0:j1].permute(2, 1, 0))
            torch.sub(north, south, out=B[1, :, j0:j1].permute(2, 1, 0))
        R = xr.new_empty(_rows_count(tables), 2 * Zr)
        return _products(tables, plan, torch.view_as_real(B).flatten(3), R, synthesis=False)

    @staticmethod
    def backward(ctx, g: torch.Tensor):
        return _S2AnalysisAdjoint.apply(g, ctx.b, ctx.nl), None


class _S2AnalysisAdjoint(torch.autograd.Function):
    """The adjoint of :class:`_S2Analysis` (real inner products): ``g [rows, 2Z']`` -> the real
    grid ``[Z', 2b, 2b]``.

    :math:`E_p[m] = T_p[m]^T g_p[m]`; then, a block of rings at a time, the northern rings
    receive the bins :math:`Y = E_0 + E_1`, the reflected southern ones :math:`E_0 - E_1`, and
    the adjoint of ``rfft`` truncated to ``m < nl``, :math:`x_a = \\mathrm{Re} \\sum_{m < nl}
    Y_m e^{2 \\pi i m a / 2b}`: ``irfft`` (unnormalised) of the bins with the orders ``m > 0``
    halved (it counts them twice, with their conjugates) and zero from ``nl`` on."""

    @staticmethod
    def forward(ctx, g: torch.Tensor, b: int, nl: int) -> torch.Tensor:
        ctx.nl = nl
        plan, tables, _ = _tables(b, nl, g)
        Zr = g.shape[1] // 2
        E = _products(tables, plan, g.contiguous(), g.new_empty(2, nl, b, 2 * Zr), synthesis=True)
        E = torch.view_as_complex(E.unflatten(3, (Zr, 2)))  # [p, m, j, Z']
        nb = 2 * b
        out = g.new_empty(Zr, nb, nb)
        step = _ring_chunk(Zr, b, g.dtype, g.device)
        for j0 in range(0, b, step):
            j1 = min(b, j0 + step)
            E0, E1 = (E[p, :, j0:j1].permute(2, 1, 0) for p in (0, 1))  # [Z', j, m]
            Y = E.new_zeros(Zr, j1 - j0, b + 1)  # bins of the rings j, then of the rings 2b-1-j
            for ring, combine in ((slice(j0, j1), torch.add), (slice(nb - j1, nb - j0), torch.sub)):
                combine(E0, E1, out=Y[:, :, :nl])
                Y[:, :, 1:nl].mul_(0.5)
                y = torch.fft.irfft(Y, n=nb, dim=-1, norm="forward")
                if ring.start < b:
                    out[:, ring] = y
                else:  # j ascending is ring 2b-1-j descending
                    torch.index_select(y, 1, plan.reflect[b - (j1 - j0) :], out=out[:, ring])
        return out

    @staticmethod
    def backward(ctx, h: torch.Tensor):
        return _S2Analysis.apply(h, ctx.nl), None, None


class _S2Synthesis(torch.autograd.Function):
    """The Wigner-d stage of the S2 synthesis: the scaled spectrum rows ``F [rows, 4Z]``
    (``in_index`` order, ``(h, Z, 2)`` side by side) -> the FFT input ``G [2b, 2b, Z]``
    complex, ``[bin, beta, Z]``, zero on the bins outside the band.

    :func:`_products` writes each GEMM into its slice of the block ``[p, m, j, (h, Z, 2)]``,
    which has one more row, zero, for the bins outside the band; :func:`_fold_` makes the even
    and odd parts their sums and differences in place; one gather (``grid_rows_padded``) into
    ``[bin, 2b + 1, Z]``: the spare ring keeps the bin stride off a power of two for the ``ifft``
    along the bins (``G`` is the view of the ``2b`` rings).

    Backward: :class:`_S2SynthesisAdjoint`, whose own backward is this class (any order)."""

    @staticmethod
    def forward(ctx, F: torch.Tensor, b: int, nl: int) -> torch.Tensor:
        ctx.b, ctx.nl = b, nl
        plan, _, tables = _tables(b, nl, F)
        Z = F.shape[1] // 4
        block = F.new_empty(4 * nl * b + 1, 2 * Z)  # rows (s, m, j, h), then the zero row of grid_rows
        block[-1] = 0.0
        _fold_(_products(tables, plan, F, block[:-1].view(2, nl, b, 4 * Z), synthesis=True))
        G = block.index_select(0, plan.grid_rows_padded).view(2 * b, 2 * b + 1, Z, 2)
        return torch.view_as_complex(G)[:, : 2 * b]

    @staticmethod
    def backward(ctx, g: torch.Tensor):
        return _S2SynthesisAdjoint.apply(g, ctx.b, ctx.nl), None, None


class _S2SynthesisAdjoint(torch.autograd.Function):
    """The adjoint of :class:`_S2Synthesis` (real inner products of the real views): ``g [2b, 2b,
    Z]`` complex -> ``[rows, 4Z]``: the bins inside the band added up at their rows of the
    block (one ``index_add`` of every grid row through ``grid_rows``: the bins outside the band
    into the spare row, dropped), :func:`_fold_`, then :math:`R_p[m] = T_p[m] E_p[m]`."""

    @staticmethod
    def forward(ctx, g: torch.Tensor, b: int, nl: int) -> torch.Tensor:
        ctx.b, ctx.nl = b, nl
        plan, _, tables = _tables(b, nl, g)
        Z = g.shape[2]
        nb = 2 * b
        gr = torch.view_as_real(g.resolve_conj()).reshape(nb * nb, 2 * Z)  # rows (bin, ring)
        # the bins outside the band go to the spare last row, which is dropped
        E = gr.new_zeros(4 * nl * b + 1, 2 * Z).index_add_(0, plan.grid_rows, gr)
        E = _fold_(E[:-1].view(2, nl, b, 4 * Z))
        return _products(tables, plan, E, E.new_empty(_rows_count(tables), 4 * Z), synthesis=False)

    @staticmethod
    def backward(ctx, h: torch.Tensor):
        return _S2Synthesis.apply(h.contiguous(), ctx.b, ctx.nl), None, None

