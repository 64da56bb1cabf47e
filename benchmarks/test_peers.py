"""The bookkeeping of ``python -m benchmarks.peers`` (no timing)."""

from __future__ import annotations

from .peers import contraction_rows, fastest_round


def test_fastest_round_keeps_the_whole_fastest_record():
    rounds = [
        [{"library": "ours", "ms": 3.0, "note": "first"}, {"library": "shtns", "ms": None, "note": "absent"}],
        [{"library": "ours", "ms": 2.0, "note": "second"}, {"library": "shtns", "ms": None, "note": "absent"}],
        [{"library": "ours", "ms": 4.0, "note": "third"}, {"library": "shtns", "ms": None, "note": "absent"}],
    ]
    ours, shtns = fastest_round(rounds)
    assert ours == {"library": "ours", "ms": 2.0, "note": "second", "ms_rounds": [3.0, 2.0, 4.0]}
    assert shtns == {"library": "shtns", "ms": None, "note": "absent", "ms_rounds": []}


def test_contraction_rows():
    assert contraction_rows("s2", 4) == 16
    assert contraction_rows("so3", 2) == 1 + 9

