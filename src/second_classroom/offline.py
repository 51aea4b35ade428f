"""Reading without a network: the offline page and the service worker of the built site.

A student loses signal in a memorial hall, a lecturer opens yesterday's outline on the bus:
the service worker (`sw.js` at the site root, written after everything else is built)
precaches the site's shell and keeps every page and download the visitor opened. Its cache
names carry a hash of the built site's content, so a new build replaces stale copies and
the same content always gives the same `sw.js`.

The script itself is `render/assets/sw.js`; this module fills in the build hash, the
precache list (the stylesheets and scripts the offline page loads, which every themed page
loads too) and the offline page's address.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from .render import Page
from .walk import files_under

SW_URI = "sw.js"
OFFLINE_URI = "offline.md"
OFFLINE_URL = "offline/"
OFFLINE_TITLE = "离线页面"
_TEMPLATE = Path(__file__).parent / "render" / "assets" / "sw.js"
# Pages precached besides the offline page: the home page, so the site opens offline.
_SHELL_PAGES = ("",)

OFFLINE_HTML = """<div class="sc-offline">
<h1>离线页面</h1>
<p class="sc-lead">现在没有网络，这个页面还没有保存到本机，暂时打不开。</p>
<p>网络恢复后，请刷新本页重试。浏览过的页面、下载过的提纲，以及在线路页上点过“离线保存本线路”的各个站点，没有网络时也能打开。</p>
<section class="sc-offline__saved" id="sc-offline-saved" hidden>
<h2>本机已保存的页面</h2>
<ul class="sc-cards"></ul>
</section>
<p><a class="sc-button" href="../">返回首页</a></p>
</div>"""


def offline_page() -> Page:
    """Return the Chinese offline page (离线页面) shown for pages not saved on the phone."""
    # Not in sitemap.xml: it is shown by the service worker, not meant to be found.
    return Page(OFFLINE_URI, OFFLINE_TITLE, OFFLINE_HTML, "没有网络时显示的页面", listed=False)


class _Assets(HTMLParser):
    """Collect the stylesheets, scripts and icon a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        rel = (a.get("rel") or "").lower().split()
        if tag == "link" and a.get("href") and ({"stylesheet", "icon"} & set(rel)):
            self.urls.append(str(a["href"]))
        elif tag == "script" and a.get("src"):
            self.urls.append(str(a["src"]))


def shell_urls(site_dir: Path) -> list[str]:
    """Return the site-root-relative URLs to precache: the offline page and its assets.

    Only files of the site itself are listed (an absolute or other-host address is left
    out), each once, in the order the offline page loads them.
    """
    page = site_dir / OFFLINE_URL / "index.html"
    found = [OFFLINE_URL, *_SHELL_PAGES]
    if not page.is_file():  # pages for another engine (`classroom pages`): no theme yet
        return found
    parser = _Assets()
    parser.feed(page.read_text(encoding="utf-8"))
    base = "https://site.invalid/" + OFFLINE_URL
    for href in parser.urls:
        parts = urlsplit(urljoin(base, href))
        if parts.netloc != "site.invalid" or parts.query:
            continue
        rel = parts.path.lstrip("/")
        if rel and (site_dir / rel).is_file() and rel not in found:
            found.append(rel)
    return found


# Left out of the build hash: sw.js itself, the search index (derived from the pages: any
# change to it comes with changed pages) and the precompressed .gz/.br copies of files,
# which are written after sw.js.
HASH_EXCLUDE = (SW_URI, "searchindex/")
DERIVED_SUFFIXES = (".gz", ".br")


def build_hash(site_dir: Path, exclude: Iterable[str] = HASH_EXCLUDE,
               known: Mapping[str, bytes] | None = None,
               names: Iterable[str] | None = None) -> str:
    """Return a short hash of every file's path and bytes under `site_dir` (sorted walk):
    of each path with the SHA-256 digest of the file's bytes.

    The same built site always gives the same hash; any changed byte gives another one.
    `exclude` lists paths to leave out; one ending in "/" leaves out a whole folder.
    Precompressed copies (`.gz`, `.br`) are always left out. `known` maps a file's path
    (`os.path.join(site_dir, rel)`, as str) to the digest of the bytes the build wrote
    there (`output.file_digest`: the SHA-256 taken here of a file read): those files are
    not read again (at 10,000 records the pages are 230 MB of the site's 300 MB, and
    reading them back took a second). `names`: the files under `site_dir`
    (walk.files_under), if the caller has them.
    """
    skip = tuple(exclude)
    known = known or {}
    root = str(site_dir)
    digest = hashlib.sha256()
    for rel in files_under(site_dir) if names is None else names:
        if rel.endswith(DERIVED_SUFFIXES) or any(
                rel == s or (s.endswith("/") and rel.startswith(s)) for s in skip):
            continue
        path = os.path.join(root, rel)
        found = known.get(path)
        if found is None:
            with open(path, "rb") as f:
                found = hashlib.file_digest(f, "sha256").digest()
        digest.update(rel.encode("utf-8") + b"\0" + found)
    return digest.hexdigest()[:16]


def service_worker(site_dir: Path, known: Mapping[str, bytes] | None = None,
                   names: Iterable[str] | None = None) -> str:
    """Return the text of `sw.js` for the built site in `site_dir` (`known`, `names`: see
    `build_hash`)."""
    script = _TEMPLATE.read_text(encoding="utf-8")
    values = {
        "__VERSION__": build_hash(site_dir, known=known, names=names),
        "__OFFLINE__": OFFLINE_URL,
        "__PRECACHE__": json.dumps(shell_urls(site_dir), ensure_ascii=False),
    }
    return re.sub("|".join(values), lambda m: values[m.group(0)], script)


def write_service_worker(site_dir: Path, known: Mapping[str, bytes] | None = None,
                         names: Iterable[str] | None = None) -> Path:
    """Write `sw.js` at the root of the built site (last step of a build); return its path.
    `known`, `names`: what the build knows of the files (see `build_hash`)."""
    target = site_dir / SW_URI
    text = service_worker(site_dir, known, names)
    tmp = target.with_name(SW_URI + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target
