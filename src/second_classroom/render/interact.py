"""互动化 on the phone: 打卡 (check-in) at a site, the 我的足迹 page, and quizzes.

Nothing about the visitor leaves the phone. A site's QR code opens its page in check-in
mode (`CHECKIN_QUERY`, kept stable because printed posters outlive builds); there
docs/assets/checkin.js stores the site id and the date in localStorage. The site page
carries what 我的足迹 needs about the site (its name, province, themes, the routes and
读书班 sessions it belongs to), so the footprints page needs no data file and its cost
does not grow with the number of records.

A quiz is a record's `questions` (models.QUESTION): each shown with real radio buttons,
then, as a list after them, every answer with its explanation and the record (and field)
it comes from; docs/assets/quiz.js turns the list into right/wrong feedback per question
and keeps the score on the phone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ..catalog import Catalog
from ..models import ROUTES, STUDYPLANS, TRUE_FALSE, Record
from .page import Page

CHECKIN_QUERY = "?at=qr"  # printed on posters: never change it
FOOTPRINTS_URI = "footprints/index.md"
FOOTPRINTS_TITLE = "我的足迹"


@dataclass(frozen=True)
class QuizItem:
    """One question as a page shows it."""

    number: int
    key: str  # digest of the question: its score entry on the phone
    question: str
    choices: tuple[str, ...]
    answer: str
    explanation: str
    basis: Record | None
    basis_label: str

    @property
    def true_false(self) -> bool:
        return self.choices == TRUE_FALSE


def question_digest(question: dict[str, Any]) -> str:
    """Return a short hash of a question, its choices and answer: an edited question
    starts unanswered."""
    payload = json.dumps([question["question"], question.get("choices", []),
                          question["answer"]], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def basis_of(catalog: Catalog, question: dict[str, Any]) -> tuple[Record | None, str]:
    """Return the record supporting an answer and the label of its field."""
    basis = question["basis"]
    record = catalog.records.get(str(basis["record"]).split("/", 1)[1])
    if record is None:
        return None, ""
    return record, record.spec.field(str(basis["field"])).label


def quiz_items(catalog: Catalog, record: Record) -> list[QuizItem]:
    """Return the quiz of `record` (empty when it has none)."""
    items = []
    for n, q in enumerate(record.data.get("questions", []), start=1):
        basis, label = basis_of(catalog, q)
        items.append(QuizItem(n, question_digest(q), str(q["question"]),
                              tuple(q.get("choices") or TRUE_FALSE), str(q["answer"]),
                              str(q["explanation"]), basis, label))
    return items


def _stops(catalog: Catalog, route: Record) -> list[list[str]]:
    return [[s["site"], catalog.records[s["site"]].title]
            for s in route.data.get("stops", []) if s["site"] in catalog.records]


def _places(catalog: Catalog, session: dict[str, Any]) -> list[list[str]]:
    """Return [id, name] of the sites a 现场教学 session visits: its site, its route's stops."""
    places: list[list[str]] = []
    site = catalog.records.get(session.get("site", ""))
    if site is not None:
        places.append([site.id, site.title])
    route = catalog.records.get(session.get("route", ""))
    if route is not None:
        places += [p for p in _stops(catalog, route) if p not in places]
    return places


def checkin_data(catalog: Catalog, site: Record) -> str:
    """Return, as JSON, what 我的足迹 keeps about a site once checked in: its name, page,
    province and themes, each route through it with all its stops, and each 读书班 whose
    现场教学 sessions visit it, with those sessions' places."""
    routes = catalog.related(site, ROUTES.name)
    plans: dict[str, Record] = {p.id: p for p in catalog.related(site, STUDYPLANS.name)}
    for route in routes:
        plans.update((p.id, p) for p in catalog.related(route, STUDYPLANS.name))
    plan_data = []
    for plan in sorted(plans.values(), key=lambda r: r.id):
        sessions = [{"order": s["order"], "title": s["title"], "sites": _places(catalog, s)}
                    for s in sorted(plan.data.get("sessions", []), key=lambda s: s["order"])]
        sessions = [s for s in sessions if s["sites"]]
        if any(site.id == p[0] for s in sessions for p in s["sites"]):
            plan_data.append({"id": plan.id, "title": plan.title, "url": plan.url,
                              "sessions": sessions})
    data = {
        "id": site.id, "name": site.title, "url": site.url,
        "province": site.data["region"]["province"], "themes": site.data.get("themes", []),
        "routes": [{"id": r.id, "name": r.title, "url": r.url, "stops": _stops(catalog, r)}
                   for r in routes],
        "plans": plan_data,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def footprints_page() -> Page:
    """Return 我的足迹: filled on the phone from localStorage by checkin.js."""
    from .environment import render

    html = render("footprints.html", "footprints/")
    return Page(FOOTPRINTS_URI, FOOTPRINTS_TITLE, html,
                "在本机查看打卡过的红色地标、线路和读书班现场教学进度", listed=False)
