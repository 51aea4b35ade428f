"""The 最近更新 page and the Atom feed: newest verified first, deterministic, absolute links."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from conftest import REPO

from second_classroom.catalog import Catalog, build_catalog
from second_classroom.models import Record, Vocab
from second_classroom.render import RenderOptions, site_assets, site_pages
from second_classroom.render.feed import FEED_LIMIT, atom_feed, recent_records, updates_page

ATOM = "{http://www.w3.org/2005/Atom}"
SITE_URL = "https://example.org/classroom/"


def _person(n: int, verified: dt.date, name: str = "") -> Record:
    data = {"name": name or f"人物{n:03d}", "role": "身份", "summary": f"简介{n}",
            "verified": verified}
    return Record("people", f"p-{n:03d}", f"people/p-{n:03d}.yml", data)


def _catalog(records: list[Record]) -> Catalog:
    return build_catalog(records, Vocab())


def _entries(xml: str) -> list[ET.Element]:
    return ET.fromstring(xml).findall(f"{ATOM}entry")


def test_newest_first_then_kind_and_id_limited() -> None:
    base = dt.date(2026, 1, 1)
    records = [_person(n, base + dt.timedelta(days=n % 70)) for n in range(120)]
    records.append(Record("readings", "a-book", "readings/a-book.yml",
                          {"title": "书", "kind": "book", "summary": "s",
                           "verified": base + dt.timedelta(days=69)}))
    records.append(_person(999, base + dt.timedelta(days=300)))
    records[-1].data["draft"] = True  # newest of all, but a draft
    recent = recent_records(_catalog(records))
    assert len(recent) == FEED_LIMIT == 50
    dates = [r.data["verified"] for r in recent]
    assert dates == sorted(dates, reverse=True)
    assert "p-999" not in [r.id for r in recent]
    # Same day: people before readings (kind order), then by id.
    same_day = [r.id for r in recent if r.data["verified"] == dates[0]]
    assert same_day == ["p-069", "a-book"]


def test_feed_is_valid_atom_with_absolute_links() -> None:
    catalog = _catalog([_person(1, dt.date(2026, 3, 1), "李<大>钊 & 同志"),
                        _person(2, dt.date(2026, 5, 4))])
    asset = atom_feed(catalog, RenderOptions(site_url=SITE_URL, site_name="第二课堂"))
    assert asset.uri == "feed.xml"
    root = ET.fromstring(asset.content)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}updated") == "2026-05-04T00:00:00+08:00"
    assert root.findtext(f"{ATOM}id") == SITE_URL + "feed.xml"
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None and self_link.get("href") == SITE_URL + "feed.xml"
    entries = _entries(asset.content)
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["人物002", "李<大>钊 & 同志"]
    link = entries[1].find(f"{ATOM}link")
    assert link is not None and link.get("href") == SITE_URL + "people/p-001/"
    assert entries[1].findtext(f"{ATOM}id") == SITE_URL + "people/p-001/"
    assert entries[1].findtext(f"{ATOM}updated") == "2026-03-01T00:00:00+08:00"
    category = entries[1].find(f"{ATOM}category")
    assert category is not None and category.get("label") == "英烈人物"


def test_feed_is_the_same_bytes_every_time() -> None:
    records = [_person(n, dt.date(2026, 1, 1 + n % 20)) for n in range(40)]
    options = RenderOptions(site_url=SITE_URL)
    first = atom_feed(_catalog(records), options).content
    second = atom_feed(_catalog(list(reversed(records))), options).content
    assert first == second


def test_without_site_url_links_are_root_relative_and_ids_are_tag_uris() -> None:
    asset = atom_feed(_catalog([_person(1, dt.date(2026, 3, 1))]), RenderOptions())
    entry = _entries(asset.content)[0]
    link = entry.find(f"{ATOM}link")
    assert link is not None and link.get("href") == "/people/p-001/"
    assert entry.findtext(f"{ATOM}id") == "tag:second-classroom,2026:people/p-001/"


def test_updates_page_groups_by_date_newest_first() -> None:
    catalog = _catalog([_person(1, dt.date(2026, 3, 1)), _person(2, dt.date(2026, 5, 4)),
                        _person(3, dt.date(2026, 5, 4))])
    page = updates_page(catalog, RenderOptions())
    assert page.uri == "updates/index.md" and page.url == "updates/"
    html = page.html
    assert html.index("2026年5月4日") < html.index("2026年3月1日")
    assert html.index("人物002") < html.index("人物003") < html.index("人物001")
    assert 'href="../people/p-001/"' in html
    assert 'href="../feed.xml"' in html


def test_updates_page_and_feed_are_part_of_the_generated_site() -> None:
    catalog = _catalog([_person(1, dt.date(2026, 3, 1))])
    options = RenderOptions(site_url=SITE_URL)
    assert "updates/index.md" in [p.uri for p in site_pages(catalog, options, records=False)]
    assert "feed.xml" in [a.uri for a in site_assets(catalog, options)]
    home = next(p for p in site_pages(catalog, options) if p.uri == "index.md")
    assert 'href="updates/"' in home.html


def test_built_sample_site_has_updates_and_feed(built_site: Path) -> None:
    site_url = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))["site_url"]
    feed = (built_site / "feed.xml").read_text("utf-8")
    entries = _entries(feed)
    assert 0 < len(entries) <= FEED_LIMIT
    stamps = [e.findtext(f"{ATOM}updated") or "" for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    for entry in entries:
        link = entry.find(f"{ATOM}link")
        assert link is not None
        href = link.get("href") or ""
        assert href.startswith(site_url)
        page = built_site / href.removeprefix(site_url) / "index.html"
        assert page.is_file(), href
    updates = (built_site / "updates" / "index.html").read_text("utf-8")
    assert "<h1>最近更新</h1>" in updates
    assert 'href="updates/"' in (built_site / "index.html").read_text("utf-8")
