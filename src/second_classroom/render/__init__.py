"""Render the catalog into pages: one per record, listings, facet pages and home.

Pages are plain HTML fragments with a title; any site engine can wrap them in its theme.
`hooks/` hands them to MkDocs; `write_pages` writes them as Markdown files for others.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2
import markupsafe

from ..catalog import Catalog
from ..models import KINDS, READING_KINDS, Record
from . import qr
from .maps import map_links
from .nearme import nearme_assets
from .provincegrid import divisions, province_chart
from .richtext import markdown_to_html

if TYPE_CHECKING:
    from ..pictures import PictureSet

PAGE_SIZE = 100  # records per listing page: keeps listing pages small on phones

# facet name in URLs -> (Chinese label, catalog facet key, record kinds it lists)
FACETS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "province": ("省份", "province", ("sites",)),
    "kind": ("类型", "kinds", ("sites",)),
    "theme": ("主题", "themes", ("sites", "people", "relics", "readings", "outlines", "routes")),
    "period": ("历史时期", "periods", ("sites", "people", "relics")),
    "audience": ("适用对象", "audiences", ("outlines", "routes", "readings", "sites")),
}

SECTION_NOTES = {
    "sites": "旧址遗迹是教室",
    "people": "英烈模范是教师",
    "relics": "文物史料是教材",
    "readings": "四本书与《求是》文章",
    "outlines": "分众化宣讲，可下载",
    "routes": "现场教学与红色旅游",
}


@dataclass(frozen=True)
class Page:
    """One generated page: its source path (as `x/y.md`), title and HTML content."""

    uri: str
    title: str
    html: str
    description: str = ""
    listed: bool = True  # False: left out of sitemap.xml (e.g. the offline page)

    @property
    def url(self) -> str:
        """Return the page URL relative to the site root (directory style)."""
        stem = self.uri.removesuffix(".md")
        if stem == "index":
            return ""
        return stem.removesuffix("/index") + "/"

    def as_markdown(self) -> str:
        """Return the page as Markdown: JSON front matter (valid YAML) and raw HTML."""
        meta: dict[str, object] = {"title": self.title}
        if self.description:
            meta["description"] = self.description
        if not self.listed:
            meta["sitemap"] = False
        front = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in meta.items())
        return f"---\n{front}\n---\n\n{self.html}\n"


@dataclass(frozen=True)
class Asset:
    """A file written as is (e.g. the printable QR poster of a site)."""

    uri: str
    content: str


@dataclass(frozen=True)
class Download:
    """A download link shown on an outline page."""

    label: str
    href: str


@dataclass
class RenderOptions:
    """What the renderer needs from the site configuration."""

    site_url: str = ""
    site_name: str = "第二课堂"
    local_province: str = ""
    # outline id -> downloads, filled by the export step when it runs
    downloads: dict[str, list[Download]] = field(default_factory=dict)
    # record images -> resized copies (second_classroom.pictures.PictureSet); None: no images
    pictures: PictureSet | None = None
    # 红色地标 landing page: "grid" (province tile grid) or "bars" (plain bar chart)
    province_chart: str = "grid"


def facet_url(facet: str, value: str, page: int = 1) -> str:
    """Return the URL of a facet value's listing page (page numbers from 1)."""
    base = f"{facet}/{quote(value)}/"
    return base if page == 1 else f"{base}{page}/"


def _facet_uri(facet: str, value: str, page: int) -> str:
    return f"{facet}/{value}/index.md" if page == 1 else f"{facet}/{value}/{page}.md"


def _root(url: str) -> str:
    depth = url.count("/")
    return "../" * depth


def cndate(value: Any) -> str:
    """Return a date as 2026年11月25日 (other values as they are)."""
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def region_text(region: dict[str, str]) -> str:
    """Return a site's region as one name: 广西壮族自治区百色市右江区."""
    return "".join(region.get(k, "") for k in ("province", "city", "county"))


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        trim_blocks=False,
        keep_trailing_newline=False,
    )
    env.filters["md"] = lambda text: markupsafe.Markup(markdown_to_html(text))
    env.filters["cndate"] = cndate
    env.globals["facet_url"] = facet_url
    env.globals["kind_noun"] = lambda r: KINDS[r.kind].noun
    env.globals["kind_label"] = lambda r: KINDS[r.kind].label
    env.globals["card_note"] = card_note
    return env


