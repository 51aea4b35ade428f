"""The search index: Pagefind run over built HTML, with Chinese word segmentation."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from second_classroom.cli import main
from second_classroom.search import SearchIndexError, index_site

RECORD = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{title}</title></head>
<body><nav>首页 红色地标</nav>
<div data-pagefind-body><h1 data-pagefind-weight="10">{title}</h1><p>{text}</p>
<div hidden data-pagefind-ignore><span data-pagefind-filter="省份">{province}</span></div></div>
</body></html>"""
LISTING = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>红色地标</title></head>
<body><h1>红色地标</h1><ul><li>西柏坡纪念馆</li><li>遵义会议会址</li></ul></body></html>"""


def _site(root: Path) -> Path:
    pages = {
        "sites/xibaipo/index.html": RECORD.format(
            title="西柏坡纪念馆", province="河北省",
            text="西柏坡是党中央进入北平、解放全中国前的最后一个农村指挥所。"),
        "sites/zunyi/index.html": RECORD.format(
            title="遵义会议会址", province="贵州省",
            text="1935年1月，中共中央政治局在遵义召开扩大会议。"),
        "sites/index.html": LISTING,
    }
    for uri, html in pages.items():
        (root / uri).parent.mkdir(parents=True, exist_ok=True)
        (root / uri).write_text(html, encoding="utf-8")
    return root


def _indexed_words(bundle: Path) -> set[str]:
    words: set[str] = set()
    for chunk in (bundle / "index").glob("*.pf_index"):
        text = gzip.decompress(chunk.read_bytes()).decode("utf-8", "ignore")
        words |= set(re.findall(r"[\u4e00-\u9fff]+", text))
    return words


def test_index_site_indexes_record_pages_only_with_facets(tmp_path: Path) -> None:
    result = index_site(_site(tmp_path))
    # The listing page has no data-pagefind-body: it would match every site's name.
    assert (result.pages, result.filters) == (2, 1)
    assert (tmp_path / "pagefind" / "pagefind.js").is_file()
    assert result.bundle == tmp_path / "pagefind"


def test_index_splits_chinese_into_words(tmp_path: Path) -> None:
    words = _indexed_words(index_site(_site(tmp_path)).bundle)
    # The extended build segments Chinese: 遵义 is a word of its own, not buried in a
    # sentence-long token (the standard build's behaviour).
    assert {"遵义", "西柏坡"} <= words
    assert not any(len(w) > 20 for w in words)


def test_reindexing_replaces_the_previous_bundle(tmp_path: Path) -> None:
    index_site(_site(tmp_path))
    stale = tmp_path / "pagefind" / "index" / "stale.pf_index"
    stale.write_bytes(b"old")
    index_site(tmp_path)
    assert not stale.exists()


def test_site_without_record_pages_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(LISTING, encoding="utf-8")
    with pytest.raises(SearchIndexError, match="没有找到可检索的记录页面"):
        index_site(tmp_path)


def test_missing_site_dir_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SearchIndexError, match="站点目录不存在"):
        index_site(tmp_path / "nope")


def test_failing_pagefind_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SearchIndexError, match="退出码 1"):
        index_site(_site(tmp_path), executable=Path("/bin/false"))


def test_a_binary_that_is_not_the_extended_build_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'Running Pagefind v1.5.2'\necho 'Indexed 2 pages'\n")
    fake.chmod(0o755)
    site = _site(tmp_path / "site")
    with pytest.raises(SearchIndexError, match="不是 Pagefind 扩展版"):
        index_site(site, executable=fake)


def test_cli_search_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search-index", str(_site(tmp_path))]) == 0
    assert "已建立搜索索引：2 个页面" in capsys.readouterr().out
    assert main(["search-index", str(tmp_path / "nope")]) == 1


def test_built_site_has_the_index_and_no_builtin_search(built_site: Path) -> None:
    bundle = built_site / "pagefind"
    assert (bundle / "pagefind.js").is_file()
    assert list((bundle / "fragment").glob("*.pf_fragment")), "no record was indexed"
    assert not (built_site / "search" / "search_index.json").exists()
    home = (built_site / "index.html").read_text(encoding="utf-8")
    # The header's search button; the engine itself is not loaded with the page.
    assert "data-sc-search" in home and "assets/search.js" in home
    assert "pagefind" not in home
