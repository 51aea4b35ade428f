"""Record pages of the commonest template written out directly, without a Jinja render.

A Jinja render of a record page costs ~0.35 ms, most of it the template engine's own
work (a context per render, a module of macros per render, every call and attribute
through the context and the environment); 70 % of a large site's records are sites.
`site_page` writes what templates/site.html (and the macros of _macros.html it calls)
writes, byte for byte, for the pages the sites of a large site have; `person_page` and
`relic_page` do the same for the next commonest kinds (10 % each), and `lecture_page` and
`task_page` for 宣讲 and ledger items, which a county's deployment has by the thousand
(lecture.html, task.html and the macros of _boards.html they call); `PAGE_WRITERS` does
the same for pages that are not a record's: the schedule's lists (schedule_list.html),
each listing thousands of lectures between them, and the listings of kinds and facet
values (listing.html, some 400 pages at 10,000 records). The template stays
the definition: a page with anything this code does not write itself (photos, a quiz, the
读书班 that use the site) is left to it (`page` returns None), and tests/test_direct.py
compares the two on every sample site, synthetic sites and generated values.
So a change to one of these templates or to those macros must be made here too, or that
test fails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import markupsafe
from markupsafe import escape

from ..cnformat import cndate, partial_date, region_text
from ..models import HELD, Record, RecordKind
from .environment import card_note, render, root_of
from .page import facet_url

# Views of a record (render._RecordView) are passed in as they are: typed loosely here so
# that this module does not import the renderer that imports it.
View = Any


def _replaced(text: str) -> str:
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;") \
        .replace("'", "&#39;").replace('"', "&#34;")


# markupsafe.escape's own escaping of a str, without the Markup made around it (its C
# speedup, where it has one: same output as `_replaced`).
_escape_text: Callable[[str], str] = getattr(markupsafe, "_escape_inner", _replaced)


def _e(value: Any) -> str:
    """Return `value` escaped as the template prints it (markupsafe.escape)."""
    if value.__class__ is str:
        return _escape_text(value)
    return escape(value)  # a str (Markup)


def _cards(records: list[Record], root: str, out: list[str]) -> None:
    """_macros.html `cards` (without show_kind)."""
    out.append('<ul class="sc-cards">')
    for r in records:
        note = card_note(r)
        out += ['\n<li><a href="', root, _e(r.url), '"><strong>', _e(r.title), "</strong>"]
        if note:
            out += ['<span class="sc-note">', _e(note), "</span>"]
        out.append("</a></li>")
    out.append("\n</ul>")


def _related(title: str, records: list[Record], root: str, out: list[str]) -> None:
    """_macros.html `related` (called only with records)."""
    out += ['\n<section class="sc-related"><h2>', _e(title), "<small>", str(len(records)),
            "</small></h2>\n"]
    _cards(records, root, out)
    out.append("\n</section>")


def _chips(field: str, values: Any, root: str, out: list[str]) -> None:
    """_macros.html `chips`."""
    if values:
        out.append('<ul class="sc-chips">')
        for v in values:
            out += ['<li><a href="', root, _e(facet_url(field, v)), '">', _e(v), "</a></li>"]
        out.append("</ul>")


def _aliases(d: dict[str, Any], out: list[str]) -> None:
    """`{% if d.aliases %}{{ m.aliases(d.aliases) }}{% endif %}`."""
    if aliases := d.get("aliases"):
        out += ['<p class="sc-aliases">又称 ', "、".join(_e(str(a)) for a in aliases), "</p>"]


def _facts(rows: tuple[tuple[str, Any], ...], out: list[str]) -> None:
    """_macros.html `facts`."""
    shown = [(label, value) for label, value in rows if value]
    if shown:
        out.append('\n<dl class="sc-facts">')
        for label, value in shown:
            out += ["\n<dt>", label, "</dt><dd>", _e(value), "</dd>"]
        out.append("\n</dl>")


def _body(text: Any, root: str, v: View, out: list[str]) -> None:
    """_macros.html `body`."""
    if text:
        out += ['<div class="sc-body">', v.rich(text, root), "</div>"]


def _events(items: list[Any], root: str, out: list[str]) -> None:
    """_macros.html `events` (called only with events)."""
    out.append('\n<section class="sc-events-of"><h2>大事</h2>\n<ol class="sc-timeline">')
    for e in items:
        out += ['\n<li><time datetime="', _e(e.date), '">']
        day = e.day
        if day:
            out += ['<a href="', root, "today/", _e(day), '/">', _e(partial_date(e.date)),
                    "</a>"]
        else:
            out.append(_e(partial_date(e.date)))
        out += ["</time><p>", _e(e.text)]
        if e.source_number:
            out += ['<sup class="sc-cite">[', _e(e.source_number), "]</sup>"]
        out.append("</p></li>")
    out.append("\n</ol>\n</section>")


def _sources(d: dict[str, Any], out: list[str]) -> None:
    """_macros.html `sources`."""
    out.append('<section class="sc-sources"><h2>来源</h2>\n<ol>')
    for s in d.get("sources", ()):
        out.append("\n<li>")
        title = _e(s.get("title", ""))
        if s.get("url"):
            out += ['<a href="', _e(s["url"]), '" rel="noopener noreferrer nofollow">', title,
                    "</a>"]
        else:
            out.append(title)
        if s.get("publisher"):
            out += ["，", _e(s["publisher"])]
        if s.get("accessed"):
            out += ["（", _e(cndate(s["accessed"])), "访问）"]
        if s.get("type"):
            out += ['<span class="sc-source-type">', _e(s["type"]), "</span>"]
        out.append("</li>")
    verified = d.get("verified", "")
    out += ['\n</ol>\n<p class="sc-verified">核实日期：<time datetime="', _e(verified), '">',
            _e(cndate(verified)),
            "</time>。如发现错误，欢迎按“参与贡献”说明提出修改。</p>\n</section>"]


# The related lists of site, person and relic pages: kind and heading, in the templates' order.
_RELATED = (("people", "相关人物"), ("relics", "相关文物"), ("readings", "相关书目"),
            ("outlines", "使用本旧址的宣讲提纲"), ("routes", "包含本旧址的红色线路"))
_PERSON_RELATED = (("sites", "相关旧址"), ("relics", "相关文物"),
                   ("outlines", "讲到此人的宣讲提纲"))
_RELIC_RELATED = (("people", "相关人物"), ("outlines", "讲到此文物的宣讲提纲"))


def _related_lists(record: Record, v: View, kinds: tuple[tuple[str, str], ...]
                   ) -> list[tuple[str, list[Record]]]:
    """Return each (kind, heading) of `kinds` as its heading and `record`'s related records."""
    return [(title, v.related(record, kind)) for kind, title in kinds]


