"""离我最近 (issue 19): the near-me files the build writes, and the list a phone computes
from them in Chromium at 390x844, with the position fixed by Playwright; the province → city
picker when permission is refused; nothing about the visitor leaves the page."""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from a11y import violations, with_axe
from conftest import PHONE_CONTEXT, REPO, assert_fits_phone

from second_classroom.catalog import Catalog, distance_km
from second_classroom.render.maps import map_links
from second_classroom.render.nearme import INDEX, SCALE, nearme_files, quantise

sys.path.insert(0, str(REPO / "bench"))

GUILIN = (25.2736, 110.2900)  # a street in 桂林, a couple of km from 八路军桂林办事处
LHASA = (29.6525, 91.1721)  # far from every sample site: many provinces must be weighed
PAGES = {"home": "", "sites": "sites/"}


def _located(catalog: Catalog) -> list[Any]:
    return [s for s in catalog.by_kind["sites"] if "location" in s.data]


def _expected(catalog: Catalog, lat: float, lng: float) -> list[tuple[str, float]]:
    """Every located site with its haversine distance from (lat, lng), nearest first."""
    found = [(s.id, distance_km(lat, lng, s.data["location"]["lat"], s.data["location"]["lng"]))
             for s in _located(catalog)]
    return sorted(found, key=lambda f: (f[1], f[0]))


# --- The files ----------------------------------------------------------------------------

