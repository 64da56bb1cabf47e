"""s2fft's Wigner transforms (JAX, precomputed kernel), timed in a child process of
:mod:`benchmarks.peers` so that JAX's threads and 64-bit mode can be set before it is imported.

Reads one JSON object from argv[1]: ``{"cases": [[verb, b, dtype], ...], "batch": Z, "threads": T,
"repeat": k, "budget": seconds}``; prints a JSON list of ``{verb, b, dtype, ms, err, note}``.

The work: ``L = N = b`` (all ``|m|, |n| < b``) on s2fft's Driscoll-Healy sampling
(``[2N-1, 2L, 2L-1]`` for gamma, beta, alpha: the equiangular grid closest to SOFT), a batch of
``Z`` signals through ``jax.vmap`` under ``jax.jit``. The forward transform takes real signals
(``reality=True``, as ours does); the inverse synthesises complex signals from general spectra.
``err`` is the round trip of :mod:`benchmarks.peers`: the timed direction in the timed dtype,
the other in float64, against a band-limited spectrum in s2fft's own convention.
"""

from __future__ import annotations

import json
import os
import sys


def _configure(threads: int) -> None:
    if threads == 1:
        os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from pinning import pin_process

    pin_process(threads)


def main() -> None:
    args = json.loads(sys.argv[1])
    _configure(args["threads"])
    import jax
    import jax.numpy as jnp
    import numpy as np

    jax.config.update("jax_enable_x64", True)
    from peers_timing import median_ms, rel_l2, set_clock
    from s2fft.precompute_transforms import construct, wigner

    set_clock(args["clock"])
    Z = args["batch"]
    out = []
    kernels = {}

    def kernel(b, forward, reality, dtype):
        key = (b, forward, reality, dtype)
        if key not in kernels:
            k = construct.wigner_kernel_jax(b, b, reality=reality, sampling="dh", forward=forward)
            kernels[key] = k.astype(dtype)
        return kernels[key]

    def transform(verb, b, reality, rdt):
        fn = wigner.forward if verb == "fft" else wigner.inverse
        k = kernel(b, verb == "fft", reality, rdt)

        def one(x, k):
            return fn(x, b, b, k, sampling="dh", reality=reality, method="jax")

        run = jax.jit(jax.vmap(one, in_axes=(0, None)))
        return lambda x: run(x, k).block_until_ready()

    rng = np.random.default_rng(0)
    for verb, b, dtype in args["cases"]:
        rdt = {"float32": jnp.float32, "float64": jnp.float64}[dtype]
        cdt = {"float32": jnp.complex64, "float64": jnp.complex128}[dtype]
        try:
            reality = verb == "fft"
            shape = (Z, 2 * b - 1, 2 * b, 2 * b - 1)
            f64 = rng.standard_normal(shape)
            if not reality:
                f64 = f64 + 1j * rng.standard_normal(shape)
            fwd64 = transform("fft", b, reality, jnp.float64)
            inv64 = transform("ifft", b, reality, jnp.float64)
            flmn = fwd64(jnp.asarray(f64))  # a band-limited spectrum in s2fft's convention
            if verb == "fft":
                signal = inv64(flmn).real.astype(rdt)
                timed = transform("fft", b, reality, rdt)
                err = rel_l2(np.asarray(timed(signal)), np.asarray(flmn))
                arg = signal
            else:
                spec = flmn.astype(cdt)
                timed = transform("ifft", b, reality, rdt)
                err = rel_l2(np.asarray(fwd64(timed(spec).astype(jnp.complex128))), np.asarray(flmn))
                arg = spec
            ms = median_ms(lambda t=timed, a=arg: t(a), args["repeat"], args["budget"])
            out.append({"verb": verb, "b": b, "dtype": dtype, "ms": ms, "err": err, "note": ""})
        except Exception as exc:  # report, do not abort the other cases
            out.append({"verb": verb, "b": b, "dtype": dtype, "ms": None, "err": None, "note": repr(exc)[:160]})
        kernels.clear()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
