"""A site with more pages than one sitemap may list gets a sitemap index (sitemaps.org):
sitemap.xml becomes a <sitemapindex> of sitemap-1.xml, … each within the limits."""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import REPO, build_site, site_config

from second_classroom.build import BuildOptions, OptionsError
from second_classroom.sitemap import NAMESPACE, SitemapError, split

NS = {"s": NAMESPACE}


def _urlset(entries: list[tuple[str, str]]) -> str:
    body = "".join(f"\n    <url>\n         <loc>{loc}</loc>\n         <lastmod>{date}</lastmod>"
                   "\n    </url>" for loc, date in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="{NAMESPACE}">{body}\n</urlset>\n')


def _locs(xml: str, tag: str = "url") -> list[str]:
    root = ET.fromstring(xml.encode("utf-8"))
    return [e.findtext("s:loc", namespaces=NS) or "" for e in root.findall(f"s:{tag}", NS)]


ENTRIES = [(f"https://x.example/sites/s{i}/", f"2026-0{1 + i % 9}-01") for i in range(7)]


def test_a_sitemap_within_the_limits_is_left_as_it_is() -> None:
    whole = _urlset(ENTRIES)
    assert split(whole, "https://x.example/", max_urls=7) == (whole, [])


def test_over_the_limit_the_sitemap_becomes_an_index_of_parts_in_order() -> None:
    whole = _urlset(ENTRIES)
    index, parts = split(whole, "https://x.example/sub", max_urls=3)
    assert [len(_locs(part)) for part in parts] == [3, 3, 1]
    assert [loc for part in parts for loc in _locs(part)] == [loc for loc, _ in ENTRIES]
    root = ET.fromstring(index.encode("utf-8"))
    assert root.tag == f"{{{NAMESPACE}}}sitemapindex"
    assert _locs(index, "sitemap") == [f"https://x.example/sub/sitemap-{n}.xml"
                                       for n in (1, 2, 3)]
    # Each part's date is the latest of its pages.
    assert [e.findtext("s:lastmod", namespaces=NS) for e in root] == \
        ["2026-03-01", "2026-06-01", "2026-07-01"]
    assert all(part.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<urlset')
               for part in parts)


def test_parts_also_stay_under_the_byte_limit() -> None:
    whole = _urlset(ENTRIES)
    one = len(_urlset(ENTRIES[:1]).encode("utf-8"))
    index, parts = split(whole, "", max_bytes=one + 100)
    assert len(parts) == 7 and all(len(p.encode("utf-8")) <= one + 100 for p in parts)
    assert _locs(index, "sitemap")[0] == "/sitemap-1.xml"  # no site_url: site-absolute
    with pytest.raises(SitemapError):
        split(whole, "", max_bytes=one - 100)  # a single address cannot fit
    with pytest.raises(SitemapError):
        split("<urlset><url><loc>a</loc></url></urlset>", "", max_urls=0)


def test_the_limit_option_is_checked() -> None:
    assert BuildOptions.from_mapping({"sitemap_urls": 10}, "m").sitemap_urls == 10
    for bad in (0, "10", True):
        with pytest.raises(OptionsError, match="sitemap_urls 应为正整数"):
            BuildOptions.from_mapping({"sitemap_urls": bad}, "m")


def _built(tmp: Path, name: str, **options: object) -> Path:
    config = site_config(tmp / name, REPO / "site_data", downloads=False, search=False,
                         open_data=False, **options)
    done = build_site(config, tmp / name / "site")
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp / name / "site"


def test_a_built_site_over_the_limit_has_an_index_listing_every_page(tmp_path: Path) -> None:
    whole = (_built(tmp_path, "one") / "sitemap.xml").read_text("utf-8")
    pages = _locs(whole)
    assert len(pages) > 100 and len(set(pages)) == len(pages)
    site = _built(tmp_path, "split", sitemap_urls=40)
    index = (site / "sitemap.xml").read_text("utf-8")
    parts = _locs(index, "sitemap")
    assert len(parts) == -(-len(pages) // 40)
    listed = []
    for number, loc in enumerate(parts, 1):
        assert loc == f"https://second-classroom.example/sitemap-{number}.xml"
        part = (site / f"sitemap-{number}.xml").read_text("utf-8")
        assert 0 < len(_locs(part)) <= 40
        listed += _locs(part)
        assert gzip.decompress((site / f"sitemap-{number}.xml.gz").read_bytes()).decode() \
            == part
    assert listed == pages
    # The address search engines know still answers, compressed copy included.
    assert gzip.decompress((site / "sitemap.xml.gz").read_bytes()).decode() == index
    assert not (site / f"sitemap-{len(parts) + 1}.xml").exists()
