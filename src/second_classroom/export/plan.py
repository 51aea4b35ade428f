"""A 读书班 (study plan) as printable documents: 日程表, 签到表, 学习记录, 研讨题.

Each is a `Document` of the same blocks the outline exports use (plus tables), so the
DOCX (公文 layout), PDF and Markdown writers and the download cache need nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..catalog import Catalog
from ..cnformat import cn_number, cndate
from ..models import STUDYPLANS, Record, minutes_text
from ..render.studyplan import part_title
from .document import Block, Document, _Builder, one_line

SIGN_IN_ROWS = 15  # blank rows per session on the sign-in sheet
REFLECTION_ROWS = 6  # blank lines for 心得 per session on the study record


@dataclass(frozen=True)
class PlanPart:
    """One printable document of a plan: its file-name suffix and title."""

    slug: str
    title: str


PARTS = {
    "richeng": PlanPart("richeng", "日程表"),
    "qiandao": PlanPart("qiandao", "签到表"),
    "jilu": PlanPart("jilu", "学习记录"),
    "yantao": PlanPart("yantao", "研讨题"),
    # All four, each from a new page: one PDF to print (a PDF costs seconds of font
    # subsetting, so a plan has one rather than four).
    "quanbu": PlanPart("quanbu", "日程表、签到表、学习记录、研讨题"),
}


def _plan(catalog: Catalog, plan_id: str) -> Record:
    plan = catalog.records.get(plan_id)
    if plan is None or plan.spec is not STUDYPLANS:
        raise KeyError(plan_id)
    return plan


def _sessions(plan: Record) -> list[dict[str, Any]]:
    return sorted(plan.data["sessions"], key=lambda s: s["order"])


def _when(session: dict[str, Any]) -> str:
    parts = []
    if session.get("day"):
        parts.append(f"第{cn_number(session['day'])}天")
    if session.get("time"):
        parts.append(str(session["time"]))
    return "".join(parts)


def _heading(session: dict[str, Any]) -> str:
    return f"第{cn_number(session['order'])}次 {session['title']}"


def _readings(catalog: Catalog, session: dict[str, Any]) -> list[str]:
    out = []
    for use in session.get("readings", []):
        reading = catalog.records.get(use["reading"])
        if reading is None:
            continue
        name = reading.spec.display_title(reading.title)
        chapter = part_title(reading, str(use["chapter"])) if use.get("chapter") else ""
        out.append(f"{name} {chapter}" if chapter else name)
    return out


def _title_of(catalog: Catalog, record_id: str | None) -> str:
    record = catalog.records.get(record_id or "")
    return record.spec.display_title(record.title) if record else ""


def _dates(plan: Record) -> str:
    d = plan.data
    if not d.get("start"):
        return ""
    text = cndate(d["start"]) + (f"至{cndate(d['end'])}" if d.get("end") else "")
    return text + ("（示例）" if d.get("sample") else "")


def plan_document(catalog: Catalog, plan_id: str, part: str,
                  author: str = "第二课堂") -> Document:
    """Return document `part` (richeng, qiandao, jilu or yantao) of plan `plan_id`.

    Raises:
        KeyError: no published plan has that id, or no such part.
    """
    plan = _plan(catalog, plan_id)
    kind = PARTS[part]
    d = plan.data
    if part == "quanbu":
        blocks: list[Block] = []
        parts = [p for p in PARTS.values() if p.slug != part]
        for each in parts:  # the first part's title is the subtitle, the others head pages
            if blocks:
                blocks.append(Block("page", each.title))
            blocks += plan_document(catalog, plan_id, each.slug, author).blocks
        return Document(
            id=f"{plan.id}-{kind.slug}", title=one_line(plan.title), subtitle=parts[0].title,
            blocks=tuple(blocks), sources=(), date=d["verified"], author=author,
            keywords=tuple(d.get("themes", [])))
    b = _Builder()
    b.meta("组织单位", d["organiser"])
    b.meta("学习对象", d["audience"])
    b.meta("日期", _dates(plan))
    if d.get("sample"):
        b.para("示例：本读书班是供参考的模板，不记述某次实际举办的活动，组织单位可按本地情况调整。")
    sessions = _sessions(plan)
    if part == "richeng":
        b.para(str(d["summary"]))
        b.table("日程一览", ("次序", "时间", "形式", "内容", "时长"),
                [(cn_number(s["order"]), _when(s), str(s["form"]), str(s["title"]),
                  minutes_text(s["duration"])) for s in sessions])
        for s in sessions:
            b.h1(_heading(s))
            b.meta("时间", _when(s))
            b.meta("形式", s["form"])
            b.meta("时长", minutes_text(s["duration"]))
            b.meta("学习篇目", "；".join(_readings(catalog, s)))
            b.meta("宣讲提纲", _title_of(catalog, s.get("outline")))
            b.meta("现场教学", _title_of(catalog, s.get("site") or s.get("route")))
            if s.get("questions"):
                b.para("研讨题：")
                b.items([str(q) for q in s["questions"]])
            b.meta("心得提示", s.get("reflection"))
            b.meta("说明", s.get("note"))
    elif part == "qiandao":
        for s in sessions:
            b.h1(_heading(s))
            b.meta("时间", _when(s) or "＿＿月＿＿日")
            b.table(f"{s['title']}签到", ("序号", "姓名", "单位或支部", "签到", "备注"),
                    [(str(n), "", "", "", "") for n in range(1, SIGN_IN_ROWS + 1)])
    elif part == "jilu":
        b.meta("姓名", "＿＿＿＿＿＿　　单位或支部：＿＿＿＿＿＿")
        for s in sessions:
            b.h1(_heading(s))
            b.meta("形式", f"{s['form']}，{minutes_text(s['duration'])}")
            readings = _readings(catalog, s)
            b.table("学习情况", ("学习内容", "完成日期", "完成情况"),
                    [("参加本次学习", "", "")] + [(r, "", "") for r in readings])
            b.meta("心得提示", s.get("reflection"))
            b.table("心得体会", ("心得体会",), [("",)] * REFLECTION_ROWS)
    elif part == "yantao":
        asked = [s for s in sessions if s.get("questions")]
        for s in asked:
            b.h1(_heading(s))
            b.items([str(q) for q in s["questions"]])
        if not asked:
            b.para("本读书班没有列出研讨题。")
    b.meta("核对日期", cndate(d["verified"]))
    return Document(
        id=f"{plan.id}-{kind.slug}", title=one_line(plan.title), subtitle=kind.title,
        blocks=tuple(b.blocks), sources=(), date=d["verified"], author=author,
        keywords=tuple(d.get("themes", [])),
    )


__all__ = ["PARTS", "SIGN_IN_ROWS", "PlanPart", "plan_document"]
