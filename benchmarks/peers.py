"""Our transforms beside their peers, the same work side by side: ``python -m benchmarks.peers``.

Cases: ``s2_fft`` / ``s2_ifft`` and ``so3_fft`` / ``so3_ifft``, a batch of ``Z`` (16) signals, for
each bandwidth ``b`` (degrees ``l < b``) and dtype. The work of each case:

* ``*_fft``: real signals on the ``2b x 2b`` (S2) or ``2b x 2b x 2b`` (SO(3)) grid -> all
  coefficients ``l < b``.
* ``*_ifft``: a general complex spectrum ``l < b`` -> complex signals on the grid (what our
  inverse returns; a peer that synthesises only real fields does ``2Z`` real syntheses, the
  real and imaginary parts of the ``Z`` complex fields).

Libraries, each on its natural grid closest to our SOFT grid (Fejer's first rule in beta,
``beta_j = pi (2j+1) / 4b``, ``2b`` equispaced points in alpha and gamma):

* ``ours``: the active s2cnn backend (``--backend``, default ``torch``), front doors
  :func:`s2cnn.s2_fft` etc.
* ``floor``: in the same process, the FFT the transform must do (``torch.fft.rfft`` / ``rfft2``
  of the real grid for the forward, ``ifft`` / ``ifft2`` of the complex grid for the inverse)
  plus one dense GEMM ``[P, 2b] @ [2b, 2Z]`` with the flop count of the Wigner-d contraction,
  :math:`P = \\sum_{l<b} (2l+1)^2` for SO(3) and :math:`P = \\sum_{l<b} (2l+1) = b^2` for S2:
  :math:`2b P` multiply-adds per complex batch column (two real columns); :mod:`benchmarks.floor`,
  which the asv suite's ``track_floor_ratio`` shares. ``ours / floor`` is the number to drive down.
* ``shtns`` (S2, float64): ``sht_reg_dct`` grid ``2b x 2b`` (exactly the SOFT betas),
  orthonormal harmonics, ``spat_to_SH`` per real field for the forward and ``synth_cplx`` per
  complex field for the inverse (``shtns_real`` in the notes: ``SH_to_spat`` per real field).
* ``ducc0`` (S2): ``ducc0.sht.experimental.analysis_2d`` / ``synthesis_2d`` on the ``"F1"``
  geometry (exactly the SOFT betas), one map per call.
* ``torch_harmonics`` (S2): ``RealSHT`` / ``InverseRealSHT`` on its ``"equiangular"`` grid
  (Clenshaw-Curtis, poles included) of ``2b x 2b``, the batch in one call, module cast to the dtype.
* ``s2fft`` (SO(3), JAX, child process :mod:`benchmarks.peers_s2fft`): precomputed-kernel Wigner
  transforms, ``L = N = b`` on Driscoll-Healy sampling.
* ``lie_learn`` (SO(3), float64, child process :mod:`benchmarks.peers_lie_learn` in a
  ``numpy<2`` environment given by ``--lie-learn-python``): ``SO3FFT_Naive``.

Error column ``err`` (relative L2 over the batch; "no one wins by being wrong"): for each library,
a spectrum ``F`` of bandwidth ``b`` in its own convention is made by its float64 forward
transform of random signals (real ones for a forward case); then for a forward case
``err = |fwd_dtype(inv_float64(F)) - F| / |F|`` (the timed direction in the timed dtype on an
exactly band-limited signal), and for an inverse case ``err = |fwd_float64(inv_dtype(F)) - F| / |F|``.
For ``ours`` the float64 transforms are cross-checked against the direct sums of ``reference/``
(``--check-b``, printed first); for lie_learn see its module (a known per-degree constant).

Timing: ``timeit``-style, one warm-up call (tables, plans, JIT), then the median of up to
``--repeat`` calls within ``--budget`` seconds (at least three), on the wall clock or, with
``--clock cpu``, on the process CPU clock (all threads; robust when other jobs share the machine).
With ``--rounds N`` the libraries of a case (ours, the floor, the S2 peers) are measured in turn,
N times over, and each keeps its fastest median: a burst of load (on a shared or virtual
machine, seconds long and tens of percent) then spoils one round rather than the ratio.
With ``--device cuda`` (a GPU machine), ours, the floor and torch-harmonics run on the GPU and
every timed call ends with ``torch.cuda.synchronize`` (the wall clock; ``--clock cpu`` is refused
there); the CPU libraries (SHTns, ducc0, s2fft's and lie_learn's child processes) and the BLAS
probe are not run, and the float64 cross-check against ``reference/`` runs our transforms on the
GPU. The targets (:mod:`benchmarks.targets`) are stated for the CPU: on a GPU they read "n/a".
``--malloc keep`` stops glibc from returning freed memory to the system, so that grid-sized
temporaries are not page-faulted in again on every call (what jemalloc or
``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` do); ``--malloc thp`` re-runs the tool
with torch's ``THP_MEM_ALLOC_ENABLE=1`` (torch's allocations of 2 MB and more on transparent huge
pages: one fault per 2 MB instead of per 4 kB; read once, when torch first allocates). Both apply
to every library alike (``thp`` to torch tensors only).
Threads are pinned to ``--threads`` (default 1): ``torch.set_num_threads``, SHTns/ducc0
``nthreads``, and CPU affinity plus thread variables in the child processes. The machine,
threads, clock, allocator, date and load average are printed with the table, and the GEMM rates
of torch's and NumPy's BLAS on our shapes (:mod:`benchmarks.blas_probe`: how much of a ratio is
the BLAS torch was built with), the commit of the code timed (:func:`source_commit`), and
each peer's version (:func:`library_versions`; SHTns with the build it reports: SHTns built in
one session ran 1.5-1.7x faster than the builds of earlier sessions on the same kind of VM,
and the builds were not recorded); ``--json PATH`` writes every record, and those under
``meta``. The last section judges the
benchmark issue's targets (:mod:`benchmarks.targets`); ``--check-targets`` makes a missed one
the exit status 1.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import torch

import s2cnn

from . import blas_probe, common, targets
from .floor import floor_calls
from .machine import cpu_identity, cpu_model, read_cpuinfo
from .peers_timing import median_ms, rel_l2, set_clock

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"float32": (torch.float32, torch.complex64), "float64": (torch.float64, torch.complex128)}


# --------------------------------------------------------------------------------------------
# ours, the floor, and the float64 cross-check against reference/


def _ours(space: str, verb: str):
    fft, ifft = (s2cnn.s2_fft, s2cnn.s2_ifft) if space == "s2" else (s2cnn.so3_fft, s2cnn.so3_ifft)
    return fft if verb == "fft" else ifft


def _grid_shape(space: str, b: int, Z: int) -> tuple[int, ...]:
    return (Z,) + (2 * b,) * (2 if space == "s2" else 3)


def synced(fn: Callable[..., object], sync: Callable[[], None], *args) -> Callable[[], object]:
    """``fn(*args)`` followed by ``sync()``: the call a timer sees."""

    def call():
        out = fn(*args)
        sync()
        return out

    return call


def run_ours(space, verb, b, dtype, Z, repeat, budget, backend, device="cpu", sync=None) -> dict:
    rdt, cdt = DTYPES[dtype]
    sync = functools.partial(common.sync, device) if sync is None else sync
    gen = torch.Generator().manual_seed(b)
    with s2cnn.set_backend(backend, only=True):
        fft, ifft = _ours(space, "fft"), _ours(space, "ifft")
        if verb == "fft":
            F = fft(torch.randn(_grid_shape(space, b, Z), generator=gen, dtype=torch.float64).to(device))
            # exactly band-limited, spectrum F; contiguous, as a user's grid and the peers' inputs are (the
            # real part of our inverse's transposed view would add a strided copy to every float64 call)
            x = ifft(F).real.to(rdt).contiguous()
            err = rel_l2(fft(x).cpu(), F.cpu())
            ms = median_ms(synced(fft, sync, x), repeat, budget)
        else:
            shape = _grid_shape(space, b, Z)
            re, im = (torch.randn(shape, generator=gen, dtype=torch.float64) for _ in range(2))
            F = fft(torch.complex(re, im).to(device))
            Fd = F.to(cdt)
            err = rel_l2(fft(ifft(Fd).to(torch.complex128)).cpu(), F.cpu())
            ms = median_ms(synced(ifft, sync, Fd), repeat, budget)
    return {"library": "ours", "ms": ms, "err": err, "note": f"backend {backend}"}


def run_floor(space, verb, b, dtype, Z, repeat, budget, device="cpu", sync=None) -> dict:
    sync = functools.partial(common.sync, device) if sync is None else sync
    fft, gemm, what = floor_calls(space, verb, b, Z, dtype, device, sync)
    fft_ms = median_ms(fft, repeat, budget)
    gemm_ms = median_ms(gemm, repeat, budget)
    note = f"{what}: {fft_ms:.3g} ms + {gemm_ms:.3g} ms"
    return {"library": "floor", "ms": fft_ms + gemm_ms, "err": None, "note": note}


def reference_check(b: int, backend: str, device: str = "cpu") -> dict[str, float]:
    """Our float64 transforms on ``device`` against the direct sums of ``reference/`` at
    bandwidth ``b``."""
    import reference

    gen = torch.Generator().manual_seed(0)
    out = {}
    with s2cnn.set_backend(backend, only=True):
        for space in ("s2", "so3"):
            fft, ifft = _ours(space, "fft"), _ours(space, "ifft")
            rfft, rifft = (
                (reference.transforms.s2_fft, reference.transforms.s2_ifft)
                if space == "s2"
                else (reference.transforms.so3_fft, reference.transforms.so3_ifft)
            )
            x = torch.randn(_grid_shape(space, b, 2), generator=gen, dtype=torch.float64)
            F = fft(x.to(device)).cpu()
            out[f"{space}_fft"] = rel_l2(F, rfft(x.numpy()))
            out[f"{space}_ifft"] = rel_l2(ifft(F.to(device)).cpu(), rifft(F.numpy()))
    return out


# --------------------------------------------------------------------------------------------
# S2 peers, in this process


def run_shtns(verb, b, dtype, Z, repeat, budget, threads) -> list[dict]:
    names = ["shtns"] + (["shtns_real"] if verb == "ifft" else [])
    if dtype != "float64":
        return [{"library": n, "ms": None, "err": None, "note": "float64 only"} for n in names]
    if 2 * b < 32:  # SHTns exits the process on smaller grids
        return [{"library": n, "ms": None, "err": None, "note": "needs nlat = 2b >= 32"} for n in names]
    import shtns

    sh = shtns.sht(b - 1, b - 1, 1, shtns.sht_orthonormal, threads)
    sh.set_grid(2 * b, 2 * b, shtns.sht_reg_dct | shtns.SHT_PHI_CONTIGUOUS)
    rng = np.random.default_rng(b)
    if verb == "fft":
        qlm = np.array([sh.analys(f) for f in rng.standard_normal((Z, 2 * b, 2 * b))])
        x = np.array([sh.synth(q) for q in qlm])  # exactly band-limited, spectrum qlm
        out = np.empty_like(qlm)

        def fwd():
            for z in range(Z):
                sh.spat_to_SH(x[z], out[z])

        fwd()
        err = rel_l2(out, qlm)
        ms = median_ms(fwd, repeat, budget)
        return [{"library": "shtns", "ms": ms, "err": err, "note": "spat_to_SH per real field"}]
    f = rng.standard_normal((Z, 2 * b, 2 * b)) + 1j * rng.standard_normal((Z, 2 * b, 2 * b))
    qlm = np.array([sh.analys_cplx(fz) for fz in f])
    err = rel_l2(np.array([sh.analys_cplx(sh.synth_cplx(q)) for q in qlm]), qlm)
    ms = median_ms(lambda: [sh.synth_cplx(q) for q in qlm], repeat, budget)
    recs = [{"library": "shtns", "ms": ms, "err": err, "note": "synth_cplx per complex field"}]
    # for scale: Z real fields (half the work), SH_to_spat from real-field spectra
    qr = np.array([sh.analys(fz) for fz in f.real])
    y = np.empty((Z, 2 * b, 2 * b))

    def real_inv():
        for z in range(Z):
            sh.SH_to_spat(qr[z], y[z])

    real_inv()
    err_r = rel_l2(np.array([sh.analys(yz) for yz in y]), qr)
    note = "SH_to_spat per real field: Z real fields, half our work (for scale)"
    recs.append({"library": "shtns_real", "ms": median_ms(real_inv, repeat, budget), "err": err_r, "note": note})
    return recs


def run_ducc0(verb, b, dtype, Z, repeat, budget, threads) -> dict:
    from ducc0.sht import experimental as sht

    rdt = np.float32 if dtype == "float32" else np.float64
    kw = {"spin": 0, "lmax": b - 1, "geometry": "F1", "nthreads": threads}
    rng = np.random.default_rng(b)

    def analysis(maps):
        return np.array([sht.analysis_2d(map=m[None], **kw)[0] for m in maps])

    def synthesis(alms, dt):
        return np.array([sht.synthesis_2d(alm=a[None], ntheta=2 * b, nphi=2 * b, **kw)[0] for a in alms.astype(dt)])

    alm = analysis(rng.standard_normal((2 * Z if verb == "ifft" else Z, 2 * b, 2 * b)))
    cdt = np.complex64 if dtype == "float32" else np.complex128
    if verb == "fft":
        x = synthesis(alm, np.complex128).astype(rdt)
        err = rel_l2(analysis(x), alm)
        ms = median_ms(lambda: analysis(x), repeat, budget)
        note = "analysis_2d per real map"
    else:
        # a complex field = two real fields (its real and imaginary parts), 2Z real syntheses
        a = alm.astype(cdt)
        err = rel_l2(analysis(synthesis(a, cdt).astype(np.float64)), alm)
        ms = median_ms(lambda: synthesis(a, cdt), repeat, budget)
        note = "synthesis_2d per real map, 2Z maps (real and imaginary parts)"
    return {"library": "ducc0", "ms": ms, "err": err, "note": note}


def run_torch_harmonics(verb, b, dtype, Z, repeat, budget, device="cpu") -> dict:
    import torch_harmonics as th

    rdt, _ = DTYPES[dtype]
    sync = functools.partial(common.sync, device)
    sht64 = th.RealSHT(2 * b, 2 * b, lmax=b, mmax=b, grid="equiangular").to(device, torch.float64)
    isht64 = th.InverseRealSHT(2 * b, 2 * b, lmax=b, mmax=b, grid="equiangular").to(device, torch.float64)
    sht = th.RealSHT(2 * b, 2 * b, lmax=b, mmax=b, grid="equiangular").to(device, rdt)
    isht = th.InverseRealSHT(2 * b, 2 * b, lmax=b, mmax=b, grid="equiangular").to(device, rdt)
    gen = torch.Generator().manual_seed(b)
    n = Z if verb == "fft" else 2 * Z  # a complex field = two real fields
    coeffs = sht64(torch.randn(n, 2 * b, 2 * b, generator=gen, dtype=torch.float64).to(device))
    if verb == "fft":
        x = isht64(coeffs).to(rdt)
        err = rel_l2(sht(x).cpu(), coeffs.cpu())
        ms = median_ms(synced(sht, sync, x), repeat, budget)
        note = "RealSHT, batch in one call"
    else:
        c = coeffs.to(DTYPES[dtype][1])
        err = rel_l2(sht64(isht(c).to(torch.float64)).cpu(), coeffs.cpu())
        ms = median_ms(synced(isht, sync, c), repeat, budget)
        note = "InverseRealSHT of 2Z real fields (real and imaginary parts) in one call"
    return {"library": "torch_harmonics", "ms": ms, "err": err, "note": note}


# --------------------------------------------------------------------------------------------
# SO(3) peers, in child processes


def run_child(script: str, python: str, cases, Z, threads, repeat, budget, timeout, clock) -> list[dict]:
    arg = json.dumps({"cases": cases, "batch": Z, "threads": threads, "repeat": repeat, "budget": budget,
                      "clock": clock})
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    try:
        proc = subprocess.run(
            [python, os.path.join(HERE, script), arg], capture_output=True, text=True, timeout=timeout, env=env
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [{"verb": v, "b": b, "dtype": d, "ms": None, "err": None, "note": repr(exc)[:160]} for v, b, d in cases]
    lines = [line for line in proc.stdout.splitlines() if line.startswith("[")]
    if proc.returncode != 0 or not lines:
        why = (proc.stderr.strip().splitlines() or ["no output"])[-1][:160]
        return [{"verb": v, "b": b, "dtype": d, "ms": None, "err": None, "note": why} for v, b, d in cases]
    return json.loads(lines[-1])


# --------------------------------------------------------------------------------------------
# the table


def fastest_round(rounds: list[list[dict]]) -> list[dict]:
    """One record per library from several rounds of the same case: that of its fastest round
    (time, error and note together), with every round's time in ``ms_rounds``."""
    out = []
    for recs in zip(*rounds, strict=True):
        timed = [r for r in recs if r["ms"] is not None]
        best = min(timed, key=lambda r: r["ms"]) if timed else recs[0]
        out.append({**best, "ms_rounds": [r["ms"] for r in timed]})
    return out


