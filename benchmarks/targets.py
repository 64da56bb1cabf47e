"""The benchmark issue's speed targets, judged from the records of ``python -m benchmarks.peers``.

``python -m benchmarks.peers`` prints the verdicts after its tables (and exits with status 1
on a missed target with ``--check-targets``); ``python -m benchmarks.targets RUN.json ...``
judges saved runs again (one column per run with ``--wide``; exit status 1 when one of them
misses a target).

The targets are for a CPU like this project's CI-class machine, the torch backend, a batch of 16
signals (a run with another batch or backend gets ``n/a``):

=========================================  ====================  =========
case                                       ratio                 limit
=========================================  ====================  =========
``s2_fft``, b=128, float64                 ours / SHTns          1.5
``s2_ifft``, b=128, float64                ours / SHTns          1.5
``so3_fft``, b=64, float32                 ours / floor          2
``so3_ifft``, b=64, float32                ours / floor          2
``so3_fft`` / ``so3_ifft``, every case     ours / each SO(3)     below 1
that an SO(3) peer ran in                  peer (s2fft,
                                           lie_learn)
=========================================  ====================  =========

``ratio`` is that of the fastest medians (the tables' ratio). A run of ``--rounds N`` measures
ours and the other library one after the other in every round, so each round gives a ratio of
its own: their range, and in how many rounds the limit was met, tell a target met whatever the
machine's spell (every round) from one on the line (some rounds).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Target", "TARGETS", "SO3_PEERS", "verdicts", "lines", "exit_status", "main"]

#: The batch, backend and device the targets are stated for (the issue: "on this kind of machine").
BATCH, BACKEND, DEVICE = 16, "torch", "cpu"
#: The SO(3) peers that ours must be ahead of, in every case they ran in.
SO3_PEERS = ("s2fft", "lie_learn")


@dataclass(frozen=True)
class Target:
    """``ours / other <= limit`` (``< limit`` when ``strict``) in the case ``(case, b, dtype)``."""

    case: str
    b: int
    dtype: str
    other: str
    limit: float
    strict: bool = False

    def label(self) -> str:
        return f"{self.case} b={self.b} {self.dtype}: ours/{self.other}"

    def meets(self, ratio: float) -> bool:
        return ratio < self.limit if self.strict else ratio <= self.limit


#: The fixed targets; :func:`verdicts` adds one ``ours / peer < 1`` per case an SO(3) peer ran in.
TARGETS = (
    Target("s2_fft", 128, "float64", "shtns", 1.5),
    Target("s2_ifft", 128, "float64", "shtns", 1.5),
    Target("so3_fft", 64, "float32", "floor", 2.0),
    Target("so3_ifft", 64, "float32", "floor", 2.0),
)


def _record(records: list[dict], case: str, b: int, dtype: str, library: str) -> dict | None:
    for r in records:
        if (r["case"], r["b"], r["dtype"], r["library"]) == (case, b, dtype, library):
            return r
    return None


def _targets(records: list[dict]) -> list[Target]:
    """:data:`TARGETS`, then ``ours / peer < 1`` for each SO(3) case a peer has a time in."""
    peer_cases = sorted(
        {(r["case"], r["b"], r["dtype"], r["library"]) for r in records if r["library"] in SO3_PEERS and r["ms"]},
        key=lambda k: (k[3], k[0], k[1], k[2]),
    )
    return list(TARGETS) + [Target(c, b, d, lib, 1.0, strict=True) for c, b, d, lib in peer_cases]


def verdicts(records: list[dict], batch: int = BATCH, backend: str = BACKEND, device: str = DEVICE) -> list[dict]:
    """One verdict per target: ``{"target", "ratio", "round_ratios", "rounds_met", "limit",
    "verdict", "why"}``, ``verdict`` one of ``"met"``, ``"missed"``, ``"not measured"`` and
    ``"n/a"`` (a run whose batch, backend or device is not the targets')."""
    out = []
    for t in _targets(records):
        v = {"target": t.label(), "ratio": None, "round_ratios": [], "rounds_met": None,
             "limit": ("< " if t.strict else "<= ") + f"{t.limit:g}", "verdict": "not measured", "why": ""}
        ours, other = (_record(records, t.case, t.b, t.dtype, lib) for lib in ("ours", t.other))
        if batch != BATCH or backend != BACKEND or device != DEVICE:
            v.update(verdict="n/a", why=f"batch {batch}, backend {backend}, device {device}: "
                     f"the targets are for {BATCH}, {BACKEND}, {DEVICE}")
        elif ours is None:
            v["why"] = "case not in this run"
        elif other is None or not ours["ms"] or not other["ms"]:
            missing = [name for name, r in (("ours", ours), (t.other, other)) if r is None or not r["ms"]]
            v["why"] = "no time for " + " and ".join(missing)
        else:
            v["ratio"] = ours["ms"] / other["ms"]
            v["verdict"] = "met" if t.meets(v["ratio"]) else "missed"
            a, o = ours.get("ms_rounds") or [], other.get("ms_rounds") or []
            if len(o) == 1 and len(a) > 1:  # a child-process peer is timed once: each round against it
                o = o * len(a)
            if a and len(a) == len(o):
                v["round_ratios"] = [x / y for x, y in zip(a, o, strict=True)]
                v["rounds_met"] = f"{sum(t.meets(r) for r in v['round_ratios'])}/{len(a)}"
        out.append(v)
    return out


def _rounds(v: dict) -> str:
    rr = v["round_ratios"]
    if len(rr) < 2:
        return ""
    return f"{min(rr):.2f}-{max(rr):.2f}, {v['rounds_met']} rounds"


def lines(vs: list[dict]) -> list[str]:
    """The verdicts as aligned text lines, one per target."""
    width = max((len(v["target"]) for v in vs), default=0)
    out = []
    for v in vs:
        ratio = "-" if v["ratio"] is None else f"{v['ratio']:.2f}"
        detail = _rounds(v) or v["why"]
        out.append(f"{v['target']:<{width}}  {ratio:>6}  {v['limit']:<6}  {v['verdict']:<12}  {detail}".rstrip())
    return out


def exit_status(vs: list[dict]) -> int:
    """1 when a measured target is missed, else 0 (targets not measured or n/a do not count)."""
    return int(any(v["verdict"] == "missed" for v in vs))


def load_run(path: str | Path) -> tuple[dict, list[dict]]:
    """``(meta, verdicts)`` of a saved ``benchmarks.peers --json`` run (the backend from its
    records where its meta does not name one)."""
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict) or not {"meta", "records"} <= data.keys():
        raise ValueError(f"{path}: not a run of python -m benchmarks.peers --json (expected the keys meta, records)")
    meta, records = data["meta"], data["records"]
    backend = meta.get("backend")
    if backend is None:
        notes = [r.get("note") or "" for r in records if r["library"] == "ours"]
        backend = next((n.split()[-1] for n in notes if n.startswith("backend ")), BACKEND)
    return meta, verdicts(records, batch=meta.get("batch", BATCH), backend=backend, device=meta.get("device", DEVICE))