def _opening(record: Record, css: str) -> list[str]:
    """What site.html, person.html and relic.html begin with: the heading and aliases."""
    out = ['<div class="sc-record ', css, '">\n<h1>', _e(record.title), "</h1>\n"]
    _aliases(record.data, out)
    return out


def site_page(record: Record, root: str, pictures: list[Any], v: View) -> str | None:
    """Return what templates/site.html renders for `record`, or None for a page this
    function leaves to the template (photos, a quiz, 读书班 that use the site)."""
    if pictures or v.related(record, "studyplans") or v.quiz(record):
        return None
    d = record.data
    stories = v.related(record, "stories")
    events = v.events(record)
    region = region_text(d["region"])
    maps = v.maps(record)
    related = _related_lists(record, v, _RELATED)
    nearby = v.nearby(record)
    qr = v.qr(record)
    out = _opening(record, "sc-site")
    out += ['\n<p class="sc-badges"><span class="sc-badge">', _e(d.get("kind", "")), "</span>"]
    for x in d.get("designations") or ():
        out += ['<span class="sc-badge sc-badge--title">', _e(x), "</span>"]
    out += ['</p>\n<p class="sc-lead">', _e(d.get("summary", "")),
            '</p>\n<section class="sc-checkin" id="checkin" data-sc-checkin="',
            _e(v.checkin(record)), _CHECKIN, root, 'footprints/">查看我的足迹</a></p>\n'
            '</section>\n\n<section class="sc-visit"><h2>参观信息</h2>\n']
    _facts((("所在地区", region), ("地址", d.get("address")), ("开放时间", d.get("open_hours")),
            ("预约", d.get("booking"))), out)
    if d.get("website"):
        out += ['<p><a href="', _e(d["website"]), '" rel="noopener noreferrer nofollow">'
                "官方网站</a></p>"]
    out.append('\n<p class="sc-notice">开放时间和预约方式可能调整，出行前请以官方发布为准。</p>\n'
               '<div class="sc-nav">\n<p class="sc-nav__title">导航')
    if not d.get("location"):
        out.append("<small>（暂无核实坐标，将按名称搜索）</small>")
    out.append("</p>")
    for link in maps:
        app = _e(link.app)
        out += ['\n<a class="sc-button" href="', _e(link.url),
                '" rel="noopener noreferrer nofollow" data-map="', app, '">', app, "</a>"]
    out.append("\n</div>\n</section>\n")
    _body(d.get("body"), root, v, out)
    out.append("\n")
    if events:
        _events(events, root, out)
    for title, records in related:
        out.append("\n")
        if records:
            _related(title, records, root, out)
    out.append("\n\n")  # the 读书班 (none: see above), then the stories
    if stories:
        _related("相关经验做法", stories, root, out)
    if nearby:
        out.append('\n<section class="sc-related sc-nearby"><h2>附近的红色资源</h2>\n'
                   '<ul class="sc-cards">')
        for r, km in nearby:
            out += ['\n<li><a href="', root, _e(r.url), '"><strong>', _e(r.title),
                    '</strong><span class="sc-note">约 ', _e(km), " 公里 · ",
                    _e(r.data["region"]["province"]), "</span></a></li>"]
        out.append("\n</ul></section>")
    out.append('\n<section class="sc-tags"><h2>分类</h2>\n')
    _chips("province", [d["region"]["province"]], root, out)
    _chips("theme", d.get("themes"), root, out)
    _chips("period", d.get("periods"), root, out)
    _chips("audience", d.get("audiences"), root, out)
    out += ['\n</section>\n\n<section class="sc-qr"><h2>现场教学二维码</h2>\n<figure>', qr,
            "<figcaption>在现场扫码打开本页，即可打卡</figcaption></figure>\n"
            '<p><a class="sc-button" href="poster.html">打印 A4 海报</a></p>\n</section>\n']
    _sources(d, out)
    out += ['\n</div>\n<script src="', root, 'assets/checkin.js" defer></script>']
    return "".join(out)


