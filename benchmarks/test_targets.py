"""``benchmarks.targets``: the verdicts on the benchmark issue's targets (bookkeeping, no timing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from . import targets

RESULTS = Path(__file__).resolve().parent / "results" / "peers"


def _rec(case, b, dtype, library, ms, rounds=None):
    return {"case": case, "b": b, "dtype": dtype, "library": library, "ms": ms, "err": None, "note": "",
            "ms_rounds": rounds if rounds is not None else ([] if ms is None else [ms])}


def _by_target(vs):
    return {v["target"]: v for v in vs}


def test_ratio_limit_and_rounds():
    records = [
        _rec("s2_fft", 128, "float64", "ours", 9.0, [9.0, 12.0, 10.0]),
        _rec("s2_fft", 128, "float64", "shtns", 6.0, [7.0, 6.0, 6.0]),  # round ratios 1.29, 2.0, 1.67
        _rec("so3_ifft", 64, "float32", "ours", 700.0, [700.0, 720.0]),
        _rec("so3_ifft", 64, "float32", "floor", 350.0, [380.0, 350.0]),  # exactly 2 in the fastest medians
    ]
    vs = _by_target(targets.verdicts(records))
    s2 = vs["s2_fft b=128 float64: ours/shtns"]
    assert s2["ratio"] == pytest.approx(1.5) and s2["verdict"] == "met"  # the limit itself is met
    assert s2["round_ratios"] == pytest.approx([9 / 7, 2.0, 10 / 6]) and s2["rounds_met"] == "1/3"
    so3 = vs["so3_ifft b=64 float32: ours/floor"]
    assert so3["verdict"] == "met" and so3["rounds_met"] == "1/2"  # 700 / 380, 720 / 350
    assert vs["s2_ifft b=128 float64: ours/shtns"]["verdict"] == "not measured"
    assert vs["so3_fft b=64 float32: ours/floor"]["why"] == "case not in this run"
    assert targets.exit_status(list(vs.values())) == 0


def test_missed_and_absent_peer():
    records = [
        _rec("s2_ifft", 128, "float64", "ours", 20.0),
        _rec("s2_ifft", 128, "float64", "shtns", 10.0),
        _rec("s2_fft", 128, "float64", "ours", 10.0),
        _rec("s2_fft", 128, "float64", "shtns", None),  # not installed: a note, not a verdict
    ]
    vs = _by_target(targets.verdicts(records))
    assert vs["s2_ifft b=128 float64: ours/shtns"]["verdict"] == "missed"
    assert vs["s2_fft b=128 float64: ours/shtns"]["verdict"] == "not measured"
    assert vs["s2_fft b=128 float64: ours/shtns"]["why"] == "no time for shtns"
    assert targets.exit_status(list(vs.values())) == 1


def test_so3_peers_strictly_behind_in_every_case_they_ran():
    records = [
        _rec("so3_fft", 32, "float64", "ours", 100.0, [100.0, 110.0]),
        _rec("so3_fft", 32, "float64", "lie_learn", 100.0, [100.0]),  # timed once, in a child process
        _rec("so3_ifft", 64, "float32", "ours", 50.0),
        _rec("so3_ifft", 64, "float32", "s2fft", 500.0),
        _rec("so3_fft", 64, "float32", "s2fft", None),  # skipped there: no target
    ]
    vs = _by_target(targets.verdicts(records))
    tie = vs["so3_fft b=32 float64: ours/lie_learn"]
    assert tie["verdict"] == "missed" and tie["limit"] == "< 1"  # level is not ahead
    assert tie["round_ratios"] == pytest.approx([1.0, 1.1]) and tie["rounds_met"] == "0/2"
    assert vs["so3_ifft b=64 float32: ours/s2fft"]["verdict"] == "met"
    assert "so3_fft b=64 float32: ours/s2fft" not in vs


def test_other_batch_backend_or_device_is_not_judged():
    records = [_rec("s2_ifft", 128, "float64", "ours", 20.0), _rec("s2_ifft", 128, "float64", "shtns", 10.0)]
    assert {v["verdict"] for v in targets.verdicts(records)} == {"missed", "not measured"}
    for kw in ({"batch": 4}, {"backend": "cuda"}, {"device": "cuda"}):
        vs = targets.verdicts(records, **kw)
        assert {v["verdict"] for v in vs} == {"n/a"}
        assert targets.exit_status(vs) == 0


def test_lines_and_wide_table():
    records = [_rec("s2_fft", 128, "float64", "ours", 12.0, [12.0, 13.0]),
               _rec("s2_fft", 128, "float64", "shtns", 6.0, [6.0, 6.5])]
    vs = targets.verdicts(records)
    first = targets.lines(vs)[0]
    assert first.startswith("s2_fft b=128 float64: ours/shtns") and "2.00" in first and "missed" in first
    assert "2.00-2.00, 0/2 rounds" in first
    table = targets.wide_table({"m-2026-a": vs, "m-2026-b": vs})
    assert table[0] == "| target | limit | a | b |"
    assert table[2] == "| s2_fft b=128 float64: ours/shtns | <= 1.5 | 2.00 (0/2) | 2.00 (0/2) |"
    assert not any(" version |" in row for row in table)  # no versions given: no version rows


def test_wide_table_names_the_peer_versions_of_each_run():
    """One row per peer that any run recorded: its version in each run, "unrecorded" for a run
    whose meta predates the versions, empty where that run did not time the peer."""
    vs = targets.verdicts([_rec("s2_fft", 128, "float64", "ours", 12.0), _rec("s2_fft", 128, "float64", "shtns", 6.0)])
    runs = {"m-old": vs, "m-new": vs, "m-other": vs}
    libraries = {"m-old": None, "m-new": {"shtns": "[SHTns 3.7.5] id: avx512", "ducc0": "0.42.0"},
                 "m-other": {"ducc0": "0.41|x"}}
    table = targets.wide_table(runs, libraries)
    assert table[-2:] == ["| shtns version | | unrecorded | [SHTns 3.7.5] id: avx512 |  |",
                          "| ducc0 version | | unrecorded | 0.42.0 | 0.41/x |"]


def test_cli_on_a_saved_run(tmp_path, capsys):
    records = [_rec("so3_fft", 64, "float32", "ours", 300.0), _rec("so3_fft", 64, "float32", "floor", 250.0)]
    run = tmp_path / "run.json"
    run.write_text(json.dumps({"meta": {"batch": 16, "rounds": 1}, "records": records}))
    other = tmp_path / "probe.json"
    other.write_text(json.dumps({"rates": []}))
    assert targets.main([str(run), str(other)]) == 0
    out, err = capsys.readouterr()
    line = next(x for x in out.splitlines() if x.startswith("so3_fft b=64 float32: ours/floor"))
    assert line.split()[4:] == ["1.20", "<=", "2", "met"]
    assert "probe.json: not a run of python -m benchmarks.peers" in err
    assert "# peers: unrecorded" in out  # a run whose meta predates the versions
    with pytest.raises(SystemExit):
        targets.main([str(other)])


def _saved_runs() -> list[str]:
    """The committed runs of ``benchmarks.peers`` (the folder also holds the BLAS probe's)."""
    return sorted(p.name for p in RESULTS.glob("*.json") if "blas-probe" not in p.name)


def test_the_blas_probe_files_are_named_and_skipped():
    probes = sorted(RESULTS.glob("*blas-probe*.json"))
    assert probes
    for p in probes:
        with pytest.raises(ValueError, match="not a run of python -m benchmarks.peers"):
            targets.load_run(p)


@pytest.mark.parametrize("path", _saved_runs())
def test_every_saved_run_is_judged(path):
    """The committed runs of ``benchmarks.peers`` load, and their verdicts agree with their ratios."""
    _, vs = targets.load_run(RESULTS / path)
    assert any(v["ratio"] is not None for v in vs)
    for v in vs:
        if v["ratio"] is not None:
            op, limit = v["limit"].split()
            met = v["ratio"] <= float(limit) if op == "<=" else v["ratio"] < float(limit)
            assert v["verdict"] == ("met" if met else "missed")
