"""Boards: the overview pages of the kinds that run local work (models.RecordKind.board).

- The 宣讲 schedule ("schedule"): upcoming lectures first; by month, by 乡镇, by audience
  and by outline; 乡镇 and 村 reached versus not yet reached; an iCalendar feed.
- The 为民办实事 ledger ("ledger"): per 责任单位 counts by status, a progress bar and the
  overdue items highlighted; the 销号 list; each task's page shows its progress log.

Every figure is dated "统计截至 …" by the data's own latest date (`as_of`: the latest date
at which something was recorded as done), never by the clock, so the same data gives the
same pages on any day. Pages built from records marked `sample: true` say 示例数据.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

from ..catalog import Catalog
from ..cnformat import cndate, shorten
from ..models import (
    CANCELLED,
    CROSSED_OFF,
    HELD,
    KINDS,
    PLANNED,
    TASK_DONE,
    TASK_STATUSES,
    Record,
    RecordKind,
)
from ..output import data_date
from . import direct
from .environment import render
from .page import Asset, Page, RenderOptions

LIST_SIZE = 50  # lectures or tasks per list page: about 25 KB of HTML
OVERVIEW_SIZE = 20  # upcoming/held lectures and overdue tasks shown on an overview
_AS_OF: dict[int, tuple[Catalog, dt.date | None]] = {}


def as_of(catalog: Catalog) -> dt.date | None:
    """Return the data's date: the latest date any record says something was done.

    Planned dates (a lecture next month, a deadline) do not count; `verified` dates do.
    Computed once per catalog.
    """
    cached = _AS_OF.get(id(catalog))
    if cached is not None and cached[0] is catalog:
        return cached[1]
    value = data_date(catalog)
    _AS_OF.clear()
    _AS_OF[id(catalog)] = (catalog, value)
    return value


def as_of_text(catalog: Catalog) -> str:
    """Return "统计截至 2026年11月27日" (or "" for data without any recorded date)."""
    date = as_of(catalog)
    return f"统计截至 {cndate(date)}" if date else ""


def any_sample(records: list[Record]) -> bool:
    """Return whether any of `records` is demonstration data."""
    return any(r.sample for r in records)


def board_kinds(board: str) -> list[RecordKind]:
    """Return the kinds whose board is `board` ("schedule" or "ledger")."""
    return [spec for spec in KINDS.values() if spec.board == board]


def segment(value: str) -> str:
    """Return free text (a 乡镇, a 责任单位) as one safe path segment of a page's file."""
    text = value.replace("/", "／").replace("\\", "＼")
    return "_" + text if text.startswith(".") else text


def _slug(value: str) -> str:
    return quote(segment(value), safe="")


def unit_url(spec: RecordKind, unit: str) -> str:
    """Return the URL of a 责任单位's ledger page."""
    return f"{spec.name}/unit/{_slug(unit)}/"


# --- Lectures ------------------------------------------------------------------------

def lecture_place(d: dict[str, object]) -> str:
    """Return where a lecture is: 示例镇一示例村一 · 村委会会议室."""
    place = "".join(str(d[k]) for k in ("town", "village") if d.get(k))
    return f"{place} · {d['venue']}" if d.get("venue") else place


def _upcoming_first(records: list[Record], date: dt.date | None) -> list[Record]:
    """Planned lectures from the data's date on, soonest first; then the rest, newest first."""
    def upcoming(r: Record) -> bool:
        return r.data["status"] == PLANNED and (date is None or r.data["date"] >= date)

    ahead = sorted((r for r in records if upcoming(r)),
                   key=lambda r: (r.data["date"], r.data.get("time", ""), r.id))
    rest = sorted((r for r in records if not upcoming(r)),
                  key=lambda r: (-r.data["date"].toordinal(), r.id))
    return ahead + rest


@dataclass
class Reach:
    """Places named in the schedule, and which of them have had a lecture held."""

    towns: list[str]
    towns_reached: list[str]
    villages: list[str]
    villages_reached: list[str]

    @property
    def towns_waiting(self) -> list[str]:
        reached = set(self.towns_reached)
        return [t for t in self.towns if t not in reached]

    @property
    def villages_waiting(self) -> list[str]:
        reached = set(self.villages_reached)
        return [v for v in self.villages if v not in reached]


