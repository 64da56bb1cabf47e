"""The offline dashboard step rewrites every CDN resource of asv's page to a local copy.

No browser and no network: the npm packages are stood in for by small files laid out as in
``node_modules``; the page is asv's own ``index.html`` when asv is installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .publish_offline import ASSETS, publish_offline, remote_resources

PAGE = """<!doctype html><html><head>
<script src="https://cdn.test/libs/jquery-3.3.1.min.js" integrity="sha256-x" crossorigin="anonymous"></script>
<script src="https://cdn.test/bootstrap/js/bootstrap.min.js"></script>
<link rel="stylesheet" href="https://cdn.test/bootstrap/css/bootstrap.min.css">
<script src="asv.js"></script>
</head><body><a href="https://github.com/airspeed-velocity/asv/">asv</a></body></html>
"""


@pytest.fixture
def vendor(tmp_path) -> Path:
    root = tmp_path / "node_modules"
    for asset in ASSETS.values():
        f = root / asset.package / asset.path
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f"/* {asset.package} {asset.path} */\n")
        for extra in asset.also:
            (root / asset.package / extra).mkdir(parents=True, exist_ok=True)
            (root / asset.package / extra / "glyphs.woff").write_bytes(b"\0")
        (root / asset.package / "LICENSE").write_text("MIT\n")
    return root


def _local_refs_exist(page: Path) -> None:
    for ref in ("vendor/jquery/dist/jquery.min.js", "vendor/bootstrap/dist/css/bootstrap.min.css"):
        assert ref in page.read_text()
        assert (page.parent / ref).is_file()
    assert (page.parent / "vendor/bootstrap/dist/fonts/glyphs.woff").is_file()


def test_remote_resources_ignores_links_and_local_files():
    assert remote_resources(PAGE) == [
        "https://cdn.test/libs/jquery-3.3.1.min.js",
        "https://cdn.test/bootstrap/js/bootstrap.min.js",
        "https://cdn.test/bootstrap/css/bootstrap.min.css",
    ]


def test_rewrite_leaves_no_remote_resource(tmp_path, vendor):
    html = tmp_path / "html"
    html.mkdir()
    page = html / "index.html"
    page.write_text(PAGE.replace(' integrity="sha256-x"', ""))
    assert publish_offline(html, vendor, npm=False, log=lambda *_: None) == []
    text = page.read_text()
    assert remote_resources(text) == [] and "crossorigin" not in text
    assert 'href="https://github.com/airspeed-velocity/asv/"' in text  # a link, not a load
    _local_refs_exist(page)


def test_mismatched_integrity_of_an_identical_file_is_an_error(tmp_path, vendor):
    html = tmp_path / "html"
    html.mkdir()
    (html / "index.html").write_text(PAGE)
    with pytest.raises(ValueError, match="integrity"):
        publish_offline(html, vendor, npm=False, log=lambda *_: None)


def test_unknown_cdn_resource_is_reported(tmp_path, vendor):
    html = tmp_path / "html"
    html.mkdir()
    (html / "index.html").write_text('<script src="//cdn.test/other.js"></script>')
    assert publish_offline(html, vendor, npm=False, log=lambda *_: None) == ["index.html: //cdn.test/other.js"]


def test_asv_dashboard_page(tmp_path, vendor):
    asv = pytest.importorskip("asv")
    www = Path(asv.__file__).parent / "www"
    html = tmp_path / "html"
    html.mkdir()
    for name in ("index.html", "error.html"):
        (html / name).write_text((www / name).read_text())
    assert remote_resources((html / "index.html").read_text())  # asv's page does load CDN files
    # the stand-in files cannot match asv's integrity hashes: check only that every URL is known
    for url in remote_resources((html / "index.html").read_text()):
        assert url.rsplit("/", 1)[-1] in ASSETS, url
    for page in html.glob("*.html"):
        page.write_text(page.read_text().replace("integrity=", "data-integrity="))
    assert publish_offline(html, vendor, npm=False, log=lambda *_: None) == []
    _local_refs_exist(html / "index.html")
