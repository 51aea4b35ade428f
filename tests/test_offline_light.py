"""Light pages for weak networks and restricted in-app browsers, measured in Chromium.

The budget (issue 8): a record page's first visit transfers at most 150 KB (HTML, CSS, JS,
fonts; gzip as deploy/nginx.conf serves it), a repeat visit at most 20 KB. Measured with
bench/light_bench.py: the server's own byte count and CDP's encodedDataLength.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import PHONE, REPO, assert_fits_phone

from second_classroom.catalog import Catalog

sys.path.insert(0, str(REPO / "bench"))
from light_bench import FIRST_BUDGET, REPEAT_BUDGET, measure, record_pages  # noqa: E402


def test_record_page_transfer_budget(built_site: Path, browser: Any) -> None:
    record, other = record_pages(built_site)  # the two largest site pages
    first, repeat, following = measure(built_site, record, other, browser)
    report = "\n".join(v.line() for v in (first, repeat, following))
    assert 30_000 < first.page_bytes <= FIRST_BUDGET, report  # the theme really loaded
    assert first.server_bytes <= FIRST_BUDGET, report
    for visit in (repeat, following):
        assert visit.server_bytes <= REPEAT_BUDGET, report
        assert visit.page_bytes <= REPEAT_BUDGET, report
    # Nothing big is fetched up front: the search UI and index wait for the search button.
    urls = [url for _, url, _ in first.requests]
    assert not any("searchindex" in u or "search-ui" in u for u in urls), urls
    assert all(u.startswith("http://127.0.0.1:") for u in urls)  # no third-party request


@pytest.mark.parametrize("kind", ["sites", "outlines", "routes"])
def test_readable_with_javascript_off(kind: str, browser: Any, gzip_site: Any,
                                      catalog: Catalog) -> None:
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True,
                              java_script_enabled=False)
    try:
        page = ctx.new_page()
        record = catalog.by_kind[kind][0]
        page.goto(gzip_site.url + record.url)
        assert page.locator(".sc-record h1").inner_text().strip("《》") == record.title
        assert page.locator(".sc-record").inner_text().count("\n") > 5
        # Controls that need JavaScript are not shown without it.
        assert not page.locator("[data-sc-textsize]").is_visible()
        assert not page.locator("[data-sc-save-route]").is_visible()
        assert_fits_phone(page)
    finally:
        ctx.close()
