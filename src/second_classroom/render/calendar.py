"""The iCalendar feed (RFC 5545) of a 宣讲 schedule: a lecturer subscribes once and sees
every change.

Written with the `icalendar` package, which folds lines at 75 octets without splitting a
character and ends them with CRLF. The feed is deterministic: an event's UID is its
record's id (stable across builds and edits), DTSTAMP is the data's date, never the clock.
Times are Asia/Shanghai (China has kept UTC+8 without daylight saving since 1991).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneStandard

from ..catalog import Catalog
from ..models import CANCELLED, PLANNED, Record, RecordKind
from .page import RenderOptions

if TYPE_CHECKING:
    from ..events import Event as DatedEvent

TZID = "Asia/Shanghai"
SHANGHAI = ZoneInfo(TZID)
DEFAULT_MINUTES = 60  # a lecture without an outline's duration
UID_DOMAIN = "second-classroom"


def _timezone() -> Timezone:
    zone = Timezone()
    zone.add("tzid", TZID)
    standard = TimezoneStandard()
    standard.add("dtstart", dt.datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", dt.timedelta(hours=8))
    standard.add("tzoffsetto", dt.timedelta(hours=8))
    standard.add("tzname", "CST")
    zone.add_component(standard)
    return zone


def _base(options: RenderOptions) -> str:
    return options.site_url.rstrip("/") + "/" if options.site_url else ""


def _stamp(date: dt.date | None) -> dt.datetime:
    """DTSTAMP: the data's date, never the clock (same data, same bytes)."""
    return dt.datetime.combine(date or dt.date(2000, 1, 1), dt.time(0, 0), tzinfo=dt.UTC)


def _calendar(options: RenderOptions, name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", f"-//{options.site_name}//{name}//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{options.site_name} · {name}")
    cal.add("x-wr-timezone", TZID)
    return cal


def _start(record: Record) -> dt.date | dt.datetime:
    date: dt.date = record.data["date"]
    time = record.data.get("time")
    if not time:
        return date
    hour, minute = (int(x) for x in str(time).split(":"))
    return dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=SHANGHAI)


def event_uid(record: Record) -> str:
    """Return the event's UID: the record id, which never changes when the lecture does."""
    return f"{record.kind}-{record.id}@{UID_DOMAIN}"


def lecture_calendar(catalog: Catalog, spec: RecordKind, options: RenderOptions,
                     stamp_date: dt.date | None) -> str:
    """Return the .ics text of the planned (and cancelled) lectures of kind `spec`."""
    base = _base(options)
    stamp = _stamp(stamp_date)
    cal = _calendar(options, spec.label)
    cal.add_component(_timezone())
    shown = [r for r in catalog.by_kind[spec.name] if r.data["status"] in (PLANNED, CANCELLED)]
    shown.sort(key=lambda r: (r.data["date"], r.data.get("time", ""), r.id))
    for record in shown:
        d = record.data
        event = Event()
        event.add("uid", event_uid(record))
        event.add("dtstamp", stamp)
        start = _start(record)
        event.add("dtstart", start)
        if isinstance(start, dt.datetime):
            outline = catalog.records.get(str(d.get("outline", "")))
            minutes = outline.data.get("duration_minutes", DEFAULT_MINUTES) if outline \
                else DEFAULT_MINUTES
            event.add("dtend", start + dt.timedelta(minutes=int(minutes)))
        else:
            event.add("dtend", start + dt.timedelta(days=1))
        event.add("summary", ("【示例】" if record.sample else "") + record.title)
        place = "".join(str(d[k]) for k in ("town", "village") if d.get(k))
        if d.get("venue"):
            place += f" {d['venue']}"
        event.add("location", place)
        lines = [f"宣讲对象：{d['audience']}", f"形式：{d['form']}",
                 f"宣讲人：{d['lecturer']}"]
        outline_record = catalog.records.get(str(d.get("outline", "")))
        if outline_record is not None:
            lines.append(f"提纲：{outline_record.title}")
        if d.get("note"):
            lines.append(f"备注：{d['note']}")
        if record.sample:
            lines.append("示例数据：虚构的示例区，仅作演示")
        if base:
            lines.append(f"详情：{base}{record.url}")
            event.add("url", base + record.url)
        event.add("description", "\n".join(lines))
        event.add("status", "CANCELLED" if d["status"] == CANCELLED else "CONFIRMED")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    return bytes(cal.to_ical()).decode("utf-8")


def anniversary_uid(event: DatedEvent) -> str:
    """Return an anniversary's UID: its record, field, date and a hash of its text (stable
    when other events are added or reordered)."""
    digest = hashlib.sha1(event.text.encode("utf-8")).hexdigest()[:10]
    record = event.record
    return f"anniversary-{record.kind}-{record.id}-{event.field}-{event.date}-{digest}@{UID_DOMAIN}"


def _text(value: str) -> str:
    """Return a TEXT value escaped as RFC 5545 §3.3.11 says."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Return a content line folded at 75 octets (RFC 5545 §3.1), never inside a
    character: continuation lines start with a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back off to its start
            cut -= 1
        parts.append(data[start:cut])
        start, limit = cut, 74  # the leading space of a continuation line takes one octet
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")


def _ymd(date: dt.date) -> str:
    return f"{date.year:04d}{date.month:02d}{date.day:02d}"  # strftime is slow before 1900


def anniversary_calendar(events: list[DatedEvent], options: RenderOptions,
                         stamp_date: dt.date | None = None) -> str:
    """Return the .ics text of fully dated events as all-day events recurring every year
    on their day (a 29 February event falls on the last day of February).

    Written directly rather than with `icalendar`, which takes about a millisecond per
    event: 10,000 events would add seconds to every build. The output is plain RFC 5545
    (escaped TEXT, folded by octets, CRLF); the tests read it back with `icalendar`.
    """
    base = _base(options)
    stamp = _stamp(stamp_date).strftime("%Y%m%dT%H%M%SZ")
    name = "党史上的今天"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0",
             f"PRODID:{_text(f'-//{options.site_name}//{name}//ZH')}",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_text(f'{options.site_name} · {name}')}",
             f"X-WR-TIMEZONE:{TZID}",
             "X-WR-CALDESC:" + _text("党史上的今天：每年在事件发生的那一天提醒，便于围绕纪念日安排宣讲")]
    for event in events:
        first = dt.date.fromisoformat(event.date)
        rule = "FREQ=YEARLY"
        if (first.month, first.day) == (2, 29):
            rule += ";BYMONTH=2;BYMONTHDAY=-1"
        about = [f"{first.year}年{first.month}月{first.day}日：{event.text}",
                 f"记录：{event.record.title}"]
        if event.source is not None:
            about.append(f"来源：{event.source['title']}"
                         + (f" {event.source['url']}" if event.source.get("url") else ""))
        if base:
            about.append(f"详情：{base}{event.record.url}")
        lines += ["BEGIN:VEVENT", f"UID:{anniversary_uid(event)}", f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{_ymd(first)}",
                  f"DTEND;VALUE=DATE:{_ymd(first + dt.timedelta(days=1))}",
                  f"RRULE:{rule}", f"SUMMARY:{_text(f'{event.text}（{first.year}年）')}",
                  f"DESCRIPTION:{_text(chr(10).join(about))}"]
        if base:
            lines.append(f"URL:{base}{event.record.url}")
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
