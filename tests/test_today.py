"""党史上的今天 and 经验做法: dated events, the 366 day pages, the home page's list chosen in
the browser (Playwright's clock), the anniversary calendar read back with icalendar, and
stories with their listing and reverse links (Chromium at 390x844)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import icalendar
import pytest
from a11y import violations
from conftest import PHONE_CONTEXT, assert_fits_phone

from second_classroom.catalog import Catalog
from second_classroom.events import calendar_days, events_by_day, nearest_days, record_events
from second_classroom.render import RenderOptions
from second_classroom.render.today import today_assets, today_pages


def test_a_year_has_366_days_and_events_sit_on_theirs(catalog: Catalog) -> None:
    days = events_by_day(catalog)
    assert list(days) == calendar_days() and len(days) == 366 and "02-29" in days
    zunyi = [e for e in days["01-15"] if e.record.id == "zunyi-huiyi-huizhi"]
    assert [e.year for e in zunyi] == [1935]
    born = [e for e in days["12-26"] if e.record.id == "mao-zedong"]
    assert [(e.field, e.text) for e in born] == [("born", "毛泽东出生")]  # born counts
    for events in days.values():
        assert [e.date for e in events] == sorted(e.date for e in events)  # by year


def test_partial_dates_stay_on_the_record_but_off_the_days(catalog: Catalog) -> None:
    yang = catalog.records["yang-jingyu"]  # born "1905-02": known to the month only
    events = record_events(yang)
    assert [e.date for e in events if e.field == "born"] == ["1905-02"]
    placed = {id(e.record): e for day in events_by_day(catalog).values() for e in day}
    assert all(e.record is not yang or e.field != "born" for e in placed.values())


def test_every_event_rests_on_one_of_its_records_sources(catalog: Catalog) -> None:
    count = 0
    for day in events_by_day(catalog).values():
        for event in day:
            assert event.source is not None
            assert event.source in event.record.data["sources"]
            count += 1
    with_events = {r.id for r in catalog.records.values() if r.data.get("events")}
    assert len(with_events) >= 20 and count > 50


def test_an_empty_day_points_at_the_nearest_day_with_events() -> None:
    days: dict[str, list[Any]] = {d: [] for d in calendar_days()}
    days["01-10"] = [object()]
    days["01-20"] = [object()]
    near = nearest_days(days)  # type: ignore[arg-type]
    assert near["01-10"] == "01-10"
    assert near["01-13"] == "01-10" and near["01-17"] == "01-20"
    assert near["01-15"] == "01-20"  # a tie goes to the later day
    assert near["12-31"] == "01-10"  # round the end of the year
    assert nearest_days({d: [] for d in calendar_days()})["05-05"] is None


def test_day_pages_list_by_year_and_empty_days_link_onwards(catalog: Catalog) -> None:
    pages = {p.uri: p for p in today_pages(catalog)}
    assert len(pages) == 367  # the year's index and 366 days
    zunyi = pages["today/01-15.md"].html
    assert "1935年" in zunyi and "遵义会议" in zunyi and 'href="../../sites/zunyi-huiyi-huizhi/"' in zunyi
    days = events_by_day(catalog)
    empty = next(d for d, events in days.items() if not events)
    near = nearest_days(days)[empty]
    html = pages[f"today/{empty}.md"].html
    assert "这一天暂无收录的事件" in html
    assert f'href="../../today/{near}/" data-sc-nearest' in html


def test_home_files_hold_each_days_events(catalog: Catalog) -> None:
    files = {a.uri: a.content for a in today_assets(catalog, RenderOptions())}
    day = json.loads(files["today/days/01-15.json"])
    assert any(e["year"] == 1935 and e["url"] == "sites/zunyi-huiyi-huizhi/"
               for e in day["events"])
    sizes = [len(v.encode()) for k, v in files.items() if k.endswith(".json")]
    assert len(sizes) == 366 and max(sizes) < 4096  # small: a phone reads one a day


def test_anniversary_calendar_recurs_yearly(catalog: Catalog) -> None:
    files = {a.uri: a.content for a in today_assets(catalog, RenderOptions(
        site_url="https://second-classroom.example/"))}
    cal = icalendar.Calendar.from_ical(files["today/anniversaries.ics"])
    events = list(cal.walk("VEVENT"))
    placed = sum(len(e) for e in events_by_day(catalog).values())
    assert len(events) == placed
    uids = [str(e["uid"]) for e in events]
    assert len(set(uids)) == len(uids)
    for event in events:
        assert event["rrule"]["FREQ"] == ["YEARLY"]
        assert isinstance(event.decoded("dtstart"), dt.date)
    zunyi = next(e for e in events if "zunyi-huiyi-huizhi" in str(e["uid"]))
    assert zunyi.decoded("dtstart") == dt.date(1935, 1, 15)
    assert str(zunyi["url"]) == "https://second-classroom.example/sites/zunyi-huiyi-huizhi/"
    assert "遵义会议" in str(zunyi["summary"]) and "1935年" in str(zunyi["summary"])
    raw = files["today/anniversaries.ics"].encode("utf-8")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded by octets


def test_calendar_text_survives_escaping_and_folding(catalog: Catalog) -> None:
    """The calendar is written by hand (icalendar costs ~1 ms an event): icalendar reads it."""
    from second_classroom.events import Event
    from second_classroom.render.calendar import anniversary_calendar

    record = catalog.records["zunyi-huiyi-huizhi"]
    text = "逗号,分号;反斜杠\\与换行\n之后" + "长征" * 40
    leap = Event("1916-02-29", text, record, record.data["sources"][0], 1)
    ics = anniversary_calendar([leap], RenderOptions(site_name="第二课堂"), dt.date(2026, 12, 1))
    assert all(len(line) <= 75 for line in ics.encode("utf-8").split(b"\r\n"))
    event = next(iter(icalendar.Calendar.from_ical(ics).walk("VEVENT")))
    assert str(event["summary"]) == f"{text}（1916年）"
    assert dict(event["rrule"]) == {"FREQ": ["YEARLY"], "BYMONTH": [2], "BYMONTHDAY": [-1]}
    assert event.decoded("dtstamp") == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert "来源：" in str(event["description"])


# --- In the browser ---------------------------------------------------------------------


def _phone(browser: Any, **extra: Any) -> Any:
    return browser.new_context(**PHONE_CONTEXT, timezone_id="Asia/Shanghai", **extra)


def test_home_shows_todays_events_by_the_phones_clock(browser: Any, site_url: str,
                                                      artifacts: Path) -> None:
    context = _phone(browser)
    page = context.new_page()
    page.clock.set_fixed_time(dt.datetime(2027, 1, 15, 9, 0,
                                          tzinfo=dt.timezone(dt.timedelta(hours=8))))
    page.goto(site_url, wait_until="networkidle")
    box = page.locator("[data-sc-today]")
    box.locator("h2", has_text="党史上的今天：1月15日").wait_for()
    items = box.locator("[data-sc-today-list] li")
    assert items.count() >= 1
    assert "1935年" in items.first.inner_text()
    assert box.get_by_role("link", name="遵义会议会址").first.get_attribute("href") == \
        "sites/zunyi-huiyi-huizhi/"
    assert box.bounding_box()["y"] < 844  # on the first screen: what brings people back
    box.screenshot(path=str(artifacts / "today-home-0115.png"))
    context.close()


def test_home_on_an_empty_day_links_to_the_nearest(browser: Any, site_url: str,
                                                   catalog: Catalog) -> None:
    days = events_by_day(catalog)
    empty = next(d for d, events in days.items() if not events and d != "02-29")
    near = nearest_days(days)[empty]
    assert near is not None
    month, day = (int(x) for x in empty.split("-"))
    context = _phone(browser)
    page = context.new_page()
    page.clock.set_fixed_time(dt.datetime(2027, month, day, 20, 0,
                                          tzinfo=dt.timezone(dt.timedelta(hours=8))))
    page.goto(site_url, wait_until="networkidle")
    note = page.locator("[data-sc-today-note]")
    note.get_by_text("今天暂无收录的事件").wait_for()
    assert note.get_by_role("link").first.get_attribute("href") == f"today/{near}/"
    assert page.locator("[data-sc-today-list]").is_hidden()
    context.close()


def test_home_without_javascript_links_to_the_day_pages(browser: Any, site_url: str) -> None:
    context = _phone(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url)
    link = page.locator("[data-sc-today]").get_by_role("link", name="按日期查看党史上的今天")
    assert link.get_attribute("href") == "today/"
    context.close()


@pytest.mark.parametrize("path", ["today/", "today/01-15/", "today/02-29/", "stories/",
                                  "stories/longzhou-duoyangshi-ketang/", "data/"])
def test_new_pages_pass_axe_on_a_phone(path: str, axe_phone: Any, site_url: str,
                                       artifacts: Path) -> None:
    axe_phone.goto(site_url + path, wait_until="networkidle")
    assert violations(axe_phone) == []
    assert_fits_phone(axe_phone, path)
    name = path.strip("/").replace("/", "-") or "home"
    axe_phone.screenshot(path=str(artifacts / f"today-{name}.png"), full_page=False)


def test_day_page_lists_events_by_year_with_sources(phone: Any, site_url: str) -> None:
    phone.goto(site_url + "today/01-15/")
    assert phone.locator("h1").inner_text() == "党史上的今天：1月15日"
    years = phone.locator(".sc-year h2").all_inner_texts()
    assert years == sorted(years) and "1935年" in years
    section = phone.locator(".sc-year", has_text="1935年")
    section.get_by_role("link", name="遵义会议会址").click()
    phone.wait_for_url("**/sites/zunyi-huiyi-huizhi/")
    timeline = phone.locator(".sc-events-of")
    assert "1935年1月15日" in timeline.inner_text()  # the record lists its own 大事


def test_stories_listing_by_category_and_reverse_links(phone: Any, site_url: str) -> None:
    phone.goto(site_url + "stories/")
    headings = phone.locator(".sc-listing h2").all_inner_texts()
    assert [h.rstrip("0123456789") for h in headings[:3]] == ["特色亮点", "经验做法", "典型案例"]
    phone.locator(".sc-facets a", has_text="龙州县").click()  # 按单位
    phone.wait_for_url("**/stories/unit/**")
    assert phone.locator("h1").inner_text() == "经验做法：龙州县"
    phone.get_by_role("link", name="龙州县依托红色遗迹打造“多样式”课堂推动党员教育").click()
    phone.wait_for_url("**/stories/longzhou-duoyangshi-ketang/")
    for path, title in (("sites/longzhou-qiyi-jinianguan/", "龙州起义纪念馆"),
                        ("outlines/dangyuan-ganbu-yonghao-hongse-ziyuan/", None)):
        phone.goto(site_url + path)
        related = phone.locator(".sc-related", has=phone.locator("h2", has_text="相关经验做法"))
        assert related.count() == 1, path
        link = related.get_by_role("link", name="龙州县依托红色遗迹打造“多样式”课堂推动党员教育")
        assert link.get_attribute("href") == "../../stories/longzhou-duoyangshi-ketang/"
        if title:
            assert title in phone.locator("h1").inner_text()


def test_stories_are_in_the_feed(built_site: Path) -> None:
    feed = (built_site / "feed.xml").read_text("utf-8")
    assert "stories/longzhou-duoyangshi-ketang/" in feed
    assert 'term="stories"' in feed
