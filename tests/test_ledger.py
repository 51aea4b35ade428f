"""宣讲安排 and 办实事台账: the checks, the pages, the data's own date and the .ics feed."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import icalendar
import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from second_classroom.catalog import build_catalog
from second_classroom.check import check_tree
from second_classroom.cnformat import cndate
from second_classroom.models import KINDS, Record
from second_classroom.render import RenderOptions, home_page, record_page, site_assets
from second_classroom.render.boards import as_of, board_pages, is_overdue

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2026, 12, 1)
LECTURE = """title: 送教下乡
date: {date}
time: "9:30"
region:
  province: 广西壮族自治区
  county: 示例区
town: 示例镇一
village: 示例村一
audience: 农村群众
form: 送教下乡
lecturer: {lecturer}
status: {status}
"""
TASK = """title: 村道安装路灯
unit: 示例镇一人民政府
category: 基础设施
start: 2026-08-01
deadline: {deadline}
status: {status}
"""


def data_folder(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "site_data"
    root.mkdir()
    shutil.copy(REPO / "site_data" / "vocab.yml", root / "vocab.yml")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    return root


def findings(root: Path, today: dt.date = TODAY) -> list[str]:
    return [p.format().replace(str(root) + "/", "") for p in check_tree(root, today).problems]


def _rel(lines: list[str], root: Path) -> list[str]:
    return [re.sub(r"^.*?site_data/", "", line) for line in lines]


# --- Checks ----------------------------------------------------------------------------

def test_finished_tasks_need_completion_date_and_evidence(tmp_path: Path) -> None:
    root = data_folder(tmp_path, {
        "tasks/a.yml": TASK.format(deadline="2026-10-31", status="已完成"),
        "tasks/b.yml": TASK.format(deadline="2026-10-31", status="已销号")
        + "completed: 2026-10-20\nresult: 验收合格\n",
        "tasks/c.yml": TASK.format(deadline="2026-10-31", status="已完成")
        + "completed: 2026-10-20\nresult: 验收合格\n",
    })
    found = _rel(findings(root), root)
    assert found == [
        "tasks/a.yml:6:9: 状态为“已完成”的事项必须填写完成日期（completed）",
        "tasks/a.yml:6:9: 状态为“已完成”的事项必须填写完成情况及佐证（result）",
        "tasks/b.yml:6:9: 已销号的事项必须填写销号日期（closed）",
    ]


def test_completion_before_start_and_negative_numbers_are_errors(tmp_path: Path) -> None:
    root = data_folder(tmp_path, {
        "tasks/a.yml": TASK.format(deadline="2026-10-31", status="已完成")
        + "completed: 2026-07-01\nresult: 验收合格\nbeneficiaries: -40\n",
        "lectures/l.yml": LECTURE.format(date="2026-11-02", lecturer="示例区宣讲团",
                                         status="已完成") + "attendance: -5\n",
    })
    found = _rel(findings(root), root)
    assert "tasks/a.yml:7:12: 完成日期 2026年7月1日 早于开始日期 2026年8月1日" in found
    assert "tasks/a.yml:9:16: 字段 beneficiaries 不能为负数，实际是 -40" in found
    assert "lectures/l.yml:13:13: 字段 attendance 不能为负数，实际是 -5" in found
    # the negative attendance is not a value: the lecture also lacks a valid one
    assert "lectures/l.yml:12:9: 已完成的宣讲必须填写参加人数（attendance）" in found


def test_a_held_lecture_needs_a_past_date_and_attendance(tmp_path: Path) -> None:
    root = data_folder(tmp_path, {
        "lectures/future.yml": LECTURE.format(date="2026-12-20", lecturer="示例区宣讲团",
                                              status="已完成") + "attendance: 30\n",
        "lectures/nobody.yml": LECTURE.format(date="2026-11-20", lecturer="示例区宣讲团",
                                              status="已完成"),
        "lectures/planned.yml": LECTURE.format(date="2026-12-20", lecturer="示例区宣讲团",
                                               status="计划"),
    })
    assert _rel(findings(root), root) == [
        "lectures/future.yml:2:7: 宣讲日期 2026年12月20日 还没到，不能标为“已完成”",
        "lectures/nobody.yml:12:9: 已完成的宣讲必须填写参加人数（attendance）",
    ]
    # The same lecture is fine once its day has come.
    later = _rel(findings(root, dt.date(2026, 12, 21)), root)
    assert not any(line.startswith("lectures/future.yml") for line in later)


def test_overdue_is_a_warning_at_the_deadline_against_the_checks_today(tmp_path: Path) -> None:
    root = data_folder(tmp_path, {
        "tasks/late.yml": TASK.format(deadline="2026-11-15", status="推进中"),
        "tasks/done.yml": TASK.format(deadline="2026-11-15", status="已完成")
        + "completed: 2026-11-20\nresult: 验收合格\n",
    })
    result = check_tree(root, TODAY)
    assert result.errors == []
    assert _rel([p.format() for p in result.warnings], root) == [
        "tasks/late.yml:5:11: 警告：逾期：完成时限 2026年11月15日 已过，事项仍为“推进中”"]
    assert check_tree(root, dt.date(2026, 11, 15)).warnings == []  # not yet past


def test_the_privacy_check_applies_to_lecturers(tmp_path: Path) -> None:
    root = data_folder(tmp_path, {
        "lectures/l.yml": LECTURE.format(date="2026-11-02", lecturer="示例宣讲员 13912345678",
                                         status="计划"),
    })
    found = _rel(findings(root), root)
    assert found == ["lectures/l.yml:11:17: 字段 lecturer 中疑似含有手机号码，个人信息不得公开发布，请删除"]


def test_unknown_status_suggests_the_right_one(tmp_path: Path) -> None:
    root = data_folder(tmp_path, {"tasks/a.yml": TASK.format(deadline="2026-12-31",
                                                              status="已消号")})
    assert _rel(findings(root), root) == [
        "tasks/a.yml:6:9: 字段 status 只能是 未启动、推进中、已完成、已销号 之一，实际是“已消号”，是否指“已销号”？"]


# --- The data's own date ----------------------------------------------------------------

def test_the_stamp_is_the_latest_recorded_date_never_a_planned_one(tmp_path: Path) -> None:
    root = data_folder(tmp_path, {
        "lectures/held.yml": LECTURE.format(date="2026-11-02", lecturer="示例区宣讲团",
                                            status="已完成") + "attendance: 30\n",
        "lectures/planned.yml": LECTURE.format(date="2027-03-01", lecturer="示例区宣讲团",
                                               status="计划"),
        "tasks/a.yml": TASK.format(deadline="2027-06-30", status="推进中")
        + "progress:\n  - date: 2026-11-09\n    text: 开工\n",
    })
    result = check_tree(root, TODAY)
    catalog = build_catalog(result.records, result.vocab)
    assert as_of(catalog) == dt.date(2026, 11, 9)  # not 2027-03-01 nor 2027-06-30
    pages = {p.uri: p.html for p in board_pages(catalog)}
    for uri in ("lectures/index.md", "tasks/index.md"):
        assert "统计截至 2026年11月9日" in pages[uri]
        assert "示例数据" not in pages[uri]  # none of these records is sample


def _sample_as_of(catalog: Any) -> dt.date:
    """The data's date of the sample, computed here from the fields themselves."""
    dates: list[dt.date] = []
    for r in catalog.records.values():
        d = r.data
        dates += [d[k] for k in ("verified", "completed", "closed") if k in d]
        dates += [p["date"] for p in d.get("progress", [])]
        if d.get("status") == "已完成" and r.kind in ("lectures",):
            dates.append(d["date"])
    return max(dates)