def card_note(record: Record) -> str:
    """Return the short line shown under a record's name in lists."""
    d = record.data
    if record.kind == "sites":
        region = d["region"]
        return f"{d['kind']} · {region['province']}{region.get('city', '')}"
    if record.kind == "people":
        return str(d["role"])
    if record.kind == "relics":
        return str(d["era"])
    if record.kind == "readings":
        return " · ".join(str(x) for x in (d.get("author"), d.get("publisher"),
                                            d.get("issue") or d.get("year")) if x)
    if record.kind == "outlines":
        return f"{d['audience']} · {d['duration_minutes']} 分钟"
    if record.kind == "routes":
        return f"{d['days']} 天 · {len(d['stops'])} 站"
    return ""


def _render(template: str, url: str, **context: Any) -> str:
    return _environment().get_template(template).render(root=_root(url), **context)


def _lifespan(d: dict[str, Any]) -> str:
    born, died = d.get("born"), d.get("died")
    if born and died:
        return f"{born} — {died}"
    if born:
        return f"{born} 生"
    return f"? — {died}" if died else ""


def _qr_title(record: Record) -> str:
    return f"{record.title} 页面二维码"


def page_address(options: RenderOptions, record: Record) -> str:
    """Return the address a QR code encodes: absolute under site_url, else root-relative."""
    return (options.site_url.rstrip("/") + "/" if options.site_url else "/") + record.url


def record_page(catalog: Catalog, record: Record, options: RenderOptions) -> Page:
    """Render one record's page."""
    url = record.url
    rel = catalog.related
    ctx: dict[str, Any] = {"record": record}
    d = record.data
    ctx["pictures"] = options.pictures.pictures(d.get("images")) if options.pictures else []
    if record.kind == "sites":
        region = d["region"]
        loc = d.get("location") or {}
        ctx.update(
            region=region_text(region),
            maps=map_links(record.title, loc.get("lat"), loc.get("lng"),
                           d.get("address", ""), region.get("city", "")),
            people=rel(record, "people"), relics=rel(record, "relics"),
            readings=rel(record, "readings"), outlines=rel(record, "outlines"),
            routes=rel(record, "routes"),
            nearby=[(catalog.records[i], km) for i, km in catalog.nearby.get(record.id, [])],
            qr=qr.qr_svg(page_address(options, record), title=_qr_title(record)),
        )
        template = "site.html"
    elif record.kind == "people":
        ctx.update(lifespan=_lifespan(d), sites=rel(record, "sites"),
                   relics=rel(record, "relics"), outlines=rel(record, "outlines"))
        template = "person.html"
    elif record.kind == "relics":
        ctx.update(site=catalog.records.get(d["site"]), people=rel(record, "people"),
                   outlines=rel(record, "outlines"))
        template = "relic.html"
    elif record.kind == "readings":
        ctx.update(reading_kind=READING_KINDS[d["kind"]], sites=rel(record, "sites"),
                   outlines=rel(record, "outlines"))
        template = "reading.html"
    elif record.kind == "outlines":
        ctx.update(sections=outline_sections(catalog, record),
                   visits=[(catalog.records[v["site"]], v["activity"])
                           for v in d.get("site_visit", []) if v["site"] in catalog.records],
                   readings=[catalog.records[i] for i in d.get("readings", [])
                             if i in catalog.records],
                   downloads=options.downloads.get(record.id, []))
        template = "outline.html"
    else:
        ctx.update(stops=[{"site": catalog.records[s["site"]], "day": s.get("day"),
                           "note": s.get("note")} for s in d["stops"]
                          if s["site"] in catalog.records])
        template = "route.html"
    html = _render(template, url, **ctx)
    summary = str(d.get("summary") or d.get("role") or d.get("era") or "")
    return Page(f"{record.kind}/{record.id}.md", record.title, html, summary)


