"""The matrix-multiply rate of the BLAS behind torch and of the BLAS behind NumPy, on the GEMM
shapes of our transforms: ``python -m benchmarks.blas_probe``.

Why: the torch backend's Wigner-d contractions are batched GEMMs with few columns (``2Z``, 32
for a batch of 16), a shape on which BLAS libraries differ by integer factors, and some by CPU
vendor (a library may take a generic code path on a CPU it does not recognise). This probe shows
how much of a ratio in :mod:`benchmarks.peers` is the BLAS that torch was built with rather than
our code, measured in the same run: the same shapes, the same dtype, the same threads, through
``torch.bmm`` / ``torch.mm`` and through ``numpy.matmul``.

Shapes, for bandwidth ``b`` and batch ``Z`` (rate: :math:`2 M K N` per matrix over the time):

* ``s2 bucket``: ``[8, b/2, b] @ [8, b, 2Z]``, one bucket of the S2 analysis GEMMs (eight orders
  ``m``, the longest chain ``b/2`` of degrees of one parity, ``b`` rings of a hemisphere), every
  operand row-major, as in :mod:`s2cnn.backends.torch._s2`.
* ``floor``: ``[b^2, 2b] @ [2b, 2Z]``, the GEMM of the S2 ``floor`` row of
  :mod:`benchmarks.peers`.
* ``square``: ``[1024, 1024] @ [1024, 1024]``, what a BLAS reaches on a shape it is tuned for.

The measurements run in a child process whose thread variables (``OMP_NUM_THREADS``,
``MKL_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``) and CPU affinity are set to ``--threads`` before
torch and NumPy load their BLAS (NumPy's OpenBLAS otherwise starts a thread per core).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

from .pinning import pin_process, thread_variables


def environment() -> dict[str, str]:
    """The variables of this process that change how the numerical libraries run (their BLAS and
    FFT code paths, threads, allocator), to be printed and saved with what was measured."""
    prefixes = ("MKL_", "OMP_", "OPENBLAS_", "MALLOC_", "THP_", "KMP_")
    return {k: v for k, v in sorted(os.environ.items()) if k.startswith(prefixes) or k == "LD_PRELOAD"}


def shapes(b: int, Z: int) -> dict[str, tuple[int, int, int, int]]:
    """``name -> (batch, M, K, N)`` of the probed GEMMs."""
    return {
        "s2 bucket": (8, max(b // 2, 1), b, 2 * Z),
        "floor": (1, b * b, 2 * b, 2 * Z),
        "square": (1, 1024, 1024, 1024),
    }


def blas_names() -> dict[str, str]:
    """The BLAS of torch and of NumPy, as their build configurations name them."""
    import numpy as np
    import torch

    cfg = torch.__config__.show()
    mkl = re.search(r"Math Kernel Library Version ([\w.-]+)", cfg)
    info = re.search(r"BLAS_INFO=(\w+)", cfg)
    torch_blas = f"MKL {mkl.group(1)}" if mkl else (info.group(1) if info else "unknown")
    try:
        dep = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        numpy_blas = f"{dep.get('name', '?')} {dep.get('version', '')}".strip()
    except (TypeError, KeyError):  # numpy < 1.26: no dict mode
        numpy_blas = "unknown"
    return {"torch": f"torch {torch.__version__}, {torch_blas}", "numpy": f"numpy {np.__version__}, {numpy_blas}"}


def measure(b: int, Z: int, dtypes: list[str], repeat: int, budget: float) -> list[dict]:
    """GF/s of each shape and dtype through torch and NumPy, in this process as it is."""
    import numpy as np
    import torch

    from .peers_timing import median_ms

    rng = np.random.default_rng(0)
    out = []
    for dtype in dtypes:
        for name, (batch, M, K, N) in shapes(b, Z).items():
            a = rng.standard_normal((batch, M, K)).astype(dtype)
            x = rng.standard_normal((batch, K, N)).astype(dtype)
            c = np.empty((batch, M, N), dtype=dtype)
            ta, tx, tc = torch.from_numpy(a), torch.from_numpy(x), torch.from_numpy(c)
            flops = 2.0 * batch * M * K * N
            t_ms = median_ms(lambda: torch.bmm(ta, tx, out=tc), repeat, budget)  # noqa: B023
            n_ms = median_ms(lambda: np.matmul(a, x, out=c), repeat, budget)  # noqa: B023
            out.append({"dtype": dtype, "shape": name, "gemm": f"[{batch}, {M}, {K}] @ [{batch}, {K}, {N}]",
                        "torch_gflops": flops / t_ms / 1e6, "numpy_gflops": flops / n_ms / 1e6})
    return out


def run(b: int = 128, Z: int = 16, dtypes=("float32", "float64"), threads: int = 1, repeat: int = 7,
        budget: float = 2.0, clock: str = "wall", timeout: float = 600) -> dict:
    """:func:`measure` in a child process with ``threads`` BLAS threads on as many CPUs.

    Returns ``{"libraries": blas_names(), "threads": ..., "records": [...]}``; on failure
    ``{"error": ...}`` (the probe is a diagnostic: it never stops the caller)."""
    env = dict(os.environ, **thread_variables(threads))
    arg = json.dumps({"b": b, "Z": Z, "dtypes": list(dtypes), "threads": threads, "repeat": repeat,
                      "budget": budget, "clock": clock})
    try:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.blas_probe", "--child", arg], capture_output=True,
                              text=True, timeout=timeout, env=env, cwd=os.path.dirname(os.path.dirname(__file__)))
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": repr(exc)[:160]}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1][:160]}
    return json.loads(lines[-1])


def _child(arg: str) -> None:
    args = json.loads(arg)
    pin_process(args["threads"])
    import torch

    from .peers_timing import set_clock

    torch.set_num_threads(args["threads"])
    set_clock(args["clock"])
    records = measure(args["b"], args["Z"], args["dtypes"], args["repeat"], args["budget"])
    print(json.dumps({"libraries": blas_names(), "threads": args["threads"], "records": records}))


def lines(probe: dict) -> list[str]:
    """The probe as text lines (one per dtype and shape)."""
    if "error" in probe:
        return [f"BLAS probe failed: {probe['error']}"]
    lib = probe["libraries"]
    out = [f"BLAS ({probe['threads']} thread(s)): {lib['torch']} | {lib['numpy']}"]
    for r in probe["records"]:
        ratio = r["numpy_gflops"] / r["torch_gflops"]
        out.append(f"  {r['dtype']:8s} {r['shape']:9s} {r['gemm']:34s} torch {r['torch_gflops']:6.1f} GF/s, "
                   f"numpy {r['numpy_gflops']:6.1f} GF/s (numpy/torch {ratio:.2f})")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.blas_probe", description=__doc__.split("\n\n")[0])
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--b", type=int, default=128)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--dtypes", nargs="*", default=["float32", "float64"], choices=["float32", "float64"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--budget", type=float, default=2.0, help="seconds of timed calls per measurement")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    p.add_argument("--json", help="write the probe to this path")
    args = p.parse_args(argv)
    if args.child:
        _child(args.child)
        return 0
    probe = run(args.b, args.batch, args.dtypes, args.threads, args.repeat, args.budget, args.clock)
    env = environment()
    if env:
        print("environment: " + " ".join(f"{k}={v}" for k, v in env.items()))
    print("\n".join(lines(probe)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({**probe, "environment": env}, f, indent=1)
    return 1 if "error" in probe else 0


if __name__ == "__main__":
    raise SystemExit(main())