# --- Pages of the sample --------------------------------------------------------------

@pytest.fixture(scope="module")
def pages(catalog: Any) -> dict[str, str]:
    return {p.uri: p.html for p in board_pages(catalog)}


def test_every_board_page_is_dated_and_says_sample(catalog: Any, pages: dict[str, str]) -> None:
    stamp = f"统计截至 {cndate(_sample_as_of(catalog))}"
    assert len(pages) > 20
    for uri, html in pages.items():
        assert stamp in html, uri
        assert "示例数据" in html, uri
    home = home_page(catalog, RenderOptions()).html
    assert stamp in home and "示例数据" in home


def test_every_record_page_of_a_sample_record_says_so(catalog: Any) -> None:
    for kind in ("lectures", "tasks"):
        for record in catalog.by_kind[kind]:
            assert record.sample
            html = record_page(catalog, record, RenderOptions()).html
            assert 'class="sc-sample"' in html and "示例数据" in html, record.id


def test_sample_records_are_fictional(catalog: Any) -> None:
    for kind in ("lectures", "tasks"):
        for record in catalog.by_kind[kind]:
            d = record.data
            assert d.get("region", {}).get("county", "示例区") == "示例区"
            for name in ("town", "unit", "lecturer"):
                if name in d:
                    assert str(d[name]).startswith("示例"), (record.id, d[name])


