"""The scripts of a GPU session (``device_prepare.sh``, ``device_session.sh``) parse, and the
asv selections of the session name suites that exist: a renamed suite would otherwise make the
one lent GPU call benchmark nothing, silently."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from . import bench_layers, bench_transforms

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
    assert len(patterns) == 2, patterns
    suites = {n for m in (bench_transforms, bench_layers) for n in dir(m) if isinstance(getattr(m, n), type)}
    for pattern in patterns:
        re.compile(pattern)
        names = re.match(r"\(([^)]*)\)", pattern).group(1).split("|")
        for name in names:
            parts = name.split("\\.")
            suite = parts[1] if parts[0].startswith("bench_") else parts[0]
            assert suite in suites, (suite, pattern)
        # the selection names real benchmark methods with real parameters
        assert "'float32', 'cuda'" in pattern
