r"""Wigner small-d and D functions, evaluated exactly.

Convention (lie_learn's ``field='complex', normalization='quantum', order='centered',
condon_shortley='cs'``): :math:`d^l_{mn}(\beta)` is the standard Wigner d-function,
``m`` the first (row) index and ``n`` the second (column) index, given by Wigner's sum

.. math::

    d^l_{mn}(\beta) = \sum_s (-1)^{m - n + s}
        \frac{\sqrt{(l+m)!\,(l-m)!\,(l+n)!\,(l-n)!}}{(l+n-s)!\, s!\, (m-n+s)!\, (l-m-s)!}
        \cos(\beta/2)^{2l + n - m - 2s} \sin(\beta/2)^{m - n + 2s},

over :math:`\max(0, n-m) \le s \le \min(l+n, l-m)`; for example
:math:`d^1_{10}(\beta) = -\sin(\beta) / \sqrt{2}` and :math:`d^l_{00}(\beta) = P_l(\cos\beta)`.
The full rotation functions are

.. math:: D^l_{mn}(\alpha, \beta, \gamma) = e^{i m \alpha} d^l_{mn}(\beta) e^{i n \gamma},

a unitary representation of :math:`R = R_z(\alpha) R_y(\beta) R_z(\gamma)`
(the complex conjugate of the quantum-mechanical
:math:`\langle l m | e^{-i\alpha J_z} e^{-i\beta J_y} e^{-i\gamma J_z} | l n \rangle`).
Matrices are stored ``[m + l, n + l]``.

Three independent evaluations live here:

* :func:`wigner_d`: Wigner's sum, integer coefficients, mpmath trigonometry at a
  working precision chosen from the size of the terms (exact to double precision).
* :func:`wigner_d_mp`: the Jacobi-polynomial form, through mpmath's hypergeometric
  series, for extended-precision checks.
* :func:`wigner_d_matrix`: the whole matrix in float64 through the factorisation
  :math:`d(\beta) = Z\, \Delta\, e^{-i \beta J_z} \Delta^T Z^{*}` with
  :math:`\Delta = d(\pi/2)` computed from exact integers.
"""

import math
from fractions import Fraction
from functools import lru_cache

import mpmath
import numpy as np

__all__ = [
    "lie_learn_wigner_d_matrix",
    "wigner_D_matrix",
    "wigner_d",
    "wigner_d_dps",
    "wigner_d_matrix",
    "wigner_d_mp",
]

_GUARD_DIGITS = 20


def _check_degree(l):
    if isinstance(l, bool) or not isinstance(l, (int, np.integer)) or l < 0:
        raise ValueError(f"the degree l must be a non-negative integer, got {l!r}")
    return int(l)


