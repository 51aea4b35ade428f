"""Search on the built sample site, in real Chromium at 390x844: relevance, facets and the UI.

Queries go through the site's own search module (docs/assets/search-ui.js), the way the
search box does: it fetches the index files second_classroom/search.py wrote.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PHONE, REPO, assert_fits_phone

from second_classroom.catalog import Catalog

CASES = yaml.safe_load((REPO / "tests" / "fixtures" / "search_queries.yml").read_text("utf-8"))
TOP = 3

SEARCH = """async ([root, query, filters]) => {
  const ui = await import(root + "assets/search-ui.js");
  if (filters) await ui.loadFilters(root);
  const found = await ui.search(root, query, filters || {});
  return {total: found.total, items: found.items, filters: found.filters,
          partial: found.partial};
}"""


@pytest.fixture(scope="module")
def search_page(browser: Any, site_url: str) -> Any:
    """One phone page on the home page, shared by the query tests of this module."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(site_url)
    yield page
    context.close()


def _search(page: Any, site_url: str, query: str,
            filters: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return page.evaluate(SEARCH, [site_url, query, filters])  # type: ignore[no-any-return]


def _path(url: str, site_url: str) -> str:
    return url.removeprefix(site_url).lstrip("/")


def test_relevance_set_is_large_enough_and_points_at_real_records(catalog: Catalog) -> None:
    assert len(CASES) >= 30
    urls = {r.url for r in catalog.records.values()}
    for case in CASES:
        expected = case["url"] if isinstance(case["url"], list) else [case["url"]]
        assert set(expected) <= urls, f"{case['q']}: no such record {expected}"


@pytest.mark.parametrize("case", CASES, ids=[c["q"] for c in CASES])
def test_expected_record_is_in_the_top_results(case: dict[str, Any], search_page: Any,
                                               site_url: str) -> None:
    expected = case["url"] if isinstance(case["url"], list) else [case["url"]]
    found = _search(search_page, site_url, case["q"])
    top = [_path(item["url"], site_url) for item in found["items"][:TOP]]
    assert set(expected) & set(top), f"{case['q']}: expected {expected} in top {TOP}, got {top}"


def test_a_name_outranks_mentions_of_it(search_page: Any, site_url: str) -> None:
    # 焦裕禄's own page comes before the memorial park and the relic named after him.
    found = _search(search_page, site_url, "焦裕禄")
    assert _path(found["items"][0]["url"], site_url) == "people/jiao-yulu/"


@pytest.mark.parametrize(("query", "expected"), [
    ("毛泽东故居纪念馆", "sites/shaoshan-mao-zedong-guju/"),
    ("西柏坡中共中央旧址纪念馆", "sites/xibaipo-jinianguan/"),
])
def test_a_query_no_record_holds_whole_shows_partial_matches(
        query: str, expected: str, search_page: Any, site_url: str) -> None:
    found = _search(search_page, site_url, query)
    assert found["partial"] is True
    top = [_path(i["url"], site_url) for i in found["items"][:TOP]]
    assert expected in top, top
    # A query some record holds whole is never partial.
    assert _search(search_page, site_url, "遵义会议")["partial"] is False


def test_only_record_pages_are_indexed(search_page: Any, site_url: str) -> None:
    # 红色地标 is the name of the sites listing and appears on home: neither is a result.
    found = _search(search_page, site_url, "广西")
    paths = [_path(i["url"], site_url) for i in found["items"]]
    assert paths and all(p.count("/") == 2 for p in paths), paths
    assert not any(p.startswith(("province/", "theme/", "kind/")) for p in paths)


def test_province_filter_returns_only_that_provinces_sites(search_page: Any, site_url: str,
                                                           catalog: Catalog) -> None:
    guangxi = {s.url for s in catalog.by_kind["sites"]
               if s.data["region"]["province"] == "广西壮族自治区"}
    everywhere = _search(search_page, site_url, "纪念馆", {})
    narrowed = _search(search_page, site_url, "纪念馆", {"省份": ["广西壮族自治区"]})
    paths = {_path(i["url"], site_url) for i in narrowed["items"]}
    assert paths and paths <= guangxi, paths - guangxi
    assert narrowed["total"] < everywhere["total"]
    assert everywhere["filters"]["省份"]["广西壮族自治区"] >= len(paths)
    # With no words, the facet alone lists exactly that province's sites.
    listed = _search(search_page, site_url, "", {"省份": ["广西壮族自治区"]})
    assert listed["total"] == len(guangxi)
    assert {_path(i["url"], site_url) for i in listed["items"]} <= guangxi


def test_facets_combine_kind_and_audience(search_page: Any, site_url: str,
                                          catalog: Catalog) -> None:
    people = _search(search_page, site_url, "焦裕禄", {"栏目": ["英烈人物"]})
    assert [_path(i["url"], site_url) for i in people["items"]] == ["people/jiao-yulu/"]
    youth = _search(search_page, site_url, "长征", {"栏目": ["宣讲提纲"], "对象": ["青少年学生"]})
    expected = {o.url for o in catalog.by_kind["outlines"] if o.data["audience"] == "青少年学生"}
    paths = {_path(i["url"], site_url) for i in youth["items"]}
    assert paths and paths <= expected


def test_search_box_on_a_phone(phone: Any, site_url: str, artifacts: Path) -> None:
    requested: list[str] = []
    phone.on("request", lambda request: requested.append(request.url))
    phone.goto(site_url + "sites/", wait_until="networkidle")
    # An ordinary page load fetches nothing of the search engine.
    assert not [u for u in requested if "searchindex" in u or "search-ui" in u]

    phone.get_by_role("link", name="搜索").click()
    box = phone.get_by_role("searchbox", name="搜索关键词")
    box.wait_for()
    assert phone.evaluate("document.activeElement.type") == "search"
    assert box.get_attribute("placeholder").startswith("搜索")
    box.type("遵义")
    first = phone.locator(".sc-search__results li").first
    first.wait_for()
    assert first.locator("strong").inner_text() == "遵义会议会址"
    assert first.locator(".sc-search__kind").inner_text() == "红色地标"
    assert "<mark>" in first.locator(".sc-search__excerpt").inner_html()
    assert "相关的结果" in phone.locator(".sc-search__status").inner_text()
    assert_fits_phone(phone)
    dialog_box = phone.locator("dialog.sc-search").bounding_box()
    assert dialog_box["width"] <= PHONE["width"]

    # Facets: open 筛选 and tick 主题 长征; every result then carries that theme.
    phone.get_by_text("筛选", exact=True).click()
    phone.locator("fieldset", has_text="主题").get_by_label("长征").check()
    phone.wait_for_function(
        "document.querySelector('.sc-search__filters summary').textContent.includes('已选 1 项')")
    phone.screenshot(path=str(artifacts / "search-phone.png"))

    # Keyboard: arrow down to the first result, Enter opens it.
    box.focus()
    phone.keyboard.press("ArrowDown")
    assert phone.evaluate("document.activeElement.classList.contains('sc-search__link')")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/sites/zunyi-huiyi-huizhi/")
    assert [u for u in requested if not u.startswith(site_url)] == []


def test_slash_opens_search_and_escape_closes_it(phone: Any, site_url: str) -> None:
    phone.goto(site_url, wait_until="networkidle")
    phone.keyboard.press("/")
    dialog = phone.locator("dialog.sc-search")
    dialog.wait_for()
    assert phone.evaluate("document.activeElement.type") == "search"
    phone.keyboard.type("雷锋")
    phone.locator(".sc-search__results li").first.wait_for()
    phone.keyboard.press("Escape")
    assert not dialog.is_visible()


def test_search_page_reads_the_query_from_the_address(phone: Any, site_url: str,
                                                      artifacts: Path) -> None:
    phone.goto(site_url + "search/?q=焦裕禄", wait_until="networkidle")
    first = phone.locator("#sc-search-page .sc-search__results li").first
    first.wait_for()
    assert first.locator("strong").inner_text() == "焦裕禄"
    phone.screenshot(path=str(artifacts / "search-page.png"), full_page=True)


def test_search_page_says_when_results_hold_only_part_of_the_query(phone: Any,
                                                                   site_url: str) -> None:
    phone.goto(site_url + "search/?q=毛泽东故居纪念馆", wait_until="networkidle")
    phone.locator("#sc-search-page .sc-search__results li").first.wait_for()
    status = phone.locator("#sc-search-page .sc-search__status").inner_text()
    assert "没有同时含有" in status and "一部分" in status, status


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_search_works_under_mkdocs_serve(tmp_path: Path, browser: Any) -> None:
    """The preview an editor runs (`mkdocs serve`) has the same search as the built site."""
    import os
    import subprocess
    import time
    import urllib.request

    from conftest import site_config

    config = site_config(tmp_path, REPO / "site_data", downloads=False)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "-a", f"127.0.0.1:{port}",
         "--no-livereload"], cwd=tmp_path, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(url + "searchindex/manifest.json", timeout=2):
                    break
            except OSError as exc:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    output = server.stdout.read() if server.stdout else ""
                    raise AssertionError(f"mkdocs serve did not come up:\n{output}") from exc
                time.sleep(0.5)
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        page.goto(url + "search/?q=西柏坡", wait_until="networkidle")
        first = page.locator("#sc-search-page .sc-search__results li").first
        first.wait_for(timeout=15000)
        assert first.locator("strong").inner_text() == "西柏坡纪念馆"
        context.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


