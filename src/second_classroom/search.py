"""Build the site's search index: Pagefind run over the finished HTML.

Pagefind writes a chunked index under `<site>/pagefind/`: a visitor's browser fetches only
the chunks a query needs (a few hundred KB at 10,000 records), instead of one whole-site
JSON file. The extended build of Pagefind is required: it segments Chinese text into words
(the standard build leaves a whole sentence as one token, so 遵义 would find nothing).

What gets indexed is decided in the record templates, not here:
- only pages with a `data-pagefind-body` element are indexed, i.e. the record pages. Home,
  listing and facet pages carry none: they consist of record names, so they would match
  almost every query and push the records themselves down; the facet filters cover them.
- the record's name (h1) has weight 10 and its one-line summary weight 3, so a record whose
  name is the query outranks records that only mention it in their text;
- hidden `data-pagefind-filter` spans carry the facets 栏目/省份/类型/主题/时期/对象.

Nothing here knows about MkDocs: any engine that writes HTML can call `index_site`, and
`classroom search-index SITE` does the same from the command line.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

BUNDLE_DIR = "pagefind"  # under the site root; the search UI loads /pagefind/pagefind.js
LANGUAGE = "zh"  # one index for the whole site, segmented as Chinese


class SearchIndexError(Exception):
    """Pagefind is missing or failed; the message is in Chinese and says what to do."""


@dataclass(frozen=True)
class IndexResult:
    """What one Pagefind run indexed, and how long it took."""

    pages: int
    words: int
    filters: int
    seconds: float
    bundle: Path


def pagefind_executable() -> Path:
    """Return the Pagefind binary: the extended build from the `pagefind[extended]` package.

    `PAGEFIND_BINARY_PATH` overrides it (the same variable the `pagefind` package honours).
    """
    override = os.environ.get("PAGEFIND_BINARY_PATH")
    if override:
        return Path(override)
    try:
        from pagefind_bin_extended import get_executable

        return Path(get_executable())
    except (ImportError, FileNotFoundError):
        pass
    found = shutil.which("pagefind_extended")
    if found:
        return Path(found)
    raise SearchIndexError(
        "找不到 Pagefind 扩展版（中文分词需要它）。请安装：pip install 'pagefind[extended]'"
    )


def _count(pattern: str, output: str) -> int:
    match = re.search(pattern, output)
    return int(match.group(1)) if match else 0


def index_site(site_dir: Path, *, executable: Path | None = None) -> IndexResult:
    """Index the built site at `site_dir` with Pagefind; return what was indexed.

    Raises SearchIndexError if Pagefind is missing, is not the extended build, fails, or
    finds no record page to index.
    """
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise SearchIndexError(f"{site_dir}: 站点目录不存在，无法建立搜索索引")
    binary = executable or pagefind_executable()
    bundle = site_dir / BUNDLE_DIR
    # Pagefind rewrites the bundle in place; drop the previous one so no stale chunk is left
    # (chunk names are content hashes, so old ones would otherwise pile up on every rebuild).
    shutil.rmtree(bundle, ignore_errors=True)
    # Only pages (…/index.html) can be records; skipping the sites' poster.html files saves
    # Pagefind parsing thousands of files it would not index (~15% of its time at 10,000).
    cmd = [str(binary), "--site", str(site_dir), "--output-subdir", BUNDLE_DIR,
           "--force-language", LANGUAGE, "--glob", "**/index.html"]
    start = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    except OSError as exc:
        raise SearchIndexError(f"无法运行 Pagefind（{binary}）：{exc}") from None
    seconds = time.perf_counter() - start
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise SearchIndexError(f"Pagefind 建立索引失败（退出码 {done.returncode}）：\n{output}")
    if "(Extended)" not in output:
        raise SearchIndexError(
            f"{binary} 不是 Pagefind 扩展版，无法对中文分词。请安装：pip install 'pagefind[extended]'"
        )
    if "Found a data-pagefind-body element" not in output:
        # Without any marked record, Pagefind indexes every page whole, listings included.
        raise SearchIndexError(f"{site_dir}: 没有找到可检索的记录页面（data-pagefind-body）")
    result = IndexResult(
        pages=_count(r"Indexed (\d+) pages?", output),
        words=_count(r"Indexed (\d+) words?", output),
        filters=_count(r"Indexed (\d+) filters?", output),
        seconds=seconds,
        bundle=bundle,
    )
    if result.pages == 0:
        raise SearchIndexError(f"{site_dir}: 没有找到可检索的记录页面（data-pagefind-body）")
    return result


def cmd_search_index(args: argparse.Namespace) -> int:
    """Index a built site (for engines that do not run the MkDocs hook)."""
    try:
        result = index_site(Path(args.site))
    except SearchIndexError as exc:
        print(f"classroom: {exc}")
        return 1
    print(f"已建立搜索索引：{result.pages} 个页面，{result.words} 个词，"
          f"{result.filters} 个筛选项，用时 {result.seconds:.1f} 秒 → {result.bundle}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `search-index` subcommand."""
    parser = sub.add_parser("search-index", help="为已生成的站点建立中文全文搜索索引（Pagefind）")
    parser.add_argument("site", help="已生成的站点目录，如 site")
    parser.set_defaults(func=cmd_search_index)
