"""Render the catalog into pages: one per record, listings, facet pages and home.

Pages are plain HTML fragments with a title; any site engine can wrap them in its theme.
What is specific to a kind of record comes from its declaration (models.RecordKind) and
its template; this module asks no record which kind it is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote

import markupsafe

from ..catalog import Catalog
from ..cnformat import cn_number, cndate, lifespan, region_text
from ..events import Event, all_events, record_events
from ..models import FACETS, FACETS_BY_SLUG, KINDS, Record, RecordKind
from ..quotes import citation
from . import boards, direct, interact, qr, studyplan
from .datapage import data_page
from .direct import WRITERS
from .environment import card_note, environment, render, root_of
from .feed import atom_feed, updates_page
from .maps import map_links
from .nearme import nearme_assets
from .page import Asset, Download, Page, RenderOptions, facet_url, url_of
from .provincegrid import divisions, province_chart
from .quotation import rich_html, rich_text
from .today import today_assets, today_pages

__all__ = ["PAGE_SIZE", "Asset", "Download", "Page", "RenderOptions", "card_note",
           "cn_number", "cndate", "encode_codes_ahead", "facet_url", "home_page", "kind_pages", "facet_pages",
           "page_address", "record_page", "listing_pages", "poster_asset",
           "shared_assets", "facet_prefix", "region_text", "site_assets", "site_pages",
           "url_of"]

PAGE_SIZE = 100  # records per listing page: keeps listing pages small on phones


def _facet_uri(facet: str, value: str, page: int) -> str:
    return f"{facet}/{value}/index.md" if page == 1 else f"{facet}/{value}/{page}.md"


def _kind_uri(kind: str, page: int) -> str:
    return f"{kind}/index.md" if page == 1 else f"{kind}/page/{page}.md"


def _kind_url(kind: str, page: int) -> str:
    return f"{kind}/" if page == 1 else f"{kind}/page/{page}/"


def _no_group(record: Record) -> str:
    return ""


def _field_text(name: str) -> Callable[[Record], str]:
    return lambda record: str(record.data[name])


def _qr_title(record: Record) -> str:
    return f"{record.title} 页面二维码"


def page_address(options: RenderOptions, record: Record) -> str:
    """Return the address a QR code encodes: absolute under site_url, else root-relative,
    opening the page in check-in mode (打卡: interact.CHECKIN_QUERY)."""
    return _address(options.site_url, record)


def _address(site_url: str, record: Record) -> str:
    return ((site_url.rstrip("/") + "/" if site_url else "/") + record.url
            + interact.CHECKIN_QUERY)


class _RecordView:
    """What record templates may ask of the catalog: related records, nearby places,
    map links, the QR code and downloads. Templates choose what they show."""

    def __init__(self, catalog: Catalog, options: RenderOptions) -> None:
        self.catalog = catalog
        self.options = options

    def related(self, record: Record, kind: str) -> list[Record]:
        return self.catalog.related(record, kind)

    def record_of(self, record_id: str) -> Record | None:
        return self.catalog.records.get(record_id)

    def records_of(self, ids: list[str] | None) -> list[Record]:
        return [self.catalog.records[i] for i in ids or [] if i in self.catalog.records]

    def with_records(self, items: list[dict[str, Any]] | None, key: str) -> list[dict[str, Any]]:
        """Return `items` whose `key` names a published record, with the record in its place."""
        return [{**item, key: self.catalog.records[item[key]]} for item in items or []
                if item[key] in self.catalog.records]

    def ref_lists(self, item: dict[str, Any]) -> list[tuple[str, list[Record]]]:
        """Return (kind noun, records) for every kind of record an item lists, in kind order."""
        return [(spec.noun, self.records_of(item.get(kind))) for kind, spec in KINDS.items()]

    def nearby(self, record: Record) -> list[tuple[Record, float]]:
        return [(self.catalog.records[i], km) for i, km in self.catalog.nearby.get(record.id, [])]

    def maps(self, record: Record) -> list[Any]:
        d = record.data
        loc = d.get("location") or {}
        return map_links(record.title, loc.get("lat"), loc.get("lng"), d.get("address", ""),
                         d.get("region", {}).get("city", ""))

    def qr(self, record: Record) -> str:
        return qr.qr_svg(page_address(self.options, record), title=_qr_title(record))

    def downloads(self, record: Record) -> list[Download]:
        return self.options.downloads.get(record.id, [])

    def lifespan(self, data: dict[str, Any]) -> str:
        return lifespan(data.get("born"), data.get("died"))

    def scheduled(self, record: Record) -> dict[str, Any]:
        """Return the lectures that use an outline (upcoming, held), from its schedule."""
        return boards.scheduled(self.catalog, record)

    def overdue(self, record: Record) -> bool:
        """Return whether a ledger task is past its deadline at the data's date."""
        return boards.is_overdue(record, boards.as_of(self.catalog))

    def lecture_place(self, data: dict[str, Any]) -> str:
        return boards.lecture_place(data)

    def as_of_text(self) -> str:
        return boards.as_of_text(self.catalog)

    def unit_url(self, record: Record) -> str:
        return boards.unit_url(record.spec, str(record.data["unit"]))

    def rich(self, text: str, root: str) -> markupsafe.Markup:
        """Return record Markdown as HTML, registered quotations ([[quote:ID]]) in place."""
        return markupsafe.Markup(rich_html(text, root, self.catalog.records.get))

    def text(self, text: str, root: str) -> markupsafe.Markup:
        """Return plain record text, escaped, registered quotations in place."""
        return markupsafe.Markup(rich_text(str(text), root, self.catalog.records.get))

    def citation(self, record: Record) -> str:
        """Return where a quotation was said and published, as one line."""
        return citation(record.data)

    def plan(self, record: Record) -> studyplan.PlanView:
        """Return a 读书班's sessions by day with the records they use (studyplan.html)."""
        return studyplan.plan_view(self.catalog, record, self.options.downloads)

    def plan_progress(self, record: Record) -> str:
        """Return the progress keys of a 读书班, for pages that show its progress bar."""
        return studyplan.progress_spec(record.data)

    def listed_by(self, record: Record) -> list[tuple[str, str]]:
        """Return (value, listing URL) for each free-text field the record's kind is
        listed by (a story's unit)."""
        return [(str(record.data[name]), _by_url(record.kind, name, str(record.data[name])))
                for name in record.spec.list_by if record.data.get(name)]

    def events(self, record: Record) -> list[Event]:
        """Return a record's dated events (大事), in date order."""
        return sorted(record_events(record), key=lambda e: e.date)

    def quiz(self, record: Record) -> list[interact.QuizItem]:
        """Return a record's quiz questions with the records that support their answers."""
        return interact.quiz_items(self.catalog, record)

    def checkin(self, record: Record) -> str:
        """Return what 我的足迹 keeps about a site once checked in, as JSON."""
        return interact.checkin_data(self.catalog, record)

    def display(self, record: Record, name: str) -> str:
        """Return field `name` of `record` as its declaration prints it."""
        value = record.data.get(name)
        return "" if value is None else record.spec.field(name).type.display(value)


