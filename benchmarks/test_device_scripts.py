"""The scripts of a GPU session (``device_prepare.sh``, ``device_session.sh``) parse, and the
asv selections of the session name suites that exist: a renamed suite would otherwise make the
one lent GPU call benchmark nothing, silently."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

from . import bench_layers, bench_transforms, peers

HERE = Path(__file__).parent


@pytest.mark.parametrize("name", ["device_prepare.sh", "device_session.sh"])
def test_script_parses(name):
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    subprocess.run([bash, "-n", str(HERE / name)], check=True)


def test_asv_selections_name_existing_suites():
    text = (HERE / "device_session.sh").read_text()
    patterns = re.findall(r'^\s+"(\(.*\))"\s*$', text, flags=re.M)
    assert len(patterns) == 4, patterns
    suites = {n: getattr(m, n) for m in (bench_transforms, bench_layers) for n in dir(m)
              if isinstance(getattr(m, n), type)}
    for pattern in patterns:
        re.compile(pattern)
        names = re.match(r"\(([^)]*)\)", pattern).group(1).split("|")
        for name in names:
            parts = name.split("\\.")
            suite = parts[1] if parts[0].startswith("bench_") else parts[0]
            assert suite in suites, (suite, pattern)
            if len(parts) > (2 if parts[0].startswith("bench_") else 1):  # a method (prefix) is named
                prefix = parts[-1]
                assert any(m.startswith(prefix) for m in dir(suites[suite])), (suite, prefix, pattern)
        # a method named after the group of suites
        method = re.match(r"\([^)]*\)\\\.(\w+)", pattern)
        if method:
            for name in names:
                assert any(m.startswith(method.group(1)) for m in dir(suites[name])), (name, pattern)
        # the selection names real benchmark methods with real parameters
        assert "'float32', 'cuda'" in pattern


def test_the_session_peers_arguments_parse(tmp_path, capsys):
    """The session's ``benchmarks.peers`` options exist: on a machine without a GPU the tool gets as
    far as the device check (every other option parsed)."""
    if torch.cuda.is_available():
        pytest.skip("on a GPU the command would run: the device session runs it")
    text = (HERE / "device_session.sh").read_text()
    body = re.search(r"^peers_run\(\) \{\n(.*?)^\}", text, flags=re.M | re.S).group(1)
    command = body.replace("\\\n", " ").replace('"$OUT', f'"{tmp_path}').replace('"$1"', "torch").replace("$1", "torch")
    argv = shlex.split(command)
    argv = argv[argv.index("benchmarks.peers") + 1 :]
    assert "--device" in argv and argv[argv.index("--device") + 1] == "cuda"
    with pytest.raises(SystemExit) as exc:
        peers.main(argv)
    assert exc.value.code == 2
    assert "sees no CUDA device" in capsys.readouterr().err