def reach(records: list[Record]) -> Reach:
    """Return the 乡镇 and 村 named in `records` and those reached by a held lecture.

    A 村 is named with its 乡镇 (示例镇一示例村一): two villages may share a name.
    """
    towns: set[str] = set()
    villages: set[str] = set()
    towns_held: set[str] = set()
    villages_held: set[str] = set()
    for r in records:
        d = r.data
        town = str(d["town"])
        village = f"{town}{d['village']}" if d.get("village") else ""
        towns.add(town)
        if village:
            villages.add(village)
        if d["status"] == HELD:
            towns_held.add(town)
            if village:
                villages_held.add(village)
    return Reach(sorted(towns), sorted(towns_held), sorted(villages), sorted(villages_held))


def _month(r: Record) -> str:
    date: dt.date = r.data["date"]
    return f"{date.year}-{date.month:02d}"


def _month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{year}年{int(month)}月"


@dataclass
class _Filter:
    """One way to narrow the schedule: its heading, URL segment and how to read a record."""

    heading: str
    segment: str
    value_of: Callable[[Record], str]
    label_of: Callable[[str], str]
    cap: int = 0  # the overview lists only the most used values (0: all)


def _outline_of(r: Record) -> str:
    return str(r.data.get("outline", ""))


def _filters(catalog: Catalog) -> list[_Filter]:
    def outline_title(oid: str) -> str:
        record = catalog.records.get(oid)
        return shorten(record.title, 18) if record else oid

    return [
        _Filter("按月份", "month", _month, _month_label),
        _Filter("按乡镇", "town", lambda r: str(r.data["town"]), str),
        _Filter("按宣讲对象", "audience", lambda r: str(r.data["audience"]), str),
        _Filter("按提纲", "outline", _outline_of, outline_title, cap=OVERVIEW_SIZE),
    ]


def _chunks(records: list[Record]) -> list[list[Record]]:
    count = max(1, math.ceil(len(records) / LIST_SIZE))
    return [records[i * LIST_SIZE:(i + 1) * LIST_SIZE] for i in range(count)]


def _pager(base: str, number: int, count: int) -> dict[str, object]:
    def url(n: int) -> str:
        return base if n == 1 else f"{base}{n}/"

    return {"number": number, "count": count,
            "prev": url(number - 1) if number > 1 else None,
            "next": url(number + 1) if number < count else None}


def schedule_pages(catalog: Catalog, spec: RecordKind) -> Iterator[Page]:
    """Yield the schedule's overview and its pages by month, 乡镇, audience and outline."""
    kind = spec.name
    records = catalog.by_kind[kind]
    date = as_of(catalog)
    stamp = as_of_text(catalog)
    ordered = _upcoming_first(records, date)
    upcoming = [r for r in ordered if r.data["status"] == PLANNED
                and (date is None or r.data["date"] >= date)]
    held = [r for r in ordered if r.data["status"] == HELD]
    ahead = {r.id for r in upcoming}
    overdue = [r for r in ordered if r.data["status"] == PLANNED and r.id not in ahead]
    filters = []
    for f in _filters(catalog):
        counts = Counter(f.value_of(r) for r in records if f.value_of(r))
        values = sorted(counts)
        if f.cap and len(values) > f.cap:  # the most used, in the same order
            kept = set(sorted(values, key=lambda v: (-counts[v], v))[:f.cap])
            values = [v for v in values if v in kept]
        filters.append((f, [(f.label_of(v), f"{kind}/{f.segment}/{_slug(v)}/", counts[v])
                            for v in values], len(counts)))
    places = reach(records)
    html = render("schedule.html", f"{kind}/", spec=spec, stamp=stamp,
                  sample=any_sample(records), upcoming=upcoming[:OVERVIEW_SIZE],
                  upcoming_total=len(upcoming), held=held[:OVERVIEW_SIZE],
                  held_total=len(held), overdue=overdue[:OVERVIEW_SIZE],
                  overdue_total=len(overdue),
                  cancelled_total=sum(1 for r in records if r.data["status"] == CANCELLED),
                  attendance=sum(int(r.data.get("attendance", 0)) for r in held),
                  filters=filters, reach=places, total=len(records),
                  calendar=calendar_uri(spec), place=lecture_place)
    yield Page(f"{kind}/index.md", spec.label, html, f"{spec.label}：{spec.note}")
    for f in _filters(catalog):
        groups: dict[str, list[Record]] = defaultdict(list)
        for r in records:
            if f.value_of(r):
                groups[f.value_of(r)].append(r)
        for value, members in groups.items():
            chunks = _chunks(_upcoming_first(members, date))
            base = f"{kind}/{f.segment}/{_slug(value)}/"
            title = f"{spec.label}：{f.label_of(value)}"
            for n, chunk in enumerate(chunks, 1):
                folder = f"{kind}/{f.segment}/{segment(value)}"
                uri = f"{folder}/index.md" if n == 1 else f"{folder}/{n}.md"
                url = base if n == 1 else f"{base}{n}/"
                html = direct.page("schedule_list.html", url, spec=spec, title=title,
                                   heading=f.heading.removeprefix("按"), stamp=stamp,
                                   sample=any_sample(members), records=chunk,
                                   total=len(members), date=date,
                                   pages=_pager(base, n, len(chunks)),
                                   outline=catalog.records.get(value)
                                   if f.segment == "outline" else None,
                                   place=lecture_place, PLANNED=PLANNED)
                yield Page(uri, title if n == 1 else f"{title}（第 {n} 页）", html,
                           f"{title}，共 {len(members)} 场")


