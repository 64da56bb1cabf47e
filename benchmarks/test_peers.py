"""The bookkeeping of ``python -m benchmarks.peers``: rounds, synchronised timing, the device
arguments, and small runs end to end (on the GPU with the ``cuda`` mark)."""

from __future__ import annotations

import json
import sys

import pytest
import torch

from . import peers
from .common import sync
from .peers import fastest_round, library_versions, main, run_ours, synced


def test_fastest_round_keeps_the_whole_fastest_record():
    rounds = [
        [{"library": "ours", "ms": 3.0, "note": "first"}, {"library": "shtns", "ms": None, "note": "absent"}],
        [{"library": "ours", "ms": 2.0, "note": "second"}, {"library": "shtns", "ms": None, "note": "absent"}],
        [{"library": "ours", "ms": 4.0, "note": "third"}, {"library": "shtns", "ms": None, "note": "absent"}],
    ]
    ours, shtns = fastest_round(rounds)
    assert ours == {"library": "ours", "ms": 2.0, "note": "second", "ms_rounds": [3.0, 2.0, 4.0]}
    assert shtns == {"library": "shtns", "ms": None, "note": "absent", "ms_rounds": []}


def test_synced_ends_every_call_with_sync():
    calls = []
    call = synced(lambda x: calls.append(("fn", x)) or x, lambda: calls.append("sync"), 3)
    assert call() == 3
    assert calls == [("fn", 3), "sync"]


def test_run_ours_synchronises_every_timed_call():
    syncs = []
    rec = run_ours("s2", "fft", 4, "float64", 2, repeat=5, budget=1.0, backend="torch", sync=lambda: syncs.append(1))
    assert rec["library"] == "ours" and rec["ms"] > 0 and rec["err"] < 1e-12
    assert len(syncs) >= 1 + 3  # the warm-up call and every timed one (at least three)


def test_sync_is_a_no_op_on_the_cpu():
    assert sync("cpu") is None and sync(torch.device("cpu")) is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--device", "cuda", "--clock", "cpu"], "--clock cpu"),
        (["--device", "tpu"], "expected cpu or cuda"),
        (["--device", "meta"], "expected cpu or cuda"),
    ],
)
def test_bad_device_arguments_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without a GPU")
def test_cuda_without_a_gpu_names_what_is_missing(capsys):
    with pytest.raises(SystemExit):
        main(["--device", "cuda"])
    assert "sees no CUDA device" in capsys.readouterr().err


def test_library_versions_name_each_peer_or_its_absence(monkeypatch):
    """The versions the tool records: the distribution's for a peer of this interpreter, "not
    installed" for one that is absent, and for lie_learn what its own interpreter says."""
    from importlib import metadata

    monkeypatch.setattr(peers, "DISTRIBUTIONS", {"here": "pytest", "absent": "no-such-distribution-s2cnn",
                                                 "lie_learn": "pytest"})
    got = library_versions(["here", "absent", "unknown", "lie_learn"], sys.executable)
    version = metadata.version("pytest")
    assert got == {"here": version, "absent": "not installed", "lie_learn": version}
    got = library_versions(["lie_learn"], "/nonexistent/python")
    assert got["lie_learn"].startswith("not installed")


def _small_run(tmp_path, *extra):
    path = tmp_path / "run.json"
    argv = ["--s2-b", "8", "--so3-b", "4", "--dtypes", "float64", "--repeat", "3", "--budget", "0.01",
            "--check-b", "4", "--json", str(path), *extra]
    assert main(argv) == 0
    return json.loads(path.read_text())


def test_a_small_cpu_run_records_ours_and_the_floor(tmp_path):
    run = _small_run(tmp_path, "--peers")
    assert run["meta"]["device"] == "cpu" and run["meta"]["backend"] == "torch"
    assert max(run["meta"]["reference_check"].values()) < 1e-12
    assert run["meta"]["libraries"] == {}  # no peers asked for
    commit = run["meta"]["commit"]  # this checkout's (a clone in CI), or "unknown" outside git
    assert commit == "unknown" or len(commit.split("+")[0]) == 40, commit
    cases = {(r["case"], r["b"], r["library"]) for r in run["records"]}
    for case, b in (("s2_fft", 8), ("s2_ifft", 8), ("so3_fft", 4), ("so3_ifft", 4)):
        assert {(case, b, "ours"), (case, b, "floor")} <= cases
    for r in run["records"]:
        assert r["ms"] > 0, r
        assert r["library"] == "floor" or r["err"] < 1e-12, r
    # the note that benchmarks.targets reads the backend from in runs whose meta has none
    assert {r["note"] for r in run["records"] if r["library"] == "ours"} == {"backend torch"}


@pytest.mark.cuda
@pytest.mark.parametrize("backend", ["torch", "cuda"])
def test_a_small_gpu_run(tmp_path, backend):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    run = _small_run(tmp_path, "--device", "cuda", "--backend", backend, "--peers", "shtns", "s2fft")
    assert run["meta"]["device"] == "cuda" and torch.cuda.get_device_name() in run["meta"]["machine"]
    assert max(run["meta"]["reference_check"].values()) < 1e-12
    by_library = {}
    for r in run["records"]:
        by_library.setdefault(r["library"], []).append(r)
    assert all(r["ms"] > 0 and r["err"] < 1e-12 for r in by_library["ours"])
    assert all(r["ms"] is None and "CPU library" in r["note"] for r in by_library["shtns"] + by_library["s2fft"])
    assert {v["verdict"] for v in run["targets"]} <= {"n/a"}
