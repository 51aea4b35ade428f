"""The built sample site: every record a page, listings count right, links resolve,
nothing loads from a third party, and bad data stops the build."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import yaml
from conftest import REPO, build_site
from markupsafe import escape

from second_classroom.catalog import Catalog
from second_classroom.models import FACETS

MAX_RECORD_PAGE_BYTES = 60 * 1024
_ATTR = re.compile(r'<(a|link|script|img|source|iframe)\b[^>]*?\b(href|src)="([^"]*)"', re.I)
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")


def page_of(site: Path, url: str) -> Path:
    return site / unquote(url) / "index.html"


def test_every_published_record_has_a_page(built_site: Path, catalog: Catalog) -> None:
    assert len(catalog.records) > 0
    for record in catalog.records.values():
        page = page_of(built_site, record.url)
        assert page.is_file(), f"no page for {record.kind}/{record.id}"
        assert f">{escape(record.title)}" in page.read_text("utf-8")


NAV_LABELS = [next(iter(entry)) for entry in
              yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))["nav"]]


def test_record_pages_are_small_and_not_in_the_navigation(built_site: Path,
                                                          catalog: Catalog) -> None:
    for record in catalog.records.values():
        text = page_of(built_site, record.url).read_text("utf-8")
        assert len(text.encode()) < MAX_RECORD_PAGE_BYTES, record.url
    # The sidebar/tab navigation holds the entry points of mkdocs.yml only, never records.
    home = (built_site / "index.html").read_text("utf-8")
    tabs = re.findall(r'class="md-tabs__link[^"]*"[^>]*>\s*([^<]+?)\s*<', home)
    assert tabs == NAV_LABELS
    assert len(tabs) < 12 and tabs[:7] == ["首页", "红色地标", "英烈人物", "文物史料", "学习书目",
                                          "宣讲提纲", "红色线路"]


def _count_links(text: str) -> dict[str, int]:
    pairs = re.findall(r'href="[^"]*?([a-z]+/[^"/]+)/"[^>]*>([^<]+)<small>(\d+)</small>', text)
    return {f"{unquote(path)}": int(n) for path, _, n in pairs}


def test_sites_listing_counts_each_facet_value(built_site: Path, catalog: Catalog) -> None:
    counts = _count_links((built_site / "sites" / "index.html").read_text("utf-8"))
    for facet in ("province", "kind", "theme", "period", "audience"):
        kinds = catalog.kinds_with_facet(facet)
        for value, records in catalog.facet(facet).items():
            expected = sum(1 for r in records if r.kind in kinds)
            assert counts[f"{facet}/{value}"] == expected, (facet, value)


def test_facet_pages_list_exactly_their_records(built_site: Path, catalog: Catalog) -> None:
    for facet in (f.slug for f in FACETS if f.pages):
        kinds = catalog.kinds_with_facet(facet)
        for value, records in catalog.facet(facet).items():
            expected = {r.url for r in records if r.kind in kinds}
            text = page_of(built_site, f"{facet}/{value}/").read_text("utf-8")
            assert f"共 {len(expected)} 条" in text
            linked = set(re.findall(r'<li><a href="(?:\.\./)+([a-z]+/[a-z0-9-]+/)"', text))
            assert linked == expected, (facet, value)


def test_province_grouping_follows_regions(built_site: Path, catalog: Catalog) -> None:
    text = (built_site / "sites" / "index.html").read_text("utf-8")
    guangxi = catalog.facet("province").get("广西壮族自治区", [])
    assert len(guangxi) >= 6
    assert re.search(r"<h3>华南<small>\d+</small></h3>", text)


def _html_files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html"))


def test_every_internal_link_resolves(built_site: Path) -> None:
    broken = []
    for page in _html_files(built_site):
        rel = page.relative_to(built_site).as_posix()
        base = "http://site/" + rel
        for _, _, target in _ATTR.findall(page.read_text("utf-8")):
            target = html.unescape(target)
            if not target or target.startswith(("#", "mailto:")):
                continue
            absolute = urlsplit(urljoin(base, target))
            if absolute.netloc != "site":
                continue
            path = built_site / unquote(absolute.path).lstrip("/")
            if path.is_dir():
                path = path / "index.html"
            if not path.exists():
                broken.append(f"{rel} -> {target}")
    assert broken == []


_LOADING_TAG = re.compile(r"<(link|script|img|source|iframe|video|audio)\b[^>]*>", re.I)
_URL_ATTR = re.compile(r'\b(?:href|src|srcset)="([^"]*)"', re.I)


def test_no_page_loads_anything_from_a_third_party(built_site: Path) -> None:
    offenders = []
    for page in _html_files(built_site):
        text = page.read_text("utf-8")
        for tag in _LOADING_TAG.finditer(text):
            if re.search(r'rel="(?:canonical|alternate)"', tag.group()):
                continue  # metadata about the page, not something the browser fetches
            for target in _URL_ATTR.findall(tag.group()):
                if urlsplit(html.unescape(target)).netloc:
                    offenders.append(f"{page.relative_to(built_site)}: {tag.group()}")
        if "fonts.googleapis" in text or "fonts.gstatic" in text:
            offenders.append(f"{page.relative_to(built_site)}: Google Fonts")
    for css in built_site.rglob("*.css"):
        for target in _CSS_URL.findall(css.read_text("utf-8", errors="replace")):
            if urlsplit(target).netloc:
                offenders.append(f"{css.relative_to(built_site)}: url({target})")
    assert offenders == []


def test_home_page_explains_the_second_classroom(built_site: Path) -> None:
    text = (built_site / "index.html").read_text("utf-8")
    for phrase in ("旧址遗迹是教室", "文物史料是教材", "英烈模范是教师"):
        assert phrase in text


def test_site_page_shows_the_contract_fields(built_site: Path, catalog: Catalog) -> None:
    for site in catalog.by_kind["sites"]:
        text = page_of(built_site, site.url).read_text("utf-8")
        d = site.data
        assert escape(d["summary"]) in text
        assert "导航" in text and "高德地图" in text and "百度地图" in text and "腾讯地图" in text
        assert "<svg" in text and "poster.html" in text
        assert (built_site / unquote(site.url) / "poster.html").is_file()
        assert f"核实日期：<time datetime=\"{d['verified']}\">" in text
        for source in d["sources"]:
            assert escape(source["title"]) in text


def test_backlinks_appear_on_both_sides(built_site: Path, catalog: Catalog) -> None:
    checked = 0
    for person in catalog.by_kind["people"]:
        for site in catalog.related(person, "sites"):
            site_page = page_of(built_site, site.url).read_text("utf-8")
            person_page = page_of(built_site, person.url).read_text("utf-8")
            assert f"people/{person.id}/" in site_page
            assert f"sites/{site.id}/" in person_page
            checked += 1
    assert checked > 0


def test_a_check_error_stops_the_build_with_its_location(tmp_path: Path) -> None:
    data = tmp_path / "site_data"
    shutil.copytree(REPO / "site_data", data)
    bad = data / "sites" / "zunyi-huiyi-huizhi.yml"
    bad.write_text(bad.read_text("utf-8") + "kind_of: 纪念馆\n", encoding="utf-8")
    lines = bad.read_text("utf-8").count("\n")
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    config["extra"]["second_classroom"]["data"] = str(data)
    config["docs_dir"] = str(REPO / "docs")
    config["theme"]["custom_dir"] = str(REPO / "overrides")
    config["hooks"] = [str(REPO / h) for h in config["hooks"]]
    config["extra_css"] = config.get("extra_css", [])
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    old = tmp_path / "site"
    old.mkdir()
    (old / "keep.html").write_text("old", encoding="utf-8")
    done = build_site(tmp_path / "mkdocs.yml", old, cwd=tmp_path)
    assert done.returncode != 0
    assert f"zunyi-huiyi-huizhi.yml:{lines}:1: 未知字段“kind_of”" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_shared_navigation_fragments_change_no_byte(tmp_path: Path, built_site: Path) -> None:
    """Record pages reuse one rendering of the tabs and sidebar per folder; the pages must
    come out exactly as if each had been rendered on its own."""
    from conftest import site_config

    config = site_config(tmp_path, REPO / "site_data", shared_nav=False,
                         export_cache=str(REPO / ".cache" / "exports"))
    out = tmp_path / "site"
    done = build_site(config, out, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    pages = sorted(p.relative_to(built_site) for p in built_site.rglob("*.html"))
    assert pages == sorted(p.relative_to(out) for p in out.rglob("*.html"))
    different = [str(p) for p in pages if (built_site / p).read_bytes() != (out / p).read_bytes()]
    assert different == []
    record = (built_site / "people" / "lei-feng" / "index.html").read_text("utf-8")
    assert record.count('class="md-tabs__link') == len(NAV_LABELS)
