"""``python -m benchmarks.report``: every spectral suite of a results file gets its rows."""

from __future__ import annotations

import json

from .report import load_results, markdown_tables


def _results_file(tmp_path, classes):
    """A minimal asv results file with ``time_forward`` of ``classes`` at b = 8 (torch, cpu)."""
    params = [["8"], ["'torch'"], ["'float32'", "'float64'"], ["'cpu'"]]
    results = {
        f"bench_x.{cls}.time_forward": [[0.001 * (i + 1), 0.002 * (i + 1)], params] for i, cls in enumerate(classes)
    }
    data = {"commit_hash": "0" * 40, "params": {}, "result_columns": ["result", "params"], "results": results}
    folder = tmp_path / "machine-x"
    folder.mkdir()
    (folder / "00000000-env.json").write_text(json.dumps(data))
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
