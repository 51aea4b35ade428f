"""Bytes a phone downloads for a record page: first visit and repeat visits, in Chromium.

    python bench/light_bench.py [--site DIR]

Builds the sample site (unless --site names a built one), serves it the way
deploy/nginx.conf does (gzip, cache headers; bench/gzip_server.py) and opens a record page
in Chromium at 390x844:
  - first visit: empty cache; the page, its CSS/JS/fonts, and the service worker's
    precache of the shell (home and offline pages included);
  - repeat visit: the same page reloaded (the service worker and HTTP cache hold the shell);
  - next page: another record page in the same session.
Two figures per visit: what the server sent (every byte on the wire incl. headers, also
requests made by the service worker) and the sum of Chromium's encodedDataLength over the
page's own requests (CDP Network.loadingFinished). Images are left out of the budget (the
sample data has none). Budgets: first visit ≤ 150 KB, repeat visits ≤ 20 KB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from gzip_server import GzipServer, start  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
FIRST_BUDGET = 150 * 1024
REPEAT_BUDGET = 20 * 1024


@dataclass
class Visit:
    """What one visit transferred."""

    name: str
    server_bytes: int = 0  # everything the server sent (headers + bodies)
    page_bytes: int = 0  # CDP encodedDataLength over the page's non-image requests
    image_bytes: int = 0
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # (type, url, bytes)

    def line(self) -> str:
        """Return a one-line summary."""
        return (f"{self.name:<14} server sent {self.server_bytes / 1024:7.1f} KB   "
                f"page requests {self.page_bytes / 1024:7.1f} KB "
                f"({len(self.requests)} requests; images {self.image_bytes / 1024:.1f} KB)")


class Recorder:
    """Sum Chromium's encodedDataLength per request through a CDP session."""

    def __init__(self, cdp: Any) -> None:
        self.types: dict[str, tuple[str, str]] = {}
        self.done: list[tuple[str, str, int]] = []
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.send("Network.enable")

    def _response(self, event: dict[str, Any]) -> None:
        self.types[event["requestId"]] = (event.get("type", ""), event["response"]["url"])

    def _finished(self, event: dict[str, Any]) -> None:
        kind, url = self.types.get(event["requestId"], ("", ""))
        self.done.append((kind, url, int(event.get("encodedDataLength", 0))))

    def take(self) -> list[tuple[str, str, int]]:
        """Return and forget the requests finished so far."""
        done, self.done = self.done, []
        return done


def _visit(name: str, page: Any, recorder: Recorder, server: GzipServer, url: str,
           reload: bool = False) -> Visit:
    recorder.take()
    before = server.bytes_sent
    if reload:
        page.reload(wait_until="networkidle")
    else:
        page.goto(url, wait_until="networkidle")
    page.evaluate("navigator.serviceWorker ? navigator.serviceWorker.ready.then(() => 1) : 0")
    page.wait_for_timeout(500)  # let the service worker finish its precache
    visit = Visit(name, server_bytes=server.bytes_sent - before)
    for kind, req_url, size in recorder.take():
        if kind == "Image" or req_url.endswith((".png", ".jpg", ".webp", ".svg", ".ico")):
            visit.image_bytes += size
            continue
        visit.page_bytes += size
        visit.requests.append((kind, req_url, size))
    return visit


def measure(site: Path, record: str, other: str, browser: Any = None) -> list[Visit]:
    """Return the first, repeat and next-page visits of `record` (URL paths) on `site`.

    `browser` is a Playwright Chromium to use (a test's); by default one is launched.
    """
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            own = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return measure(site, record, other, own)
            finally:
                own.close()
    server = start(site)
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    try:
        page = context.new_page()
        recorder = Recorder(context.new_cdp_session(page))
        return [
            _visit("first visit", page, recorder, server, server.url + record),
            _visit("repeat visit", page, recorder, server, "", reload=True),
            _visit("next page", page, recorder, server, server.url + other),
        ]
    finally:
        context.close()
        server.shutdown()


def record_pages(site: Path) -> tuple[str, str]:
    """Return two record page paths of the built site (the two largest site pages)."""
    pages = sorted((p.stat().st_size, p.parent.relative_to(site).as_posix())
                   for p in (site / "sites").glob("*/index.html"))
    return pages[-1][1] + "/", pages[-2][1] + "/"


def main() -> int:
    """Print the transfer figures; return 1 if a budget is exceeded."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site (default: build)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every request")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(site)],
                           cwd=REPO, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
                           check=True)
        record, other = record_pages(site)
        visits = measure(site, record, other)
    print(f"record page /{record} (next page /{other}), gzip as deploy/nginx.conf")
    failed = False
    for visit, budget in zip(visits, (FIRST_BUDGET, REPEAT_BUDGET, REPEAT_BUDGET), strict=True):
        ok = visit.server_bytes <= budget and visit.page_bytes <= budget
        failed |= not ok
        print(visit.line() + f"   budget {budget // 1024} KB {'ok' if ok else 'EXCEEDED'}")
        if args.verbose:
            for kind, url, size in visit.requests:
                print(f"    {size:>8} {kind:<12} {url}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