def scheduled(catalog: Catalog, outline: Record) -> dict[str, object]:
    """Return the lectures that use `outline`: upcoming and held, and whether any is sample."""
    date = as_of(catalog)
    lectures = [r for spec in board_kinds("schedule")
                for r in catalog.related(outline, spec.name)]
    ordered = _upcoming_first(lectures, date)
    upcoming = [r for r in ordered if r.data["status"] == PLANNED
                and (date is None or r.data["date"] >= date)]
    held = [r for r in ordered if r.data["status"] == HELD]
    return {"upcoming": upcoming, "held": held, "sample": any_sample(lectures),
            "stamp": as_of_text(catalog)}


# --- Ledger --------------------------------------------------------------------------

def is_overdue(record: Record, date: dt.date | None) -> bool:
    """Whether a task's deadline passed before the data's date while it is not done."""
    d = record.data
    return date is not None and d["status"] not in TASK_DONE and d["deadline"] < date


@dataclass
class UnitRow:
    """One 责任单位's line in the ledger."""

    unit: str
    url: str
    counts: list[int]  # per TASK_STATUSES
    overdue: int
    total: int

    @property
    def done(self) -> int:
        return sum(c for s, c in zip(TASK_STATUSES, self.counts, strict=True)
                   if s in TASK_DONE)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def _unit_rows(kind: str, records: list[Record], date: dt.date | None) -> list[UnitRow]:
    by_unit: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_unit[str(r.data["unit"])].append(r)
    rows = []
    for unit in sorted(by_unit):
        members = by_unit[unit]
        counts = Counter(str(r.data["status"]) for r in members)
        rows.append(UnitRow(unit, unit_url(KINDS[kind], unit),
                            [counts.get(s, 0) for s in TASK_STATUSES],
                            sum(1 for r in members if is_overdue(r, date)), len(members)))
    return rows


def _ledger_order(records: list[Record], date: dt.date | None) -> list[Record]:
    """Overdue first (oldest deadline first), then open by deadline, then done."""
    def key(r: Record) -> tuple[int, int, str]:
        rank = 0 if is_overdue(r, date) else 2 if r.data["status"] in TASK_DONE else 1
        return rank, r.data["deadline"].toordinal(), r.id

    return sorted(records, key=key)


def crossed_off(records: list[Record]) -> list[Record]:
    """Return the tasks crossed off (已销号), most recently crossed off first."""
    done = [r for r in records if r.data["status"] == CROSSED_OFF]
    return sorted(done, key=lambda r: (-r.data["closed"].toordinal(), r.id))


