"""``python -m verify``: run every check, print the table, exit non-zero on any failure.

Columns: check, backend, device, dtype, b (bandwidth, or degree l for the Wigner rows),
error, tolerance, pass.
"""

from __future__ import annotations

import argparse
import sys
import time

import torch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verify", description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="torch device to check (cpu, cuda, cuda:1, ...)")
    parser.add_argument("--quick", action="store_true", help="smaller bandwidths (a smoke run)")
    parser.add_argument("--csv", metavar="PATH", help="also write the table as CSV")
    parser.add_argument("--markdown", metavar="PATH", help="also write the table as Markdown")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    args = parser.parse_args(argv)

    import pandas as pd

    from . import checks

    if args.threads:
        torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        print(f"verify: device {args.device!r} requested but torch sees no CUDA device", file=sys.stderr)
        return 2

    thunks = checks.all_checks(args.device, quick=args.quick)
    rows = []
    t0 = time.perf_counter()
    for i, thunk in enumerate(thunks, 1):
        try:
            row = thunk()
        except Exception as exc:  # a crash is a failure of that row, reported, not a traceback
            name = getattr(thunk, "func", thunk).__name__
            row = checks.Row(f"{name}{getattr(thunk, 'args', ())}", "?", args.device, "?", -1, float("nan"), 0.0)
            print(f"verify: {name} raised {type(exc).__name__}: {exc}", file=sys.stderr)
        rows.append(row.as_dict())
        if sys.stderr.isatty():
            print(f"\r{i}/{len(thunks)} checks", end="", file=sys.stderr)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    table = pd.DataFrame(rows)
    failed = table[~table["pass"]]

    with pd.option_context("display.max_rows", None, "display.width", 160, "display.float_format", "{:.2e}".format):
        print(table.to_string(index=False))
    summary = (
        table.assign(worst_ratio=table["error"] / table["tolerance"].where(table["tolerance"] > 0))
        .groupby(["backend", "device", "dtype"])
        .agg(checks=("pass", "size"), passed=("pass", "sum"), worst_ratio=("worst_ratio", "max"))
    )
    print()
    print(summary.to_string(float_format="{:.2e}".format))
    print(f"\n{len(table) - len(failed)} passed, {len(failed)} failed in {time.perf_counter() - t0:.1f} s "
          f"(torch {torch.__version__}, device {args.device})")
    if args.csv:
        table.to_csv(args.csv, index=False)
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))
            fh.write("\n")
    return 1 if len(failed) else 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