def person_page(record: Record, root: str, pictures: list[Any], v: View) -> str | None:
    """Return what templates/person.html renders for `record`, or None for a page with
    photos (left to the template)."""
    if pictures:
        return None
    d = record.data
    events = v.events(record)
    related = _related_lists(record, v, _PERSON_RELATED)
    out = _opening(record, "sc-person")
    out += ['\n<p class="sc-lead">', _e(d.get("role", "")), "</p>\n"]
    _facts((("生卒", v.lifespan(d)), ("籍贯", d.get("native_place"))), out)
    out += ["\n<p>", _e(d.get("summary", "")), "</p>\n\n"]
    _tail(record, root, v, events, related, out)
    return "".join(out)


def relic_page(record: Record, root: str, pictures: list[Any], v: View) -> str | None:
    """Return what templates/relic.html renders for `record`, or None for a page with
    photos (left to the template)."""
    if pictures:
        return None
    d = record.data
    events = v.events(record)
    site = v.record_of(d.get("site"))
    related = _related_lists(record, v, _RELIC_RELATED)
    out = _opening(record, "sc-relic")
    out.append("\n")
    _facts((("年代", d.get("era")), ("类别", d.get("category")), ("级别", d.get("grade")),
            ("收藏单位", d.get("holder"))), out)
    if site:
        out += ['<p>所属旧址：<a href="', root, _e(site.url), '">', _e(site.title), "</a></p>"]
    out.append("\n\n")
    _tail(record, root, v, events, related, out, "description")
    return "".join(out)


def _tail(record: Record, root: str, v: View, events: list[Any],
          related: list[tuple[str, list[Record]]], out: list[str], body: str = "body") -> None:
    """What person.html and relic.html end with, from their body on."""
    d = record.data
    _body(d.get(body), root, v, out)
    out.append("\n")
    if events:
        _events(events, root, out)
    for title, records in related:
        out.append("\n")
        if records:
            _related(title, records, root, out)
    out.append('\n<section class="sc-tags"><h2>分类</h2>')
    _chips("theme", d.get("themes"), root, out)
    _chips("period", d.get("periods"), root, out)
    out.append("</section>\n")
    _sources(d, out)
    out.append("\n</div>")


_SAMPLE = ('\n<p class="sc-sample" role="note"><strong>示例数据</strong>：本页记录属于虚构的“示例区”，'
           "仅用于演示，不代表任何真实地区、单位或个人的工作情况。</p>")


def _head(record: Record, css: str, late: bool = False) -> list[str]:
    """What lecture.html and task.html begin with, up to the status (its paragraph left
    open); `css` names the page's class."""
    status = _e(record.data.get("status", ""))
    return ['<div class="sc-record ', css, '" data-overdue="true">\n<h1>' if late
            else '">\n<h1>', _e(record.title),
            "</h1>\n", _SAMPLE if record.sample else "",
            '\n<p><span class="sc-status" data-status="', status, '">', status, "</span>"]


