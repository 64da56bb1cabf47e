"""``python -m benchmarks.report``: every spectral suite of a results file gets its rows."""

from __future__ import annotations

import json
import os

from .report import load_results, markdown_tables


def _results_file(tmp_path, classes, commit="0" * 40, date=None):
    """A minimal asv results file with ``time_forward`` of ``classes`` at b = 8 (torch, cpu)."""
    params = [["8"], ["'torch'"], ["'float32'", "'float64'"], ["'cpu'"]]
    results = {
        f"bench_x.{cls}.time_forward": [[0.001 * (i + 1), 0.002 * (i + 1)], params] for i, cls in enumerate(classes)
    }
    data = {"commit_hash": commit, "params": {}, "result_columns": ["result", "params"], "results": results}
    if date is not None:
        data["date"] = date
    folder = tmp_path / "machine-x"
    folder.mkdir(exist_ok=True)
    (folder / f"{commit[:8]}-env.json").write_text(json.dumps(data))
    return tmp_path


def test_all_spectral_suites_have_rows(tmp_path):
    """The layers' products and syntheses (``SO3MMReal``, ``SO3IFFTReal``) and a suite the
    report does not know yet are in the table, in ``ORDER`` and then by name."""
    root = _results_file(tmp_path, ["SO3MMReal", "NewSuite", "S2FFT", "SO3IFFTReal"])
    res, info = load_results("machine-x", results_dir=root)
    assert info["commit"] == "0" * 40
    table = markdown_tables(res)
    labels = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ") and "b=8" not in line]
    assert labels == ["S2FFT", "S2FFT", "SO3IFFTReal", "SO3IFFTReal", "SO3MMReal", "SO3MMReal", "NewSuite", "NewSuite"]
    assert "| SO3MMReal | float32 | 1 ms |" in table and "| S2FFT | float64 | 6 ms |" in table


def test_newest_is_the_newest_commit_not_the_newest_file(tmp_path):
    """Without ``--commit`` the report reads the run of the newest commit (asv's ``date``),
    whatever the files' times (a clone gives them all the same); ``--commit`` picks by name."""
    _results_file(tmp_path, ["S2FFT"], commit="b" * 40, date=2_000)
    _results_file(tmp_path, ["S2FFT"], commit="a" * 40, date=1_000)  # written last
    folder = tmp_path / "machine-x"
    os.utime(folder / ("b" * 8 + "-env.json"), (0, 0))  # and the newest commit's file oldest
    assert load_results("machine-x", results_dir=tmp_path)[1]["commit"] == "b" * 40
    assert load_results("machine-x", commit="a" * 8, results_dir=tmp_path)[1]["commit"] == "a" * 40
