"""Offline reading: sw.js and the offline page (second_classroom.offline), in real Chromium.

Service workers need a secure context; http://127.0.0.1 is one. Each test opens its own
browser context, so each starts with no service worker and empty caches.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PHONE, PHONE_CONTEXT, wait_for_service_worker

from second_classroom.catalog import Catalog
from second_classroom.offline import (
    OFFLINE_URL,
    build_hash,
    offline_page,
    service_worker,
    shell_urls,
    write_service_worker,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh phone context that accepts downloads; closed after the test."""
    ctx = browser.new_context(**PHONE_CONTEXT, accept_downloads=True)
    yield ctx
    ctx.close()


def _cache_names(page: Any) -> list[str]:
    return sorted(page.evaluate("caches.keys()"))


def _version(site: Path) -> str:
    match = re.search(r'var VERSION = "([0-9a-f]+)"', (site / "sw.js").read_text("utf-8"))
    assert match
    return match.group(1)


# --- The generated files ---------------------------------------------------------------

def test_sw_is_at_the_site_root_and_precaches_the_shell(built_site: Path) -> None:
    text = (built_site / "sw.js").read_text("utf-8")
    urls = shell_urls(built_site)
    assert urls[:2] == [OFFLINE_URL, ""]  # the offline page and the home page
    assert any(re.fullmatch(r"assets/stylesheets/main\.[0-9a-f]{8}\.min\.css", u) for u in urls)
    assert any(re.fullmatch(r"assets/javascripts/bundle\.[0-9a-f]{8}\.min\.js", u) for u in urls)
    for needed in ("assets/extra.css", "assets/offline.js", "assets/textsize.js"):
        assert needed in urls
    for url in urls:  # every precached file exists, or install would fail
        assert (built_site / url).is_file() or (built_site / url / "index.html").is_file()
    assert not any(u.startswith(("http:", "https:", "/")) for u in urls)
    assert f'var VERSION = "{build_hash(built_site)}"' in text
    assert "__" not in re.sub(r"__md_\w+", "", text)  # every placeholder filled in
    assert len(text.encode()) < 12_000  # hand-written and small


def test_offline_page_is_chinese_and_built(built_site: Path) -> None:
    page = offline_page()
    assert page.title == "离线页面"
    html = (built_site / OFFLINE_URL / "index.html").read_text("utf-8")
    assert "<h1>离线页面</h1>" in html and "没有网络" in html
    assert 'id="sc-offline-saved"' in html


