"""lie_learn's SO(3) FFT (``lie_learn.spectral.SO3FFT_Naive``: NumPy FFT along alpha and gamma,
then the Wigner-d sums per degree), timed in a child process of :mod:`benchmarks.peers` that runs
in an environment with ``numpy<2`` and ``lie-learn`` (plain NumPy there: no s2cnn, no torch).

Reads one JSON object from argv[1]: ``{"cases": [[verb, b, "float64"], ...], "batch": Z,
"threads": T, "repeat": k, "budget": seconds}``; prints a JSON list of
``{verb, b, dtype, ms, err, note}``.

The work: ``SO3_FFT_analyze`` / ``SO3_FFT_synthesize`` on the SOFT grid ``[alpha, beta, gamma]``
of ``2b`` points each, complex128 only, one signal at a time (it has no batch axis), ``Z`` of them.
lie_learn's analysis of its own synthesis returns :math:`c_l F` with the known constant
:math:`c_l = 2\\pi / ((2b)^2 (2l+1))` (its analysis and synthesis use different normalisations);
``err`` is the relative L2 error of that round trip against :math:`c_l F` for a random ``F``.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    args = json.loads(sys.argv[1])
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from pinning import pin_process, thread_variables

    os.environ.update(thread_variables(args["threads"]))
    pin_process(args["threads"])

    import collections
    import collections.abc

    collections.Iterable = collections.abc.Iterable  # lie_learn 0.0.2 predates Python 3.10
    import numpy as np
    from lie_learn.spectral.SO3FFT_Naive import SO3_FFT_analyze, SO3_FFT_synthesize
    from peers_timing import median_ms, rel_l2, set_clock

    set_clock(args["clock"])
    Z = args["batch"]
    rng = np.random.default_rng(0)
    out = []
    for verb, b, dtype in args["cases"]:
        if dtype != "float64":
            out.append({"verb": verb, "b": b, "dtype": dtype, "ms": None, "err": None, "note": "complex128 only"})
            continue
        try:
            block = lambda k: rng.standard_normal((k, k)) + 1j * rng.standard_normal((k, k))  # noqa: E731
            F = [[block(2 * l + 1) for l in range(b)] for _ in range(Z)]
            t0 = time.perf_counter()
            signals = [SO3_FFT_synthesize(Fz) for Fz in F]  # also builds lie_learn's cached tables
            setup = time.perf_counter() - t0
            back = [SO3_FFT_analyze(f) for f in signals]
            c = [2 * np.pi / ((2 * b) ** 2 * (2 * l + 1)) for l in range(b)]
            flat = lambda spectra: np.concatenate([s.reshape(-1) for s in spectra])  # noqa: E731
            err = rel_l2(
                np.concatenate([flat(g) for g in back]),
                np.concatenate([flat([c[l] * Fz[l] for l in range(b)]) for Fz in F]),
            )
            if verb == "fft":
                ms = median_ms(lambda s=signals: [SO3_FFT_analyze(f) for f in s], args["repeat"], args["budget"])
            else:
                ms = median_ms(lambda F=F: [SO3_FFT_synthesize(Fz) for Fz in F], args["repeat"], args["budget"])
            note = f"first synthesis incl. tables {setup:.1f} s"
            out.append({"verb": verb, "b": b, "dtype": dtype, "ms": ms, "err": err, "note": note})
        except Exception as exc:  # report, do not abort the other cases
            out.append({"verb": verb, "b": b, "dtype": dtype, "ms": None, "err": None, "note": repr(exc)[:160]})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