def _short_names(names: list[str]) -> list[str]:
    """``names`` without the prefix they all share, up to a ``-`` (the machine and the date)."""
    if len(names) < 2:
        return names
    prefix = os.path.commonprefix(names)
    cut = prefix.rfind("-") + 1
    return [n[cut:] or n for n in names]


def versions_line(versions: dict[str, str] | None) -> str:
    """The ``# peers: ...`` header line of a run's peer versions (``meta["libraries"]``;
    ``None`` for a run that predates them)."""
    if versions is None:
        return "# peers: unrecorded"
    return "# peers: " + ("; ".join(f"{k} {v}" for k, v in versions.items()) or "none")


def wide_table(runs: dict[str, list[dict]], libraries: dict[str, dict | None] | None = None) -> list[str]:
    """A Markdown table: one row per target, one column per run (named without the prefix all
    run names share), cells ``ratio (rounds that met the limit)``; then, from ``libraries``
    (each run's ``meta["libraries"]``, ``None`` for a run that predates them), one row per peer
    with the version each run timed ("unrecorded" for the older runs), since a peer's build
    moves the ratios as much as our code does."""
    names = list(runs)
    labels: list[str] = []
    for vs in runs.values():
        labels += [v["target"] for v in vs if v["target"] not in labels]
    out = ["| target | limit | " + " | ".join(_short_names(names)) + " |", "|---|---|" + "---:|" * len(names)]
    for label in labels:
        cells, limit = [], ""
        for name in names:
            v = next((v for v in runs[name] if v["target"] == label), None)
            if v is None or v["ratio"] is None:
                cells.append("")
                continue
            limit = v["limit"]
            cells.append(f"{v['ratio']:.2f}" + (f" ({v['rounds_met']})" if v["rounds_met"] else ""))
        out.append(f"| {label} | {limit} | " + " | ".join(cells) + " |")
    libraries = libraries or {}
    peers: list[str] = []
    for versions in libraries.values():
        peers += [k for k in versions or {} if k not in peers]
    for peer in peers:
        cells = []
        for name in names:
            versions = libraries.get(name)
            cells.append("unrecorded" if versions is None else versions.get(peer, "").replace("|", "/"))
        out.append(f"| {peer} version | | " + " | ".join(cells) + " |")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.targets", description=__doc__.split("\n\n")[0])
    p.add_argument("runs", nargs="+", help="JSON files written by python -m benchmarks.peers --json")
    p.add_argument("--wide", action="store_true", help="one Markdown table, a column per run")
    args = p.parse_args(argv)
    loaded = {}
    for f in args.runs:
        try:
            loaded[Path(f).stem] = load_run(f)
        except ValueError as exc:  # other JSON in a results folder (the BLAS probe's): named, then skipped
            print(f"skipped: {exc}", file=sys.stderr)
    if not loaded:
        p.error("no run of python -m benchmarks.peers among the files")
    if args.wide:
        runs = {name: vs for name, (_, vs) in loaded.items()}
        print("\n".join(wide_table(runs, {name: meta.get("libraries") for name, (meta, _) in loaded.items()})))
    else:
        for name, (meta, vs) in loaded.items():
            print(f"# {name}: {meta.get('machine', '?')}; {meta.get('date', '?')}; rounds {meta.get('rounds')}; "
                  f"malloc {meta.get('malloc', 'system')}")
            print(versions_line(meta.get("libraries")))
            print("\n".join(lines(vs)) + "\n")
    return max(exit_status(vs) for _, vs in loaded.values())


if __name__ == "__main__":
    sys.exit(main())
