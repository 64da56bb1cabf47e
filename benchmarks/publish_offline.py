"""Make asv's dashboard work with no network: serve its CDN scripts and styles locally.

``asv publish`` writes an ``index.html`` that loads jQuery, flot, Bootstrap, stupidtable and
blueimp-md5 from public CDNs; on an air-gapped machine the page then shows only its error
page. This step copies those files from npm packages into ``<html_dir>/vendor/`` and rewrites
every such ``<script src>`` / ``<link href>`` to the local copy::

    asv publish
    python -m benchmarks.publish_offline            # html dir from asv.conf.json
    asv preview                                      # or any static file server

The packages (exact versions in ``benchmarks/offline/package.json``) are installed into
``benchmarks/offline/node_modules`` by ``npm install`` on first use; ``--vendor DIR`` points at
another ``node_modules`` (e.g. copied from a connected machine), ``--no-npm`` forbids the
install. Where the local file is the very file the CDN URL names, its hash equals the page's
``integrity`` attribute and the script says so; the integrity and CORS attributes are then
dropped (they would block ``file://`` pages). The exit status is 1 if any remote resource is
left in the pages.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ASSETS", "Asset", "remote_resources", "rewrite_html", "publish_offline", "main"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OFFLINE = HERE / "offline"
VENDOR = "vendor"  # folder inside the html dir


@dataclass(frozen=True)
class Asset:
    """A CDN file of the dashboard and its local replacement.

    ``package``/``path``: the file inside ``node_modules``; ``same_file``: True when it is the
    very file of the CDN URL (its hash must match the page's integrity attribute), else
    ``note`` says how it differs; ``also``: folders of the package that the file refers to
    relatively (Bootstrap's fonts).
    """

    package: str
    path: str
    same_file: bool = True
    note: str = ""
    also: tuple[str, ...] = ()


_FLOT = "unminified sources of the same release (0.8.3)"

#: Keyed by the last component of the CDN URL.
ASSETS: dict[str, Asset] = {
    "jquery-3.3.1.min.js": Asset("jquery", "dist/jquery.min.js"),
    "jquery.flot.min.js": Asset("flot", "jquery.flot.js", False, _FLOT),
    "jquery.flot.time.min.js": Asset("flot", "jquery.flot.time.js", False, _FLOT),
    "jquery.flot.selection.min.js": Asset("flot", "jquery.flot.selection.js", False, _FLOT),
    "jquery.flot.categories.min.js": Asset("flot", "jquery.flot.categories.js", False, _FLOT),
    "jquery.flot.orderBars.js": Asset("flot-orderbars", "js/jquery.flot.orderBars.js"),
    "stupidtable.min.js": Asset(
        "stupid-table-plugin", "stupidtable.min.js", False, "1.1.3 for 1.0.1 (not packaged); same jQuery API"
    ),
    "md5.min.js": Asset("blueimp-md5", "js/md5.min.js"),
    "bootstrap.min.js": Asset("bootstrap", "dist/js/bootstrap.min.js"),
    "bootstrap.min.css": Asset("bootstrap", "dist/css/bootstrap.min.css", also=("dist/fonts",)),
}

_TAG = re.compile(r"<(script|link|img)\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("[^"]*"|'[^']*')""")
_REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
_DROP = ("integrity", "crossorigin", "referrerpolicy")


def _url_attr(tag: str) -> str | None:
    name = tag[1:].split(None, 1)[0].rstrip(">").lower()
    return "href" if name == "link" else "src"


def _attrs(tag: str) -> dict[str, str]:
    return {k.lower(): v[1:-1] for k, v in _ATTR.findall(tag)}


def remote_resources(html: str) -> list[str]:
    """URLs of the remote scripts, stylesheets, icons and images a page loads (links to other
    pages, ``<a href>``, are not loads and are left alone)."""
    found = []
    for m in _TAG.finditer(html):
        url = _attrs(m.group(0)).get(_url_attr(m.group(0)))
        if url and _REMOTE.match(url):
            found.append(url)
    return found


def _sri(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm, path.read_bytes()).digest()
    return f"{algorithm}-{base64.b64encode(digest).decode()}"


def _copy_asset(asset: Asset, vendor: Path, html_dir: Path) -> str:
    """Copy the asset (and its licence and sibling folders) under ``html_dir/vendor``; return
    its URL relative to the html dir."""
    src_pkg = vendor / asset.package
    src = src_pkg / asset.path
    if not src.is_file():
        raise FileNotFoundError(f"{src} is missing: run npm install in {OFFLINE} or pass --vendor")
    dst_pkg = html_dir / VENDOR / asset.package
    (dst_pkg / asset.path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst_pkg / asset.path)
    for extra in asset.also:
        shutil.copytree(src_pkg / extra, dst_pkg / extra, dirs_exist_ok=True)
    for lic in src_pkg.glob("LICENSE*"):
        shutil.copyfile(lic, dst_pkg / lic.name)
    return f"{VENDOR}/{asset.package}/{asset.path}"


def rewrite_html(html: str, vendor: Path, html_dir: Path, log=print) -> str:
    """Replace the CDN resources of a page by local copies; returns the new page."""

    def local(m: re.Match) -> str:
        tag = m.group(0)
        key = _url_attr(tag)
        attrs = _attrs(tag)
        url = attrs.get(key)
        if not url or not _REMOTE.match(url):
            return tag
        asset = ASSETS.get(url.split("?")[0].rstrip("/").rsplit("/", 1)[-1])
        if asset is None:
            log(f"  no local copy known for {url}")
            return tag
        rel = _copy_asset(asset, vendor, html_dir)
        integrity = attrs.get("integrity")
        if integrity:
            algorithm = integrity.split("-", 1)[0]
            same = _sri(html_dir / rel, algorithm) == integrity
            if asset.same_file and not same:
                raise ValueError(f"{rel} does not match the integrity {integrity} of {url}")
            note = "identical (integrity hash matches)" if same else asset.note
        else:
            note = asset.note or "no integrity attribute to check"
        log(f"  {url} -> {rel}: {note}")
        for name in _DROP:
            tag = re.sub(rf"""\s+{name}\s*=\s*("[^"]*"|'[^']*')""", "", tag, flags=re.IGNORECASE)
        return tag.replace(url, rel)

    return _TAG.sub(local, html)


def npm_install(folder: Path = OFFLINE, log=print) -> Path:
    """``npm install`` of the packages of ``offline/package.json`` into ``folder/node_modules``
    (``package.json`` copied there first when ``folder`` is another one); returns that folder."""
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm not found: install Node.js, or pass --vendor with a node_modules folder")
    folder = Path(folder)
    if folder.resolve() != OFFLINE.resolve():
        shutil.copy(OFFLINE / "package.json", folder / "package.json")
    log(f"npm install in {folder}")
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--no-package-lock", "--omit=dev"],
        cwd=folder,
        check=True,
    )
    return folder / "node_modules"


