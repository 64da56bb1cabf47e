"""The offline dashboard in a real browser, without network.

The committed asv results of this repository are published (``asv publish`` with a temporary
configuration: the results copied to a temporary folder, nothing written into the tree), made
offline by :func:`benchmarks.publish_offline.publish_offline` (the npm packages of
``offline/package.json`` installed into a temporary folder by its ``npm_install``), served on
127.0.0.1, and loaded by headless Chromium with every host name but 127.0.0.1 unresolvable. Read from the DOM that
Chromium dumps once the page's scripts have run (no screenshot):

* the rewritten page draws a benchmark's graph: flot's canvases, and one legend entry per
  parameter combination of the committed results;
* asv's own page, in the same browser, lands on its error page (its scripts come from CDNs):
  the check fails where the dashboard needs the network.

Needs asv (the ``bench`` extra), npm with the npm registry, Chromium (Debian's ``chromium``)
and a git checkout (asv reads the commits of the results). Skipped where one is missing, unless
``S2CNN_REQUIRE_BROWSER=1`` (``.ci/run`` installs Chromium and sets it), which makes a missing
tool a failure.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from .publish_offline import HERE, ROOT, asv_conf, npm_install, publish_offline
from .report import RESULTS

REQUIRE = os.environ.get("S2CNN_REQUIRE_BROWSER", "") not in ("", "0")
#: the machine whose committed results are published, and a benchmark they hold
MACHINE = "cpu-amd-epyc-2c"
BENCHMARK = "bench_transforms.S2FFT.time_forward"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # no network: every name but the local server's fails to resolve
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--virtual-time-budget=15000",
]


def _missing(what: str) -> None:
    if REQUIRE:
        pytest.fail(f"S2CNN_REQUIRE_BROWSER is set but {what}")
    pytest.skip(what)


def _chromium() -> str:
    exe = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        _missing("Chromium is not installed (Debian: apt-get install chromium; or set CHROMIUM)")
    return exe


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """``<site>/offline`` (published and rewritten) and ``<site>/asv`` (as asv writes it)."""
    if importlib.util.find_spec("asv") is None:
        _missing("asv is not installed (pip install -e '.[bench]')")
    if not (ROOT / ".git").exists():
        _missing(f"{ROOT} is not a git checkout (asv publish reads the results' commits)")
    if shutil.which("npm") is None:
        _missing("npm is not installed (the dashboard's scripts come from npm packages)")
    tmp = tmp_path_factory.mktemp("dashboard")

    vendor = npm_install(tmp, log=lambda *_: None)  # the npm packages, into a temporary node_modules

    # asv publish of the committed results, with every folder in tmp
    conf = asv_conf()
    conf.update(repo=str(ROOT), benchmark_dir=str(HERE), env_dir=str(tmp / "env"),
                results_dir=str(tmp / "results"), html_dir=str(tmp / "html"))
    (tmp / "asv.conf.json").write_text(json.dumps(conf))
    shutil.copytree(RESULTS / MACHINE, tmp / "results" / MACHINE)
    shutil.copy(RESULTS / "benchmarks.json", tmp / "results")
    subprocess.run([sys.executable, "-m", "asv", "publish", "--config", str(tmp / "asv.conf.json")],
                   cwd=tmp, check=True, capture_output=True, timeout=600)

    site = tmp / "site"
    shutil.copytree(tmp / "html", site / "asv")
    shutil.copytree(tmp / "html", site / "offline")
    left = publish_offline(site / "offline", vendor, npm=False, log=lambda *_: None)
    assert left == [], f"remote resources left in the rewritten dashboard: {left}"
    return site


@pytest.fixture(scope="module")
def server(site):
    """The site on 127.0.0.1 (a free port); yields the base URL and the paths requested."""
    requested: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 (the base class's name)
            requested.append(self.path)

    handler = functools.partial(Handler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}", requested
        httpd.shutdown()


def _dom(url: str, tmp_path: Path) -> str:
    """The DOM of ``url`` after its scripts ran, as headless Chromium dumps it."""
    out = subprocess.run([_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                          "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def _legend(dom: str) -> list[str]:
    return [part.split("<", 1)[0] for part in dom.split('class="legendLabel">')[1:]]


def test_offline_dashboard_draws_the_graph(server, tmp_path):
    base, requested = server
    dom = _dom(f"{base}/offline/index.html#{BENCHMARK}", tmp_path)
    assert "airspeed velocity error" not in dom, "the offline dashboard landed on asv's error page"
    assert dom.count('class="flot-base"') >= 2, "no graph drawn (flot's canvases are missing)"
    legend = _legend(dom)
    assert legend and all("backend-torch" in label for label in legend), legend
    assert any(p.startswith("/offline/vendor/jquery/") for p in requested), requested
    assert any(p.startswith("/offline/graphs/") for p in requested), requested


def test_asv_page_needs_the_network(server, tmp_path):
    base, _ = server
    dom = _dom(f"{base}/asv/index.html#{BENCHMARK}", tmp_path)
    assert "airspeed velocity error" in dom and 'class="flot-base"' not in dom