SEARCH_FIRST = """async ([root, query]) => {
  const ui = await import(root + "assets/search-ui.js");  // the same module on every call
  return (await ui.search(root, query)).items[0].title;
}"""


def test_search_survives_a_rebuild_while_the_page_is_open(tmp_path: Path, browser: Any,
                                                          built_site: Path) -> None:
    """A phone that read the manifest before a deploy finds the new index folder."""
    import json
    import os
    import shutil
    import time

    from conftest import serve

    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    index = site / "searchindex"
    server, url = serve(site)
    try:
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        page = context.new_page()
        page.goto(url)
        assert page.evaluate(SEARCH_FIRST, [url, "遵义"]) == "遵义会议会址"
        # A new deploy: the same data in a folder with another name; the old one is gone.
        manifest = json.loads((index / "manifest.json").read_text("utf-8"))
        (index / manifest["dir"]).rename(index / "0123456789ab")
        manifest["dir"] = "0123456789ab"
        (index / "manifest.json").write_text(json.dumps(manifest), "utf-8")
        later = time.time() + 10  # a later Last-Modified, as a deploy minutes later has
        os.utime(index / "manifest.json", (later, later))
        assert page.evaluate(SEARCH_FIRST, [url, "西柏坡"]) == "西柏坡纪念馆"
        context.close()
    finally:
        server.shutdown()