def _titles(html: str, css: str) -> list[str]:
    block = re.findall(rf'<(?:ol|ul) class="{css}">(.*?)</(?:ol|ul)>', html, re.S)
    return [t for b in block for t in re.findall(r"<strong>(.*?)</strong>", b)]


def test_upcoming_lectures_come_first_soonest_first(catalog: Any, pages: dict[str, str]) -> None:
    date = _sample_as_of(catalog)
    html = pages["lectures/index.md"]
    upcoming = sorted((r for r in catalog.by_kind["lectures"]
                       if r.data["status"] == "计划" and r.data["date"] >= date),
                      key=lambda r: (r.data["date"], r.id))
    assert upcoming
    section = html.split('id="upcoming"')[1].split("</section>")[0]
    assert _titles(section, "sc-lectures") == [r.title for r in upcoming]
    assert html.index('id="upcoming"') < html.index('id="held"')
    assert html.index('id="upcoming"') < html.index('class="sc-filters"')


def test_filter_pages_hold_exactly_their_lectures(catalog: Any, pages: dict[str, str]) -> None:
    lectures = catalog.by_kind["lectures"]
    for town in {str(r.data["town"]) for r in lectures}:
        html = pages[f"lectures/town/{town}/index.md"]
        expected = sorted(r.title for r in lectures if r.data["town"] == town)
        assert sorted(_titles(html, "sc-lectures")) == expected
    for outline_id in {r.data["outline"] for r in lectures if "outline" in r.data}:
        html = pages[f"lectures/outline/{outline_id}/index.md"]
        assert len(_titles(html, "sc-lectures")) == sum(
            1 for r in lectures if r.data.get("outline") == outline_id)
    months = {f"{r.data['date']:%Y-%m}" for r in lectures}
    assert {u.split("/")[2] for u in pages if u.startswith("lectures/month/")} == months


def test_reach_counts_places_with_a_held_lecture(catalog: Any, pages: dict[str, str]) -> None:
    lectures = catalog.by_kind["lectures"]
    towns = {r.data["town"] for r in lectures}
    reached = {r.data["town"] for r in lectures if r.data["status"] == "已完成"}
    html = pages["lectures/index.md"].split('id="reach"')[1]
    assert f"已宣讲 {len(reached)} 个，尚未宣讲 {len(towns - reached)} 个" in html
    assert towns - reached == {"示例镇三"}  # only cancelled and planned there so far


def test_outline_pages_list_their_lectures(catalog: Any) -> None:
    outline = catalog.get("nongcun-qunzhong-youjiang-hongqi")
    html = record_page(catalog, outline, RenderOptions()).html
    uses = [r for r in catalog.by_kind["lectures"] if r.data.get("outline") == outline.id
            and r.data["status"] in ("计划", "已完成")]
    section = html.split('id="lectures"')[1]
    assert sorted(_titles(section, "sc-lectures")) == sorted(r.title for r in uses)
    assert "示例数据" in section


