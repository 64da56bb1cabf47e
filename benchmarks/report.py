"""Markdown tables of the asv results of one machine (the tables of ``benchmarks/README.md``).

Usage::

    python -m benchmarks.report --machine cpu-amd-epyc-2c [--commit HASH] [--backend torch] [--device cpu]

Rows are (benchmark, dtype), columns the bandwidths; a blank cell was not run or was skipped.
Times are asv's result (the median of the samples), with the interquartile range in the
``--spread`` mode.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from pathlib import Path

__all__ = ["load_results", "markdown_tables", "main"]

RESULTS = Path(__file__).resolve().parent / "results"

SECTIONS = [
    ("Forward, one call (time)", "time_forward", "time"),
    ("Forward + backward (time)", "time_forward_backward", "time"),
    ("Peak host memory of the benchmark process (torch itself included)", "peakmem_forward", "bytes"),
    ("Relative L2 error against the torch backend in float64", "track_rel_error", "error"),
    ("Round trip: relative L2 error of fft(ifft(F)) against F", "track_roundtrip_error", "error"),
    ("Minor page faults per forward call, steady state (4 KiB pages)", "track_host_faults", "count"),
    ("Time over the floor's, both timed in the same process (FFT + one GEMM: benchmarks.floor)",
     "track_floor_ratio", "ratio"),
    ("Forward + backward over the floor's and its adjoint's, timed in the same process",
     "track_floor_ratio_backward", "ratio"),
]
WIGNER = [
    ("Wigner-d tables: cold build (time)", "time_build", "time"),
    ("Wigner-d tables: size", "track_bytes", "bytes"),
    ("Wigner-d tables: quadrature orthogonality error max |G - I|", "track_orthogonality_error", "error"),
]
#: Row order of the spectral suites; a class not named here follows them in name order (a new
#: suite is never left out of the tables).
ORDER = [
    "S2FFT",
    "S2IFFT",
    "SO3FFT",
    "SO3IFFT",
    "SO3IFFTReal",
    "S2MM",
    "SO3MM",
    "SO3MMReal",
    "S2Convolution",
    "SO3Convolution",
    "S2SO3Network",
]


def load_results(machine: str, commit: str | None = None, results_dir: Path = RESULTS) -> tuple[dict, dict]:
    """``({(class, method, params...): (value, q25, q75)}, file info)`` of the result file of
    ``machine`` whose commit is the newest (asv's ``date``, the commit's; the file name breaks
    ties), or of the one of ``commit``. Not by file time: a clone gives every file the same."""
    files = list((results_dir / machine).glob("*.json"))
    files = [f for f in files if f.name != "machine.json" and (commit is None or f.name.startswith(commit[:8]))]
    if not files:
        raise FileNotFoundError(f"no results for machine {machine!r} in {results_dir}")
    runs = [(json.loads(f.read_text()), f) for f in files]
    data, newest = max(runs, key=lambda run: (run[0].get("date") or 0, run[1].name))
    cols = data["result_columns"]
    out = {}
    for name, row in data["results"].items():
        rec = dict(zip(cols, row, strict=False))  # asv may leave trailing columns out
        _, cls, method = name.rsplit(".", 2)
        params = [[json.loads(v.replace("'", '"')) for v in p] for p in rec["params"]]
        q25 = rec.get("stats_q_25") or [None] * len(rec["result"])
        q75 = rec.get("stats_q_75") or [None] * len(rec["result"])
        for combo, value, lo, hi in zip(itertools.product(*params), rec["result"], q25, q75, strict=False):
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                out[(cls, method, *combo)] = (value, lo, hi)
    info = {"file": newest.name, "commit": data["commit_hash"], "params": data["params"]}
    return out, info


def _fmt(value: float, kind: str) -> str:
    if kind == "time":
        for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
            if value >= scale:
                return f"{value / scale:.3g} {unit}"
        return f"{value * 1e9:.3g} ns"
    if kind == "bytes":
        return f"{value / 2**20:.0f} MiB" if value >= 2**20 else f"{value / 2**10:.0f} KiB"
    if kind == "count":
        return f"{value:.0f}"
    if kind == "ratio":
        return f"{value:.2f}"
    return "0" if value == 0 else f"{value:.1e}"


def _table(res: dict, method: str, kind: str, rows: list[tuple], key, spread: bool) -> str:
    bands = sorted({k[2] for k in res})
    lines = []
    body = []
    for label, dtype in rows:
        cells = []
        for b in bands:
            hit = res.get(key(label, method, b, dtype))
            if hit is None:
                cells.append("")
                continue
            value, lo, hi = hit
            text = _fmt(value, kind)
            if spread and kind == "time" and lo is not None and hi is not None:
                text += f" ({_fmt(lo, kind)}–{_fmt(hi, kind)})"
            cells.append(text)
        if any(cells):
            body.append(f"| {label} | {dtype} | " + " | ".join(cells) + " |")
    if not body:
        return ""
    lines.append("| benchmark | dtype | " + " | ".join(f"b={b}" for b in bands) + " |")
    lines.append("|---|---|" + "---:|" * len(bands))
    return "\n".join(lines + body)


def markdown_tables(res: dict, backend: str = "torch", device: str = "cpu", spread: bool = False) -> str:
    """The sections of the README, for one backend and device."""
    spectral = {k[0] for k in res if k[0] not in ("WignerTables", "GpuMemory")}
    classes = sorted(spectral, key=lambda c: (ORDER.index(c), "") if c in ORDER else (len(ORDER), c))
    rows = [(c, d) for c in classes for d in ("float32", "float64")]
    parts = []
    for title, method, kind in SECTIONS:
        t = _table(res, method, kind, rows, lambda c, m, b, d: (c, m, b, backend, d, device), spread)
        if t:
            parts.append(f"**{title}**, backend `{backend}`, device `{device}`\n\n{t}")
    wrows = [(t, d) for t in ("s2", "so3") for d in ("float32", "float64")]
    for title, method, kind in WIGNER:
        t = _table(res, method, kind, wrows, lambda c, m, b, d: ("WignerTables", m, b, c, d, device), spread)
        if t:
            parts.append(f"**{title}**, device `{device}`\n\n{t.replace('| benchmark |', '| table |')}")
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--machine", required=True)
    parser.add_argument("--commit")
    parser.add_argument("--backend", default="torch")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--spread", action="store_true", help="add the interquartile range of the timings")
    args = parser.parse_args(argv)
    res, info = load_results(args.machine, args.commit, args.results)
    print(f"<!-- {info['file']} (commit {info['commit'][:8]}) -->\n")
    print(markdown_tables(res, args.backend, args.device, args.spread))
    return 0


if __name__ == "__main__":
    sys.exit(main())