def lecture_page(record: Record, root: str, pictures: list[Any], v: View) -> str:
    """Return what templates/lecture.html renders for `record`."""
    d = record.data
    outline = v.record_of(d["outline"]) if d.get("outline") else None
    when = cndate(d.get("date", ""))
    if d.get("time"):
        when += f" {d['time']}"
    out = _head(record, "sc-lecture")
    out.append("</p>\n")
    _facts((("日期", when), ("地区", region_text(d["region"])), ("乡镇（街道）", d.get("town")),
            ("村（社区）", d.get("village")), ("地点", d.get("venue")),
            ("宣讲对象", d.get("audience")), ("形式", d.get("form")),
            ("宣讲人", d.get("lecturer")),
            ("参加人数", f"{d['attendance']} 人" if "attendance" in d else "")), out)
    if outline:
        out += ['<p>所用提纲：<a href="', root, _e(outline.url), '">', _e(outline.title),
                "</a></p>"]
    if d.get("note"):
        out += ["<p>", _e(d["note"]), "</p>"]
    kind = _e(record.kind)
    out += ['\n<p><a href="', root, kind, '/">返回宣讲安排</a> · <a href="', root, kind, "/",
            kind, '.ics" type="text/calendar">订阅宣讲日程</a></p>\n</div>']
    return "".join(out)


def task_page(record: Record, root: str, pictures: list[Any], v: View) -> str:
    """Return what templates/task.html renders for `record`."""
    d = record.data
    late = v.overdue(record)
    out = _head(record, "sc-task", late)
    if late:
        out.append('<em class="sc-overdue-tag">逾期</em>')
    out.append("</p>\n")
    completed, closed = d.get("completed"), d.get("closed")
    _facts((("责任单位", d.get("unit")), ("类别", d.get("category")),
            ("开始日期", cndate(d.get("start", ""))), ("完成时限", cndate(d.get("deadline", ""))),
            ("完成日期", cndate(completed) if completed else ""),
            ("销号日期", cndate(closed) if closed else ""),
            ("受益人数", f"{d['beneficiaries']} 人" if "beneficiaries" in d else "")), out)
    if late:
        out += ['<p class="sc-overdue-note">', _e(v.as_of_text()),
                "，完成时限已过而事项尚未完成。</p>"]
    if d.get("result"):
        out += ["<section><h2>完成情况及佐证</h2><p>", _e(d["result"]), "</p></section>"]
    out.append("\n<section><h2>进展记录</h2>")
    if progress := d.get("progress"):
        out.append('\n<ol class="sc-timeline">')
        for p in progress:
            out += ['\n<li><time datetime="', _e(p.get("date", "")), '">',
                    _e(cndate(p.get("date", ""))), "</time><p>", _e(p.get("text", "")),
                    "</p></li>"]
        out.append("\n</ol>")
    else:
        out.append("<p>还没有进展记录。</p>")
    out.append("\n</section>\n")
    if stories := v.related(record, "stories"):
        _related("相关经验做法", stories, root, out)
    out += ['\n<p><a href="', root, _e(v.unit_url(record)), '">', _e(d.get("unit", "")),
            '的全部事项</a> · <a href="', root, _e(record.kind), '/">返回台账</a></p>\n</div>']
    return "".join(out)


def _pager(number: int, count: int, prev: str | None, next_: str | None, root: str,
           out: list[str]) -> None:
    """_macros.html `pager`."""
    if count > 1:
        out.append('\n<nav class="sc-pager" aria-label="分页">')
        if prev:
            out += ['<a href="', root, _e(prev), '" rel="prev">上一页</a>']
        out += ["\n<span>第 ", _e(number), " / ", _e(count), " 页</span>"]
        if next_:
            out += ['<a href="', root, _e(next_), '" rel="next">下一页</a>']
        out.append("\n</nav>")


def _lectures(records: list[Record], place: Callable[[dict[str, Any]], str], root: str,
              out: list[str]) -> None:
    """_boards.html `lectures`."""
    out.append('<ol class="sc-lectures">')
    for r in records:
        d = r.data
        date, status, audience = d["date"], _e(d.get("status", "")), _e(d.get("audience", ""))
        out += ['\n<li class="sc-lecture" data-status="', status, '" data-town="',
                _e(d.get("town", "")), '" data-audience="', audience, '" data-month="',
                f"{date.year:04d}-{date.month:02d}", '">\n<time datetime="', _e(date), '">',
                _e(cndate(date))]
        if d.get("time"):
            out += [" ", _e(d["time"])]
        out += ['</time>\n<a href="', root, _e(r.url), '"><strong>', _e(r.title),
                '</strong></a>\n<span class="sc-note">', _e(place(d)), " · ", audience, " · ",
                _e(d.get("form", "")), " · ", _e(d.get("lecturer", "")),
                '</span>\n<span class="sc-status" data-status="', status, '">', status,
                "</span>"]
        if "attendance" in d and d.get("status") == HELD:
            out += ["<small>", _e(d["attendance"]), " 人参加</small>"]
        out.append("\n</li>")
    out.append("\n</ol>")


