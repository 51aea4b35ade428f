"""Listing pages written directly (render.listing) are the pages listing.html renders."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

from second_classroom import render
from second_classroom.catalog import Catalog, build_catalog, load_catalog
from second_classroom.render import RenderOptions, listing

REPO = Path(__file__).resolve().parent.parent


def _both(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Return uri -> HTML of every page but the records', after checking that the
    listing pages written directly are the template's."""
    pages = {}
    for direct in (False, True):
        monkeypatch.setattr(listing, "DIRECT", direct)
        pages[direct] = {p.uri: p.html for p in render.listing_pages(catalog, RenderOptions())}
    assert pages[True].keys() == pages[False].keys()
    assert [uri for uri in pages[True] if pages[True][uri] != pages[False][uri]] == []
    return pages[True]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    sys.path.insert(0, str(REPO / "bench"))
    from synth import write_synthetic

    folder = tmp_path_factory.mktemp("listing") / "site_data"
    write_synthetic(folder, 400, seed=7)
    return load_catalog(folder)[0]


@pytest.mark.parametrize("page_size", [render.PAGE_SIZE, 4])
def test_listing_pages_are_the_template_s(catalog: Catalog, synthetic: Catalog,
                                          monkeypatch: pytest.MonkeyPatch,
                                          page_size: int) -> None:
    """Every listing of the sample and of synthetic sites (several pages each, with
    4 records a page), headings, counts, pagers and facet links included."""
    monkeypatch.setattr(render, "PAGE_SIZE", page_size)
    for data in (catalog, synthetic):
        pages = _both(data, monkeypatch)
        listings = [html for html in pages.values() if 'class="sc-listing"' in html]
        assert len(listings) > 20
        assert any("sc-facets" in html for html in listings)
        assert any("sc-lead" in html for html in listings)
        assert any("<h2>" in html and "sc-cards" in html for html in listings)
        if page_size == 4:
            assert any('rel="prev"' in html and 'rel="next"' in html for html in listings)


def test_markup_characters_print_as_the_template_prints_them(
        catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """Names and the free-text values a kind is listed by, with markup characters."""
    records = []
    for record in catalog.records.values():
        values = dict(record.data)
        values[record.spec.title_field] = f"{record.title} <&\"'>"
        for name in record.spec.list_by:
            if values.get(name):
                values[name] = f"{values[name]} <&\"'>"
        marked = copy.copy(record)
        marked.data = values
        records.append(marked)
    pages = _both(build_catalog(records, catalog.vocab), monkeypatch)
    listings = [html for html in pages.values() if 'class="sc-listing"' in html]
    marked = [html for html in listings if "&lt;&amp;&#34;&#39;&gt;</strong>" in html]
    assert len(marked) > len(listings) // 2
    assert any("&lt;&amp;&#34;&#39;&gt;<small>" in html for html in listings)  # a chip