def _check_lmn(l, m, n):
    l = _check_degree(l)
    for name, value in (("m", m), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or abs(value) > l:
            raise ValueError(f"{name} must be an integer with |{name}| <= l = {l}, got {value!r}")
    return l, int(m), int(n)


def wigner_d_dps(l, m, n):
    r"""Working precision (decimal digits) that :func:`wigner_d` uses.

    Writing the coefficient of Wigner's sum as
    :math:`\sqrt{(l+m)!(l-m)!/((l+n)!(l-n)!)}\binom{l+n}{s}\binom{l-n}{l-m-s}`, Vandermonde's
    identity bounds the sum of the absolute values of the terms by

    .. math:: T = \sqrt{\tbinom{2l}{l-m} \tbinom{2l}{l-n}} \le 4^l,

    so the alternating sum loses at most :math:`\log_{10} T \le 0.603\, l` digits to
    cancellation. The precision is :math:`\lceil \log_{10} T \rceil + 20` digits: every term
    is computed with a relative error near :math:`10^{-\mathrm{dps}}`, which leaves an
    absolute error of the sum well below :math:`10^{-18}` (for ``l = 512`` about 330 digits).

    Parameters
    ----------
    l, m, n : int
        Degree and orders, ``|m|, |n| <= l``.

    Returns
    -------
    int
        Decimal digits.
    """
    l, m, n = _check_lmn(l, m, n)
    bound_squared = math.comb(2 * l, l - m) * math.comb(2 * l, l - n)
    digits = math.ceil(bound_squared.bit_length() / 2 * math.log10(2))
    return digits + _GUARD_DIGITS


def wigner_d(l, m, n, beta):
    r"""Wigner small-d function :math:`d^l_{mn}(\beta)` by Wigner's explicit sum.

    The coefficients are exact Python integers,
    :math:`\binom{l+n}{s}\binom{l-n}{l-m-s}` times
    :math:`\sqrt{(l+m)!(l-m)!/((l+n)!(l-n)!)}`; the trigonometric factors and the sum are
    evaluated with mpmath at :func:`wigner_d_dps` digits, which absorbs the cancellation
    of the alternating sum for any ``l``. The argument ``beta`` is taken as the exact
    binary number it holds, and the result is correct to double precision (absolute
    error below :math:`10^{-16}`).

    Parameters
    ----------
    l, m, n : int
        Degree and orders, ``|m|, |n| <= l``; ``m`` is the row index, ``n`` the column.
    beta : float
        Angle in radians (any real value).

    Returns
    -------
    float
        :math:`d^l_{mn}(\beta)`.
    """
    l, m, n = _check_lmn(l, m, n)
    with mpmath.workdps(wigner_d_dps(l, m, n)):
        half = mpmath.mpf(float(beta)) / 2
        cos_half, sin_half = mpmath.cos(half), mpmath.sin(half)
        total = mpmath.mpf(0)
        for s in range(max(0, n - m), min(l + n, l - m) + 1):
            coefficient = math.comb(l + n, s) * math.comb(l - n, l - m - s)
            term = coefficient * cos_half ** (2 * l + n - m - 2 * s) * sin_half ** (m - n + 2 * s)
            total = total - term if s % 2 else total + term
        ratio = Fraction(math.factorial(l + m) * math.factorial(l - m),
                         math.factorial(l + n) * math.factorial(l - n))
        scale = mpmath.sqrt(mpmath.mpf(ratio.numerator) / ratio.denominator)
        value = scale * total
        if (m - n) % 2:
            value = -value
        return float(value)


def wigner_d_mp(l, m, n, beta, dps=50):
    r"""Wigner small-d function in extended precision, through Jacobi polynomials.

    An evaluation independent of :func:`wigner_d`: with
    :math:`k = \min(l+n, l-n, l+m, l-m)`,

    ===============  ===============  ===============
    case             :math:`a`        :math:`\lambda`
    ===============  ===============  ===============
    :math:`k = l+n`  :math:`m - n`    :math:`m - n`
    :math:`k = l-n`  :math:`n - m`    0
    :math:`k = l+m`  :math:`n - m`    0
    :math:`k = l-m`  :math:`m - n`    :math:`m - n`
    ===============  ===============  ===============

    and :math:`b' = 2l - 2k - a`,

    .. math::

        d^l_{mn}(\beta) = (-1)^{\lambda}
            \sqrt{\binom{2l-k}{k+a} \Big/ \binom{k+b'}{b'}}
            \sin(\beta/2)^{a} \cos(\beta/2)^{b'} P^{(a, b')}_k(\cos\beta),

    with the Jacobi polynomial from ``mpmath.jacobi`` (a terminating series in
    :math:`\sin^2(\beta/2)`). The absolute values of the terms of that series sum to at most
    :math:`|P^{(a,b')}_k(-1)| = \binom{k+b'}{k}`, so with the prefactor the cancellation costs at
    most :math:`\log_{10}\sqrt{\binom{2l-k}{k+a}\binom{k+b'}{b'}} \le 0.61\, l` digits: the
    computation runs with :math:`\lceil 0.61\, l \rceil + 10` digits beyond ``dps`` and the
    result is rounded to ``dps`` digits.

    Parameters
    ----------
    l, m, n : int
        Degree and orders, ``|m|, |n| <= l``; ``m`` is the row index, ``n`` the column.
    beta : float or mpmath.mpf
        Angle in radians; a float is taken as the exact binary number it holds.
    dps : int, optional
        Decimal digits of the result (default 50).

    Returns
    -------
    mpmath.mpf
        :math:`d^l_{mn}(\beta)` to ``dps`` digits.
    """
    l, m, n = _check_lmn(l, m, n)
    k = min(l + n, l - n, l + m, l - m)
    if k == l + n:
        a, lam = m - n, m - n
    elif k == l - n:
        a, lam = n - m, 0
    elif k == l + m:
        a, lam = n - m, 0
    else:
        a, lam = m - n, m - n
    b_prime = 2 * l - 2 * k - a
    with mpmath.workdps(int(dps) + math.ceil(0.61 * l) + 10):
        beta = mpmath.mpf(beta)
        ratio = mpmath.mpf(math.comb(2 * l - k, k + a)) / math.comb(k + b_prime, b_prime)
        value = (mpmath.sqrt(ratio) * mpmath.sin(beta / 2) ** a * mpmath.cos(beta / 2) ** b_prime
                 * mpmath.jacobi(k, a, b_prime, mpmath.cos(beta)))
        if lam % 2:
            value = -value
    with mpmath.workdps(int(dps)):
        return +value


def _split_float(value, bits=60):
    """Integer ``value`` as ``(mantissa, exponent)``: float mantissa of ``bits`` bits, int exponent."""
    shift = max(abs(value).bit_length() - bits, 0)
    mantissa = float(value >> shift) if value >= 0 else -float((-value) >> shift)
    return mantissa, shift


@lru_cache(maxsize=32)
def _half_pi_matrix(l):
    r""":math:`\Delta^l = d^l(\pi/2)` as float64 ``[m + l, n + l]``, from exact integers.

    At :math:`\beta = \pi/2` the half-angle powers of Wigner's sum multiply to
    :math:`2^{-l}`, so

    .. math::

        \Delta^l_{mn} = (-1)^{m-n} 2^{-l}
            \sqrt{\frac{(l+m)!\,(l-m)!}{(l+n)!\,(l-n)!}}\; K_{mn},
        \qquad K_{mn} = [x^{l-m}]\,(1-x)^{l+n} (1+x)^{l-n},

    with :math:`K` an exact integer (the polynomial is carried from ``n`` to ``n + 1`` by the
    exact division by :math:`1 + x` and the product with :math:`1 - x`) and the square roots
    from ``math.isqrt``. The integers are rounded to float64 only at the end, so each entry
    has a relative error of a few units in the last place.
    """
    size = 2 * l + 1
    count_mantissa = np.empty((size, size), dtype=np.float64)  # [n + l, l - m]
    count_exponent = np.empty((size, size), dtype=np.int64)
    poly = [math.comb(2 * l, i) for i in range(size)]  # (1 + x)^{2l}: n = -l
    for row in range(size):
        for i, count in enumerate(poly):
            count_mantissa[row, i], count_exponent[row, i] = _split_float(count)
        if row < size - 1:
            quotient = [0] * size  # poly / (1 + x), exact
            carry = 0
            for i in range(size):
                carry = poly[i] - carry
                quotient[i] = carry
            poly = [quotient[i] - (quotient[i - 1] if i else 0) for i in range(size)]
    # sqrt((l + m)! (l - m)!) = root_mantissa * 2**(root_exponent), from isqrt(F << 2p) = floor(sqrt(F) 2^p)
    root_mantissa = np.empty(size, dtype=np.float64)
    root_exponent = np.empty(size, dtype=np.int64)
    for index in range(size):
        product = math.factorial(index) * math.factorial(2 * l - index)
        extra = 64
        root = math.isqrt(product << (2 * extra))
        mantissa, shift = _split_float(root)
        root_mantissa[index], root_exponent[index] = mantissa, shift - extra
    # entry [m + l, n + l] <- count index [n + l, l - m], i.e. transpose and reverse the rows
    count_mantissa = count_mantissa.T[::-1]
    count_exponent = count_exponent.T[::-1]
    orders = np.arange(-l, l + 1)
    sign = np.where((orders[:, None] - orders[None, :]) % 2 == 1, -1.0, 1.0)
    mantissa = sign * count_mantissa * root_mantissa[:, None] / root_mantissa[None, :]
    exponent = count_exponent + root_exponent[:, None] - root_exponent[None, :] - l
    delta = np.ldexp(mantissa, exponent)
    delta.flags.writeable = False
    return delta


def _exact_phases(betas, l):
    r""":math:`e^{-i k \beta}` for ``k = -l..l`` as complex128 ``[len(betas), 2l + 1]``.

    ``k * beta`` and its cosine and sine are computed with mpmath (30 digits), so the phases
    are correctly rounded even where ``k * beta`` is large.
    """
    phases = np.empty((len(betas), 2 * l + 1), dtype=np.complex128)
    with mpmath.workdps(30):
        for row, beta in enumerate(betas):
            beta = mpmath.mpf(float(beta))
            for k in range(l + 1):
                cos_k, sin_k = mpmath.cos_sin(k * beta)
                phases[row, l + k] = complex(float(cos_k), -float(sin_k))
                phases[row, l - k] = complex(float(cos_k), float(sin_k))
    return phases


def wigner_d_matrix(l, beta):
    r"""Wigner small-d matrix :math:`d^l(\beta)` in float64, for one or many angles.

    With :math:`\Delta = d^l(\pi/2)` (from exact integers) and the rotation by
    :math:`\pi/2` about z that carries :math:`J_x` to :math:`J_y`,

    .. math::

        d^l_{mn}(\beta) = \mathrm{Re}\Big[ i^{\,n - m}
            \sum_{k=-l}^{l} \Delta^l_{mk}\, e^{-i k \beta}\, \Delta^l_{nk} \Big].

    Each entry of :math:`\Delta` is within a few units in the last place and the phases
    :math:`e^{-ik\beta}` are correctly rounded (mpmath), so the remaining float64 error is
    the length-``2l+1`` sum of products whose absolute values sum to at most one (rows of
    an orthogonal matrix): an absolute error of a few units of :math:`10^{-16}` (measured
    below :math:`2 \cdot 10^{-17}` at ``l = 512``).

    Parameters
    ----------
    l : int
        Degree, ``l >= 0``.
    beta : float or array_like of float
        Angle(s) in radians, any shape ``S``.

    Returns
    -------
    numpy.ndarray
        float64, shape ``S + (2l + 1, 2l + 1)``, entry ``[..., m + l, n + l]`` is
        :math:`d^l_{mn}(\beta)`.
    """
    l = _check_degree(l)
    beta = np.asarray(beta, dtype=np.float64)
    shape = beta.shape
    betas = beta.reshape(-1)
    delta = _half_pi_matrix(l)
    phases = _exact_phases(betas, l)  # [z, k]
    products = (delta[None, :, :] * phases[:, None, :]) @ delta.T  # [z, m, n]
    orders = np.arange(-l, l + 1)
    power = (orders[None, :] - orders[:, None]) % 4  # i^{n - m}
    factor = np.array([1, 1j, -1, -1j])[power]
    d = (factor[None] * products).real
    return d.reshape(shape + (2 * l + 1, 2 * l + 1))


def wigner_D_matrix(l, alpha, beta, gamma):
    r"""Wigner D matrix :math:`D^l_{mn}(\alpha, \beta, \gamma) = e^{im\alpha} d^l_{mn}(\beta) e^{in\gamma}`.

    It represents :math:`R = R_z(\alpha) R_y(\beta) R_z(\gamma)`:
    :math:`D^l(R_1 R_2) = D^l(R_1) D^l(R_2)`, :math:`D^l(R^{-1}) = D^l(R)^H`.

    Parameters
    ----------
    l : int
        Degree, ``l >= 0``.
    alpha, beta, gamma : float or array_like of float
        ZYZ Euler angles in radians, broadcast together to a shape ``S``.

    Returns
    -------
    numpy.ndarray
        complex128, shape ``S + (2l + 1, 2l + 1)``, entry ``[..., m + l, n + l]``.
    """
    alpha, beta, gamma = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (alpha, beta, gamma)))
    d = wigner_d_matrix(l, beta)
    orders = np.arange(-l, l + 1)
    left = np.exp(1j * alpha[..., None] * orders)[..., :, None]
    right = np.exp(1j * gamma[..., None] * orders)[..., None, :]
    return left * d * right


