"""The spectral block products in plain PyTorch, one complex GEMM per degree ``l``.

Shapes follow :mod:`s2cnn.backends.protocol`; the math is in :mod:`s2cnn.spectral`.

Two forms of each product. The ``*_graph`` functions are the specification, op by op: per
degree the GEMM, a permuted copy into the layout ``[(m, n), Z, f_out]``, then one
concatenation; autograd differentiates them. The public verbs are :class:`_BlockProduct`, whose
forward and backward run the same GEMMs into one workspace the size of the largest degree's
block and copy each block into its rows of an output allocated once: the output is the only
fresh memory of a call. The per-degree temporaries of the op-by-op form grow with ``l`` and
its concatenation copies the whole output, fresh memory that the CPU page-faults in (measured on
a 2-core EPYC VM, alternating processes, one thread: ``s2_mm`` forward at b=128, float64, batch
1, ``4 -> 4`` features, 44,000-62,000 faults per call against the output's 43,700; forward and
backward of ``s2_mm`` at b=64, float32, batch 4, ``8 -> 8``: 236-246 against 139-149 ms, of
``so3_mm_real`` at b=64, float32, batch 2, ``4 -> 4``: 328-343 against 273-300 ms). For a double
backward (``create_graph``) the backward differentiates the ``*_graph`` form, which autograd
differentiates again.

Index order of the per-degree GEMMs (``k = 2l + 1``; ``x`` the signal, ``y`` the kernel):

* ``s2_mm``: :math:`[(m, Z), f_{in}] \\times [f_{in}, (n, f_{out})]` with :math:`\\bar y`;
* ``so3_mm``: :math:`[(m, Z), (k, f_{in})] \\times [(k, f_{in}), (n, f_{out})]` with
  :math:`\\bar y`;
* ``so3_mm_real``: as ``so3_mm`` on the columns ``n >= 0``; the columns ``n < 0`` are
  :math:`z^l_{mn} = (-1)^{m-n} \\overline{z^l_{-m,-n}}`.

Adjoints (real inner products, the convention of torch's complex autograd): with
:math:`Z = X \\bar Y` and the output's gradient :math:`G`, :math:`\\bar X = G \\bar Y^H` and
:math:`\\bar Y = \\overline{X^H G}`; for ``so3_mm_real`` :math:`G` first takes, on each column
``n >= 1``, the signed conjugate of the gradient of its mirror ``(-m, -n)``.
"""

from __future__ import annotations

import torch

from ...layout import so3_bandwidth_from_nspec, so3_nspec

# --------------------------------------------------------------------------------------------
# the specification, op by op (autograd differentiates it)


