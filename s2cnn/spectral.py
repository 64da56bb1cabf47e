"""Front doors of the spectral verbs: validate, flatten the batch axes, dispatch to a backend.

Conventions (those of the original s2cnn, so that its models and weights port):

* Grids: SOFT, :math:`\\beta_j = \\pi(2j+1)/(4b)`, :math:`\\alpha_k = \\gamma_k = 2\\pi k/(2b)`;
  S2 signals are ``[..., beta, alpha]``, SO(3) signals ``[..., beta, alpha, gamma]``.
* :math:`D^l_{mn}(\\alpha,\\beta,\\gamma) = e^{im\\alpha} d^l_{mn}(\\beta) e^{in\\gamma}`
  (:mod:`s2cnn.wigner`); :math:`w_j` the SOFT weights (:mod:`s2cnn.quadrature`).
* Spectra have the spectral axis first (:mod:`s2cnn.layout`), then the batch axes.

Inputs may be real (float32/float64) or complex (complex64/complex128); outputs are complex of
the matching precision. Every verb is differentiable.
"""

from __future__ import annotations

import torch

from .backends import dispatch
from .layout import s2_bandwidth_from_nspec, so3_bandwidth_from_nspec

__all__ = ["s2_fft", "s2_ifft", "so3_fft", "so3_ifft", "so3_ifft_real", "s2_mm", "so3_mm", "so3_mm_real"]

_DTYPES = (torch.float32, torch.float64, torch.complex64, torch.complex128)
_COMPLEX = {torch.float32: torch.complex64, torch.float64: torch.complex128}


def _check_tensor(name: str, x, min_dim: int, what: str) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor {what}; got {type(x).__name__}")
    if x.dtype not in _DTYPES:
        raise TypeError(
            f"{name}: expected dtype float32, float64, complex64 or complex128; got {x.dtype} for {what}"
        )
    if x.dim() < min_dim:
        raise ValueError(f"{name}: expected {what}; got a tensor of shape {tuple(x.shape)}")


def _grid_bandwidth(name: str, x: torch.Tensor, ndim: int, what: str) -> int:
    _check_tensor(name, x, ndim, what)
    sizes = x.shape[-ndim:]
    n = sizes[0]
    if any(s != n for s in sizes) or n % 2 or n == 0:
        raise ValueError(
            f"{name}: expected {what} whose last {ndim} axes all have the same even size 2b; "
            f"got shape {tuple(x.shape)}"
        )
    return n // 2


def _check_b_out(name: str, b_out, default: int) -> int:
    if b_out is None:
        return default
    if isinstance(b_out, bool) or int(b_out) != b_out or b_out < 1:
        raise ValueError(f"{name}: b_out must be an integer >= 1; got {b_out!r}")
    return int(b_out)


def _spectrum(name: str, x, what: str) -> torch.Tensor:
    _check_tensor(name, x, 1, what)
    return x if x.is_complex() else x.to(_COMPLEX[x.dtype])


def s2_fft(x: torch.Tensor, b_out: int | None = None) -> torch.Tensor:
    """Fourier transform on the sphere (SOFT grid, quadrature).

    .. math::

        F^l_m = \\sum_{j,k} w^{S2}_j\\, f(\\beta_j, \\alpha_k)\\, e^{-im\\alpha_k}\\, d^l_{m0}(\\beta_j),
        \\qquad 0 \\le l < b_{out},\\ |m| \\le l,

    with :math:`w^{S2}_j = 2b_{in} w_j` (the S2 grid sums to one). Exact (the inverse of
    :func:`s2_ifft`) for signals of bandwidth :math:`\\le b_{in}`.

    Parameters
    ----------
    x : Tensor ``[..., 2b_in, 2b_in]`` (beta, alpha), real or complex
    b_out : int, optional
        ``1 <= b_out <= b_in`` (default ``b_in``): the spectrum is truncated to ``l < b_out``.

    Returns
    -------
    Tensor ``[b_out**2, ...]``, complex; row ``l**2 + (m + l)``.
    """
    b_in = _grid_bandwidth("s2_fft", x, 2, "an S2 signal [..., 2b, 2b] (beta, alpha)")
    b_out = _check_b_out("s2_fft", b_out, b_in)
    if b_out > b_in:
        raise ValueError(f"s2_fft: b_out must be <= b_in = {b_in} (the grid resolves no more); got {b_out}")
    batch = x.shape[:-2]
    out = dispatch("s2_fft", x.reshape(-1, 2 * b_in, 2 * b_in).contiguous(), b_out)
    return out.reshape(b_out**2, *batch)


