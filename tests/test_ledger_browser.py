"""宣讲安排 and 办实事台账 in real Chromium on a 390x844 phone: the schedule's filters, the
ledger per 责任单位, overdue highlighting and the 示例数据 banner."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from conftest import assert_fits_phone, open_recording

from second_classroom.catalog import Catalog
from second_classroom.render.boards import as_of, is_overdue

OVERDUE_BACKGROUND = "rgb(255, 235, 238)"  # .sc-overdue in docs/assets/extra.css


def _banner_visible(page: Any) -> None:
    banner = page.locator(".md-content .sc-sample").first
    assert banner.is_visible()
    assert "示例数据" in banner.inner_text()
    box = banner.bounding_box()
    assert box is not None and box["y"] < 844, "the banner is seen without scrolling"


@pytest.mark.parametrize(("segment", "value"), [("town", "示例镇三"), ("month", "2026-12"),
                                                ("audience", "农村群众")])
def test_schedule_filters_show_only_matching_lectures(segment: str, value: str, phone: Any,
                                                      site_url: str, catalog: Catalog,
                                                      artifacts: Path) -> None:
    requested = open_recording(phone, site_url + "lectures/")
    assert [u for u in requested if not u.startswith(site_url)] == []
    assert_fits_phone(phone)
    _banner_visible(phone)
    chips = phone.locator(f'.sc-chips[data-filter="{segment}"] a')
    label = value if segment != "month" else f"{value[:4]}年{int(value[5:])}月"
    chips.filter(has_text=label).first.click()
    phone.wait_for_load_state("networkidle")
    assert unquote(phone.url).endswith(f"lectures/{segment}/{value}/")
    assert_fits_phone(phone)
    _banner_visible(phone)
    shown = phone.locator("li.sc-lecture")
    attribute = {"town": "data-town", "month": "data-month", "audience": "data-audience"}
    values = [shown.nth(i).get_attribute(attribute[segment]) for i in range(shown.count())]

    def matches(r: Any) -> bool:
        if segment == "month":
            return f"{r.data['date']:%Y-%m}" == value
        return str(r.data[segment]) == value

    expected = [r for r in catalog.by_kind["lectures"] if matches(r)]
    assert values == [value] * len(expected) and expected
    phone.screenshot(path=str(artifacts / f"schedule-{segment}.png"), full_page=True)


def test_upcoming_lectures_are_the_first_thing_listed(phone: Any, site_url: str,
                                                      catalog: Catalog) -> None:
    open_recording(phone, site_url + "lectures/")
    first = phone.locator("li.sc-lecture").first
    date = as_of(catalog)
    assert date is not None
    soonest = min((r for r in catalog.by_kind["lectures"]
                   if r.data["status"] == "计划" and r.data["date"] >= date),
                  key=lambda r: (r.data["date"], r.id))
    assert soonest.title in first.inner_text()
    assert first.get_attribute("data-status") == "计划"


def test_ledger_per_unit_and_overdue_highlighting(phone: Any, site_url: str,
                                                  catalog: Catalog, artifacts: Path) -> None:
    open_recording(phone, site_url + "tasks/")
    assert_fits_phone(phone)
    _banner_visible(phone)
    tasks = catalog.by_kind["tasks"]
    date = as_of(catalog)
    units = sorted({str(t.data["unit"]) for t in tasks})
    rows = phone.locator("table.sc-units tbody tr")
    assert [rows.nth(i).locator("th").inner_text() for i in range(rows.count())] == units
    late_units = {str(t.data["unit"]) for t in tasks if is_overdue(t, date)}
    assert late_units
    for i, unit in enumerate(units):
        background = rows.nth(i).evaluate("e => getComputedStyle(e).backgroundColor")
        assert (background == OVERDUE_BACKGROUND) == (unit in late_units), unit
    overdue = phone.locator("#overdue li.sc-overdue")
    late = sorted(t.title for t in tasks if is_overdue(t, date))
    assert sorted(overdue.nth(i).locator("strong").inner_text()
                  for i in range(overdue.count())) == late
    assert overdue.first.locator(".sc-overdue-tag").is_visible()
    assert overdue.first.evaluate("e => getComputedStyle(e).backgroundColor") \
        == OVERDUE_BACKGROUND
    phone.screenshot(path=str(artifacts / "ledger.png"), full_page=True)

    unit = sorted(late_units)[0]
    phone.locator("table.sc-units tbody th a", has_text=unit).click()
    phone.wait_for_load_state("networkidle")
    assert_fits_phone(phone)
    _banner_visible(phone)
    items = phone.locator("ul.sc-tasks > li")
    mine = [t for t in tasks if t.data["unit"] == unit]
    assert items.count() == len(mine)
    highlighted = [items.nth(i).locator("strong").inner_text() for i in range(items.count())
                   if items.nth(i).evaluate("e => getComputedStyle(e).backgroundColor")
                   == OVERDUE_BACKGROUND]
    assert highlighted == [t.title for t in mine if is_overdue(t, date)]
    phone.screenshot(path=str(artifacts / "ledger-unit.png"), full_page=True)


@pytest.mark.parametrize("path", ["", "tasks/closed/", "tasks/banshi-zhener-cunliu-qiaoliang/",
                                  "lectures/xuanjiang-20261015-zhenyi-cunyi/",
                                  "outlines/nongcun-qunzhong-youjiang-hongqi/"])
def test_pages_built_from_sample_records_say_so(path: str, phone: Any, site_url: str,
                                                artifacts: Path) -> None:
    open_recording(phone, site_url + path)
    assert_fits_phone(phone)
    banner = phone.locator(".md-content .sc-sample").first
    banner.scroll_into_view_if_needed()
    assert banner.is_visible() and "示例数据" in banner.inner_text()
    name = path.strip("/").replace("/", "-") or "home"
    phone.screenshot(path=str(artifacts / f"sample-{name}.png"), full_page=True)


@pytest.mark.parametrize("path", ["lectures/", "lectures/town/示例镇一/", "tasks/",
                                  "tasks/closed/", "tasks/banshi-zhener-cunliu-qiaoliang/",
                                  "lectures/xuanjiang-20261015-zhenyi-cunyi/", ""])
def test_board_pages_have_no_accessibility_violations(path: str, axe_phone: Any,
                                                      site_url: str) -> None:
    from a11y import violations

    axe_phone.goto(site_url + path, wait_until="networkidle")
    assert violations(axe_phone) == []
