"""The province chart on the 红色地标 landing page (issue 19): a grid of equal tiles at
approximate positions, never a map; every division once, counts equal the catalog's, each
tile with records links to its listing; readable, accessible and printable on a phone; and
the `province_chart: bars` switch."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin

import pytest
from a11y import violations
from conftest import REPO, assert_fits_phone, build_site, site_config

from second_classroom.catalog import Catalog
from second_classroom.render.provincegrid import (
    COLUMNS,
    FILLS,
    TILES,
    Division,
    legend,
    level_of,
    levels,
    province_chart,
)

sys.path.insert(0, str(REPO / "bench"))
from synth import CENTRES  # noqa: E402  (approximate capitals of the 34 divisions)

SVG = "{http://www.w3.org/2000/svg}"
EXTRA = ("香港特别行政区", "澳门特别行政区", "台湾省")


def _provinces(catalog: Catalog) -> list[str]:
    return catalog.vocab.terms("provinces")


def _site_counts(catalog: Catalog) -> dict[str, int]:
    counts = Counter(s.data["region"]["province"] for s in catalog.by_kind["sites"])
    return {p: counts.get(p, 0) for p in _provinces(catalog)}


def _chart(html: str, cls: str) -> ET.Element:
    """Return the chart's <svg> element, parsed as XML (inline SVG must be well formed)."""
    match = re.search(rf'<svg class="{cls}".*?</svg>(?=</figure>|<ul)', html, re.S)
    assert match, f"no <svg class={cls}> on the page"
    return ET.fromstring(match.group(0).replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))


def _items(svg: ET.Element) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG}g") if g.get("role") == "listitem"]


# --- The layout ---------------------------------------------------------------------------

def test_layout_has_one_tile_per_division(catalog: Catalog) -> None:
    provinces = _provinces(catalog)
    assert len(provinces) == 34 and set(TILES) == set(provinces)
    assert all(name in TILES for name in EXTRA)
    places = [(row, col) for row, col, _ in TILES.values()]
    assert len(set(places)) == 34, "two divisions share a tile"
    assert all(0 <= col < COLUMNS for _, col in places)
    assert len({label for _, _, label in TILES.values()}) == 34


def test_layout_keeps_each_division_at_its_approximate_place() -> None:
    # West to east along each row, north to south down each column, judged by capitals.
    for a, (ra, ca, _) in TILES.items():
        for b, (rb, cb, _) in TILES.items():
            if ra == rb and ca < cb:
                assert CENTRES[a][1] < CENTRES[b][1], f"{a} should be west of {b}"
            if ca == cb and ra < rb:
                assert CENTRES[a][0] > CENTRES[b][0], f"{a} should be north of {b}"


def test_shade_levels_and_legend() -> None:
    bounds = levels([0, 1, 3, 8])
    assert bounds == [2, 4, 6, 8]
    assert [level_of(c, bounds) for c in (0, 1, 2, 3, 5, 8)] == [0, 1, 1, 2, 3, 4]
    assert [t for _, t in legend(bounds)] == ["0", "1–2", "3–4", "5–6", "7–8"]
    small = levels([0, 1, 2])  # fewer counts than shades: no empty ranges in the legend
    assert [t for _, t in legend(small)] == ["0", "1", "2"]
    assert levels([0, 0]) == [0, 0, 0, 0] and level_of(0, levels([0, 0])) == 0


def test_an_unknown_division_still_gets_a_tile() -> None:
    names = [*TILES, "某某特别区"]
    html = province_chart([Division(n, 1, f"province/{n}/") for n in names], "../")
    svg = _chart(html, "sc-tilegrid__svg")
    assert [g.get("data-province") for g in _items(svg)].count("某某特别区") == 1


def test_an_unknown_chart_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="grid 或 bars"):
        province_chart([], "../", "map")


# --- On the built landing page ------------------------------------------------------------

def _check_chart(site: Path, catalog: Catalog, cls: str) -> ET.Element:
    page = site / "sites" / "index.html"
    html = page.read_text("utf-8")
    svg = _chart(html, cls)
    items = _items(svg)
    names = [g.get("data-province") for g in items]
    assert Counter(names) == Counter(_provinces(catalog)), "each division exactly once"
    counts = _site_counts(catalog)
    base = "https://site.invalid/sites/"
    for g in items:
        name = str(g.get("data-province"))
        texts = [t.text for t in g.iter(f"{SVG}text")]
        assert str(counts[name]) in texts, f"{name}: drawn count is not the catalog's"
        assert g.get("data-count") == str(counts[name])
        desc = g.find(f".//{SVG}desc")
        assert desc is not None and desc.text == f"{name}：{counts[name]} 处红色地标"
        links = list(g.iter(f"{SVG}a"))
        if counts[name] == 0:
            assert links == [], f"{name} has no records, so no listing page to link to"
            continue
        assert len(links) == 1
        target = urljoin(base, str(links[0].get("href")))
        assert target.startswith("https://site.invalid/province/")
        listing = site / unquote(target.removeprefix("https://site.invalid/")) / "index.html"
        assert listing.is_file(), f"{name}: {target} does not exist"
        assert f"省份：{name}" in listing.read_text("utf-8")
    # Squares and words only: nothing that could draw a border or a shape.
    tags = {el.tag.removeprefix(SVG) for el in svg.iter()}
    assert tags <= {"svg", "g", "a", "desc", "rect", "text"}, tags
    assert "统计图" in html
    return svg


