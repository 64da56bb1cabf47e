"""What a backend verb receives and returns.

The front doors in :mod:`s2cnn.spectral` validate their arguments, flatten the batch axes
into one axis ``Z`` and call :func:`s2cnn.backends.dispatch`. A backend verb therefore sees
contiguous tensors of these shapes (``b_in`` is read off the input; ``nspec`` as in
:mod:`s2cnn.layout`), and must return tensors of these shapes, differentiable with respect
to every tensor argument:

==========  ==================================================  ===================================
verb        arguments                                           returns
==========  ==================================================  ===================================
s2_fft      x ``[Z, 2b_in, 2b_in]`` real or complex, b_out       ``[b_out**2, Z]`` complex
            (``b_out <= b_in``)
s2_ifft     x ``[b_in**2, Z]`` complex, b_out (``>= b_in``)      ``[Z, 2b_out, 2b_out]`` complex
so3_fft     x ``[Z, 2b_in, 2b_in, 2b_in]`` real or complex,      ``[so3_nspec(b_out), Z]`` complex
            b_out (any; rows ``l >= b_in`` are zero)
so3_ifft    x ``[so3_nspec(b_in), Z]`` complex, b_out (any;      ``[Z, 2b_out, 2b_out, 2b_out]``
            only ``l < b_out`` is synthesised)                   complex
so3_ifft    x as for ``so3_ifft``                                ``[Z, 2b_out, 2b_out, 2b_out]``
_real                                                           real: ``so3_ifft(x, b_out).real``
s2_mm       x ``[b**2, Z, f_in]``, y ``[b**2, f_in, f_out]``     ``[so3_nspec(b), Z, f_out]``
so3_mm      x ``[nspec, Z, f_in]``, y ``[nspec, f_in, f_out]``   ``[nspec, Z, f_out]``
so3_mm      x, y as for ``so3_mm``                              ``[nspec, Z, f_out]``: ``so3_mm`` on
_real                                                           the columns ``n >= 0``, the others
                                                                by the symmetry of real spectra
                                                                (:mod:`s2cnn.symmetry`)
==========  ==================================================  ===================================

Real inputs are float32 or float64; complex ones complex64 or complex128; ``x`` and ``y`` of
the products share dtype and device. The math of each verb is in the docstring of the front
door of the same name in :mod:`s2cnn.spectral`.

A verb declines a case it does not take (device, dtype, size) by returning ``NotImplemented``
or raising :class:`s2cnn.backends.Declined` with the reason.

A backend object may also define ``available() -> tuple[bool, str]``: whether it can run on
this machine, and why not.
"""
