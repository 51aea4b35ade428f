"""Record pages written directly (render.direct) are the pages their Jinja template renders."""

from __future__ import annotations

import copy
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from second_classroom.catalog import Catalog, load_catalog
from second_classroom.models import KINDS, Record
from second_classroom.render import RenderOptions, _RecordView, record_page
from second_classroom.render.direct import WRITERS
from second_classroom.render.environment import render, root_of

REPO = Path(__file__).resolve().parent.parent


def _jinja(catalog: Catalog, record: Record, options: RenderOptions,
           pictures: list[Any] | None = None) -> str:
    return render(record.spec.template, record.url, record=record, pictures=pictures or [],
                  v=_RecordView(catalog, options))


def _direct(catalog: Catalog, record: Record, options: RenderOptions,
            view: _RecordView | None = None) -> str | None:
    return WRITERS[record.spec.template](record, root_of(record.url), [],
                                         view or _RecordView(catalog, options))


def _written(catalog: Catalog, options: RenderOptions) -> list[tuple[Record, str]]:
    """Return (record, direct HTML) of every record a writer writes, after checking each
    against its template."""
    written = []
    for record in catalog.records.values():
        if record.spec.template not in WRITERS:
            continue
        html = _direct(catalog, record, options)
        if html is not None:
            assert html == _jinja(catalog, record, options), record.id
            written.append((record, html))
    return written


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """300 synthetic records (bench/synth.py), their sites with dated events, and 40 宣讲
    and 40 ledger items."""
    sys.path.insert(0, str(REPO / "bench"))
    from synth import add_events, write_synthetic

    folder = tmp_path_factory.mktemp("direct") / "site_data"
    write_synthetic(folder, 380, seed=5, lectures=40, tasks=40)
    add_events(folder, seed=5)
    return load_catalog(folder)[0]


def test_some_kind_is_written_directly() -> None:
    assert {spec.template for spec in KINDS.values()} & set(WRITERS)


def test_sample_records_are_the_template_s_pages(catalog: Catalog) -> None:
    for options in (RenderOptions(), RenderOptions(site_url="https://example.org/x/")):
        written = _written(catalog, options)
        assert len(written) >= 20  # most sample sites have nothing left to the template


def test_synthetic_records_are_the_template_s_pages(synthetic: Catalog) -> None:
    written = _written(synthetic, RenderOptions(site_url="https://example.org/"))
    assert {r.spec.template for r, _ in written} == set(WRITERS)
    assert len(written) > 200
    assert any("sc-events-of" in html for _, html in written)  # events, nearby, related
    assert any("sc-nearby" in html for _, html in written)
    assert any("相关人物" in html for _, html in written)
    assert any("所属旧址" in html for _, html in written)
    assert any("所用提纲" in html and "参加人数" in html for _, html in written)  # lectures
    assert any('data-overdue="true"' in html for _, html in written)  # tasks: overdue,
    assert any("sc-timeline" in html and "销号日期" in html for _, html in written)  # done,
    assert any("还没有进展记录" in html for _, html in written)  # and without progress


class _StoriesView(_RecordView):
    """A view under which every record is named by the same stories (as if stories listed
    it: the synthetic stories name sites and outlines only)."""

    def __init__(self, catalog: Catalog, options: RenderOptions, stories: list[Record]) -> None:
        super().__init__(catalog, options)
        self.stories = stories

    def related(self, record: Record, kind: str) -> list[Record]:
        return self.stories if kind == "stories" else super().related(record, kind)


def test_stories_of_a_task_print_as_the_template_prints_them(catalog: Catalog,
                                                             synthetic: Catalog) -> None:
    """相关经验做法 on a ledger item's page (a story's `tasks`), names with markup too."""
    options = RenderOptions()
    stories = [copy.copy(r) for r in catalog.by_kind["stories"]][:2]
    assert stories
    stories[0].data = {**stories[0].data, "title": "经验 <&\"'>"}
    for cat in (catalog, synthetic):
        view = _StoriesView(cat, options, stories)
        tasks = cat.by_kind["tasks"]
        assert tasks
        for record in tasks:
            html = _direct(cat, record, options, view)
            assert html is not None and "相关经验做法" in html
            assert html == render(record.spec.template, record.url, record=record,
                                  pictures=[], v=view)


def test_names_with_markup_characters_print_as_the_template_prints_them(
        synthetic: Catalog) -> None:
    """Every record's name with markup characters: its own page and the cards, nearby
    places and links of the pages that show it."""
    marked = copy.copy(synthetic)
    marked.records = {}
    for record_id, record in synthetic.records.items():
        values = dict(record.data)
        values[record.spec.title_field] = f"{record.title} <&\"'>"
        marked.records[record_id] = copy.copy(record)
        marked.records[record_id].data = values
    written = _written(marked, RenderOptions())
    assert len(written) > 200
    assert all("&lt;&amp;&#34;&#39;&gt;" in html for _, html in written)


