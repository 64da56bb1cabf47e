"""The bookkeeping of ``python -m benchmarks.peers`` (no timing)."""

from __future__ import annotations

from .peers import fastest_round


def test_fastest_round_keeps_the_whole_fastest_record():
    rounds = [
        [{"library": "ours", "ms": 3.0, "note": "first"}, {"library": "shtns", "ms": None, "note": "absent"}],
        [{"library": "ours", "ms": 2.0, "note": "second"}, {"library": "shtns", "ms": None, "note": "absent"}],
        [{"library": "ours", "ms": 4.0, "note": "third"}, {"library": "shtns", "ms": None, "note": "absent"}],
    ]
    ours, shtns = fastest_round(rounds)
    assert ours == {"library": "ours", "ms": 2.0, "note": "second", "ms_rounds": [3.0, 2.0, 4.0]}
    assert shtns == {"library": "shtns", "ms": None, "note": "absent", "ms_rounds": []}
