"""`classroom search-index SITE`: the search index of a built site, for engines that do not
run the MkDocs hook."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import Subcommands, UsageError, add_data_option, checked_catalog, data_root, error


def register(sub: Subcommands) -> None:
    """Add `search-index` to the subcommands."""
    parser = sub.add_parser("search-index", help="为已生成的站点建立中文全文搜索索引")
    parser.add_argument("site", help="已生成的站点目录，如 site")
    add_data_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the search index into a built site."""
    from ..search import SearchIndexError, write_index

    site = Path(args.site)
    if not site.is_dir():
        raise UsageError(f"找不到站点目录 {site}（请先生成站点）")
    catalog = checked_catalog(data_root(args), "未建立搜索索引")
    if catalog is None:
        return 1
    try:
        written = write_index(catalog, site)
    except SearchIndexError as exc:
        error(f"classroom: {exc}")
        return 1
    print(f"已建立搜索索引：{written.records} 条记录，{written.terms} 个检索词，"
          f"{written.shards} 个分片，共 {written.bytes / 1024:.0f} KB，"
          f"用时 {written.seconds:.1f} 秒 → {written.folder}")
    return 0