def record_page(catalog: Catalog, record: Record, options: RenderOptions) -> Page:
    """Render one record's page with its kind's template."""
    view = _RecordView(catalog, options)
    pictures = options.pictures.pictures(record.data.get("images")) if options.pictures else []
    write = WRITERS.get(record.spec.template)
    html = write(record, root_of(record.url), pictures, view) if write is not None else None
    if html is None:  # the template itself (see render.direct)
        html = render(record.spec.template, record.url, record=record, pictures=pictures,
                      v=view)
    if record.draft:  # only the preview's catalog holds drafts
        html = DRAFT_BANNER + html
    return Page(record.uri, record.title, html, record.description)


DRAFT_BANNER = ('<p class="sc-draft" role="note"><strong>草稿</strong>：这条记录标有 '
                "draft: true，只在预览中显示，不会发布到网站。核实后删去 draft 这一行即可发布。</p>\n")


@dataclass
class _Pages:
    number: int
    count: int
    prev: str | None
    next: str | None


def _paginated(uri_for: Callable[[int], str], url_for: Callable[[int], str], title: str,
               records: list[Record], group_of: Callable[[Record], str],
               showing: Collection[str] | None = None, **extra: Any) -> Iterator[Page]:
    """Yield the pages of a listing, PAGE_SIZE records each (only those listing a record
    of `showing`, when given)."""
    count = max(1, math.ceil(len(records) / PAGE_SIZE))
    for n in range(1, count + 1):
        chunk = records[(n - 1) * PAGE_SIZE: n * PAGE_SIZE]
        if showing is not None and not any(r.id in showing for r in chunk):
            continue
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
        html = direct.page("listing.html", url, title=page_title, total=len(records),
                           groups=groups, pages=pages, **extra)
        yield Page(uri_for(n), page_title, html, extra.get("intro", ""))