def test_pages_left_to_the_template_are_rendered_by_it(catalog: Catalog) -> None:
    """A site with photos, a quiz or 读书班 is the template's; record_page gives the
    template's page for every record either way."""
    options = RenderOptions()
    left = [r for r in catalog.records.values() if r.spec.template in WRITERS
            and _direct(catalog, r, options) is None]
    assert left  # the sample has sites with a quiz or a 读书班
    for record in catalog.records.values():
        assert record_page(catalog, record, options).html == _jinja(catalog, record, options)


def _board_pages(catalog: Catalog) -> list[tuple[str, str]]:
    from second_classroom.render.boards import board_pages

    return [(p.uri, p.html) for p in board_pages(catalog)]


def _same_as_jinja(monkeypatch: pytest.MonkeyPatch, paging: tuple[Any, str, int],
                   catalogs: Sequence[Catalog],
                   pages: Callable[[Catalog], list[tuple[str, str]]],
                   marker: str) -> list[tuple[str, str]]:
    """Assert that `pages` of each catalog, written by PAGE_WRITERS, are what Jinja renders
    with no writer, at the module's page size and at a small one (`paging`: module,
    attribute, size: previous and next links), and that they show `marker`; return the
    last catalog's pages at the small size."""
    from second_classroom.render import direct

    module, name, small = paging
    ours: list[tuple[str, str]] = []
    for size in (getattr(module, name), small):
        monkeypatch.setattr(module, name, size)
        for cat in catalogs:
            ours = pages(cat)
            with monkeypatch.context() as m:
                m.setattr(direct, "PAGE_WRITERS", {})
                theirs = pages(cat)
            assert ours == theirs
            assert any(marker in html for _, html in ours)
    return ours


def test_schedule_pages_are_the_template_s_pages(catalog: Catalog, synthetic: Catalog,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The schedule's pages by month, 乡镇, audience and outline (schedule_list.html,
    written by PAGE_WRITERS), paged or not, and with markup characters in every text a
    row shows: the same as Jinja renders them."""
    marked = copy.copy(synthetic)
    marked.records = dict(synthetic.records)
    marked.by_kind = dict(synthetic.by_kind)
    lectures = []
    for record in synthetic.by_kind["lectures"][::2]:
        record = copy.copy(record)
        record.data = {**record.data, **{name: f"{record.data.get(name, '')}<&\"'>" for name in (
            "title", "town", "village", "venue", "lecturer", "audience", "form", "time")},
            "attendance": 7}  # shown only once held
        lectures.append(record)
        marked.records[record.id] = record
    marked.by_kind["lectures"] = lectures + synthetic.by_kind["lectures"][1::2]
    from second_classroom.render import boards

    ours = _same_as_jinja(monkeypatch, (boards, "LIST_SIZE", 3), (catalog, synthetic, marked),
                          _board_pages, 'class="sc-board sc-schedule-list"')
    assert any('rel="prev"' in html and 'rel="next"' in html and "schedule-list" in html
               for _, html in ours)
    assert any("&lt;&amp;&#34;&#39;&gt;" in html and "schedule-list" in html for _, html in ours)


def test_listings_are_the_template_s_pages(catalog: Catalog, synthetic: Catalog,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Kinds' and facet values' listings (listing.html, written by PAGE_WRITERS): grouped,
    paged, with their facet links, and with markup characters in names and values."""
    import second_classroom.render as render_module
    from second_classroom.render import facet_pages, kind_pages

    def marked(cat: Catalog) -> Catalog:
        """`cat` with markup in every name and in the free texts kinds are listed by (a
        story's unit: its listing's title and intro)."""
        out = copy.copy(cat)
        out.records = {}
        for record_id, record in cat.records.items():
            out.records[record_id] = copy.copy(record)
            out.records[record_id].data = {**record.data, **{
                name: f"{record.data[name]} <&\"'>" for name in
                (record.spec.title_field, *record.spec.list_by) if name in record.data}}
        out.by_kind = {k: [out.records[r.id] for r in rs] for k, rs in cat.by_kind.items()}
        return out

    def listings(cat: Catalog) -> list[tuple[str, str]]:
        return [(p.uri, p.html) for p in [*kind_pages(cat, RenderOptions()), *facet_pages(cat)]]

    ours = _same_as_jinja(monkeypatch, (render_module, "PAGE_SIZE", 7),
                          (catalog, synthetic, marked(catalog), marked(synthetic)), listings,
                          'class="sc-listing"')
    assert any('rel="prev"' in html and 'rel="next"' in html and "sc-listing" in html
               for _, html in ours)
    assert any("sc-facets" in html and "<h2>" in html for _, html in ours)
    assert any("&lt;&amp;&#34;&#39;&gt;" in html and "sc-listing" in html for _, html in ours)
    assert any('<p class="sc-lead">' in html and "&lt;&amp;&#34;&#39;&gt;”的" in html
               for _, html in listings(marked(catalog)))  # a story's unit's intro


