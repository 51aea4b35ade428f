"""党史上的今天: a page per calendar day (366), an index of the year, the small files the
home page picks today's events from in the browser, and the anniversary calendar.

The pages never depend on the day they are built: the home page shows a link to the day
pages, and docs/assets/today.js replaces it with today's events read from
`today/days/MM-DD.json` (a few hundred bytes), chosen by the visitor's own clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import groupby

from ..catalog import Catalog
from ..events import Event, day_title, events_by_day, nearest_days
from ..output import data_date
from .environment import render
from .page import Asset, Page, RenderOptions

TODAY_DIR = "today"
CALENDAR_URI = f"{TODAY_DIR}/anniversaries.ics"


def day_url(day: str) -> str:
    """Return the URL of a calendar day's page: today/01-15/."""
    return f"{TODAY_DIR}/{day}/"


def _neighbours(days: list[str], i: int) -> tuple[str, str]:
    return days[i - 1], days[(i + 1) % len(days)]


def today_pages(catalog: Catalog) -> Iterator[Page]:
    """Yield the index of the year and the 366 day pages (empty days included)."""
    days = events_by_day(catalog)
    if not any(days.values()):
        return
    nearest = nearest_days(days)
    names = list(days)
    months = [(month, [(day, len(days[day])) for day in group])
              for month, group in groupby(names, key=lambda d: int(d[:2]))]
    total = sum(len(e) for e in days.values())
    html = render("today_index.html", f"{TODAY_DIR}/", months=months, total=total,
                  dated=sum(1 for e in days.values() if e), calendar=CALENDAR_URI)
    yield Page(f"{TODAY_DIR}/index.md", "党史上的今天", html,
               "按日期浏览党史上的今天：每一天发生过的大事，每条都有来源")
    for i, day in enumerate(names):
        events = days[day]
        by_year = [(year, list(group)) for year, group in groupby(events, key=lambda e: e.year)]
        previous, following = _neighbours(names, i)
        near = nearest[day]
        title = f"党史上的今天：{day_title(day)}"
        html = render("today_day.html", day_url(day), title=title, day=day,
                      by_year=by_year, count=len(events),
                      nearest=(near, day_title(near)) if near and near != day else None,
                      previous=(previous, day_title(previous)),
                      following=(following, day_title(following)), day_title=day_title)
        summary = "；".join(f"{e.year}年 {e.text}" for e in events[:3])
        yield Page(f"{TODAY_DIR}/{day}.md", title, html,
                   summary or f"{day_title(day)}：暂无收录的事件")


def _event_json(event: Event) -> dict[str, object]:
    return {"year": event.year, "date": event.date, "text": event.text,
            "title": event.record.title, "url": event.record.url}


def today_assets(catalog: Catalog, options: RenderOptions) -> Iterator[Asset]:
    """Yield `today/days/MM-DD.json` for every day (what the home page reads) and the
    anniversary calendar."""
    days = events_by_day(catalog)
    if not any(days.values()):
        return
    nearest = nearest_days(days)
    for day, events in days.items():
        near = nearest[day]
        body: dict[str, object] = {"day": day, "title": day_title(day),
                                   "events": [_event_json(e) for e in events]}
        if not events and near:
            body["nearest"] = {"day": near, "title": day_title(near),
                               "url": day_url(near)}
        yield Asset(f"{TODAY_DIR}/days/{day}.json",
                    json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n")
    from .calendar import anniversary_calendar  # icalendar only when writing feeds

    yield Asset(CALENDAR_URI, anniversary_calendar(
        [e for events in days.values() for e in events], options, data_date(catalog)))