def test_landing_page_grid_matches_the_catalog(built_site: Path, catalog: Catalog) -> None:
    svg = _check_chart(built_site, catalog, "sc-tilegrid__svg")
    rects = [r for r in svg.iter(f"{SVG}rect")]
    assert {(r.get("width"), r.get("height")) for r in rects} == {("56", "56")}, "equal tiles"
    html = (built_site / "sites" / "index.html").read_text("utf-8")
    assert "不是地图" in html  # labelled a statistical chart, not a map
    # Shaded by count: the most records the darkest, none the lightest.
    fill = {g.get("data-province"): g.find(f".//{SVG}rect").get("fill")  # type: ignore[union-attr]
            for g in _items(svg)}
    counts = _site_counts(catalog)
    assert fill[max(counts, key=lambda p: counts[p])] == FILLS[-1]
    assert all(fill[p] == FILLS[0] for p, c in counts.items() if c == 0)
    assert all(fill[p] != FILLS[0] for p, c in counts.items() if c > 0)


def test_bar_chart_switch(tmp_path: Path, catalog: Catalog) -> None:
    config = site_config(tmp_path, REPO / "site_data", province_chart="bars", search=False,
                         downloads=False)
    done = build_site(config, tmp_path / "site")
    assert done.returncode == 0, done.stderr[-3000:]
    html = (tmp_path / "site" / "sites" / "index.html").read_text("utf-8")
    assert "sc-tilegrid" not in html
    svg = _check_chart(tmp_path / "site", catalog, "sc-bars__svg")
    ranked = [int(str(g.get("data-count"))) for g in _items(svg)]
    assert ranked == sorted(ranked, reverse=True), "bars run from most to fewest"


def test_a_wrong_chart_setting_stops_the_build(tmp_path: Path) -> None:
    config = site_config(tmp_path, REPO / "site_data", province_chart="map", search=False,
                         downloads=False)
    done = build_site(config, tmp_path / "site")
    assert done.returncode != 0
    assert "province_chart 只能是 grid 或 bars" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


# --- In Chromium at 390x844 ---------------------------------------------------------------

def test_grid_is_readable_accessible_and_keyboard_usable(axe_phone: Any, site_url: str,
                                                        catalog: Catalog) -> None:
    page = axe_phone
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(site_url + "sites/", wait_until="networkidle")
    assert [u for u in requested if not u.startswith(site_url)] == []
    assert_fits_phone(page)
    assert violations(page) == []
    # Readable: the smallest label in a tile is at least 11 CSS px on this screen.
    box = page.locator(".sc-tilegrid__svg").bounding_box()
    assert box is not None and 300 <= box["width"] <= 390
    scale = box["width"] / 416
    smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll(
        '.sc-tilegrid__svg text')].map(t => +t.getAttribute('font-size')))""")
    assert smallest * scale >= 11, smallest * scale
    # A screen reader hears a list of 34 items; each tile with records is a named link.
    counts = _site_counts(catalog)
    listed = page.get_by_role("list", name=re.compile("统计图")).get_by_role("listitem")
    assert listed.count() == 34
    for name, count in counts.items():
        if count:
            link = page.get_by_role("link", name=f"{TILES[name][2]} {count}", exact=True)
            assert link.count() == 1, name
    # Keyboard: Tab reaches the tiles in reading order; Enter opens the listing.
    links = page.locator(".sc-tilegrid__svg a")
    first = links.first
    first.focus()
    assert page.evaluate("document.activeElement.closest('.sc-tilegrid__svg') !== null")
    page.keyboard.press("Tab")
    second = page.evaluate("document.activeElement.getAttribute('href')")
    assert second == links.nth(1).get_attribute("href")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/province/" in page.url and page.locator("h1").inner_text().startswith("省份：")


def test_grid_prints(axe_phone: Any, site_url: str, tmp_path: Path) -> None:
    page = axe_phone
    page.goto(site_url + "sites/", wait_until="networkidle")
    page.emulate_media(media="print")
    assert page.locator(".sc-tilegrid__svg").is_visible()
    assert not page.locator(".sc-near").is_visible()  # nothing to press on paper
    pdf = tmp_path / "sites.pdf"
    page.pdf(path=str(pdf), format="A4")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "统计图" in text and "广西" in text and "黑龙江" in text
