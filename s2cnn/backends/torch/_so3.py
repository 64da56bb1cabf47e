"""Fourier transforms on SO(3) in plain PyTorch: FFT along alpha and gamma, then the Wigner-d
contraction along beta as batched real GEMMs. Both directions are :class:`torch.autograd.Function`
pairs with their adjoints written out (any order of derivative).

Shapes follow :mod:`s2cnn.backends.protocol`; the math is in :mod:`s2cnn.spectral`; the tables
and symmetries in :mod:`._tables`; the index plans in :mod:`._plans`.

Forward (:class:`_So3Analysis`; real ``f``, a complex one is transformed as its real and
imaginary parts, stacked on the batch axis): ``rfft2`` of a chunk of betas at a time gives the
bins with ``n >= 0``, copied to the layout ``[beta, m, n, Z]`` (batch innermost) of a block of
betas; each row ``m`` of the FFT grid then accumulates the block's part of the GEMM
``[nl, nl-|m|, 2b] @ [nl, 2b, 2Z]`` over its ``n`` (real and imaginary parts interleaved,
quadrature weights in the table); the orders ``n < 0`` follow by
:math:`F_{-m,-n} = (-1)^{m-n}\\overline{F_{mn}}`. With few signals on the CPU
(:data:`ROWS_MAX_SIGNALS`), the bins go to ``[m, n, 2Z, beta]`` instead and the signals are the
rows of the GEMMs, ``[nl, 2Z, 2b] @ [nl, 2b, nl-|m|]``. That is three quarters of the
:math:`\\sum_l (2l+1)^2 \\cdot 2b` multiply-adds per complex batch column of the direct
contraction (half, plus the padding of the rows), with no gather of the data.

Inverse (:class:`_So3Synthesis`): for each ring ``L`` of the half plane ``H``, the GEMMs
``[Q_L, J, nl-L] @ [Q_L, nl-L, 2Z]`` synthesise its pairs and, with the same table, their
mirrors (:math:`d_{-m,-n} = (-1)^{m-n} d_{mn}`) on a chunk ``J`` of betas; one gather puts the
``[J, 2Z]`` blocks in FFT-grid order and ``ifft2`` over ``(m, n)`` writes that chunk of the
grid (with few signals, :data:`ROWS_MAX_SIGNALS`, the GEMMs ``[Q_L, 2Z, nl-L] @ [Q_L, nl-L, J]``
write ``[2Z, J]`` blocks and the gather takes ``[Z, J]`` rows). The backward is the adjoint,
written out, chunk by chunk as well.

The big intermediates of one-shot transforms are the size of the grid; on Linux, glibc returns
such blocks to the system on every free, so each call page-faults them in again (on a small
VM, more time than their arithmetic). The chunks and blocks keep every temporary of both
directions and of their adjoints near :data:`CHUNK_BYTES` (FFTs, gathers, copies) or
:data:`GEMM_CHUNKS` times that (the one GEMM buffer of a call); what is grid-sized is the
input and the output (``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_``, jemalloc or
torch's ``THP_MEM_ALLOC_ENABLE=1`` soften the rest).
"""

from __future__ import annotations

import torch

from ..._blocks import items_per_block
from ...layout import so3_bandwidth_from_nspec, so3_nspec
from ._plans import so3_plan
from ._tables import so3_tables


def _real_stack(x: torch.Tensor) -> torch.Tensor:
    """A complex batch ``[Z, ...]`` as the real batch ``[2Z, ...]`` (real parts, then imaginary)."""
    return torch.cat([x.real, x.imag]) if x.is_complex() else x


def so3_fft(x: torch.Tensor, b_out: int) -> torch.Tensor:
    """``x [Z, 2b_in, 2b_in, 2b_in]`` -> ``[so3_nspec(b_out), Z]``; rows ``l >= b_in`` are zero."""
    Z, nb = x.shape[0], x.shape[-1]
    b_in = nb // 2
    nl = min(b_in, b_out)
    xr = _real_stack(x)
    plan = so3_plan(b_in, nl, xr.dtype, x.device)
    R = _so3_analysis(xr, nl)  # GEMM rows (m, n, r): [rows, 2Z']
    F = _signed_rows(R, plan.out_index, plan.out_factor)  # [nspec, Z']
    if x.is_complex():
        F = F[:, :Z] + 1j * F[:, Z:]
    if nl < b_out:
        F = torch.cat([F, F.new_zeros(so3_nspec(b_out) - so3_nspec(nl), Z)])
    return F


