"""What a 读书班 (study plan) page shows: its sessions day by day, each with the records it
uses, and the keys under which a participant's ticks are kept on the phone.

Progress lives only in the browser's localStorage (docs/assets/studyplan.js). Each session
carries a digest of its own content, and ticks are stored under the plan id plus that
digest: when an editor changes one session, its digest changes and the old ticks no longer
apply to it (the page flags it as changed), while every unchanged session keeps its ticks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ..catalog import Catalog
from ..cnformat import cn_number
from ..models import Record, minutes_text
from .maps import MapLink, map_links
from .page import Download

STORAGE_PREFIX = "sc-plan"  # localStorage keys: sc-plan:<plan id>:<session digest>


def session_digest(session: dict[str, Any]) -> str:
    """Return a short hash of everything a session says (its progress key)."""
    payload = json.dumps(session, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def session_items(session: dict[str, Any]) -> list[str]:
    """Return the ids of what a participant can tick in a session: the session itself
    (`done`) and each assigned reading (`r1`, `r2`, …)."""
    return ["done", *(f"r{n}" for n in range(1, len(session.get("readings", [])) + 1))]


def progress_spec(plan: dict[str, Any]) -> str:
    """Return `digest:count` per session, space-separated: what a page needs to compute a
    plan's progress from localStorage without the plan page."""
    return " ".join(f"{session_digest(s)}:{len(session_items(s))}"
                    for s in sorted(plan["sessions"], key=lambda s: s["order"]))


def part_title(record: Record, part: str) -> str:
    """Return the title of part `part` of `record` (a reading's chapter), or ""."""
    name = record.spec.parts
    for item in record.data.get(name, []) if name else []:
        if str(item.get("id")) == part:
            return str(item.get("title", ""))
    return ""


@dataclass
class ReadingUse:
    """A reading assigned in a session, whole or one chapter."""

    record: Record
    item: str  # progress item id: r1, r2, …
    chapter: str = ""  # the chapter's title, "" for the whole reading
    chapter_id: str = ""


@dataclass
class Stop:
    """A site visited in a session, with its navigation links."""

    site: Record
    maps: list[MapLink]
    note: str = ""


@dataclass
class SessionView:
    """One session as the plan page shows it."""

    data: dict[str, Any]
    digest: str
    items: list[str]
    readings: list[ReadingUse] = field(default_factory=list)
    outline: Record | None = None
    outline_downloads: list[Download] = field(default_factory=list)
    site: Stop | None = None
    route: Record | None = None
    stops: list[Stop] = field(default_factory=list)

    @property
    def duration(self) -> str:
        return minutes_text(int(self.data["duration"]))

    @property
    def order(self) -> int:
        return int(self.data["order"])


@dataclass
class PlanView:
    """A plan's sessions grouped by day, and its totals."""

    days: list[tuple[str, list[SessionView]]]
    items: int
    minutes: int
    progress: str

    @property
    def duration(self) -> str:
        return minutes_text(self.minutes)

    @property
    def sessions(self) -> list[SessionView]:
        return [s for _, sessions in self.days for s in sessions]


def _stop(site: Record, note: str = "") -> Stop:
    d = site.data
    loc = d.get("location") or {}
    return Stop(site, map_links(site.title, loc.get("lat"), loc.get("lng"),
                                d.get("address", ""), d.get("region", {}).get("city", "")),
                note)


def plan_view(catalog: Catalog, plan: Record,
              downloads: dict[str, list[Download]]) -> PlanView:
    """Return what the page of `plan` shows, with every referenced record looked up."""
    records = catalog.records
    views: list[SessionView] = []
    for session in sorted(plan.data["sessions"], key=lambda s: s["order"]):
        view = SessionView(session, session_digest(session), session_items(session))
        for n, use in enumerate(session.get("readings", []), start=1):
            reading = records.get(use["reading"])
            if reading is not None:
                part = str(use.get("chapter", ""))
                view.readings.append(ReadingUse(reading, f"r{n}",
                                                part_title(reading, part) if part else "", part))
        if (outline := records.get(session.get("outline", ""))) is not None:
            view.outline = outline
            view.outline_downloads = downloads.get(outline.id, [])
        if (site := records.get(session.get("site", ""))) is not None:
            view.site = _stop(site)
        if (route := records.get(session.get("route", ""))) is not None:
            view.route = route
            view.stops = [_stop(records[s["site"]], s.get("note", ""))
                          for s in route.data.get("stops", []) if s["site"] in records]
        views.append(view)
    days: list[tuple[str, list[SessionView]]] = []
    for view in views:
        day = view.data.get("day")
        label = f"第{cn_number(day)}天" if day else "学习安排"
        if not days or days[-1][0] != label:
            days.append((label, []))
        days[-1][1].append(view)
    return PlanView(days, sum(len(v.items) for v in views),
                    sum(int(v.data["duration"]) for v in views), progress_spec(plan.data))