_TEXT = st.text(st.sampled_from("红色旧址&<>\"' 　\n#*[]()_`{}%0:·，。"), min_size=1, max_size=12)
_OPTIONAL = ("address", "open_hours", "booking", "website", "body", "aliases", "designations",
             "themes", "periods", "audiences", "location", "kind", "summary", "role",
             "native_place", "born", "died", "era", "category", "grade", "holder", "site",
             "description", "events", "time", "village", "venue", "outline", "attendance",
             "note", "sample", "progress", "completed", "closed", "result", "beneficiaries")
_TEXTS = ("name", "address", "open_hours", "booking", "summary", "kind", "body", "role",
          "native_place", "era", "category", "grade", "holder", "description", "title",
          "time", "town", "village", "venue", "audience", "form", "lecturer", "note", "status",
          "unit", "result")
_DATES = st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_values_print_as_the_template_prints_them(synthetic: Catalog,
                                                            data: st.DataObject) -> None:
    """Any text in a record's fields (markup characters, quotes, Markdown) and any field
    left out come out of both the same."""
    written = [r for r in synthetic.records.values() if r.spec.template in WRITERS]
    record = copy.copy(data.draw(st.sampled_from(written)))
    values = copy.deepcopy(record.data)
    for name in data.draw(st.sets(st.sampled_from(_OPTIONAL))):
        values.pop(name, None)
    for name in data.draw(st.sets(st.sampled_from(_TEXTS))):
        values[name] = data.draw(_TEXT)
    if data.draw(st.booleans()):
        values["aliases"] = data.draw(st.lists(_TEXT, min_size=1, max_size=3))
        values["designations"] = data.draw(st.lists(_TEXT, max_size=2))
        values["website"] = "https://example.org/?a=1&b=\"2\""
    if data.draw(st.booleans()):
        values["sources"] = [{"title": data.draw(_TEXT), "publisher": data.draw(_TEXT),
                              "url": "https://example.org/<x>", "type": data.draw(_TEXT),
                              "accessed": dt.date(2026, 1, 2)},
                             {"title": data.draw(_TEXT)}]
    record.data = values
    options = RenderOptions(site_url=data.draw(st.sampled_from(["", "https://e.org/a&b/"])))
    html = _direct(synthetic, record, options)
    if html is not None:
        assert html == _jinja(synthetic, record, options)


_LOCAL_TEXTS = ("title", "time", "town", "village", "venue", "audience", "form", "lecturer",
                "note", "status", "unit", "category", "result")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_lectures_and_tasks_print_as_the_template_prints_them(
        synthetic: Catalog, data: st.DataObject) -> None:
    """A 宣讲's and a ledger item's texts, numbers, dates and progress log, any optional
    field left out, overdue or not, sample or not: both give the same page."""
    local = synthetic.by_kind["lectures"] + synthetic.by_kind["tasks"]
    record = copy.copy(data.draw(st.sampled_from(local)))
    values = copy.deepcopy(record.data)
    for name in data.draw(st.sets(st.sampled_from(_OPTIONAL))):
        values.pop(name, None)
    for name in data.draw(st.sets(st.sampled_from(_LOCAL_TEXTS))):
        values[name] = data.draw(_TEXT)
    for name in data.draw(st.sets(st.sampled_from(("attendance", "beneficiaries")))):
        values[name] = data.draw(st.integers(0, 10**6))
    for name in data.draw(st.sets(st.sampled_from(("date", "start", "deadline", "completed",
                                                   "closed")))):
        values[name] = data.draw(_DATES)
    if data.draw(st.booleans()):
        values["progress"] = data.draw(st.lists(st.fixed_dictionaries(
            {"date": _DATES, "text": _TEXT}), min_size=1, max_size=3))
    values["sample"] = data.draw(st.booleans())
    values["outline"] = data.draw(st.sampled_from(
        [r.id for r in synthetic.by_kind["outlines"]] + ["no-such-outline"]))
    record.data = values
    options = RenderOptions(site_url=data.draw(st.sampled_from(["", "https://e.org/a&b/"])))
    html = _direct(synthetic, record, options)
    assert html is not None
    assert html == _jinja(synthetic, record, options)


@given(st.text())
def test_text_is_escaped_as_markupsafe_escapes_it(text: str) -> None:
    from markupsafe import escape

    from second_classroom.render.direct import _e, _replaced

    assert _replaced(text) == _e(text) == str(escape(text))