def facet_pages(catalog: Catalog, values: Collection[tuple[str, str]] | None = None,
                showing: Mapping[tuple[str, str], Collection[str]] | None = None
                ) -> Iterator[Page]:
    """Yield the listing pages of every facet value (or of those (slug, value) in
    `values`; of a value in `showing`, only the pages that list one of its ids), grouped
    by record kind."""
    for facet in FACETS:
        if not facet.pages:
            continue
        kinds = catalog.kinds_with_facet(facet.slug)
        order = {k: i for i, k in enumerate(kinds)}  # e.g. outlines first on audience pages
        for value, records in catalog.facet(facet.slug).items():
            if values is not None and (facet.slug, value) not in values:
                continue
            shown = sorted((r for r in records if r.kind in order),
                           key=lambda r: (order[r.kind], r.id))
            yield from _paginated(
                partial(_facet_uri, facet.slug, value), partial(facet_url, facet.slug, value),
                f"{facet.label}：{value}", shown, lambda r: KINDS[r.kind].label,
                (showing or {}).get((facet.slug, value)),
                intro=f"按{facet.label}“{value}”浏览的红色资源。")


def _facet_counts(catalog: Catalog, slug: str,
                  kinds: tuple[str, ...] | None = None) -> list[tuple[str, str, int]]:
    """Return (value, url, count of records of `kinds`) per facet value (default: all
    the kinds that carry the facet)."""
    if not kinds:  # every record under a facet is of a kind that carries it
        values = catalog.facets.get(slug, {})
        return [(value, facet_url(slug, value), len(values[value]))
                for value in catalog.facet_values_in_order(slug)]
    return [(value, facet_url(slug, value), sum(1 for r in recs if r.kind in kinds))
            for value, recs in catalog.facet(slug).items()]


def _facet_links(catalog: Catalog, slugs: tuple[str, ...]) -> list[
        tuple[str, list[tuple[str, str, int]]]]:
    return [(f"按{FACETS_BY_SLUG[s].label}", _facet_counts(catalog, s)) for s in slugs]


def _province_regions(catalog: Catalog) -> list[tuple[str, list[tuple[str, str, int]]]]:
    """Return the province facet's counts grouped by the vocabulary's regions."""
    provinces = {v: (v, u, c) for v, u, c in _facet_counts(catalog, "province")}
    regions = [(region, [provinces[p] for p in members if p in provinces])
               for region, members in catalog.vocab.regions.items()]
    return [(r, ps) for r, ps in regions if ps]