def keep_freed_memory() -> None:
    """Ask glibc to serve big blocks from the heap and never give freed memory back, so that the
    grid-sized temporaries of a call reuse pages instead of faulting fresh ones in (the effect of
    ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_``, or of jemalloc, at run time)."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6")
    M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
    libc.mallopt(M_MMAP_THRESHOLD, 2**30)
    libc.mallopt(M_TRIM_THRESHOLD, 2**31 - 1)
    libc.mallopt(M_TOP_PAD, 2**28)


def machine(device: str = "cpu") -> str:
    """The CPU (its model name, generation, x86-64 level and family/model numbers), its cores
    and torch's version; with ``device`` a GPU, that GPU first (name,
    compute capability, the CUDA torch was built for)."""
    fields = read_cpuinfo()
    ident = cpu_identity(fields)  # the generation: a VM's model name may be only "AMD EPYC"
    cpu = f"{cpu_model(fields)} ({ident['cpu_uarch']}, {ident['cpu_isa']}, {ident['cpu_id']})"
    host = f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__}"
    if torch.device(device).type != "cuda":
        return host
    major, minor = torch.cuda.get_device_capability(device)
    return f"{torch.cuda.get_device_name(device)} (sm_{major}{minor}, CUDA {torch.version.cuda}); {host}"


#: Distribution name of each peer's package (``importlib.metadata``).
DISTRIBUTIONS = {"shtns": "shtns", "ducc0": "ducc0", "torch_harmonics": "torch-harmonics", "s2fft": "s2fft",
                 "lie_learn": "lie_learn"}


def library_versions(names, lie_learn_python: str) -> dict[str, str]:
    """The installed version of each peer in ``names`` (``"not installed"`` when absent): the
    distribution's version, and for SHTns the build it reports (its kernel: ``avx512``, ...),
    which changes its speed from one build to the next. lie_learn is asked in its own
    interpreter, ``lie_learn_python``; the others in this one (s2fft's child process runs
    this interpreter)."""
    from importlib import metadata

    out = {}
    for name in names:
        dist = DISTRIBUTIONS.get(name)
        if dist is None:
            continue
        if name == "lie_learn":
            code = f"import importlib.metadata as m; print(m.version({dist!r}))"
            try:
                proc = subprocess.run([lie_learn_python, "-c", code], capture_output=True, text=True, timeout=60)
                out[name] = proc.stdout.strip() if proc.returncode == 0 else "not installed"
            except (OSError, subprocess.TimeoutExpired):
                out[name] = f"not installed ({lie_learn_python} does not run)"
            continue
        try:
            out[name] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
            continue
        if name == "shtns":
            try:
                import shtns

                out[name] = shtns.build_info().strip() or out[name]  # "[SHTns 3.7.5] built ..., id: ..."
            except Exception as exc:  # the build line is a bonus: its absence is noted, not fatal
                out[name] += f" (build unknown: {exc!r:.80})"
    return out


def source_commit() -> str:
    """The commit of the tree this tool runs from, with ``+changes`` when the tracked files
    differ from it (``"unknown"`` outside a git checkout): which code a saved run timed."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    git = ["git", "-C", root]
    try:
        head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=30)
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