def ledger_pages(catalog: Catalog, spec: RecordKind) -> Iterator[Page]:
    """Yield the ledger's overview, one page per 责任单位 and the 销号 list."""
    kind = spec.name
    records = catalog.by_kind[kind]
    date = as_of(catalog)
    stamp = as_of_text(catalog)
    rows = _unit_rows(kind, records, date)
    totals = Counter(str(r.data["status"]) for r in records)
    overdue = [r for r in _ledger_order(records, date) if is_overdue(r, date)]
    done = sum(totals.get(s, 0) for s in TASK_DONE)
    closed = crossed_off(records)
    html = render("ledger.html", f"{kind}/", spec=spec, stamp=stamp,
                  sample=any_sample(records), rows=rows, statuses=TASK_STATUSES,
                  totals=[totals.get(s, 0) for s in TASK_STATUSES], total=len(records),
                  done=done, percent=round(100 * done / len(records)) if records else 0,
                  overdue=overdue[:OVERVIEW_SIZE], overdue_total=len(overdue),
                  closed_total=len(closed), date=date,
                  beneficiaries=sum(int(r.data.get("beneficiaries", 0)) for r in records
                                    if r.data["status"] in TASK_DONE))
    yield Page(f"{kind}/index.md", spec.label, html, f"{spec.label}：{spec.note}")
    by_unit: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_unit[str(r.data["unit"])].append(r)
    for row in rows:
        members = _ledger_order(by_unit[row.unit], date)
        chunks = _chunks(members)
        for n, chunk in enumerate(chunks, 1):
            folder = f"{kind}/unit/{segment(row.unit)}"
            uri = f"{folder}/index.md" if n == 1 else f"{folder}/{n}.md"
            url = row.url if n == 1 else f"{row.url}{n}/"
            title = f"{spec.label}：{row.unit}"
            html = render("ledger_unit.html", url, spec=spec, title=title, row=row,
                          statuses=TASK_STATUSES, stamp=stamp, sample=any_sample(members),
                          records=chunk, date=date, overdue=is_overdue,
                          pages=_pager(row.url, n, len(chunks)))
            yield Page(uri, title if n == 1 else f"{title}（第 {n} 页）", html,
                       f"{row.unit}的办实事事项，共 {row.total} 项")
    base = f"{kind}/closed/"
    chunks = _chunks(closed)
    for n, chunk in enumerate(chunks, 1):
        uri = f"{kind}/closed/index.md" if n == 1 else f"{kind}/closed/{n}.md"
        title = "销号清单"
        html = render("ledger_closed.html", base if n == 1 else f"{base}{n}/", spec=spec,
                      title=title, stamp=stamp, sample=any_sample(closed), records=chunk,
                      total=len(closed), pages=_pager(base, n, len(chunks)))
        yield Page(uri, title if n == 1 else f"{title}（第 {n} 页）", html,
                   f"已核实销号的办实事事项，共 {len(closed)} 项")


# --- Site-wide -----------------------------------------------------------------------

BOARDS: dict[str, Callable[[Catalog, RecordKind], Iterator[Page]]] = {
    "schedule": schedule_pages,
    "ledger": ledger_pages,
}


def board_pages(catalog: Catalog) -> Iterator[Page]:
    """Yield the pages of every kind that declares a board (its top page among them)."""
    for spec in KINDS.values():
        if spec.board:
            yield from BOARDS[spec.board](catalog, spec)


def calendar_uri(spec: RecordKind) -> str:
    """Return where a schedule's iCalendar feed is written: lectures/lectures.ics."""
    return f"{spec.name}/{spec.name}.ics"


def board_assets(catalog: Catalog, options: RenderOptions) -> Iterator[Asset]:
    """Yield the iCalendar feed of every schedule."""
    from .calendar import lecture_calendar  # icalendar is only needed when writing feeds

    for spec in board_kinds("schedule"):
        yield Asset(calendar_uri(spec),
                    lecture_calendar(catalog, spec, options, as_of(catalog)))


@dataclass
class Glance:
    """One number at a glance on the home page."""

    label: str
    value: int
    unit: str
    url: str


def glance(catalog: Catalog) -> dict[str, object]:
    """Return the home page's numbers at a glance, their date and whether they are sample."""
    items: list[Glance] = []
    records: list[Record] = []
    for spec in board_kinds("schedule"):
        lectures = catalog.by_kind[spec.name]
        records += lectures
        places = reach(lectures)
        items += [Glance("已完成宣讲", sum(1 for r in lectures if r.data["status"] == HELD),
                         "场", f"{spec.name}/#held"),
                  Glance("宣讲覆盖村（社区）", len(places.villages_reached), "个",
                         f"{spec.name}/#reach")]
    for spec in board_kinds("ledger"):
        tasks = catalog.by_kind[spec.name]
        records += tasks
        items += [Glance("实事已完成", sum(1 for r in tasks if r.data["status"] in TASK_DONE),
                         "件", f"{spec.name}/"),
                  Glance("已销号", sum(1 for r in tasks if r.data["status"] == CROSSED_OFF),
                         "件", f"{spec.name}/closed/")]
    return {"items": items if records else [], "stamp": as_of_text(catalog),
            "sample": any_sample(records)}