def test_build_hash_is_deterministic_and_follows_content(tmp_path: Path,
                                                         built_site: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    first = build_hash(site)
    assert first == build_hash(built_site) == _version(built_site)
    assert service_worker(site) == (built_site / "sw.js").read_text("utf-8")
    (site / "sw.js").write_text("changed", "utf-8")  # sw.js itself does not count
    (site / "searchindex" / "x.txt").write_text("index", "utf-8")  # nor the search index
    (site / "index.html.br").write_bytes(b"precompressed later")  # nor .gz/.br copies
    assert build_hash(site) == first
    page = next(site.glob("sites/*/index.html"))
    page.write_bytes(page.read_bytes().replace(b"</h1>", "！</h1>".encode(), 1))
    assert build_hash(site) != first
    write_service_worker(site)
    assert _version(site) == build_hash(site)


# --- In Chromium ----------------------------------------------------------------------

def test_visited_pages_saved_route_and_download_open_offline(
        context: Any, gzip_site: Any, catalog: Catalog, artifacts: Path) -> None:
    base = gzip_site.url
    site = catalog.by_kind["sites"][0]
    route = max(catalog.by_kind["routes"], key=lambda r: len(r.data["stops"]))
    outline = catalog.by_kind["outlines"][0]
    page = context.new_page()

    page.goto(base + site.url)
    wait_for_service_worker(page)
    names = _cache_names(page)
    assert len(names) == 2 and all(n.startswith(("sc-pages-", "sc-shell-")) for n in names)

    # A route page: save it with every stop.
    page.goto(base + route.url)
    button = page.locator("[data-sc-save-route] button")
    assert button.is_visible() and button.inner_text() == "离线保存本线路"
    button.click()
    status = page.locator(".sc-save-route__status", has_text="已离线保存")
    status.wait_for(timeout=30_000)
    stops = page.eval_on_selector_all(".sc-stoplist a", "as => as.map(a => a.href)")
    assert len(stops) == len(route.data["stops"]) >= 2
    assert f"{len(set(stops)) + 1} 个页面" in status.inner_text()

    # An outline: open it and download its first file.
    page.goto(base + outline.url)
    links = page.locator(".sc-downloads a[download]")
    assert links.count() >= 1, "outline pages link their DOCX/PDF downloads"
    href = links.first.get_attribute("href")
    with page.expect_download() as online:
        links.first.click()
    online_bytes = Path(online.value.path()).read_bytes()
    assert online.value.failure() is None and len(online_bytes) > 1000

    context.set_offline(True)
    try:
        page.goto(base + site.url)  # visited
        assert page.locator("h1").first.inner_text() == site.title
        # The shell came from the cache too: the theme's stylesheet is applied.
        color = page.evaluate("getComputedStyle(document.querySelector('.md-header'))"
                              ".backgroundColor")
        assert color == "rgb(183, 28, 28)"
        for url in stops:  # saved with the route, never opened
            page.goto(url)
            assert page.title() != "离线页面 - 第二课堂", url
            assert page.locator(".sc-record h1").count() == 1
        page.goto(base + outline.url)  # the outline, then its download, again
        assert page.locator("h1").first.inner_text() == outline.title
        with page.expect_download() as offline:
            page.locator(f'.sc-downloads a[href="{href}"]').click()
        assert offline.value.failure() is None
        assert Path(offline.value.path()).read_bytes() == online_bytes

        unvisited = catalog.by_kind["people"][-1]
        response = page.goto(base + unvisited.url)
        assert response is not None and response.status == 503
        assert page.url == base + unvisited.url  # reloading later retries the real page
        assert page.locator("h1").first.inner_text() == "离线页面"
        assert page.evaluate(
            "getComputedStyle(document.querySelector('.md-header')).backgroundColor") == "rgb(183, 28, 28)"
        saved = page.locator("#sc-offline-saved")
        saved.wait_for(state="visible")
        assert saved.get_by_text(site.title, exact=True).count() == 1
        page.screenshot(path=str(artifacts / "offline-page.png"), full_page=True)
    finally:
        context.set_offline(False)


def test_a_new_build_replaces_stale_copies(context: Any, built_site: Path,
                                           tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from gzip_server import start

    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    record = next(p for p in sorted(site.glob("sites/*/index.html")))
    url_path = record.parent.relative_to(site).as_posix() + "/"
    server = start(site)
    try:
        page = context.new_page()
        page.goto(server.url + url_path)
        wait_for_service_worker(page)
        old = _version(site)
        assert f"sc-pages-{old}" in _cache_names(page)

        # A new build: the page changed, so sw.js changed (new cache names).
        html = record.read_text("utf-8")
        record.write_text(html.replace("</h1>", "<span>（已更新）</span></h1>", 1), "utf-8")
        write_service_worker(site)
        new = _version(site)
        assert new != old

        # Network first: the new text as soon as the HTTP cache lets the page go (pages
        # may be cached 5 minutes, as deploy/nginx.conf says; a reload revalidates).
        page.reload()
        assert "（已更新）" in page.locator("h1").first.inner_text()
        deadline = time.monotonic() + 30
        while _cache_names(page) != [f"sc-pages-{new}", f"sc-shell-{new}"]:
            assert time.monotonic() < deadline, f"old caches kept: {_cache_names(page)}"
            time.sleep(0.2)
            page.evaluate("navigator.serviceWorker.getRegistration().then(r => r && r.update())")
        page.reload()
        context.set_offline(True)
        page.goto(server.url + url_path)  # the saved copy is the new one
        assert "（已更新）" in page.locator("h1").first.inner_text()
    finally:
        context.set_offline(False)
        server.shutdown()


@pytest.mark.parametrize("how", ["registration refused", "no service worker API"])
def test_without_service_workers_nothing_breaks(how: str, browser: Any, gzip_site: Any,
                                                catalog: Catalog) -> None:
    """In-app browsers without service workers: pages work, the save button stays hidden."""
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True,
                              service_workers="block")
    if how == "no service worker API":
        ctx.add_init_script("delete Navigator.prototype.serviceWorker;")
    try:
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        route = catalog.by_kind["routes"][0]
        page.goto(gzip_site.url + route.url, wait_until="networkidle")
        assert page.locator("h1").first.inner_text() == route.title
        assert not page.locator("[data-sc-save-route]").is_visible()
        assert errors == []
    finally:
        ctx.close()


def test_offline_page_is_built_but_not_in_the_sitemap(built_site: Path) -> None:
    import gzip

    assert (built_site / "offline" / "index.html").is_file()
    sitemap = (built_site / "sitemap.xml").read_text("utf-8")
    assert sitemap.startswith("<?xml") and "/sites/zunyi-huiyi-huizhi/</loc>" in sitemap
    assert "/offline/" not in sitemap
    assert gzip.decompress((built_site / "sitemap.xml.gz").read_bytes()).decode() == sitemap
