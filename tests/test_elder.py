"""适老化: the 标准/大/特大 text-size toggle, contrast, tap targets and large-text layout.

A retired cadre reads on an old phone with the system font size turned up: the chosen size
persists across pages and reloads, and no page scrolls sideways at the largest size, even
on top of a phone font size of 200% (emulated with CDP Page.setFontSizes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PHONE, PHONE_CONTEXT, REPO

from second_classroom.catalog import Catalog

SIZES = {"标准": "m", "大": "l", "特大": "xl"}
# Elements wider than the screen that are not scrolled or clipped by a parent.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (!r.width || r.right <= width + 1 || r.left >= width) continue;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    let p = el.parentElement, clipped = false;
    for (; p && p !== document.body; p = p.parentElement) {
      if (/auto|scroll|hidden|clip/.test(getComputedStyle(p).overflowX)) { clipped = true; break; }
    }
    if (!clipped) out.push(`${el.tagName}.${el.className} ${Math.round(r.right)}px`);
  }
  return [document.documentElement.scrollWidth, out.slice(0, 5)];
}"""


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(**PHONE_CONTEXT)
    yield ctx
    ctx.close()


def _font_size(page: Any, selector: str = ".md-typeset") -> float:
    value = page.evaluate(f"getComputedStyle(document.querySelector('{selector}')).fontSize")
    return float(value.removesuffix("px"))


def _choose(page: Any, label: str) -> None:
    toggle = page.locator("[data-sc-textsize]")
    if toggle.get_attribute("aria-expanded") != "true":  # the panel stays open to compare
        toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("#sc-textsize").is_visible()
    page.locator("#sc-textsize").get_by_role("button", name=label, exact=True).click()


def test_toggle_changes_font_size_and_persists(context: Any, gzip_site: Any,
                                               catalog: Catalog, artifacts: Path) -> None:
    page = context.new_page()
    site = catalog.by_kind["sites"][0]
    page.goto(gzip_site.url + site.url)
    toggle = page.locator("[data-sc-textsize]")
    assert toggle.is_visible() and toggle.bounding_box()["height"] >= 48
    standard = _font_size(page)
    seen = [standard]
    for label in ("大", "特大"):
        _choose(page, label)
        assert page.locator(f'#sc-textsize [data-sc-size="{SIZES[label]}"]') \
            .get_attribute("aria-pressed") == "true"
        seen.append(_font_size(page))
    assert seen == sorted(seen) and seen[2] >= 1.4 * standard, seen
    page.screenshot(path=str(artifacts / "elder-xl-panel.png"))

    page.reload()  # remembered on this phone, on every page
    assert _font_size(page) == seen[2]
    page.goto(gzip_site.url + catalog.by_kind["outlines"][0].url)
    assert page.evaluate("document.documentElement.dataset.scText") == "xl"
    _choose(page, "标准")
    page.reload()
    assert page.evaluate("document.documentElement.dataset.scText") is None
    assert _font_size(page) == standard


def test_large_text_is_higher_contrast_with_large_targets(context: Any, gzip_site: Any,
                                                          catalog: Catalog) -> None:
    page = context.new_page()
    page.goto(gzip_site.url)
    page.evaluate("localStorage.setItem('sc-text-size', 'l')")
    page.goto(gzip_site.url + catalog.by_kind["sites"][0].url)
    color = page.evaluate("getComputedStyle(document.querySelector('.sc-record p')).color")
    assert color == "rgb(0, 0, 0)"
    note = page.evaluate("getComputedStyle(document.querySelector('.sc-notice')).color")
    assert note == "rgb(34, 34, 34)"
    small = page.evaluate("""() => [...document.querySelectorAll(
        '.sc-chips a, .sc-cards a, .sc-button, .md-header__button')]
        .filter(a => a.checkVisibility())
        .map(a => [a.textContent.trim().slice(0, 12), a.getBoundingClientRect().height])
        .filter(([, h]) => h < 47.5)""")
    assert small == []


@pytest.mark.parametrize("phone_font", [16, 32], ids=["phone-100%", "phone-200%"])
def test_no_horizontal_scroll_at_the_largest_size(phone_font: int, context: Any,
                                                  gzip_site: Any, catalog: Catalog,
                                                  artifacts: Path) -> None:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": phone_font}})
    page.goto(gzip_site.url)
    page.evaluate("localStorage.setItem('sc-text-size', 'xl')")
    urls = ["", "sites/", "people/", "offline/", "about/"]
    urls += [max(catalog.by_kind[k], key=lambda r: len(r.title)).url
             for k in ("sites", "people", "relics", "readings", "outlines", "routes")]
    base = None
    for url in urls:
        page.goto(gzip_site.url + url)
        size = _font_size(page)
        base = base or size
        assert size == base >= 25 * phone_font / 16, url  # follows the phone's own size
        width, wide = page.evaluate(OVERFLOW)
        assert width <= PHONE["width"] and wide == [], f"/{url}: {width}px {wide}"
    page.locator("[data-sc-textsize]").click()  # the open panel fits too
    width, wide = page.evaluate(OVERFLOW)
    assert width <= PHONE["width"] and wide == [], wide
    page.screenshot(path=str(artifacts / f"elder-xl-{phone_font}px.png"))


def test_our_styles_never_lock_font_sizes_in_pixels() -> None:
    css = (REPO / "docs" / "assets" / "extra.css").read_text("utf-8")
    screen = css.split("@media print")[0] + css.split("@media print")[1].split("\n}\n", 1)[1]
    locked = [m.group(0) for m in re.finditer(r"font-size:\s*[^;}]+", screen)
              if re.search(r"\d(px|pt)\b", m.group(0)) and "min(" not in m.group(0)]
    assert locked == []