def _read(files: dict[str, str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    index = json.loads(files[INDEX])
    return index, {p["name"]: json.loads(files[f"nearme/{p['file']}"]) for p in index["provinces"]}


def test_files_hold_every_published_site_once(catalog: Catalog) -> None:
    index, provinces = _read(nearme_files(catalog))
    assert index["v"] == 1 and index["q"] == SCALE
    assert index["kinds"] == catalog.vocab.terms("kinds")
    assert index["base"] == "sites/"
    seen = Counter(row[0] for data in provinces.values() for row in data["sites"])
    assert seen == Counter(s.id for s in catalog.by_kind["sites"])
    for entry in index["provinces"]:
        data = provinces[entry["name"]]
        assert data["province"] == entry["name"]
        assert entry["n"] == len(data["sites"])
        assert entry["located"] == sum(1 for r in data["sites"] if len(r) == 6)
        for row in data["sites"]:
            site = catalog.records[row[0]]
            assert index["base"] + row[0] + "/" == site.url
            region = site.data["region"]
            assert region["province"] == entry["name"]
            assert row[1] == site.title
            assert index["kinds"][row[2]] == site.data["kind"]
            assert (data["cities"][row[3]] if row[3] >= 0 else None) == region.get("city")
            if "location" in site.data:
                lat, lng = site.data["location"]["lat"], site.data["location"]["lng"]
                assert row[4:] == [quantise(lat), quantise(lng)]
                assert abs(row[4] / SCALE - lat) <= 0.5 / SCALE
                south, west, north, east = entry["box"]
                assert south <= row[4] <= north and west <= row[5] <= east
            else:
                assert len(row) == 4, f"{site.id} has no verified coordinates: none invented"
        if entry["located"] == 0:
            assert "box" not in entry


def test_files_are_the_same_every_time(catalog: Catalog) -> None:
    assert nearme_files(catalog) == nearme_files(catalog)


def test_the_build_writes_them(built_site: Path, catalog: Catalog) -> None:
    for path, text in nearme_files(catalog).items():
        assert (built_site / path).read_text("utf-8") == text, path
    sites_page = (built_site / "sites" / "index.html").read_text("utf-8")
    assert '<script src="../assets/nearme.js" defer></script>' in sites_page
    assert (built_site / "assets" / "nearme.js").is_file()


def test_files_stay_small_at_scale(tmp_path: Path) -> None:
    from synth import write_synthetic

    from second_classroom.catalog import load_catalog

    write_synthetic(tmp_path / "data", 1500, seed=3)
    catalog = load_catalog(tmp_path / "data")[0]
    files = nearme_files(catalog)
    sites = len(catalog.by_kind["sites"])
    total = sum(len(t.encode()) for t in files.values())
    assert total / sites < 90, f"{total / sites:.0f} bytes a site"
    assert len(files[INDEX].encode()) < 6_000
    largest = max(len(t.encode()) for p, t in files.items() if p != INDEX)
    assert largest < total / 10, "split by area: no province file holds a big share"


# --- In Chromium --------------------------------------------------------------------------

def _context(browser: Any, position: tuple[float, float] | None, **extra: Any) -> Any:
    options: dict[str, Any] = {**PHONE_CONTEXT, **extra}
    if position is not None:
        options.update(permissions=["geolocation"],
                       geolocation={"latitude": position[0], "longitude": position[1]})
    context = browser.new_context(**options)
    if extra.get("java_script_enabled", True):
        with_axe(context)
    return context


def _open(context: Any, url: str) -> tuple[Any, list[Any]]:
    page = context.new_page()
    requests: list[Any] = []
    page.on("request", lambda r: requests.append(r))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="networkidle")
    assert errors == []
    return page, requests


def _assert_stays_on_site(requests: list[Any], site_url: str) -> None:
    """Every request goes to the site itself, as a plain GET of a file: nothing about the
    visitor (position, choice) is sent in a query or a body."""
    for r in requests:
        assert r.url.startswith(site_url), f"request left the site: {r.url}"
        assert r.method == "GET" and r.post_data is None, r.url
        assert urlsplit(r.url).query == "", f"a request carries a query: {r.url}"


def _listed(page: Any) -> list[dict[str, Any]]:
    return page.evaluate("""() => [...document.querySelectorAll('[data-sc-near-list] > li')]
      .map(li => ({
        href: li.querySelector('a').getAttribute('href'),
        name: li.querySelector('strong').textContent,
        note: li.querySelector('.sc-note').textContent,
        km: li.querySelector('data') ? +li.querySelector('data').value : null,
        shown: li.querySelector('data') ? li.querySelector('data').textContent : null,
        maps: Object.fromEntries([...li.querySelectorAll('a[data-map]')]
          .map(a => [a.dataset.map, a.getAttribute('href')])),
      }))""")


def _site_id(href: str) -> str:
    return unquote(href.rstrip("/").rsplit("/", 1)[-1])


@pytest.mark.parametrize("where", ["GUILIN", "LHASA"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_nearest_sites_in_order_with_distances(name: str, where: str, browser: Any,
                                                site_url: str, catalog: Catalog,
                                                artifacts: Path) -> None:
    position = {"GUILIN": GUILIN, "LHASA": LHASA}[where]
    context = _context(browser, position)
    try:
        page, requests = _open(context, site_url + PAGES[name])
        page.get_by_role("button", name="用我的位置查找").click()
        page.wait_for_selector("[data-sc-near-list] > li")
        page.wait_for_load_state("networkidle")
        listed = _listed(page)
        expected = _expected(catalog, *position)[:10]
        assert [_site_id(item["href"]) for item in listed] == [sid for sid, _ in expected]
        for item, (sid, km) in zip(listed, expected, strict=True):
            assert math.isclose(item["km"], km, rel_tol=0.01), (sid, item["km"], km)
            shown = float(item["shown"].split()[0])
            unit = 1 if item["shown"].endswith("公里") else 1000
            assert math.isclose(shown / unit, km, rel_tol=0.03, abs_tol=0.06), item["shown"]
            site = catalog.records[sid]
            assert item["name"] == site.title
            # The same 导航 buttons as the site's own page (maps.py), from the same point.
            loc = site.data["location"]
            python = {m.app: m.url for m in map_links(site.title, loc["lat"], loc["lng"])}
            assert item["maps"] == python, sid
            # ... and the site's page exists.
            assert page.evaluate("(h) => new URL(h, location.href).href", item["href"]) \
                == site_url + site.url
        assert "不会发送到任何地方" in page.locator("[data-sc-near]").inner_text()
        _assert_stays_on_site(requests, site_url)
        assert violations(page) == []
        page.screenshot(path=str(artifacts / f"nearme-{name}-{where.lower()}.png"))
    finally:
        context.close()


def test_more_sites_on_request(browser: Any, site_url: str, catalog: Catalog) -> None:
    context = _context(browser, GUILIN)
    try:
        page, requests = _open(context, site_url + "sites/")
        page.get_by_role("button", name="用我的位置查找").click()
        page.wait_for_selector("[data-sc-near-list] > li")
        expected = [sid for sid, _ in _expected(catalog, *GUILIN)]
        more = page.get_by_role("button", name="再显示 10 处")
        assert more.is_visible() == (len(expected) > 10)
        if len(expected) > 10:
            more.click()
            page.wait_for_function(
                "n => document.querySelectorAll('[data-sc-near-list] > li').length === n",
                arg=min(20, len(expected)))
        listed = [_site_id(i["href"]) for i in _listed(page)]
        assert listed == expected[:20]
        _assert_stays_on_site(requests, site_url)
    finally:
        context.close()


def test_refused_permission_offers_province_then_city(browser: Any, site_url: str,
                                                     catalog: Catalog, artifacts: Path) -> None:
    context = _context(browser, None)  # no geolocation permission granted: refused
    try:
        page, requests = _open(context, site_url)
        page.get_by_role("button", name="用我的位置查找").click()
        status = page.locator("[data-sc-near-status]")
        status.filter(has_text="没有获得位置权限").wait_for()
        province = page.get_by_label("省份")
        province.wait_for()
        assert page.evaluate("document.activeElement.matches('[data-sc-near-province]')")
        by_province = Counter(s.data["region"]["province"] for s in catalog.by_kind["sites"])
        options = province.locator("option").all_inner_texts()[1:]
        assert options == [f"{p}（{by_province[p]}）" for p in catalog.vocab.terms("provinces")
                           if by_province[p]]
        guangxi = "广西壮族自治区"
        sites = [s for s in catalog.by_kind["sites"] if s.data["region"]["province"] == guangxi]
        province.select_option(label=f"{guangxi}（{len(sites)}）")
        page.wait_for_function(
            "n => document.querySelectorAll('[data-sc-near-list] > li').length === n",
            arg=len(sites))
        listed = _listed(page)
        assert sorted(_site_id(i["href"]) for i in listed) == sorted(s.id for s in sites)
        for item in listed:
            site = catalog.records[_site_id(item["href"])]
            if "location" in site.data:
                assert set(item["maps"]) == {"高德地图", "百度地图", "腾讯地图"}
                assert "暂无核实坐标" not in item["note"]
            else:
                assert item["maps"] == {}, "no 导航 pin without verified coordinates"
                assert "暂无核实坐标" in item["note"]
            assert item["km"] is None  # no position, no distance
        # Then a city: only its sites.
        cities = Counter(s.data["region"].get("city") for s in sites)
        city = cities.most_common(1)[0][0]
        page.get_by_label("城市").select_option(label=f"{city}（{cities[city]}）")
        page.wait_for_function(
            "n => document.querySelectorAll('[data-sc-near-list] > li').length === n",
            arg=cities[city])
        assert sorted(_site_id(i["href"]) for i in _listed(page)) == sorted(
            s.id for s in sites if s.data["region"].get("city") == city)
        assert f"{guangxi}{city}共 {cities[city]} 处" in status.inner_text()
        assert_fits_phone(page)
        assert violations(page) == []
        page.screenshot(path=str(artifacts / "nearme-picker.png"), full_page=True)
        _assert_stays_on_site(requests, site_url)
    finally:
        context.close()


def test_picker_without_asking_for_the_position(browser: Any, site_url: str) -> None:
    context = _context(browser, None)
    try:
        page, _ = _open(context, site_url + "sites/")
        page.get_by_role("button", name="按省、市选择").click()
        page.get_by_label("省份").select_option(index=1)
        page.wait_for_selector("[data-sc-near-list] > li")
        assert page.get_by_label("城市").is_enabled()
    finally:
        context.close()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_without_javascript_a_note_and_the_grid(name: str, browser: Any,
                                                site_url: str) -> None:
    context = _context(browser, GUILIN, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site_url + PAGES[name])
        near = page.locator("[data-sc-near]")
        assert "开启 JavaScript 后" in near.inner_text()
        assert not page.get_by_role("button", name="用我的位置查找").is_visible()
        assert not page.locator("[data-sc-near-picker]").is_visible()
        if name == "sites":
            assert page.locator(".sc-tilegrid__svg").is_visible()
        link = near.get_by_role("link", name="按省份浏览")
        assert link.get_attribute("href", timeout=1000).endswith("sites/#sc-provinces")
    finally:
        context.close()


@pytest.fixture(scope="module")
def synthetic_near(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A page with the 离我最近 section over 2,000 synthetic records (about 1,400 sites in
    34 provinces): the real partial, script and files, without the rest of the site."""
    from conftest import serve
    from synth import write_synthetic

    from second_classroom.catalog import load_catalog
    from second_classroom.render.environment import environment

    work = tmp_path_factory.mktemp("near-synth")
    write_synthetic(work / "data", 2000, seed=5)
    catalog = load_catalog(work / "data")[0]
    site = work / "site"
    for path, text in nearme_files(catalog).items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text, "utf-8")
    (site / "assets").mkdir()
    (site / "assets" / "nearme.js").write_bytes((REPO / "docs/assets/nearme.js").read_bytes())
    section = environment().get_template("_nearme.html").render(root="")
    (site / "index.html").write_text(
        f'<!doctype html><html lang="zh"><meta charset="utf-8"><title>t</title>{section}',
        "utf-8")
    server, url = serve(site)
    yield catalog, url
    server.shutdown()


@pytest.mark.parametrize("position", [GUILIN, LHASA, (45.75, 126.63), (18.25, 109.5),
                                      (35.0, 80.0), (1.29, 103.85)])
def test_nearest_at_scale_reads_only_nearby_provinces(position: tuple[float, float],
                                                      browser: Any, synthetic_near: Any) -> None:
    catalog, url = synthetic_near
    context = _context(browser, position)
    try:
        page, requests = _open(context, url)
        page.get_by_role("button", name="用我的位置查找").click()
        page.wait_for_selector("[data-sc-near-list] > li")
        listed = _listed(page)
        expected = _expected(catalog, *position)[:10]
        assert [_site_id(i["href"]) for i in listed] == [sid for sid, _ in expected]
        for item, (_, km) in zip(listed, expected, strict=True):
            assert math.isclose(item["km"], km, rel_tol=0.01)
        fetched = [r.url for r in requests if "/nearme/p" in r.url]
        assert len(fetched) <= 8, f"read {len(fetched)} of 34 provinces for one list"
    finally:
        context.close()