@torch.compiler.disable  # runs eagerly inside compiled graphs: torch 2.13's dynamo warns on autograd.Function
def _so3_analysis(xr: torch.Tensor, nl: int) -> torch.Tensor:
    """:class:`_So3Analysis`."""
    return _So3Analysis.apply(xr, nl)


class _So3Analysis(torch.autograd.Function):
    """The FFT stage and the Wigner-d GEMMs of the SO(3) analysis of a real batch:
    ``xr [Z', beta, alpha, gamma]`` -> the GEMM rows ``R [rows, 2Z']``, ordered ``(m, n, r)`` as
    the forward tables (real and imaginary parts interleaved).

    With :math:`X_{jmn} = \\sum_{a,g} x_{jag} e^{-2\\pi i (m a + n g) / 2b}` (``rfft2`` over
    ``(alpha, gamma)``, the bins ``0 <= n < nl``), band row ``m`` of ``R`` is
    :math:`R_m[n] = T_m[n] X_{:, m, n}`: the GEMM ``[nl, nl-|m|, 2b] @ [nl, 2b, 2Z']`` over its
    ``n``. A block of betas at a time (:data:`GEMM_CHUNKS` chunks of :data:`CHUNK_BYTES`): the
    bins of the block go into one buffer ``[J, m, n, Z']`` allocated once per call, and each
    band row accumulates its GEMM over the block's betas (``baddbmm_``), so no grid-sized block
    of bins is made (nor, in the backward, its gradient).

    Few signals (:func:`_signals_as_rows`): the buffer is ``[m, n, (Z', re/im), J]`` (betas
    innermost), each band row accumulates :math:`R_m[n]^T = X_{:, m, n}^T T_m[n]^T` into
    ``[n, 2Z', r]``, and one copy per band row transposes that into ``R`` at the end.

    Backward: :class:`_So3AnalysisAdjoint`, whose own backward is this class (any order).
    """

    @staticmethod
    def forward(ctx, xr: torch.Tensor, nl: int) -> torch.Tensor:
        Zr, nb = xr.shape[0], xr.shape[-1]
        ctx.nl, ctx.Zr, ctx.nb = nl, Zr, nb
        plan, tables = _analysis_plan(nb, nl, xr)
        rows = sum(t.shape[0] * t.shape[1] for t in tables)
        by_rows = _signals_as_rows(Zr, xr, "analysis")
        acc = xr.new_zeros(rows * 2 * Zr)  # the GEMM accumulator
        if by_rows:  # per band row m: [n, 2Z', r]
            sizes = [t.shape[0] * t.shape[1] * 2 * Zr for t in tables]
            parts = [a.view(t.shape[0], 2 * Zr, t.shape[1]) for a, t in zip(acc.split(sizes), tables, strict=True)]
        else:  # the rows R [rows, 2Z'] themselves, per band row m: [n, r, 2Z']
            parts = _band_rows(acc.view(rows, 2 * Zr), tables)
        cdt = torch.promote_types(xr.dtype, torch.complex64)  # complex of xr's precision
        step, block = _blocks(nb, nb * (nb // 2 + 1), Zr, xr.element_size(), xr.device)
        store = torch.empty(block * nb * nl * Zr, dtype=cdt, device=xr.device)  # reused
        for j0 in range(0, nb, block):
            J = min(block, nb - j0)
            bins = store[: J * nb * nl * Zr]
            # the block's bins: [j, (m, n), 2Z'] (batch innermost) or [(m, n), 2Z', j] (betas innermost)
            X = torch.view_as_real(bins).view(nb, nl, Zr, 2, J) if by_rows else bins.view(J, nb, nl, Zr)
            for s0 in range(0, J, step):  # FFT a chunk of betas, copy it to the block's order
                x = xr[:, j0 + s0 : j0 + min(s0 + step, J)]
                y = torch.fft.rfftn(x, dim=(2, 3))[..., :nl]  # [Z', j, m, n]
                if by_rows:
                    X[..., s0 : s0 + x.shape[1]] = torch.view_as_real(y).permute(2, 3, 0, 4, 1)
                else:
                    X[s0 : s0 + x.shape[1]] = y.permute(1, 2, 3, 0)
            if by_rows:
                Xv = X.view(nb * nl, 2 * Zr, J)
                for t, k, a in zip(tables, plan.band_rows, parts, strict=True):
                    a.baddbmm_(Xv[k * nl : (k + 1) * nl], t[:, :, j0 : j0 + J].transpose(1, 2))
            else:
                Xr = torch.view_as_real(X.view(J, nb * nl, Zr)).flatten(2)  # [j, (m, n), 2Z']
                for t, k, a in zip(tables, plan.band_rows, parts, strict=True):
                    a.baddbmm_(t[:, :, j0 : j0 + J], Xr[:, k * nl : (k + 1) * nl].transpose(0, 1))
        if not by_rows:
            return acc.view(rows, 2 * Zr)
        R = xr.new_empty(rows, 2 * Zr)
        for r, a in zip(_band_rows(R, tables), parts, strict=True):
            r.copy_(a.transpose(1, 2))
        return R

    @staticmethod
    def backward(ctx, g: torch.Tensor):
        return _So3AnalysisAdjoint.apply(g, ctx.nl, ctx.Zr, ctx.nb), None


class _So3AnalysisAdjoint(torch.autograd.Function):
    """The adjoint of :class:`_So3Analysis` (real inner products): ``g [rows, 2Z']`` ->
    ``[Z', beta, alpha, gamma]``, :math:`\\bar x = \\mathrm{Re}(A^H \\bar X)` with
    :math:`\\bar X_{:, m, n} = T_m[n]^T g_m[n]` (zero outside the band rows) and :math:`A^H` the
    unnormalised inverse DFT over both axes of the bins padded with zeros: ``ifft`` over ``m``,
    then ``irfft`` over ``n`` of the bins with ``n >= 1`` halved (``irfft`` counts each of them
    twice, for its conjugate). The buffer holds all ``b + 1`` bins ``n`` that ``irfft`` reads,
    those from ``nl`` on zero, so that ``irfft`` makes no zero-padded copy of each chunk. By
    blocks of betas as the forward, the FFTs by chunks, and with few signals
    (:func:`_signals_as_rows`) as the rows of the GEMMs, :math:`\\bar X^T = g^T T`, as there;
    its own backward is :class:`_So3Analysis`."""

    @staticmethod
    def forward(ctx, g: torch.Tensor, nl: int, Zr: int, nb: int) -> torch.Tensor:
        ctx.nl = nl
        plan, tables = _analysis_plan(nb, nl, g)
        rows = _band_rows(g.contiguous(), tables)
        cdt = torch.promote_types(g.dtype, torch.complex64)
        grad = g.new_empty(Zr, nb, nb, nb)  # [Z', beta, alpha, gamma]
        nh = nb // 2 + 1  # the bins n of irfft over gamma: those from nl on are zero
        half = torch.full((nh, 1, 1), 0.5, dtype=g.dtype, device=g.device)  # over n, then (j, Z')
        half[0] = 1.0
        outside = sorted(set(range(nb)) - {int(k) for k in plan.band_rows})  # bins m outside the band: zero
        by_rows = _signals_as_rows(Zr, g, "analysis")
        step, block = _blocks(nb, nb * nh, Zr, g.element_size(), g.device)
        store = torch.empty(nb * nh * block * Zr, dtype=cdt, device=g.device)  # reused
        for j0 in range(0, nb, block):
            J = min(block, nb - j0)
            if by_rows:  # signals as rows: [m, n, (Z', re/im), j], X^T = g^T T
                Gr = torch.view_as_real(store[: nb * nh * J * Zr]).view(nb, nh, 2 * Zr, J)
                for t, k, r in zip(tables, plan.band_rows, rows, strict=True):
                    torch.bmm(r.transpose(1, 2), t[:, :, j0 : j0 + J], out=Gr[k, :nl])
                G = Gr.view(nb, nh, Zr, 2, J)
            else:  # [m, n, j, Z']
                G = store[: nb * nh * J * Zr].view(nb, nh, J, Zr)
                Gr = torch.view_as_real(G).view(nb, nh, J, 2 * Zr)
                for t, k, r in zip(tables, plan.band_rows, rows, strict=True):
                    torch.bmm(t[:, :, j0 : j0 + J].transpose(1, 2), r, out=Gr[k, :nl])
            G[:, nl:] = 0  # the bins n >= nl (the block's view of the buffer moves with J)
            for m in outside:
                G[m] = 0
            for s0 in range(0, J, step):  # inverse FFTs a chunk of betas at a time
                Js = min(step, J - s0)
                if by_rows:  # [m, n, Z', j] complex
                    Gs = torch.complex(G[:, :, :, 0, s0 : s0 + Js], G[:, :, :, 1, s0 : s0 + Js])
                else:  # [m, n, j, Z']
                    Gs = G[:, :, s0 : s0 + Js]
                h = torch.fft.ifft(Gs, dim=0, norm="forward") * half  # [alpha, n, ...]
                y = torch.fft.irfft(h, n=nb, dim=1, norm="forward")  # [alpha, gamma, ...]
                grad[:, j0 + s0 : j0 + s0 + Js] = y.permute(2, 3, 0, 1) if by_rows else y.permute(3, 2, 0, 1)
        return grad

    @staticmethod
    def backward(ctx, h: torch.Tensor):
        return _So3Analysis.apply(h, ctx.nl), None, None, None


def _analysis_plan(nb: int, nl: int, like: torch.Tensor):
    """``(plan, forward tables)`` of the analysis from the grid of ``nb = 2 b_in`` to ``l < nl``,
    at the real precision and on the device of ``like``."""
    rdt = like.real.dtype
    return so3_plan(nb // 2, nl, rdt, like.device), so3_tables(nb // 2, nl, rdt, like.device)[0]


def _band_rows(R: torch.Tensor, tables) -> list:
    """The GEMM rows ``R [rows, 2Z']`` as one view ``[nl, nl - |m|, 2Z']`` per band row ``m``."""
    pieces = R.split([t.shape[0] * t.shape[1] for t in tables])
    return [r.view(t.shape[0], t.shape[1], R.shape[1]) for r, t in zip(pieces, tables, strict=True)]


@torch.compiler.disable  # runs eagerly inside compiled graphs: torch 2.13's dynamo warns on autograd.Function
def _signed_rows(R: torch.Tensor, index: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Rows ``index`` of the GEMM output ``R [rows, 2Z]`` (real and imaginary parts side by
    side) as complex ``[len(index), Z]``, the real and imaginary parts of row ``k`` scaled by
    ``factor[k] = (1, 1)`` or ``(s, -s)``, ``s = +-1`` (``s`` times the conjugate).

    :class:`_SignedRows`; its backward, :class:`_SignedRowsAdjoint`, scales the gradient's parts
    by the same factors and adds its rows up at ``index`` (each is the other's backward: any
    order of derivatives, and no graph of in-place operations on views in between)."""
    return _SignedRows.apply(R, index, factor)


def _apply_signs(F: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Scale, in place, the real and imaginary parts of the rows of complex ``F`` by ``factor``
    (entries ``+-1``). Two passes with a row factor over ``Z`` contiguous numbers (complex times
    real, then the imaginary parts): one broadcast of a ``[rows, 1, 2]`` factor has an inner loop
    of two numbers and runs several times slower on the CPU."""
    F.mul_(factor[:, :1])
    F.imag.mul_(factor[:, :1] * factor[:, 1:])
    return F


class _SignedRows(torch.autograd.Function):
    """:func:`_signed_rows`."""

    @staticmethod
    def forward(ctx, R: torch.Tensor, index: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(index, factor)
        ctx.rows = R.shape[0]
        cdt = torch.promote_types(R.dtype, torch.complex64)
        F = R.new_empty(len(index), R.shape[1] // 2, dtype=cdt)  # no view: written through its real view
        torch.index_select(R, 0, index, out=torch.view_as_real(F).flatten(1))
        return _apply_signs(F, factor)

    @staticmethod
    def backward(ctx, g: torch.Tensor):
        index, factor = ctx.saved_tensors
        return _SignedRowsAdjoint.apply(g, index, factor, ctx.rows), None, None


class _SignedRowsAdjoint(torch.autograd.Function):
    """The adjoint of :func:`_signed_rows` (real inner product of the real views): ``g [n, Z]``
    complex -> ``[rows, 2Z]`` real, row ``index[k]`` receiving the signed parts of ``g[k]``."""

    @staticmethod
    def forward(ctx, g: torch.Tensor, index: torch.Tensor, factor: torch.Tensor, rows: int) -> torch.Tensor:
        ctx.save_for_backward(index, factor)
        G = _apply_signs(g.resolve_conj().clone(memory_format=torch.contiguous_format), factor)
        G = torch.view_as_real(G).flatten(1)  # [n, 2Z]
        return G.new_zeros(rows, G.shape[1]).index_add_(0, index, G)

    @staticmethod
    def backward(ctx, h: torch.Tensor):
        index, factor = ctx.saved_tensors
        return _SignedRows.apply(h, index, factor), None, None, None


#: Bytes of one beta chunk of the forward's FFT output and of the inverse's FFT input on the CPU.
#: (The forward's GEMMs accumulate over blocks of betas at no cost here: b=64, float32, 32
#: fields, 174 ms in blocks of 32 betas against 173-182 ms in one pass, in-process.)
CHUNK_BYTES = 16 << 20

#: FFT chunks per block of betas of the GEMMs (inverse, forward and their adjoints), whose inner
#: dimension is the block's betas: 8 betas make GEMMs too thin for the BLAS (b=64, float32, 16 fields:
#: 300 ms of GEMMs per synthesis at 8 betas, 150 ms at 32, measured on a 2-core EPYC), while
#: the FFT, its gather and the output copy stay fastest on small chunks.
GEMM_CHUNKS = 4


#: Signals up to which the SO(3) transforms on the CPU put the signals in the rows of their
#: GEMMs rather than in the columns, by direction and real precision (bytes): the analysis
#: :math:`R_m[n]^T = X_{:, m, n}^T T_m[n]^T` (``[2Z', J] @ [J, R]``, both operands contiguous
#: along the betas) instead of ``[R, J] @ [J, 2Z']``, the synthesis ``[2Z, K] @ [K, J]`` instead
#: of ``[J, K] @ [K, 2Z]``, and their adjoints alike. With a few columns torch's MKL runs the
#: first forms several times faster on this project's 2-core EPYC; with more, the copies into
#: and out of the betas-innermost order cost more than the GEMMs gain. At b=64, one thread,
#: columns -> rows (``benchmarks/LOG.md``): ``so3_fft`` of 1 / 2 / 4 float32 signals 162 / 200 /
#: 250 -> 49 / 74 / 106 ms, of 4 float64 408 -> 250 ms, of 8 float32 138 -> 208 ms;
#: ``so3_ifft`` of 1 complex64 signal 134 -> 65 ms, of 4 complex128 forward+backward 819 -> 787
#: and 825 -> 933 ms (level), of 1 complex128 171 -> 111 ms.
ROWS_MAX_SIGNALS = {("analysis", 4): 4, ("analysis", 8): 4, ("synthesis", 4): 4, ("synthesis", 8): 1}


def _signals_as_rows(Z: int, like: torch.Tensor, direction: str) -> bool:
    """Whether an SO(3) transform (``direction``: ``"analysis"`` or ``"synthesis"``, and each
    one's adjoint) of ``Z`` signals of ``like``'s precision puts them in the rows of its GEMMs
    (:data:`ROWS_MAX_SIGNALS`; on the CPU only, where it was measured)."""
    return like.device.type == "cpu" and Z <= ROWS_MAX_SIGNALS[direction, like.real.element_size()]


def _beta_chunk(nb: int, slots: int, Z: int, itemsize: int, device: torch.device) -> int:
    """Betas per chunk: the whole grid on an accelerator, else as many betas as keep the
    ``[slots, chunk, 2Z]`` block within :data:`CHUNK_BYTES` (at least one)."""
    return items_per_block(nb, slots * 2 * Z * itemsize, CHUNK_BYTES if device.type == "cpu" else None)


def _blocks(nb: int, slots: int, Z: int, itemsize: int, device: torch.device) -> tuple[int, int]:
    """Betas per FFT chunk (:func:`_beta_chunk`) and per GEMM block (:data:`GEMM_CHUNKS` chunks,
    at most ``nb``) of the analysis, the synthesis and their adjoints."""
    step = _beta_chunk(nb, slots, Z, itemsize, device)
    return step, min(nb, step * GEMM_CHUNKS)


@torch.compiler.disable  # runs eagerly inside compiled graphs: torch 2.13's dynamo warns on autograd.Function
def so3_ifft(x: torch.Tensor, b_out: int) -> torch.Tensor:
    """``x [so3_nspec(b_in), Z]`` -> ``[Z, 2b_out, 2b_out, 2b_out]`` (contiguous); degrees
    ``l < b_out`` only."""
    return _So3Synthesis.apply(x, b_out, False)


@torch.compiler.disable
def so3_ifft_real(x: torch.Tensor, b_out: int) -> torch.Tensor:
    """``so3_ifft(x, b_out).real`` at half the GEMMs, half the FFT and half the output memory
    (contiguous ``[Z, 2b_out, 2b_out, 2b_out]``)."""
    return _So3Synthesis.apply(x, b_out, True)


class _So3Synthesis(torch.autograd.Function):
    """The inverse SO(3) transform, one chunk of betas at a time, with its adjoint as backward:
    ``x [nspec, Z]`` -> the grid ``[Z, beta, alpha, gamma]``, contiguous.

    Forward, for each block ``J`` of betas: the ring GEMMs ``[Q_L, |J|, nl-L] @ [Q_L, nl-L, 2Z]``
    write the ``2Q`` syntheses (pairs of ``H`` and their mirrors, plus a zero slot) into one
    ``[2Q + 1, |J|, 2Z]`` buffer (allocated once per call); then, for each chunk of the block,
    one gather puts them in FFT-grid order ``[(m, n), (j, Z)]`` and ``ifft2`` over the leading
    ``(m, n)`` axes writes that chunk of the output. Every temporary is the size of a block or
    a chunk (:data:`GEMM_CHUNKS`, :data:`CHUNK_BYTES`), not of the grid: the grid-sized blocks
    of a one-shot version (GEMM output, grid, transpose) cost page faults on every call, more
    than their arithmetic on a small CPU. Few signals (:func:`_signals_as_rows`): the GEMMs
    ``[Q_L, 2Z, nl-L] @ [Q_L, nl-L, |J|]`` fill a ``[2Q + 1, 2Z, |J|]`` buffer, and each chunk
    is made complex (``torch.complex`` of its real and imaginary rows) before the gather into
    ``[(m, n), (Z, j)]``.

    Real part (``real=True``): :math:`\\mathrm{Re}\\, \\mathrm{ifft2}(G) = \\mathrm{irfft2}(G_h)` with
    :math:`G_h(k) = (G(k) + \\overline{G(-k)}) / 2`. The bins of a pair and of its mirror come
    from one table, so :math:`G_h` of a pair of ``H`` is one GEMM on the right-hand side
    :math:`(F_{own} + \\overline{F_{mirror}}) / 2`; the bins ``n >= 0`` of ``irfft2`` are exactly
    ``H`` plus the conjugates of the pairs ``(m > 0, 0)``.

    Backward is the adjoint of that C-linear map, :math:`A^H = P^T T S^T \\mathcal{F}`:
    the unnormalised ``fft2`` over ``(alpha, gamma)``, the gather of each slot's bin
    (``slot_pos``), the ring GEMMs with the untransposed tables, and the scatter-add of the
    plan's ``in_index`` with the same real factors. For the real part it is the same map applied
    to the real gradient (:math:`\\partial\\, \\mathrm{Re}(Ax) / \\partial x` gives :math:`A^H g`).
    It is :class:`_So3SynthesisAdjoint`, whose own backward is this class: any order of
    derivatives, with in-place accumulation inside each.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, b_out: int, real: bool) -> torch.Tensor:
        Z = x.shape[1]
        nb = 2 * b_out
        nl, plan, tables, Q = _synthesis_plan(x.shape[0], b_out, x)
        xr = torch.view_as_real(x)  # [nspec, Z, 2]
        if real:  # (own + conj(mirror)) / 2: row factors over 2Z contiguous numbers, then the parts
            F = xr.index_select(0, plan.in_index[0::2]).mul_(0.5 * plan.in_factor[0::2, None, None])
            M = xr.index_select(0, plan.in_index[1::2]).mul_(0.5 * plan.in_factor[1::2, None, None])
            F[..., 0].add_(M[..., 0])
            F[..., 1].sub_(M[..., 1])
            F = F[:, None]  # [rows, 1, Z, 2]
        else:  # [rows, h, Z, 2]: each pair of H beside its mirror
            F = xr.index_select(0, plan.in_index).mul_(plan.in_factor[:, None, None]).view(-1, 2, Z, 2)
        F = F.flatten(2)
        rhs = [r.unflatten(0, (-1, nl - L)) for L, r in enumerate(F.split(plan.row_sizes))]  # [Q_L, nl-L, h, 2Z]
        slots = Q + len(plan.conj_slots) if real else 2 * Q
        out = x.new_empty(Z, nb, nb, nb, dtype=F.dtype if real else x.dtype)  # [Z, beta, alpha, gamma]
        step, block = _blocks(nb, slots + 1, Z, F.element_size(), x.device)
        store = F.new_empty((slots + 1) * block * 2 * Z)  # one GEMM block, reused
        by_rows = _signals_as_rows(Z, x, "synthesis")
        for j0 in range(0, nb, block):
            J = min(block, nb - j0)
            # [slot, j, (Z, re/im)], or with few signals [slot, (Z, re/im), j]: B_q^T = F_q^T T_q
            B = store[: (slots + 1) * J * 2 * Z].view(slots + 1, *((2 * Z, J) if by_rows else (J, 2 * Z)))
            B[slots].zero_()
            for t, r, q0 in zip(tables, rhs, plan.ring_start, strict=True):
                tj = t[:, :, j0 : j0 + J]  # [Q_L, nl - L, J]
                q1 = q0 + t.shape[0]
                for h, (lo, hi) in enumerate([(q0, q1)] if real else [(q0, q1), (Q + q0, Q + q1)]):
                    if by_rows:
                        torch.bmm(r[:, :, h].transpose(1, 2), tj, out=B[lo:hi])
                    else:
                        torch.bmm(tj.transpose(1, 2), r[:, :, h], out=B[lo:hi])
            if not by_rows:
                G = torch.view_as_complex(B.view(slots + 1, J, Z, 2)).view(slots + 1, J * Z)
                if real:
                    torch.conj_physical(G.index_select(0, plan.conj_slots), out=G[Q:slots])
            for s0 in range(0, J, step):  # FFT chunks of the block
                Js = min(step, J - s0)
                if by_rows:  # [slot, Z, j] complex
                    Bp = B.view(slots + 1, Z, 2, J)[..., s0 : s0 + Js]
                    Gs = torch.complex(Bp[:, :, 0], Bp[:, :, 1])
                    if real:
                        torch.conj_physical(Gs.index_select(0, plan.conj_slots), out=Gs[Q:slots])
                    inner = (Z, Js)
                else:  # [slot, (j, Z)]
                    Gs, inner = G[:, s0 * Z : (s0 + Js) * Z], (Js, Z)
                if real:
                    Gs = Gs.index_select(0, plan.half_index).view(nb, b_out + 1, *inner)  # [m, n >= 0, ...]
                    y = torch.fft.irfft2(Gs, s=(nb, nb), dim=(0, 1), norm="forward")
                else:
                    Gs = Gs.index_select(0, plan.grid_index).view(nb, nb, *inner)  # [m, n, ...]
                    y = torch.fft.ifft2(Gs, dim=(0, 1), norm="forward")
                # y is [alpha, gamma, Z, j] or [alpha, gamma, j, Z]; its FFT leaves it in memory
                # order (Z, j) or (j, Z) outside (alpha, gamma): a copy of whole (alpha, gamma) planes
                out[:, j0 + s0 : j0 + s0 + Js] = y.permute(2, 3, 0, 1) if by_rows else y.permute(3, 2, 0, 1)
        ctx.shape = (x.shape[0], b_out, real)
        return out  # no view (a custom Function's view forbids in-place use)

    @staticmethod
    def backward(ctx, g: torch.Tensor):
        nspec, b_out, real = ctx.shape
        return _So3SynthesisAdjoint.apply(g, nspec, b_out, real), None, None


class _So3SynthesisAdjoint(torch.autograd.Function):
    """The backward of :class:`_So3Synthesis`, :math:`g \\mapsto A^H g`, as a function of its own
    whose backward is :class:`_So3Synthesis` again (:math:`h \\mapsto A h`, or
    :math:`\\mathrm{Re}(A h)` for the real part): differentiable to any order, while its forward
    runs without a graph and may accumulate in place."""

    @staticmethod
    def forward(ctx, g: torch.Tensor, nspec: int, b_out: int, real: bool) -> torch.Tensor:
        ctx.shape = (b_out, real)
        Z, nb = g.shape[0], g.shape[1]  # g [Z, beta, alpha, gamma]
        nl, plan, tables, Q = _synthesis_plan(nspec, b_out, g)
        if real:  # g is real: the bins of the mirrors are the conjugates of those of H
            fft2, bins, nbins, nslots = torch.fft.rfft2, plan.half_pos, nb * (b_out + 1), Q
        else:
            fft2, bins, nbins, nslots = torch.fft.fft2, plan.slot_pos.clamp(max=nb * nb - 1), nb * nb, 2 * Q
        # one accumulator per half h (own, mirror), rows (L, q, l) as plan.in_index[h::2]: the
        # rings' GEMMs accumulate into contiguous slices of it (a strided slice would cost a
        # copy per GEMM), so no stack or concatenation follows
        rows = sum(plan.row_sizes)
        acc = g.new_zeros(2, rows, 2 * Z, dtype=g.real.dtype)
        shapes = [t.shape[:2] for t in tables]
        by_rows = _signals_as_rows(Z, g, "synthesis")
        if by_rows:  # few signals as the rows of the GEMMs: per ring [Q_L, 2Z, nl - L], into acc at the end
            accT = g.new_zeros(2, rows * 2 * Z, dtype=g.real.dtype)
            sizes = [n * 2 * Z for n in plan.row_sizes]
            own, mirror = ([a.view(q[0], 2 * Z, q[1]) for a, q in zip(h.split(sizes), shapes, strict=True)]
                           for h in accT)
        else:
            own, mirror = ([a.unflatten(0, q) for a, q in zip(h.split(plan.row_sizes), shapes, strict=True)]
                           for h in acc)
        step, block = _blocks(nb, nslots + 1, Z, own[0].element_size(), g.device)
        store = g.new_empty(nslots * block * Z, dtype=torch.promote_types(g.dtype, torch.complex64))  # reused
        for j0 in range(0, nb, block):
            J = min(block, nb - j0)
            # [slots, j, Z] complex, or with few signals [slots, (Z, re/im), j] real
            Bc = store[: nslots * J * Z]
            Bc = torch.view_as_real(Bc).view(nslots, Z, 2, J) if by_rows else Bc.view(nslots, J, Z)
            for s0 in range(0, J, step):  # FFT chunks of the block
                Js = min(step, J - s0)
                G = fft2(g[:, j0 + s0 : j0 + s0 + Js].transpose(0, 1).contiguous(), dim=(-2, -1)).view(Js * Z, nbins)
                # rows of the transposed view: 3x faster here than gathering columns, then transposing
                Gt = G.t().index_select(0, bins).view(nslots, Js, Z)
                if by_rows:
                    Bc[:, :, 0, s0 : s0 + Js] = Gt.real.transpose(1, 2)
                    Bc[:, :, 1, s0 : s0 + Js] = Gt.imag.transpose(1, 2)
                else:
                    Bc[:, s0 : s0 + Js] = Gt
            if not real:
                Bc[plan.lost_slots] = 0  # slots that no bin receives get no gradient
            B = Bc.view(nslots, 2 * Z, J) if by_rows else torch.view_as_real(Bc).view(nslots, J, 2 * Z)
            for t, q0, a_own, a_mirror in zip(tables, plan.ring_start, own, mirror, strict=True):
                q1, tj = q0 + t.shape[0], t[:, :, j0 : j0 + J]
                for a, (lo, hi) in [(a_own, (q0, q1))] + ([] if real else [(a_mirror, (Q + q0, Q + q1))]):
                    if by_rows:
                        a.baddbmm_(B[lo:hi], tj.transpose(1, 2))
                    else:
                        a.baddbmm_(tj, B[lo:hi])
        if by_rows:  # (a real synthesis fills the mirrors' half from its own below)
            for h, parts in ((0, own),) if real else ((0, own), (1, mirror)):
                for a, rr in zip(parts, acc[h].split(plan.row_sizes), strict=True):
                    rr.view(a.shape[0], a.shape[2], 2 * Z).copy_(a.transpose(1, 2))
        C = torch.view_as_complex(acc.view(2, rows, Z, 2))
        if real:  # the mirrors' right-hand sides are the conjugates (none where no bin receives the slot)
            torch.conj_physical(C[0], out=C[1])
            C[1].masked_fill_(plan.lost_rows[:, None], 0)
        grad = C.new_zeros(nspec, Z)  # no view: summed through its real view, row factors over 2Z numbers
        grad_r = torch.view_as_real(grad).view(nspec, 2 * Z)
        for h in (0, 1):
            grad_r.index_add_(0, plan.in_index[h::2], acc[h].mul_(plan.in_factor[h::2, None]))
        return grad

    @staticmethod
    def backward(ctx, h: torch.Tensor):
        b_out, real = ctx.shape
        return _So3Synthesis.apply(h, b_out, real), None, None, None


def _synthesis_plan(nspec: int, b_out: int, like: torch.Tensor):
    """``(nl, plan, inverse tables, Q)`` of a synthesis from ``nspec`` spectral rows to the grid
    of ``b_out``, at the real precision and on the device of ``like``."""
    nl = min(so3_bandwidth_from_nspec(nspec), b_out)
    rdt = like.real.dtype
    tables = so3_tables(b_out, nl, rdt, like.device)[1]
    return nl, so3_plan(b_out, nl, rdt, like.device), tables, sum(len(t) for t in tables)