def test_ledger_counts_per_unit_and_highlights_overdue(catalog: Any,
                                                       pages: dict[str, str]) -> None:
    tasks = catalog.by_kind["tasks"]
    date = _sample_as_of(catalog)
    html = pages["tasks/index.md"]
    rows = re.findall(r'<tr( class="sc-overdue")?><th scope="row"><a href="[^"]*">(.*?)</a></th>'
                      r"((?:<td>\d+</td>)+)<td class=\"sc-overdue-count\">(\d+)</td>", html)
    assert [r[1] for r in rows] == sorted({str(t.data["unit"]) for t in tasks})
    statuses = ("未启动", "推进中", "已完成", "已销号")
    for highlighted, unit, counts, overdue in rows:
        mine = [t for t in tasks if t.data["unit"] == unit]
        assert [int(c) for c in re.findall(r"\d+", counts)] == [
            sum(1 for t in mine if t.data["status"] == s) for s in statuses]
        late = [t for t in mine if t.data["status"] in ("未启动", "推进中")
                and t.data["deadline"] < date]
        assert int(overdue) == len(late)
        assert bool(highlighted) == bool(late)
    late_titles = sorted(t.title for t in tasks if is_overdue(t, date))
    assert late_titles  # the sample has overdue items to show
    assert sorted(_titles(html.split('id="overdue"')[1], "sc-tasks")) == late_titles


def test_closed_list_is_newest_first(catalog: Any, pages: dict[str, str]) -> None:
    closed = sorted((t for t in catalog.by_kind["tasks"] if t.data["status"] == "已销号"),
                    key=lambda t: t.data["closed"], reverse=True)
    assert _titles(pages["tasks/closed/index.md"], "sc-tasks") == [t.title for t in closed]


def test_task_page_shows_progress_as_a_timeline(catalog: Any) -> None:
    task = catalog.get("banshi-zhenyi-cunyi-ludeng")
    html = record_page(catalog, task, RenderOptions()).html
    timeline = html.split('<ol class="sc-timeline">')[1].split("</ol>")[0]
    assert re.findall(r'<time datetime="([\d-]+)">', timeline) == [
        p["date"].isoformat() for p in task.data["progress"]]


def test_home_numbers_are_links(catalog: Any) -> None:
    html = home_page(catalog, RenderOptions()).html
    glance = html.split('class="sc-glance"')[1].split("</section>")[0]
    links = re.findall(r'<a href="([^"]+)"><strong>(\d+)</strong>', glance)
    held = sum(1 for r in catalog.by_kind["lectures"] if r.data["status"] == "已完成")
    crossed = sum(1 for r in catalog.by_kind["tasks"] if r.data["status"] == "已销号")
    assert ("lectures/#held", str(held)) in links
    assert ("tasks/closed/", str(crossed)) in links
    assert len(links) == 4


def test_free_text_never_leaves_the_site_folder(tmp_path: Path) -> None:
    task = TASK.format(deadline="2026-12-31", status="推进中").replace(
        "unit: 示例镇一人民政府", "unit: ../../逃逸/单位")
    root = data_folder(tmp_path, {"tasks/a.yml": task})
    result = check_tree(root, TODAY)
    uris = [p.uri for p in board_pages(build_catalog(result.records, result.vocab))]
    unit_pages = [u for u in uris if u.startswith("tasks/unit/")]
    assert unit_pages == ["tasks/unit/_..／..／逃逸／单位/index.md"]


# --- iCalendar --------------------------------------------------------------------------

def _ics(catalog: Any, site_url: str = "https://example.org/") -> str:
    options = RenderOptions(site_url=site_url)
    return next(a.content for a in site_assets(catalog, options)
                if a.uri == "lectures/lectures.ics")