def kind_pages(catalog: Catalog, options: RenderOptions | None = None,
               kinds: Collection[str] | None = None) -> Iterator[Page]:
    """Yield the listings of each kind (or of `kinds`): its top listing (a kind may
    declare a landing page of its own) and those by the fields it is listed by."""
    chart_kind = (options or RenderOptions()).province_chart
    for kind, spec in KINDS.items():
        records = catalog.by_kind[kind]
        if spec.board or (kinds is not None and kind not in kinds):
            continue  # a board's top page is its board's (boards.board_pages)
        if spec.landing:
            url = f"{kind}/"
            chart = province_chart(divisions(catalog), "../" * url.count("/"), chart_kind)
            html = render(spec.landing, url, total=len(records),
                          regions=_province_regions(catalog),
                          facet_links=_facet_links(catalog, spec.listing_facets), chart=chart)
            yield Page(f"{kind}/index.md", spec.label, html, spec.note)
            continue
        group_of: Callable[[Record], str] = _no_group
        if spec.group_by:  # e.g. outlines by audience, in vocabulary order
            group_of = _field_text(spec.group_by)
            kind_of_field = spec.field(spec.group_by).type
            vocabulary = getattr(kind_of_field, "vocabulary", "")
            values = getattr(kind_of_field, "choices", ()) or catalog.vocab.terms(vocabulary)
            rank = {a: i for i, a in enumerate(values)}
            records = sorted(records, key=lambda r: (rank[group_of(r)], r.id))
        by_value = _listed_by(spec, records)
        yield from _paginated(
            partial(_kind_uri, kind), partial(_kind_url, kind), spec.label, records, group_of, intro=spec.note,
            facet_links=_facet_links(catalog, spec.listing_facets) + [
                (f"按{spec.field(name).label}", [(value, _by_url(kind, name, value), len(rs))
                                                for value, rs in pages.items()])
                for name, pages in by_value.items()],
        )
        for name, pages in by_value.items():  # a story's unit: one listing per value
            label = spec.field(name).label
            for value, shown in pages.items():
                yield from _paginated(
                    partial(_by_uri, kind, name, value), partial(_by_url, kind, name, value),
                    f"{spec.label}：{value}", shown, _no_group,
                    intro=f"{label}为“{value}”的{spec.label}。")


def _listed_by(spec: RecordKind, records: list[Record]) -> dict[str, dict[str, list[Record]]]:
    """Return field -> value -> records, for the free-text fields a kind is listed by."""
    out: dict[str, dict[str, list[Record]]] = {}
    for name in spec.list_by:
        values: dict[str, list[Record]] = {}
        for record in sorted(records, key=lambda r: r.id):
            if record.data.get(name):
                values.setdefault(str(record.data[name]), []).append(record)
        out[name] = dict(sorted(values.items()))
    return out


def _by_uri(kind: str, name: str, value: str, page: int) -> str:
    base = f"{kind}/{name}/{boards.segment(value)}/"
    return f"{base}index.md" if page == 1 else f"{base}{page}.md"


def _by_url(kind: str, name: str, value: str, page: int = 1) -> str:
    base = f"{kind}/{name}/{quote(boards.segment(value), safe='')}/"
    return base if page == 1 else f"{base}{page}/"


def home_page(catalog: Catalog, options: RenderOptions) -> Page:
    """Render the home page."""
    sections = [(spec.label, f"{kind}/", len(catalog.by_kind[kind]), spec.note)
                for kind, spec in KINDS.items()]
    local = None
    if options.local_province:
        records = catalog.facet("province").get(options.local_province, [])
        if records:
            local = {"province": options.local_province, "records": records,
                     "url": facet_url("province", options.local_province)}
    # The audience chips count what leads the audience pages: the outlines.
    outlines = catalog.kinds_with_facet("audience")[:1]
    html = render("home.html", "", sections=sections, local=local,
                  audiences=_facet_counts(catalog, "audience", kinds=outlines),
                  themes=_facet_counts(catalog, "theme"), glance=boards.glance(catalog),
                  today=any(e.day for e in all_events(catalog)), open_data=options.open_data)
    return Page("index.md", "首页", html, "第二课堂：红色教育资源学习指南与分众化宣讲提纲")


def _qr_records(catalog: Catalog) -> list[Record]:
    return [r for kind, spec in KINDS.items() if spec.qr for r in catalog.by_kind[kind]]


def encode_codes_ahead(catalog: Catalog, options: RenderOptions) -> None:
    """Start encoding the QR codes of every page and poster with one on a second core
    (render.qr.encode_ahead): as early as the catalog is there (those already started by
    `encode_checked_codes_ahead` are not started again)."""
    qr.encode_ahead([(page_address(options, r), _qr_title(r)) for r in _qr_records(catalog)])


_KIND_ORDER = {name: number for number, name in enumerate(KINDS)}