def s2_mm_graph(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``x [b**2, Z, f_in]``, ``y [b**2, f_in, f_out]`` -> ``[so3_nspec(b), Z, f_out]``.

    For each ``l``: ``[(m, Z), f_in] @ [f_in, (n, f_out)]`` with ``y`` conjugated.
    """
    nspec, Z, f_in = x.shape
    f_out = y.shape[2]
    b = round(nspec**0.5)
    sizes = [2 * l + 1 for l in range(b)]
    out = []
    # torch.split, not slicing: the backward of b slices would add b full-size zero tensors
    for k, xs, ys in zip(sizes, x.split(sizes), y.split(sizes), strict=True):
        xl = xs.reshape(k * Z, f_in)  # [(m, Z), f]
        yl = ys.conj().permute(1, 0, 2).reshape(f_in, k * f_out)  # [f, (n, o)]
        zl = (xl @ yl).reshape(k, Z, k, f_out).permute(0, 2, 1, 3)  # [m, n, Z, o]
        out.append(zl.reshape(k * k, Z, f_out))
    return torch.cat(out)


def so3_mm_graph(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``x [nspec, Z, f_in]``, ``y [nspec, f_in, f_out]`` -> ``[nspec, Z, f_out]``.

    For each ``l``: ``[(m, Z), (k, f_in)] @ [(k, f_in), (n, f_out)]`` with ``y`` conjugated.
    """
    nspec, Z, f_in = x.shape
    f_out = y.shape[2]
    b = so3_bandwidth_from_nspec(nspec)
    sizes = [(2 * l + 1) ** 2 for l in range(b)]
    out = []
    # torch.split, not slicing: the backward of b slices would add b full-size zero tensors
    for l, xs, ys in zip(range(b), x.split(sizes), y.split(sizes), strict=True):
        k = 2 * l + 1
        xl = xs.reshape(k, k, Z, f_in).permute(0, 2, 1, 3).reshape(k * Z, k * f_in)  # [(m,Z),(k,f)]
        yl = ys.conj().reshape(k, k, f_in, f_out).permute(1, 2, 0, 3).reshape(k * f_in, k * f_out)
        zl = (xl @ yl).reshape(k, Z, k, f_out).permute(0, 2, 1, 3)  # [m, n, Z, o]
        out.append(zl.reshape(k * k, Z, f_out))
    return torch.cat(out)


def so3_mm_real_graph(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """:func:`so3_mm_graph` on the columns ``n >= 0``, the columns ``n < 0`` by the symmetry of a
    real signal's spectrum (:mod:`s2cnn.symmetry`): ``l + 1`` of the ``2l + 1`` columns of each GEMM.

    For each ``l``: ``[(m, Z), (k, f_in)] @ [(k, f_in), (n >= 0, f_out)]``, then
    :math:`z^l_{mn} = (-1)^{m-n} \\overline{z^l_{-m,-n}}` for ``n < 0`` (rows ``m`` reversed,
    columns ``n > 0`` reversed, conjugated, signed), the block written in ``(m, n)`` order.
    """
    nspec, Z, f_in = x.shape
    f_out = y.shape[2]
    b = so3_bandwidth_from_nspec(nspec)
    sizes = [(2 * l + 1) ** 2 for l in range(b)]
    out = []
    for l, xs, ys in zip(range(b), x.split(sizes), y.split(sizes), strict=True):
        k = 2 * l + 1
        xl = xs.reshape(k, k, Z, f_in).permute(0, 2, 1, 3).reshape(k * Z, k * f_in)  # [(m,Z),(k,f)]
        yl = ys.conj().reshape(k, k, f_in, f_out)[l:].permute(1, 2, 0, 3).reshape(k * f_in, (l + 1) * f_out)
        zl = (xl @ yl).reshape(k, Z, l + 1, f_out)  # [m, Z, n >= 0, o]
        neg = zl.flip(0)[:, :, 1:].flip(2).conj() * _mirror_signs(k, l, x)[:, None, :, None]  # [m, Z, n < 0, o]
        out.append(torch.cat([neg, zl], 2).permute(0, 2, 1, 3).reshape(k * k, Z, f_out))
    return torch.cat(out)


def _mirror_signs(k: int, l: int, like: torch.Tensor) -> torch.Tensor:
    """:math:`(-1)^{m-n}` at the block indices ``(m + l, n + l)``, ``n < 0``: ``[k, l]``, real."""
    i = torch.arange(k, device=like.device)[:, None]
    j = torch.arange(l, device=like.device)[None, :]
    return (1 - 2 * ((i + j) % 2)).to(like.real.dtype)


# --------------------------------------------------------------------------------------------
# the same GEMMs into one workspace and a preallocated output


class _Degrees:
    """The per-degree blocks of one product: row offsets of ``x``, ``y`` and the output, and
    workspaces (the size of the largest degree's block) for the GEMM operands and results."""

    def __init__(self, kind: str, x: torch.Tensor, f_out: int):
        nspec, self.Z, self.f_in = x.shape
        self.f_out = f_out
        self.kind = kind
        if kind == "s2_mm":
            self.b = round(nspec**0.5)
            self.in_sizes = [2 * l + 1 for l in range(self.b)]
        else:
            self.b = so3_bandwidth_from_nspec(nspec)
            self.in_sizes = [(2 * l + 1) ** 2 for l in range(self.b)]
        self.out_rows = so3_nspec(self.b)
        self.K = 2 * self.b - 1  # the largest block's order count
        self._like = x

    def workspace(self, n: int) -> torch.Tensor:
        """``n`` uninitialised numbers of the operands' dtype and device."""
        return self._like.new_empty(n)

    def blocks(self):
        """``(l, k, x rows, out rows)`` for each degree."""
        r_in = r_out = 0
        for l, n_in in enumerate(self.in_sizes):
            k = 2 * l + 1
            yield l, k, slice(r_in, r_in + n_in), slice(r_out, r_out + k * k)
            r_in += n_in
            r_out += k * k


def _operands(d: _Degrees, l: int, k: int, xs, ys, xw, yw, need_x: bool = True):
    """The GEMM operands of degree ``l`` in the workspaces: ``X [(m, Z), K_in]`` (a view of
    ``x`` for ``s2_mm``) and :math:`\\bar Y` ``[K_in, (n, f_out)]`` (``n >= 0`` only for
    ``so3_mm_real``), ``K_in = f_in`` or ``(k, f_in)``."""
    Z, fi, fo = d.Z, d.f_in, d.f_out
    if d.kind == "s2_mm":
        X = xs.view(k * Z, fi)
        Yb = yw[: fi * k * fo].view(fi, k, fo)
        Yb.copy_(ys.permute(1, 0, 2).conj())
        return X, Yb.view(fi, k * fo)
    X = None
    if need_x:
        X = xw[: k * Z * k * fi].view(k, Z, k, fi)
        X.copy_(xs.view(k, k, Z, fi).permute(0, 2, 1, 3))
        X = X.view(k * Z, k * fi)
    cols = k if d.kind == "so3_mm" else l + 1
    y4 = ys.view(k, k, fi, fo)  # [n, k, f, o]
    Yb = yw[: k * fi * cols * fo].view(k, fi, cols, fo)
    Yb.copy_((y4 if d.kind == "so3_mm" else y4[l:]).permute(1, 2, 0, 3).conj())
    return X, Yb.view(k * fi, cols * fo)


def _write_block(d: _Degrees, l: int, k: int, zl: torch.Tensor, out_block: torch.Tensor, rev: torch.Tensor, nw):
    """GEMM result ``zl [(m, Z), (n, f_out)]`` -> rows ``out_block [(m, n), Z, f_out]``; for
    ``so3_mm_real`` the columns ``n >= 0`` are computed and the mirrored ones completed."""
    Z, fo = d.Z, d.f_out
    o4 = out_block.view(k, k, Z, fo)  # [m, n, Z, o]
    if d.kind != "so3_mm_real":
        o4.copy_(zl.view(k, Z, k, fo).permute(0, 2, 1, 3))
        return
    z4 = zl.view(k, Z, l + 1, fo)  # [m, Z, n >= 0, o]
    o4[:, l:].copy_(z4.permute(0, 2, 1, 3))
    if l == 0:
        return
    # n < 0 at block column j = n + l < l: (-1)^(m-n) conj(z[-m, -n]); -n = l - j, at index
    # l - 1 - j of the columns n >= 1 (rev: k - 1, ..., 0; its last l: l - 1, ..., 0)
    t = torch.index_select(z4, 0, rev, out=nw[: k * Z * (l + 1) * fo].view(k, Z, l + 1, fo))  # rows -m
    neg = o4[:, :l].permute(0, 2, 1, 3)  # [m, Z, n < 0, o]
    torch.index_select(t[:, :, 1:], 2, rev[k - l :], out=neg)  # columns -n
    neg.conj_physical_().mul_(_mirror_signs(k, l, zl)[:, None, :, None])


def _forward(kind: str, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    d = _Degrees(kind, x, y.shape[2])
    Z, fi, fo, K = d.Z, d.f_in, d.f_out, d.K
    out = x.new_empty(d.out_rows, Z, fo)
    Kin = fi if kind == "s2_mm" else K * fi
    xw = d.workspace(0 if kind == "s2_mm" else K * Z * Kin)
    yw = d.workspace(Kin * K * fo)
    zw = d.workspace(K * Z * K * fo)
    nw = d.workspace(K * Z * K * fo if kind == "so3_mm_real" else 0)
    rev = torch.arange(K - 1, -1, -1, device=x.device)
    for l, k, rin, rout in d.blocks():
        X, Yb = _operands(d, l, k, x[rin], y[rin], xw, yw)
        zl = torch.mm(X, Yb, out=zw[: X.shape[0] * Yb.shape[1]].view(X.shape[0], Yb.shape[1]))
        _write_block(d, l, k, zl, out[rout], rev[K - k :], nw)
    return out


def _gradient_block(d: _Degrees, l: int, k: int, g_block: torch.Tensor, gw, rev, nw) -> torch.Tensor:
    """The output gradient of degree ``l`` as the GEMM's ``G [(m, Z), (n, f_out)]`` (columns
    ``n >= 0`` for ``so3_mm_real``, each plus the signed conjugate of its mirror's gradient)."""
    Z, fo = d.Z, d.f_out
    g4 = g_block.view(k, k, Z, fo)  # [m, n, Z, o]
    if d.kind != "so3_mm_real":
        G = gw[: k * Z * k * fo].view(k, Z, k, fo)
        G.copy_(g4.permute(0, 2, 1, 3))
        return G.view(k * Z, k * fo)
    G = gw[: k * Z * (l + 1) * fo].view(k, Z, l + 1, fo)
    G.copy_(g4[:, l:].permute(0, 2, 1, 3))
    if l > 0:
        # the output's column j < l of row i is s(i, j) conj(z[k-1-i, l-j]), s = (-1)^(i+j): so
        # z[i, c], c = 1..l, receives s conj(g) of the entry (k-1-i, l-c) of the columns n < 0
        n = k * l * Z * fo
        S = nw[:n].view(k, l, Z, fo)
        S.copy_(g4[:, :l])
        S.conj_physical_().mul_(_mirror_signs(k, l, g_block)[:, :, None, None])
        R = torch.index_select(S, 0, rev, out=nw[n : 2 * n].view(k, l, Z, fo))  # rows k-1-i
        torch.index_select(R, 1, rev[k - l :], out=S)  # columns l-c at c - 1 = 0..l-1
        G[:, :, 1:].add_(S.permute(0, 2, 1, 3))
    return G.view(k * Z, (l + 1) * fo)


def _backward(kind: str, g: torch.Tensor, x: torch.Tensor, y: torch.Tensor, need_x: bool, need_y: bool):
    d = _Degrees(kind, x, y.shape[2])
    Z, fi, fo, K = d.Z, d.f_in, d.f_out, d.K
    gx = x.new_empty(x.shape) if need_x else None
    gy = None
    if need_y:  # so3_mm_real reads no kernel row n < 0: those get zero
        gy = y.new_zeros(y.shape) if kind == "so3_mm_real" else y.new_empty(y.shape)
    Kin = fi if kind == "s2_mm" else K * fi
    xw = d.workspace(0 if kind == "s2_mm" or not need_y else K * Z * Kin)
    yw = d.workspace(Kin * K * fo)
    gw = d.workspace(K * Z * K * fo)
    rw = d.workspace(max(K * Z * Kin if need_x else 0, Kin * K * fo if need_y else 0))
    nw = d.workspace(2 * K * Z * K * fo if kind == "so3_mm_real" else 0)
    rev = torch.arange(K - 1, -1, -1, device=x.device)
    g = g.contiguous()
    for l, k, rin, rout in d.blocks():
        X, Yb = _operands(d, l, k, x[rin], y[rin], xw, yw, need_x=need_y)
        G = _gradient_block(d, l, k, g[rout], gw, rev[K - k :], nw)
        if need_x:  # X-bar = G Y-bar^H
            gX = torch.mm(G, Yb.conj().t(), out=rw[: G.shape[0] * Yb.shape[0]].view(G.shape[0], Yb.shape[0]))
            if kind == "s2_mm":
                gx[rin].view(k * Z, fi).copy_(gX)
            else:
                gx[rin].view(k, k, Z, fi).copy_(gX.view(k, Z, k, fi).permute(0, 2, 1, 3))
        if need_y:  # Y-bar' = conj(X^H G), in y's layout
            W = torch.mm(X.conj().t(), G, out=rw[: X.shape[1] * G.shape[1]].view(X.shape[1], G.shape[1]))
            if kind == "s2_mm":
                gy[rin].view(k, fi, fo).copy_(W.view(fi, k, fo).permute(1, 0, 2).conj())
            else:
                cols = k if kind == "so3_mm" else l + 1
                target = gy[rin].view(k, k, fi, fo)[k - cols :]  # rows n (n >= 0 for so3_mm_real)
                target.copy_(W.view(k, fi, cols, fo).permute(2, 0, 1, 3).conj())
    return gx, gy


_GRAPH = {"s2_mm": s2_mm_graph, "so3_mm": so3_mm_graph, "so3_mm_real": so3_mm_real_graph}


class _BlockProduct(torch.autograd.Function):
    """One of the block products (``kind``): forward and backward as in the module's
    docstring; with ``create_graph`` the backward differentiates the ``*_graph`` form instead."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, y: torch.Tensor, kind: str) -> torch.Tensor:
        ctx.save_for_backward(x, y)
        ctx.kind = kind
        return _forward(kind, x, y)

    @staticmethod
    def backward(ctx, g: torch.Tensor):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad[:2]
        if torch.is_grad_enabled():  # create_graph: a backward that autograd can differentiate again
            wrt = [t for t, need in ((x, need_x), (y, need_y)) if need]
            with torch.enable_grad():
                z = _GRAPH[ctx.kind](x, y)
            grads = iter(torch.autograd.grad(z, wrt, g, create_graph=True))
            return (next(grads) if need_x else None), (next(grads) if need_y else None), None
        gx, gy = _backward(ctx.kind, g, x, y, need_x, need_y)
        return gx, gy, None


@torch.compiler.disable  # runs eagerly inside compiled graphs: torch 2.13's dynamo warns on autograd.Function
def s2_mm(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``x [b**2, Z, f_in]``, ``y [b**2, f_in, f_out]`` -> ``[so3_nspec(b), Z, f_out]``
    (:func:`s2_mm_graph`, into one output)."""
    return _BlockProduct.apply(x, y, "s2_mm")


@torch.compiler.disable
def so3_mm(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``x [nspec, Z, f_in]``, ``y [nspec, f_in, f_out]`` -> ``[nspec, Z, f_out]``
    (:func:`so3_mm_graph`, into one output)."""
    return _BlockProduct.apply(x, y, "so3_mm")


@torch.compiler.disable
def so3_mm_real(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """:func:`so3_mm` on the columns ``n >= 0``, the others by the symmetry of a real signal's
    spectrum (:func:`so3_mm_real_graph`, into one output)."""
    return _BlockProduct.apply(x, y, "so3_mm_real")