def s2_ifft(x: torch.Tensor, b_out: int | None = None) -> torch.Tensor:
    """Synthesis on the sphere: the inverse of :func:`s2_fft`.

    .. math::

        f(\\beta_j, \\alpha_k) = \\sum_{l < b_{in}} (2l+1) \\sum_{|m| \\le l} F^l_m\\,
        d^l_{m0}(\\beta_j)\\, e^{im\\alpha_k}

    Parameters
    ----------
    x : Tensor ``[b_in**2, ...]``, complex (a real tensor is taken as complex)
    b_out : int, optional
        Grid bandwidth, ``b_out >= b_in`` (default ``b_in``).

    Returns
    -------
    Tensor ``[..., 2b_out, 2b_out]`` (beta, alpha), complex. The ``torch`` backend returns the
    FFT's own output, a view in memory order ``[beta, ..., alpha]`` (writing it contiguous cost
    1.2 ms more per call at b=128, 16 signals, complex128, on a 2-core CPU): flatten it with
    ``reshape``, not ``view``.
    """
    x = _spectrum("s2_ifft", x, "an S2 spectrum [b**2, ...]")
    try:
        b_in = s2_bandwidth_from_nspec(x.shape[0])
    except ValueError as exc:
        raise ValueError(f"s2_ifft: {exc} (shape {tuple(x.shape)})") from None
    b_out = _check_b_out("s2_ifft", b_out, b_in)
    if b_out < b_in:
        raise ValueError(f"s2_ifft: b_out must be >= b_in = {b_in} (the grid must resolve it); got {b_out}")
    batch = x.shape[1:]
    out = dispatch("s2_ifft", x.reshape(b_in**2, -1).contiguous(), b_out)
    return out.reshape(*batch, 2 * b_out, 2 * b_out)


def so3_fft(x: torch.Tensor, b_out: int | None = None) -> torch.Tensor:
    """Fourier transform on SO(3) (SOFT grid, quadrature).

    .. math::

        F^l_{mn} = \\sum_{j,k,k'} w_j\\, f(\\beta_j, \\alpha_k, \\gamma_{k'})\\,
        e^{-im\\alpha_k} e^{-in\\gamma_{k'}} d^l_{mn}(\\beta_j)
        = \\int_{SO(3)} f\\, \\overline{D^l_{mn}}\\, dg,

    (normalised Haar measure). For ``b_out > b_in`` the rows ``l >= b_in`` are zero (the
    grid does not resolve them; the original filled them with aliases).

    Parameters
    ----------
    x : Tensor ``[..., 2b_in, 2b_in, 2b_in]`` (beta, alpha, gamma), real or complex
    b_out : int, optional
        Default ``b_in``.

    Returns
    -------
    Tensor ``[b_out (4 b_out**2 - 1) / 3, ...]``, complex; row
    ``l(4l**2-1)/3 + (m+l)(2l+1) + (n+l)``.
    """
    b_in = _grid_bandwidth("so3_fft", x, 3, "an SO(3) signal [..., 2b, 2b, 2b] (beta, alpha, gamma)")
    b_out = _check_b_out("so3_fft", b_out, b_in)
    batch = x.shape[:-3]
    out = dispatch("so3_fft", x.reshape(-1, 2 * b_in, 2 * b_in, 2 * b_in).contiguous(), b_out)
    return out.reshape(out.shape[0], *batch)


def so3_ifft(x: torch.Tensor, b_out: int | None = None) -> torch.Tensor:
    """Synthesis on SO(3): the inverse of :func:`so3_fft`.

    .. math::

        f(\\beta_j, \\alpha_k, \\gamma_{k'}) = \\sum_{l < \\min(b_{in}, b_{out})} (2l+1)
        \\sum_{m,n} F^l_{mn}\\, D^l_{mn}(\\alpha_k, \\beta_j, \\gamma_{k'})

    Parameters
    ----------
    x : Tensor ``[b_in (4 b_in**2 - 1) / 3, ...]``, complex
    b_out : int, optional
        Grid bandwidth (default ``b_in``); for ``b_out < b_in`` the degrees ``l >= b_out`` are
        dropped.

    Returns
    -------
    Tensor ``[..., 2b_out, 2b_out, 2b_out]`` (beta, alpha, gamma), complex.
    """
    return _so3_synthesis("so3_ifft", x, b_out)


def so3_ifft_real(x: torch.Tensor, b_out: int | None = None) -> torch.Tensor:
    """The real part of the synthesis on SO(3): ``so3_ifft(x, b_out).real``, computed as the
    synthesis of the Hermitian part of the spectrum,

    .. math::

        \\mathrm{Re}\\, f = \\sum_{l} (2l+1) \\sum_{m,n} \\tfrac12 \\big(F^l_{mn} + (-1)^{m-n}
        \\overline{F^l_{-m,-n}}\\big)\\, D^l_{mn},

    which a backend may do with half the contraction and a real inverse FFT (the torch backend
    does). What the convolution layers use.

    Parameters
    ----------
    x : Tensor ``[b_in (4 b_in**2 - 1) / 3, ...]``, complex
    b_out : int, optional
        Grid bandwidth (default ``b_in``), as for :func:`so3_ifft`.

    Returns
    -------
    Tensor ``[..., 2b_out, 2b_out, 2b_out]`` (beta, alpha, gamma), real (float32 for complex64).
    """
    return _so3_synthesis("so3_ifft_real", x, b_out)