def encode_checked_codes_ahead(records: Iterable[Record], site_url: str) -> None:
    """`encode_codes_ahead` for the records that passed the check, before the catalog is
    built of them (the published ones, in the catalog's order): the second core encodes
    while this one builds the catalog (~0.4 s at 10,000 records, on one core otherwise).
    Or for some records read so far (check.check_tree's `read`): a code is the record's
    address and title, so one made for a record the check then rejects is never used.
    `site_url`: the RenderOptions' the pages will have."""
    published = sorted((r for r in records if r.spec.qr and not r.draft),
                       key=lambda r: (_KIND_ORDER[r.kind], r.id))
    qr.encode_ahead([(_address(site_url, r), _qr_title(r)) for r in published])


def site_pages(catalog: Catalog, options: RenderOptions,
               records: bool = True) -> Iterator[Page]:
    """Yield every generated page: home, listings, facet pages and (if `records`) records."""
    encode_codes_ahead(catalog, options)  # if not yet: meanwhile, on a second core
    yield from listing_pages(catalog, options)
    if not records:
        return
    for records_of_kind in catalog.by_kind.values():
        for record in records_of_kind:
            yield record_page(catalog, record, options)


def listing_pages(catalog: Catalog, options: RenderOptions,
                  facet_values: Collection[tuple[str, str]] | None = None,
                  kinds: Collection[str] | None = None,
                  showing: Mapping[tuple[str, str], Collection[str]] | None = None
                  ) -> Iterator[Page]:
    """Yield every page but the records': home, listings of kinds (all, or those of
    `kinds`), facet pages (all, or those of the (slug, value) pairs in `facet_values`;
    see `facet_pages` for `showing`), boards, updates, 党史上的今天, data."""
    yield home_page(catalog, options)
    yield from kind_pages(catalog, options, kinds)
    yield from facet_pages(catalog, facet_values, showing)
    yield from boards.board_pages(catalog)
    yield updates_page(catalog, options)
    yield interact.footprints_page()  # 我的足迹: filled on the phone from localStorage
    yield from today_pages(catalog)  # 党史上的今天: 366 day pages and the year
    if options.open_data:
        yield data_page(catalog, options)  # 数据下载: what /data/ holds (build.finish writes it)


def facet_prefix(slug: str, value: str) -> str:
    """Return the folder of a facet value's listing pages (their uris start with it)."""
    return _facet_uri(slug, value, 1).removesuffix("index.md")


def poster_asset(record: Record, options: RenderOptions) -> Asset:
    """Return the A4 QR poster of a record's page."""
    page_url = page_address(options, record)
    html = environment().get_template("poster.html").render(
        record=record, page_url=page_url, site_name=options.site_name,
        qr=qr.qr_svg(page_url, title=_qr_title(record)))
    return Asset(f"{record.url}poster.html", html)


def site_assets(catalog: Catalog, options: RenderOptions,
                posters: Collection[str] | None = None,
                written: Collection[str] = (), shared: bool = True) -> Iterator[Asset]:
    """Yield files written as they are: the A4 QR poster of every page with a QR code (or
    of the records in `posters`: a warm build keeps the others), but those of the records
    in `written` (written with their pages), and (if `shared`) the shared files."""
    for record in _qr_records(catalog):
        if (posters is None or record.id in posters) and record.id not in written:
            yield poster_asset(record, options)
    qr.finish()  # posters are the last users of the codes
    if shared:
        yield from shared_assets(catalog, options)


def shared_assets(catalog: Catalog, options: RenderOptions,
                  nearme: bool = True) -> Iterator[Asset]:
    """Yield the files written as they are that draw on many records: the feed, near-me
    files (unless not `nearme`: they list the records of nearme.located_kinds only), the
    schedule's .ics, 党史上的今天's day files."""
    yield atom_feed(catalog, options)  # /feed.xml: the most recently verified records
    if nearme:
        yield from nearme_assets(catalog)  # nearme/: what 离我最近 reads on the phone
    yield from boards.board_assets(catalog, options)  # the schedule's .ics feed
    yield from today_assets(catalog, options)  # today/days/*.json and anniversaries.ics