SEARCH_ALL = """async ([root, queries]) => {
  const ui = await import(root + "assets/search-ui.js");
  const out = [];
  for (const q of queries) {
    const found = await ui.search(root, q);
    const rest = await found.more();
    out.push({total: found.total, partial: found.partial, suggestion: found.suggestion,
              urls: [...found.items, ...rest].map((i) => i.url)});
  }
  return out;
}"""


def test_common_terms_in_files_of_their_own_find_the_same(tmp_path: Path, browser: Any,
                                                          built_site: Path,
                                                          catalog: Catalog) -> None:
    """Every term written as a common term (dense.txt, w<j>.txt, weight codes): each query
    type gives the same results, in the same order, as the sample's own index."""
    import json
    import shutil

    from conftest import serve

    from second_classroom.search import build_index, facet_order, search_docs

    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    files = build_index(search_docs(catalog), facet_order(catalog), dense_bytes=0)
    manifest = json.loads(files["manifest.json"])
    assert manifest["shards"] == 1 and manifest["dense"] > 1000
    for name, data in files.items():
        (site / "searchindex" / name).parent.mkdir(parents=True, exist_ok=True)
        (site / "searchindex" / name).write_bytes(data)
    queries = [c["q"] for c in CASES] + ["纪念馆", "zunyi", "zyhy", "遵義會議", "井岗山",
                                         "毛泽东故居纪念馆", "党", "1935", "韦拨群"]
    results = []
    for root in (built_site, site):
        server, url = serve(root)
        try:
            context = browser.new_context(viewport=PHONE, locale="zh-CN")
            page = context.new_page()
            page.goto(url)
            got = page.evaluate(SEARCH_ALL, [url, queries])
            context.close()
        finally:
            server.shutdown()
        results.append([{**r, "urls": [u.removeprefix(url) for u in r["urls"]]} for r in got])
    assert sum(r["total"] for r in results[0]) > 200
    assert results[1] == results[0]