def _so3_synthesis(verb: str, x, b_out: int | None) -> torch.Tensor:
    """Validate an SO(3) spectrum ``[nspec, ...]`` and ``b_out``, flatten the batch axes, dispatch."""
    x = _spectrum(verb, x, "an SO(3) spectrum [b(4b^2-1)/3, ...]")
    try:
        b_in = so3_bandwidth_from_nspec(x.shape[0])
    except ValueError as exc:
        raise ValueError(f"{verb}: {exc} (shape {tuple(x.shape)})") from None
    b_out = _check_b_out(verb, b_out, b_in)
    batch = x.shape[1:]
    out = dispatch(verb, x.reshape(x.shape[0], -1).contiguous(), b_out)
    return out.reshape(*batch, 2 * b_out, 2 * b_out, 2 * b_out)


def _check_product(name: str, x, y, x_what: str, y_what: str, nspec_of) -> None:
    for t, what in ((x, x_what), (y, y_what)):
        _check_tensor(name, t, 3, what)
        if t.dim() != 3:
            raise ValueError(f"{name}: expected {what}; got shape {tuple(t.shape)}")
    if x.dtype != y.dtype or x.device != y.device:
        raise TypeError(
            f"{name}: x and y must share dtype and device; got {x.dtype} on {x.device} and "
            f"{y.dtype} on {y.device}"
        )
    if x.shape[0] != y.shape[0] or x.shape[2] != y.shape[1]:
        raise ValueError(
            f"{name}: expected x {x_what} and y {y_what} with matching spectral rows and f_in; "
            f"got {tuple(x.shape)} and {tuple(y.shape)}"
        )
    try:
        nspec_of(x.shape[0])
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _product(name: str, x, y, x_what: str, y_what: str, nspec_of) -> torch.Tensor:
    """Validate the operands of the block product ``name``, make them complex and contiguous,
    and dispatch."""
    _check_product(name, x, y, x_what, y_what, nspec_of)
    x, y = (t if t.is_complex() else t.to(_COMPLEX[t.dtype]) for t in (x, y))
    return dispatch(name, x.contiguous(), y.contiguous())


#: Expected shapes (for the error messages) and row count check of the SO(3) products.
_SO3_PRODUCT_SHAPES = ("[b(4b^2-1)/3, batch, f_in]", "[b(4b^2-1)/3, f_in, f_out]", so3_bandwidth_from_nspec)


def s2_mm(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Spectral S2 x S2 correlation product, S2 spectra in, SO(3) spectrum out.

    .. math::

        z^l_{mn}[z, o] = \\sum_f x^l_m[z, f]\\, \\overline{y^l_n[f, o]}

    Parameters
    ----------
    x : Tensor ``[b**2, Z, f_in]``, complex (signal spectra)
    y : Tensor ``[b**2, f_in, f_out]``, complex (kernel spectra)

    Returns
    -------
    Tensor ``[b (4b**2-1)/3, Z, f_out]``, complex.
    """
    return _product("s2_mm", x, y, "[b**2, batch, f_in]", "[b**2, f_in, f_out]", s2_bandwidth_from_nspec)


def so3_mm(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Spectral SO(3) x SO(3) correlation product.

    .. math::

        z^l_{mn}[z, o] = \\sum_f \\sum_k x^l_{mk}[z, f]\\, \\overline{y^l_{nk}[f, o]}
        \\quad (z^l = x^l (y^l)^H \\text{ blockwise})

    Parameters
    ----------
    x : Tensor ``[nspec, Z, f_in]``, complex
    y : Tensor ``[nspec, f_in, f_out]``, complex

    Returns
    -------
    Tensor ``[nspec, Z, f_out]``, complex.
    """
    return _product("so3_mm", x, y, *_SO3_PRODUCT_SHAPES)


def so3_mm_real(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """:func:`so3_mm` for the spectra of real signals, at about half the multiply-adds.

    The columns ``n >= 0`` of :math:`z^l = x^l (y^l)^H` are computed; the columns ``n < 0``
    follow from the symmetry of the spectrum of a real signal (:mod:`s2cnn.symmetry`):

    .. math::

        z^l_{mn} = \\sum_f \\sum_k x^l_{mk}[z, f]\\, \\overline{y^l_{nk}[f, o]} \\quad (n \\ge 0),
        \\qquad z^l_{mn} = (-1)^{m-n}\\, \\overline{z^l_{-m,-n}} \\quad (n < 0).

    When ``x`` and ``y`` are spectra of real signals (rows :math:`F^l_{-m,-n} = (-1)^{m-n}
    \\overline{F^l_{mn}}`, as :func:`so3_fft` of a real input and the kernel spectra of the
    layers) this equals ``so3_mm(x, y)``; otherwise it is ``so3_mm(x, y)`` on the columns
    ``n >= 0``, completed by :func:`s2cnn.symmetry.so3_complete_real`. Real-linear (not
    complex-linear) in each argument; differentiable. Parameters and result as :func:`so3_mm`.
    """
    return _product("so3_mm_real", x, y, *_SO3_PRODUCT_SHAPES)
