"""`classroom pages OUT`: every generated page as Markdown, for any site engine."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import Subcommands, add_data_option, checked_catalog, data_root


def register(sub: Subcommands) -> None:
    """Add `pages` to the subcommands."""
    parser = sub.add_parser("pages", help="把生成的页面写成 Markdown 文件（供其他站点引擎使用）")
    parser.add_argument("out", help="输出目录")
    add_data_option(parser)
    parser.add_argument("--site-url", default="", help="站点网址（用于二维码）")
    parser.add_argument("--local-province", default="", help="首页重点展示的省份")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write every generated page as Markdown (front matter + HTML) for any site engine."""
    from ..pictures import PictureSet  # record photos: resized copies written with the pages
    from ..render import RenderOptions, write_pages  # Jinja2, segno, Markdown: not for `check`

    root = data_root(args)
    catalog = checked_catalog(root, "未生成页面")
    if catalog is None:
        return 1
    options = RenderOptions(site_url=args.site_url, local_province=args.local_province,
                            pictures=PictureSet(root))
    count = write_pages(catalog, options, Path(args.out))
    print(f"已写入 {count} 个页面到 {args.out}/")
    return 0