CN_NUMERALS = "一二三四五六七八九十"


def outline_sections(catalog: Catalog, record: Record) -> list[dict[str, Any]]:
    """Return an outline's sections with Chinese numbering and resolved links."""
    out = []
    for i, section in enumerate(record.data["sections"]):
        def pick(kind: str, s: dict[str, Any] = section) -> list[Record]:
            return [catalog.records[x] for x in s.get(kind, []) if x in catalog.records]
        out.append({
            "number": cn_number(i + 1),
            "data": section,
            "links": [("旧址", pick("sites")), ("人物", pick("people")),
                      ("文物", pick("relics")), ("书目", pick("readings"))],
        })
    return out


def cn_number(n: int) -> str:
    """Return 1..99 as Chinese numerals (一, 十一, 二十三)."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CN_NUMERALS[tens - 1]
    return head + "十" + (CN_NUMERALS[ones - 1] if ones else "")


@dataclass
class _Pages:
    number: int
    count: int
    prev: str | None
    next: str | None


def _paginated(uri_for: Any, url_for: Any, title: str, records: list[Record],
               group_of: Any, **extra: Any) -> Iterator[Page]:
    count = max(1, math.ceil(len(records) / PAGE_SIZE))
    for n in range(1, count + 1):
        chunk = records[(n - 1) * PAGE_SIZE: n * PAGE_SIZE]
        groups: list[tuple[str, list[Record]]] = []
        for record in chunk:
            heading = group_of(record)
            if not groups or groups[-1][0] != heading:
                groups.append((heading, []))
            groups[-1][1].append(record)
        pages = _Pages(n, count, url_for(n - 1) if n > 1 else None,
                       url_for(n + 1) if n < count else None)
        page_title = title if n == 1 else f"{title}（第 {n} 页）"
        url = url_for(n)
        html = _render("listing.html", url, title=page_title, total=len(records),
                       groups=groups, pages=pages, **extra)
        yield Page(uri_for(n), page_title, html, extra.get("intro", ""))


def facet_pages(catalog: Catalog) -> Iterator[Page]:
    """Yield the listing pages of every facet value, grouped by record kind."""
    for facet, (label, key, kinds) in FACETS.items():
        order = {k: i for i, k in enumerate(kinds)}  # e.g. outlines first on audience pages
        for value, records in catalog.facet(key).items():
            shown = sorted((r for r in records if r.kind in kinds),
                           key=lambda r: (order[r.kind], r.id))
            yield from _paginated(
                lambda n, f=facet, v=value: _facet_uri(f, v, n),
                lambda n, f=facet, v=value: facet_url(f, v, n),
                f"{label}：{value}", shown, lambda r: KINDS[r.kind].label,
                intro=f"按{label}“{value}”浏览的红色资源。")


def _facet_counts(catalog: Catalog, facet: str,
                  kinds: tuple[str, ...] | None = None) -> list[tuple[str, str, int]]:
    """Return (value, url, count of records of `kinds`) per facet value (default: all
    the kinds the facet's pages list)."""
    _, key, listed = FACETS[facet]
    counted = kinds or listed
    return [(value, facet_url(facet, value), sum(1 for r in recs if r.kind in counted))
            for value, recs in catalog.facet(key).items()]


def kind_pages(catalog: Catalog, options: RenderOptions | None = None) -> Iterator[Page]:
    """Yield the top listing of each kind; sites get a province and facet overview."""
    chart = province_chart(divisions(catalog), _root("sites/"),
                           (options or RenderOptions()).province_chart)
    for kind, spec in KINDS.items():
        records = catalog.by_kind[kind]
        if kind == "sites":
            provinces = dict((v, (v, u, c)) for v, u, c in _facet_counts(catalog, "province"))
            regions = [(region, [provinces[p] for p in members if p in provinces])
                       for region, members in catalog.vocab.regions.items()]
            regions = [(r, ps) for r, ps in regions if ps]
            facet_links = [(f"按{FACETS[f][0]}", _facet_counts(catalog, f))
                           for f in ("kind", "theme", "period", "audience")]
            html = _render("sites_index.html", "sites/", total=len(records),
                           regions=regions, facet_links=facet_links, chart=chart)
            yield Page("sites/index.md", spec.label, html, SECTION_NOTES[kind])
            continue
        group_of = (lambda r: r.data["audience"]) if kind == "outlines" else (lambda r: "")
        if kind == "outlines":
            audience_order = {a: i for i, a in enumerate(catalog.vocab.terms("audiences"))}
            records = sorted(records, key=lambda r: (audience_order[r.data["audience"]], r.id))
        yield from _paginated(
            lambda n, k=kind: f"{k}/index.md" if n == 1 else f"{k}/page/{n}.md",
            lambda n, k=kind: f"{k}/" if n == 1 else f"{k}/page/{n}/",
            spec.label, records, group_of, intro=SECTION_NOTES[kind],
            facet_links=[("按主题", _facet_counts(catalog, "theme"))]
            if kind in ("people", "relics", "readings") else [],
        )


def home_page(catalog: Catalog, options: RenderOptions) -> Page:
    """Render the home page."""
    sections = [(spec.label, f"{kind}/", len(catalog.by_kind[kind]), SECTION_NOTES[kind])
                for kind, spec in KINDS.items()]
    local = None
    if options.local_province:
        records = catalog.facet("province").get(options.local_province, [])
        if records:
            local = {"province": options.local_province, "records": records,
                     "url": facet_url("province", options.local_province)}
    html = _render("home.html", "", sections=sections, local=local,
                   audiences=_facet_counts(catalog, "audience", kinds=("outlines",)),
                   themes=_facet_counts(catalog, "theme"))
    return Page("index.md", "首页", html, "第二课堂：红色教育资源学习指南与分众化宣讲提纲")


def site_pages(catalog: Catalog, options: RenderOptions,
               records: bool = True) -> Iterator[Page]:
    """Yield every generated page: home, listings, facet pages and (if `records`) records."""
    from .feed import updates_page  # feed.py imports this module

    # Site pages and posters each carry a QR code; let a second core encode them meanwhile.
    qr.encode_ahead([(page_address(options, s), _qr_title(s)) for s in catalog.by_kind["sites"]])
    yield home_page(catalog, options)
    yield from kind_pages(catalog, options)
    yield from facet_pages(catalog)
    yield updates_page(catalog, options)
    if not records:
        return
    for records_of_kind in catalog.by_kind.values():
        for record in records_of_kind:
            yield record_page(catalog, record, options)


def site_assets(catalog: Catalog, options: RenderOptions) -> Iterator[Asset]:
    """Yield files written as they are: the A4 QR poster of every site, the Atom feed."""
    env = _environment()
    template = env.get_template("poster.html")
    for record in catalog.by_kind["sites"]:
        page_url = page_address(options, record)
        html = template.render(record=record, page_url=page_url, site_name=options.site_name,
                               qr=qr.qr_svg(page_url, title=_qr_title(record)))
        yield Asset(f"{record.url}poster.html", html)
    qr.finish()  # posters are the last users of the codes
    from .feed import atom_feed

    yield atom_feed(catalog, options)  # /feed.xml: the most recently verified records
    yield from nearme_assets(catalog)  # nearme/: what 离我最近 reads on the phone


def write_pages(catalog: Catalog, options: RenderOptions, out: Path) -> int:
    """Write every page as Markdown (front matter + HTML) under `out`; return the count.

    This is the engine-neutral output: any static site engine that reads Markdown with
    raw HTML can build it.
    """
    count = 0
    for page in site_pages(catalog, options):
        target = out / page.uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.as_markdown(), encoding="utf-8")
        count += 1
    for asset in site_assets(catalog, options):
        target = out / asset.uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(asset.content, encoding="utf-8")
    if options.pictures is not None:  # resized record photos, next to the pages
        options.pictures.write(out)
    return count
