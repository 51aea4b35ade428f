"""Dated events of records, for 党史上的今天: what happened on which day, and on what source.

Sites, people and relics may list `events` (a date, one line of text and the number of the
record's source it rests on); a kind may also declare dated fields that are events of their
own (`RecordKind.life_events`: a person's born and died). Only events with a full date are
placed on a calendar day; partial dates stay on the record's page.

Everything here is computed from the data, never from the clock: which day is *today* is
decided in the visitor's browser (docs/assets/today.js), so the pages stay the same bytes
whatever day they are built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .catalog import Catalog
from .models import KINDS, Record

LEAP_YEAR = 2000  # a leap year: its days are the 366 days of the calendar


@dataclass(frozen=True)
class Event:
    """One dated event of a record."""

    date: str  # YYYY, YYYY-MM or YYYY-MM-DD, as written
    text: str
    record: Record
    source: dict[str, Any] | None  # the record's source the event rests on
    source_number: int = 0  # its position in the record's sources (1-based), 0 = none
    field: str = "events"  # where it was written: events, born, died

    @property
    def year(self) -> int:
        return int(self.date[:4])

    @property
    def day(self) -> str | None:
        """Return the calendar day `MM-DD` of a fully dated event, else None."""
        return self.date[5:] if len(self.date) == 10 else None


def record_events(record: Record) -> list[Event]:
    """Return a record's events, life events (born, died) first, each in date order."""
    d = record.data
    sources: list[dict[str, Any]] = d.get("sources", [])
    out: list[Event] = []
    for name, verb in record.spec.life_events:
        if d.get(name):  # rests on the record's sources as a whole: the first is cited
            out.append(Event(str(d[name]), f"{record.title}{verb}", record,
                             sources[0] if sources else None, 1 if sources else 0, name))
    for event in d.get("events", []):
        number = int(event["source"])
        source = sources[number - 1] if 0 < number <= len(sources) else None
        out.append(Event(str(event["date"]), str(event["text"]), record, source, number))
    return out


def calendar_days() -> list[str]:
    """Return the 366 calendar days `MM-DD`, 01-01 to 12-31 with 02-29."""
    first = dt.date(LEAP_YEAR, 1, 1)
    return [(first + dt.timedelta(days=n)).strftime("%m-%d") for n in range(366)]


def day_title(day: str) -> str:
    """Return `MM-DD` as Chinese: 1月15日."""
    month, date = day.split("-")
    return f"{int(month)}月{int(date)}日"


def all_events(catalog: Catalog) -> list[Event]:
    """Return every event of every published record, by kind order and record id (made
    once per catalog: not to be changed)."""
    return catalog.derived(_all_events)


def _all_events(catalog: Catalog) -> list[Event]:
    return [e for kind in KINDS for r in catalog.by_kind[kind] for e in record_events(r)]


def events_by_day(catalog: Catalog) -> dict[str, list[Event]]:
    """Return `MM-DD` -> that day's fully dated events, oldest year first (366 keys; made
    once per catalog: not to be changed)."""
    return catalog.derived(_events_by_day)


def _events_by_day(catalog: Catalog) -> dict[str, list[Event]]:
    order = {kind: i for i, kind in enumerate(KINDS)}
    days: dict[str, list[Event]] = {day: [] for day in calendar_days()}
    for event in all_events(catalog):
        if event.day is not None:
            days[event.day].append(event)
    for events in days.values():
        events.sort(key=lambda e: (e.date, order[e.record.kind], e.record.id, e.text))
    return days


def nearest_days(days: dict[str, list[Event]]) -> dict[str, str | None]:
    """Return, for each day, the nearest day (going round the year) that has an event:
    itself when it has one; on a tie the later day; None when no day has any."""
    names = list(days)
    filled = [bool(days[d]) for d in names]
    count = len(names)
    out: dict[str, str | None] = {}
    for i, day in enumerate(names):
        out[day] = None
        for step in range(count // 2 + 1):
            later, earlier = (i + step) % count, (i - step) % count
            if filled[later]:
                out[day] = names[later]
                break
            if filled[earlier]:
                out[day] = names[earlier]
                break
    return out