def test_ics_parses_with_the_right_times_zone_and_links(catalog: Any) -> None:
    cal = icalendar.Calendar.from_ical(_ics(catalog))
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    shown = [r for r in catalog.by_kind["lectures"] if r.data["status"] in ("计划", "已取消")]
    assert len(events) == len(shown)
    for record in shown:
        event = events[f"lectures-{record.id}@second-classroom"]
        start = event.decoded("DTSTART")
        d = record.data
        if "time" in d:
            hour, minute = map(int, d["time"].split(":"))
            assert str(start.tzinfo) == "Asia/Shanghai"
            assert (start.date(), start.hour, start.minute) == (d["date"], hour, minute)
            assert start.utcoffset() == dt.timedelta(hours=8)
        else:
            assert start == d["date"]  # a whole-day event
        outline = catalog.records.get(d.get("outline", ""))
        minutes = outline.data.get("duration_minutes", 60) if outline else 60
        length = dt.timedelta(minutes=minutes) if "time" in d else dt.timedelta(days=1)
        assert event.decoded("DTEND") - start == length
        place = str(event["LOCATION"])
        assert all(str(d[k]) in place for k in ("town", "village", "venue") if d.get(k))
        about = str(event["DESCRIPTION"])
        assert f"宣讲人：{d['lecturer']}" in about and f"宣讲对象：{d['audience']}" in about
        assert outline is None or f"提纲：{outline.title}" in about
        assert str(event["URL"]) == f"https://example.org/lectures/{record.id}/"
        assert f"https://example.org/lectures/{record.id}/" in str(event["DESCRIPTION"])
        assert str(event["STATUS"]) == ("CANCELLED" if d["status"] == "已取消" else "CONFIRMED")
        assert str(event["SUMMARY"]).startswith("【示例】")
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]


def test_ics_lines_fold_at_75_octets_with_crlf(catalog: Any) -> None:
    raw = _ics(catalog).encode("utf-8")
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines)  # every line break is CRLF
    assert any(line.startswith(b" ") for line in lines)  # long lines were folded
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # never cut inside a Chinese character (strict decode)


def test_ics_uids_are_stable_across_builds_and_edits(catalog: Any, tmp_path: Path) -> None:
    first = icalendar.Calendar.from_ical(_ics(catalog))
    data = tmp_path / "site_data"
    shutil.copytree(REPO / "site_data", data)
    moved = data / "lectures" / "xuanjiang-20261210-zhensan-cunsi.yml"
    moved.write_text(moved.read_text("utf-8").replace('time: "14:30"', 'time: "15:00"'),
                     "utf-8")
    result = check_tree(data, TODAY)
    again = icalendar.Calendar.from_ical(_ics(build_catalog(result.records, result.vocab)))

    def by_uid(cal: Any) -> dict[str, Any]:
        return {str(e["UID"]): e for e in cal.walk("VEVENT")}

    assert by_uid(first).keys() == by_uid(again).keys()
    uid = "lectures-xuanjiang-20261210-zhensan-cunsi@second-classroom"
    assert by_uid(again)[uid].decoded("DTSTART").hour == 15
    assert _ics(catalog) == _ics(catalog)  # same data, same bytes