def lie_learn_wigner_d_matrix(l, beta):
    r"""lie_learn's Wigner small-d matrix in this module's convention (for cross-checks).

    Calls ``lie_learn.representations.SO3.wigner_d.wigner_d_matrix(l, beta,
    field='complex', normalization='quantum', order='centered', condon_shortley='cs')``.
    lie_learn 0.0.2 reads ``collections.Iterable``, which Python 3.10 removed; the alias
    is restored before the import. lie_learn's tables stop at ``l = 150``.

    Parameters
    ----------
    l : int
        Degree, ``0 <= l <= 150``.
    beta : float
        Angle in radians.

    Returns
    -------
    numpy.ndarray
        float64, shape ``[2l + 1, 2l + 1]``, entry ``[m + l, n + l]`` is :math:`d^l_{mn}(\beta)`.

    Raises
    ------
    ImportError
        When lie_learn is not installed.
    """
    import collections
    import collections.abc

    if not hasattr(collections, "Iterable"):
        collections.Iterable = collections.abc.Iterable
    from lie_learn.representations.SO3.wigner_d import wigner_d_matrix as lie_learn_d

    l = _check_degree(l)
    d = lie_learn_d(l, float(beta), field="complex", normalization="quantum", order="centered",
                    condon_shortley="cs")
    d = np.asarray(d)
    if np.iscomplexobj(d):
        d = d.real
    return np.array(d, dtype=np.float64)
