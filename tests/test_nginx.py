"""deploy/nginx.conf in a real nginx (Debian's) on loopback, serving the built sample site:
headers, cache lifetimes, compression, the Chinese 404, and no CSP violation in Chromium."""

from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import brotli
import pytest
from conftest import REPO
from nginx_harness import Nginx, brotli_available

from second_classroom.security import content_security_policy

CONF = REPO / "deploy" / "nginx.conf"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(url: str, encoding: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET `url` without following redirects; return status, headers and raw body."""
    headers = {"Accept-Encoding": encoding} if encoding else {}
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture(scope="module")
def nginx(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    """Real nginx with deploy/nginx.conf serving the sample site."""
    server = Nginx(CONF, built_site, tmp_path_factory.mktemp("nginx"))
    with server:
        yield server


def test_config_passes_nginx_t(tmp_path: Path, built_site: Path) -> None:
    assert brotli_available(), "install libnginx-mod-http-brotli-filter and -static"
    done = Nginx(CONF, built_site, tmp_path).test_config()
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_header_policy_is_the_sites_policy() -> None:
    text = CONF.read_text("utf-8")
    sent = re.findall(r'add_header Content-Security-Policy "([^"]+)" always;', text)
    assert sent == [content_security_policy(header=True)]


def _file(site: Path, pattern: str) -> str:
    found = sorted(site.glob(pattern))
    assert found, pattern
    return found[0].relative_to(site).as_posix()


def test_security_headers_on_pages_assets_and_errors(nginx: Nginx, built_site: Path) -> None:
    for path in ("", "sites/", _file(built_site, "sites/*/index.html").removesuffix("index.html"),
                 "assets/extra.css", "no-such-page/"):
        status, headers, _ = fetch(nginx.url + path)
        assert status in (200, 404), path
        assert headers["Content-Security-Policy"] == content_security_policy(header=True), path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "same-origin", path
        assert "Server" not in headers or "/" not in headers["Server"]  # no version


def test_cache_lifetimes_follow_hashing(nginx: Nginx, built_site: Path) -> None:
    cases = {
        _file(built_site, "assets/stylesheets/main.*.min.css"): IMMUTABLE,
        _file(built_site, "assets/javascripts/bundle.*.min.js"): IMMUTABLE,
        _file(built_site, "searchindex/*/t0.txt"): IMMUTABLE,
        _file(built_site, "searchindex/*/d0.json"): IMMUTABLE,
        _file(built_site, "searchindex/*/facets.json"): IMMUTABLE,
        "searchindex/manifest.json": SHORT,
        "assets/search-ui.js": SHORT,
        "assets/extra.css": SHORT,
        "": SHORT,
        "sites/": SHORT,
        "404.html": SHORT,
    }
    for path, expected in cases.items():
        status, headers, _ = fetch(nginx.url + path)
        assert status == 200, path
        assert headers["Cache-Control"] == expected, path


@pytest.mark.parametrize("path", ["", "assets/extra.css", "assets/search-ui.js"])
def test_text_is_sent_precompressed(nginx: Nginx, built_site: Path, path: str) -> None:
    on_disk = (built_site / (path or "index.html")).read_bytes()
    status, headers, body = fetch(nginx.url + path, "gzip")
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == on_disk
    assert "Accept-Encoding" in headers.get("Vary", "")
    status, headers, body = fetch(nginx.url + path, "br, gzip")
    assert status == 200 and headers["Content-Encoding"] == "br"
    assert brotli.decompress(body) == on_disk
    assert len(body) < len(on_disk) / 2
    status, headers, body = fetch(nginx.url + path)
    assert "Content-Encoding" not in headers and body == on_disk


def test_the_lecture_calendar_is_served_as_text_calendar(nginx: Nginx,
                                                         built_site: Path) -> None:
    on_disk = (built_site / "lectures" / "lectures.ics").read_bytes()
    status, headers, body = fetch(nginx.url + "lectures/lectures.ics")
    assert status == 200 and body == on_disk
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["X-Content-Type-Options"] == "nosniff"  # the server's headers still apply
    status, headers, body = fetch(nginx.url + "lectures/lectures.ics", "gzip")
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == on_disk


def test_missing_pages_get_the_chinese_404(nginx: Nginx) -> None:
    for path in ("no-such-page/", "sites/no-such-site/", "province/", "a.html"):
        status, headers, body = fetch(nginx.url + path)
        assert status == 404, path
        text = body.decode("utf-8")
        assert "页面不存在" in text and "Not found" not in text, path
        assert headers["Content-Type"].startswith("text/html")


def test_directories_redirect_to_their_slash_and_dotfiles_are_hidden(nginx: Nginx,
                                                                       built_site: Path) -> None:
    status, headers, _ = fetch(nginx.url + "sites")
    assert status == 301 and headers["Location"] == "/sites/"
    (built_site / ".secret").write_text("x")
    try:
        assert fetch(nginx.url + ".secret")[0] == 404
    finally:
        (built_site / ".secret").unlink()


def test_no_csp_violation_in_chromium(nginx: Nginx, built_site: Path, browser: Any,
                                      artifacts: Path) -> None:
    """Home, a record, listings, the 404 page and a search: nothing the policy blocks."""
    record = _file(built_site, "sites/*/index.html").removesuffix("index.html")
    facet = _file(built_site, "theme/*/index.html").removesuffix("index.html")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{page.url} {m.type}: {m.text}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.log("
        "'CSP-VIOLATION ' + e.violatedDirective + ' ' + e.blockedURI));")
    try:
        for path in ("", record, "sites/", "people/", facet, "no-such-page/"):
            page.goto(nginx.url + path, wait_until="networkidle")
            assert page.evaluate("document.querySelector('.md-header') !== null"), path
        # The search runs under the same policy: no eval, no WebAssembly, no other host.
        page.goto(nginx.url + "search/?q=遵义", wait_until="networkidle")
        page.locator("#sc-search-page .sc-search__results li").first.wait_for(timeout=15000)
        page.screenshot(path=str(artifacts / "nginx-search.png"))
    finally:
        context.close()
    violations = [m for m in messages
                  if "CSP-VIOLATION" in m or "Content Security Policy" in m]
    assert violations == []