def _icalendar_feed(catalog: Any, options: RenderOptions, stamp_date: dt.date | None) -> str:
    """The feed as the `icalendar` package writes it (what render.calendar wrote with it
    before writing it directly): the reference lecture_calendar must equal."""
    from second_classroom.render import calendar as c

    spec = KINDS["lectures"]
    base = c._base(options)
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//{options.site_name}//{spec.label}//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{options.site_name} · {spec.label}")
    cal.add("x-wr-timezone", c.TZID)
    zone = icalendar.Timezone()
    zone.add("tzid", c.TZID)
    standard = icalendar.TimezoneStandard()
    standard.add("dtstart", dt.datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", dt.timedelta(hours=8))
    standard.add("tzoffsetto", dt.timedelta(hours=8))
    standard.add("tzname", "CST")
    zone.add_component(standard)
    cal.add_component(zone)
    shown = [r for r in catalog.by_kind["lectures"] if r.data["status"] in ("计划", "已取消")]
    shown.sort(key=lambda r: (r.data["date"], r.data.get("time", ""), r.id))
    for record in shown:
        # The event's values are lecture_event's; what is compared is how they are written.
        start, end, place, about = c.lecture_event(record, catalog, base)
        event = icalendar.Event()
        event.add("uid", c.event_uid(record))
        event.add("dtstamp", c._stamp(stamp_date))
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", ("【示例】" if record.sample else "") + record.title)
        event.add("location", place)
        if base:
            event.add("url", base + record.url)
        event.add("description", about)
        event.add("status", "CANCELLED" if record.data["status"] == "已取消" else "CONFIRMED")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    return bytes(cal.to_ical()).decode("utf-8")


def _feeds(catalog: Any, options: RenderOptions, stamp: dt.date | None) -> tuple[str, str]:
    from second_classroom.render.calendar import lecture_calendar

    return (lecture_calendar(catalog, KINDS["lectures"], options, stamp),
            _icalendar_feed(catalog, options, stamp))


def test_ics_is_what_icalendar_writes(catalog: Any, tmp_path: Path) -> None:
    """The sample's and 300 synthetic lectures' feeds, with and without a site address,
    each byte as the `icalendar` package writes it."""
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from synth import write_synthetic

    write_synthetic(tmp_path / "data", 340, seed=3, lectures=300)
    result = check_tree(tmp_path / "data", TODAY)
    synthetic = build_catalog(result.records, result.vocab)
    for cat in (catalog, synthetic):
        for options in (RenderOptions(), RenderOptions(site_url="https://e.org/a,b;c/",
                                                       site_name="第二课堂；示例,站")):
            ours, theirs = _feeds(cat, options, as_of(cat))
            assert ours.count("BEGIN:VEVENT") > 5
            assert ours == theirs
    assert _feeds(catalog, RenderOptions(), None)[0] == _feeds(catalog, RenderOptions(), None)[1]


_ICS_TEXT = st.text(st.sampled_from("宣讲a ;,\\\n\r^:\"<>N𠀀é—"), max_size=90)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.data())
def test_ics_of_any_lecture_is_what_icalendar_writes(catalog: Any,
                                                      data: st.DataObject) -> None:
    """Any text (RFC 5545's special characters, backslashes and carets where a line folds,
    characters of one to four octets), with or without a time, venue or note."""
    import copy

    lectures = [copy.copy(r) for r in catalog.by_kind["lectures"]][:3]
    for record in lectures:
        d = dict(record.data)
        for name in ("title", "town", "village", "venue", "lecturer", "note", "audience",
                     "form"):
            if data.draw(st.booleans()):
                d[name] = data.draw(_ICS_TEXT)
        for name in ("time", "venue", "note", "village", "outline"):
            if data.draw(st.booleans()):
                d.pop(name, None)
        d["status"] = data.draw(st.sampled_from(["计划", "已取消"]))
        d["sample"] = data.draw(st.booleans())
        d["date"] = data.draw(st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)))
        record.data = d
    cat = copy.copy(catalog)
    cat.by_kind = {**catalog.by_kind, "lectures": lectures}
    options = RenderOptions(site_url=data.draw(st.sampled_from(["", "https://e.org/x/"])),
                            site_name=data.draw(_ICS_TEXT.filter(
                                lambda t: "\n" not in t and "\r" not in t)))
    ours, theirs = _feeds(cat, options, data.draw(st.none() | st.dates()))
    assert ours == theirs


def test_kinds_with_boards_have_no_plain_listing(catalog: Any) -> None:
    from second_classroom.render import kind_pages

    boards = {k for k, spec in KINDS.items() if spec.board}
    assert boards == {"lectures", "tasks"}
    listed = {p.uri.split("/")[0] for p in kind_pages(catalog)}
    assert not boards & listed


def test_records_carry_sample_flag() -> None:
    record = Record("tasks", "x", "x.yml", {"sample": True})
    assert record.sample and not Record("tasks", "y", "y.yml", {}).sample