def schedule_list_page(root: str, spec: RecordKind, title: str, stamp: str, sample: bool,
                       records: list[Record], total: int, pages: dict[str, Any],
                       outline: Record | None, place: Callable[[dict[str, Any]], str],
                       **unused: Any) -> str:
    """Return what templates/schedule_list.html renders (a schedule's page by month,
    乡镇, audience or outline: boards.schedule_pages)."""
    out = ['<div class="sc-board sc-schedule-list">\n<h1>', _e(title), "</h1>\n",
           _SAMPLE if sample else "", "\n"]
    if stamp:
        out += ['<p class="sc-asof">', _e(stamp), "（按数据中最近登记的日期计算）</p>"]
    out += ['\n<p class="sc-count">共 ', _e(total), " 场：即将开展的在前，其余按日期从近到远。</p>"]
    if outline:
        out += ['<p>所用提纲：<a href="', root, _e(outline.url), '">', _e(outline.title),
                "</a></p>"]
    out.append("\n")
    _lectures(records, place, root, out)
    out.append("\n")
    _pager(pages["number"], pages["count"], pages["prev"], pages["next"], root, out)
    out += ['\n<p><a href="', root, _e(spec.name), '/">返回', _e(spec.label), "</a></p>\n</div>"]
    return "".join(out)


def listing_page(root: str, title: str, total: int, groups: list[tuple[str, list[Record]]],
                 pages: Any, intro: str = "",
                 facet_links: list[tuple[str, list[tuple[str, str, int]]]] | None = None,
                 **unused: Any) -> str:
    """Return what templates/listing.html renders (a kind's, a facet value's listing:
    render._paginated)."""
    out = ['<div class="sc-listing">\n<h1>', _e(title), "</h1>"]
    if intro:
        out += ['<p class="sc-lead">', _e(intro), "</p>"]
    out += ['\n<p class="sc-count">共 ', _e(total), " 条</p>"]
    for heading, records in groups:
        if heading:
            out += ["<h2>", _e(heading), "<small>", str(len(records)), "</small></h2>"]
        out.append("\n")
        _cards(records, root, out)
    out.append("\n")
    _pager(pages.number, pages.count, pages.prev, pages.next, root, out)
    if facet_links:
        out.append('\n<section class="sc-facets"><h2>分类浏览</h2>')
        for heading, links in facet_links:
            out += ["\n<h3>", _e(heading), '</h3>\n<ul class="sc-chips">']
            for label, url, count in links:
                out += ['<li><a href="', root, _e(url), '">', _e(label), "<small>", _e(count),
                        "</small></a></li>"]
            out.append("</ul>")
        out.append("\n</section>")
    out.append("\n</div>")
    return "".join(out)


# Template name -> its direct writer, for pages that are not a record's (called with the
# page's root and the template's context).
PAGE_WRITERS: dict[str, Callable[..., str]] = {
    "schedule_list.html": schedule_list_page,
    "listing.html": listing_page,
}


def page(template: str, url: str, **context: Any) -> str:
    """Return `template` rendered for the page at `url`: by its direct writer if it has
    one (PAGE_WRITERS), else by Jinja (environment.render)."""
    write = PAGE_WRITERS.get(template)
    if write is not None:
        return write(root_of(url), **context)
    return render(template, url, **context)


_CHECKIN = ('" aria-labelledby="checkin-title" hidden>\n<h2 id="checkin-title">打卡</h2>\n'
            '<p class="sc-checkin__qr" hidden>你是扫描现场二维码打开本页的，可以在这里打卡。</p>\n'
            '<p><button type="button" class="sc-button sc-checkin__button">标记为已参观</button>'
            '</p>\n<p class="sc-checkin__status" role="status"></p>\n<p class="sc-privacy">'
            "打卡只记下旧址和日期，保存在这部手机（本浏览器）里：不读取位置，不发送到任何地方。"
            '<a href="')

# Template name -> its direct writer. A record of a kind with another template, or a page
# its writer leaves (None), is rendered by Jinja.
WRITERS: dict[str, Callable[[Record, str, list[Any], View], str | None]] = {
    "site.html": site_page,
    "person.html": person_page,
    "relic.html": relic_page,
    "lecture.html": lecture_page,
    "task.html": task_page,
}