def asv_conf() -> dict:
    """The repository's ``asv.conf.json`` (its ``//`` comment lines dropped)."""
    text = (ROOT / "asv.conf.json").read_text()
    return json.loads("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//")))


def _html_dir_from_conf() -> Path:
    return ROOT / asv_conf().get("html_dir", "html")


def publish_offline(html_dir: Path, vendor: Path | None = None, npm: bool = True, log=print) -> list[str]:
    """Rewrite every page of ``html_dir``; return the remote resources left (empty: offline-ready)."""
    html_dir = Path(html_dir)
    pages = sorted(html_dir.glob("*.html"))
    if not pages:
        raise FileNotFoundError(f"no html pages in {html_dir}: run `asv publish` first")
    if vendor is None:
        vendor = OFFLINE / "node_modules"
        if not vendor.is_dir() and npm:
            npm_install(log=log)
    left = []
    for page in pages:
        log(f"{page}:")
        html = rewrite_html(page.read_text(), Path(vendor), html_dir, log)
        page.write_text(html)
        left += [f"{page.name}: {url}" for url in remote_resources(html)]
    return left


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.publish_offline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--html-dir", type=Path, help="asv's html dir (default: html_dir of asv.conf.json)")
    parser.add_argument("--vendor", type=Path, help="node_modules folder with the packages")
    parser.add_argument("--no-npm", action="store_true", help="never run npm install")
    args = parser.parse_args(argv)
    html_dir = args.html_dir or _html_dir_from_conf()
    left = publish_offline(html_dir, args.vendor, npm=not args.no_npm)
    if left:
        print("remote resources left:\n  " + "\n  ".join(left), file=sys.stderr)
        return 1
    print(f"{html_dir} loads no remote resource; serve it with `asv preview` or any static server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