PEERS = {"s2": ["shtns", "shtns_real", "ducc0", "torch_harmonics"], "so3": ["s2fft", "lie_learn"]}
#: The peers that run on the CPU only (not timed with ``--device cuda``).
CPU_ONLY = ("shtns", "ducc0", "s2fft", "lie_learn")


def _not_on(device: str, name: str, verb: str) -> list[dict]:
    """The records of a CPU-only peer in a GPU run (the two of SHTns for an inverse)."""
    names = [name] + (["shtns_real"] if name == "shtns" and verb == "ifft" else [])
    return [{"library": n, "ms": None, "err": None, "note": f"CPU library: not timed with --device {device}"}
            for n in names]


def tables(records: list[dict], space: str):
    """Two frames for ``space``: times with the ratios ``ours / other``, and the errors."""
    import pandas as pd

    df = pd.DataFrame([r for r in records if r["case"].startswith(space + "_")])
    key = ["case", "b", "dtype"]
    ms = df.pivot_table(index=key, columns="library", values="ms", aggfunc="first", dropna=False)
    err = df.pivot_table(index=key, columns="library", values="err", aggfunc="first", dropna=False)
    wide = pd.DataFrame(index=ms.index)
    wide["ours ms"] = ms["ours"]
    wide["floor ms"] = ms["floor"]
    wide["ours/floor"] = ms["ours"] / ms["floor"]
    for lib in [p for p in PEERS[space] if p in ms.columns]:
        wide[f"{lib} ms"] = ms[lib]
        wide[f"ours/{lib}"] = ms["ours"] / ms[lib]
    errs = err[[c for c in ["ours"] + PEERS[space] if c in err.columns]]
    return wide, errs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.peers", description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--s2-b", type=int, nargs="*", default=[16, 32, 64, 128])
    p.add_argument("--so3-b", type=int, nargs="*", default=[16, 32, 64])
    p.add_argument("--dtypes", nargs="*", default=["float32", "float64"], choices=list(DTYPES))
    p.add_argument("--verbs", nargs="*", default=["fft", "ifft"], choices=["fft", "ifft"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--budget", type=float, default=5.0, help="seconds of timed calls per measurement")
    p.add_argument("--rounds", type=int, default=1,
                   help="measure the libraries of a case in turn this many times; each keeps its fastest median")
    p.add_argument("--backend", default="torch")
    p.add_argument("--device", default="cpu",
                   help="cpu, or cuda[:i] on a GPU machine: where ours, the floor and torch-harmonics run")
    p.add_argument("--peers", nargs="*", default=["shtns", "ducc0", "torch_harmonics", "s2fft", "lie_learn"])
    p.add_argument("--lie-learn-python", default=os.environ.get("S2CNN_LIE_LEARN_PYTHON", "/tmp/ll/bin/python"))
    p.add_argument("--lie-learn-max-b", type=int, default=32, help="its tables take minutes beyond")
    p.add_argument("--s2fft-max-b", type=int, default=64, help="its kernel needs O(b^4) memory")
    p.add_argument("--child-timeout", type=float, default=1800)
    p.add_argument("--check-b", type=int, default=8, help="bandwidth of the cross-check against reference/")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="wall: perf_counter (timeit); cpu: process CPU time (robust on a shared machine)")
    p.add_argument("--malloc", choices=["system", "keep", "thp"], default="system",
                   help="keep: tell glibc to keep freed memory (no page faults on each call's big temporaries); "
                   "thp: torch's allocations on transparent huge pages (THP_MEM_ALLOC_ENABLE=1)")
    p.add_argument("--json", help="write the records to this path")
    p.add_argument("--check-targets", action="store_true",
                   help="exit with status 1 when a target of the benchmark issue is missed (benchmarks.targets)")
    args = p.parse_args(argv)
    try:
        device = torch.device(args.device)
    except RuntimeError as exc:
        p.error(f"--device: expected cpu or cuda[:index], got {args.device!r} ({exc})")
    if device.type not in ("cpu", "cuda"):
        p.error(f"--device: expected cpu or cuda[:index], got {args.device!r}")
    if device.type == "cuda" and args.clock == "cpu":
        p.error("--clock cpu measures this process's CPU time, not the GPU's: use --clock wall with --device cuda")
    if device.type == "cuda" and not torch.cuda.is_available():
        built = f"built for CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        p.error(f"--device {args.device}: torch {torch.__version__} sees no CUDA device ({built})")
    on_gpu = device.type == "cuda"
    if args.malloc == "keep":
        keep_freed_memory()
    if args.malloc == "thp" and os.environ.get("THP_MEM_ALLOC_ENABLE") != "1":
        # torch reads the variable at its first allocation, long past: run again with it set
        argv = sys.argv[1:] if argv is None else argv
        env = dict(os.environ, THP_MEM_ALLOC_ENABLE="1")
        return subprocess.run([sys.executable, "-m", "benchmarks.peers", *argv], env=env, check=False).returncode
    set_clock(args.clock)

    torch.set_num_threads(args.threads)
    Z, rep, bud = args.batch, args.repeat, args.budget
    stamp = datetime.datetime.now().isoformat(timespec="minutes")
    load = "/".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"# {machine(device)}; device {device}; threads {args.threads}; batch {Z}; clock {args.clock}; "
          f"malloc {args.malloc}; "
          f"rounds {args.rounds}; {stamp}; "
          f"load average {load}")
    env = blas_probe.environment()
    if env:
        print("# environment: " + " ".join(f"{k}={v}" for k, v in env.items()))
    if on_gpu:
        probe = {"error": "not run with --device cuda (the probe times the CPU's BLAS)"}
    else:
        probe = blas_probe.run(max(args.s2_b, default=128), Z, args.dtypes, args.threads, clock=args.clock)
        print("\n".join("# " + line for line in blas_probe.lines(probe)))
    commit = source_commit()
    print(f"# s2cnn at {commit}")
    versions = library_versions(args.peers, args.lie_learn_python)
    if versions:
        print(targets.versions_line(versions))
    check = reference_check(args.check_b, args.backend, device)
    print(f"# ours float64 on {device} vs reference/ direct sums at b={args.check_b}: "
          + ", ".join(f"{k} {v:.1e}" for k, v in check.items()))

    records = []

    def add(case, b, dtype, rec):
        records.append({"case": case, "b": b, "dtype": dtype, **rec})
        ms = "-" if rec["ms"] is None else f"{rec['ms']:.4g} ms"
        print(f"  {case} b={b} {dtype} {rec['library']}: {ms} {rec.get('note') or ''}", file=sys.stderr)

    s2_peers = {
        "shtns": lambda v, b, d: run_shtns(v, b, d, Z, rep, bud, args.threads),
        "ducc0": lambda v, b, d: run_ducc0(v, b, d, Z, rep, bud, args.threads),
        "torch_harmonics": lambda v, b, d: run_torch_harmonics(v, b, d, Z, rep, bud, device),
    }
    for space, bs in (("s2", args.s2_b), ("so3", args.so3_b)):
        for b in bs:
            for dtype in args.dtypes:
                for verb in args.verbs:
                    case = f"{space}_{verb}"
                    rounds = []
                    for _ in range(args.rounds):  # every library of the case in turn, args.rounds times
                        recs = [run_ours(space, verb, b, dtype, Z, rep, bud, args.backend, device),
                                run_floor(space, verb, b, dtype, Z, rep, bud, device)]
                        for name, run in s2_peers.items() if space == "s2" else ():
                            if name not in args.peers:
                                continue
                            if on_gpu and name in CPU_ONLY:
                                recs.extend(_not_on(args.device, name, verb))
                                continue
                            try:
                                got = run(verb, b, dtype)
                            except Exception as exc:  # an absent or failing peer is a note, not a crash
                                got = {"library": name, "ms": None, "err": None, "note": repr(exc)[:160]}
                            recs.extend(got if isinstance(got, list) else [got])
                        rounds.append(recs)
                    for rec in fastest_round(rounds):
                        add(case, b, dtype, rec)
    children = [
        ("s2fft", "peers_s2fft.py", sys.executable, args.s2fft_max_b),
        ("lie_learn", "peers_lie_learn.py", args.lie_learn_python, args.lie_learn_max_b),
    ]
    for name, script, python, max_b in children:
        if name not in args.peers:
            continue
        cases = [[v, b, d] for b in args.so3_b for d in args.dtypes for v in args.verbs]
        if on_gpu:  # CPU libraries: a note per case
            for v, b, d in cases:
                add(f"so3_{v}", b, d, _not_on(args.device, name, v)[0])
            continue
        runnable = [c for c in cases if c[1] <= max_b]
        results = []
        if runnable:
            results = run_child(script, python, runnable, Z, args.threads, rep, bud, args.child_timeout, args.clock)
        for c in cases:
            if c[1] > max_b:
                results.append({"verb": c[0], "b": c[1], "dtype": c[2], "ms": None, "err": None,
                                "note": f"skipped: b > {max_b} (--{name.replace('_', '-')}-max-b)"})
        for r in results:
            rec = {"library": name, "ms": r["ms"], "err": r["err"], "note": r["note"]}
            add(f"so3_{r['verb']}", r["b"], r["dtype"], rec)

    import pandas as pd

    fmt = {"display.width": 250, "display.max_columns": 50, "display.float_format": "{:.3g}".format}
    with pd.option_context(*[v for kv in fmt.items() for v in kv]):
        for space in ("s2", "so3"):
            if not any(r["case"].startswith(space + "_") for r in records):
                continue
            wide, errs = tables(records, space)
            print(f"\n## {space}: time (ms, median) and ratios ours / other (below 1: ours is faster)")
            print(wide.to_string())
            print(f"\n## {space}: relative error (what it measures: module docstring)")
            print(errs.to_string())
    missing = [r for r in records if r["ms"] is None]
    if missing:
        print("\n## not measured")
        for r in missing:
            print(f"{r['case']} b={r['b']} {r['dtype']} {r['library']}: {r['note']}")
    verdicts = targets.verdicts(records, batch=Z, backend=args.backend, device=device.type)
    print("\n## targets (benchmarks.targets: ratio of the fastest medians, limit, verdict, range over rounds)")
    print("\n".join(targets.lines(verdicts)))
    if args.json:
        meta = {"machine": machine(device), "device": device.type, "threads": args.threads, "batch": Z,
                "backend": args.backend,
                "clock": args.clock, "rounds": args.rounds,
                "malloc": args.malloc, "date": stamp, "load_average_start": load,
                "load_average_end": "/".join(f"{v:.1f}" for v in os.getloadavg()), "reference_check": check,
                "blas_probe": probe, "environment": env, "libraries": versions, "commit": commit}
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "records": records, "targets": verdicts}, f, indent=1)
    return targets.exit_status(verdicts) if args.check_targets else 0


if __name__ == "__main__":
    raise SystemExit(main())
