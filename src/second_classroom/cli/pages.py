"""`classroom pages OUT`: every generated page as Markdown, for any site engine."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import Subcommands, add_data_option, data_root, error, report_problems


def register(sub: Subcommands) -> None:
    """Add `pages` to the subcommands."""
    parser = sub.add_parser("pages", help="生成完整站点：页面写成 Markdown 文件，另有搜索索引、下载等（供其他站点引擎使用）")
    parser.add_argument("out", help="输出目录")
    add_data_option(parser)
    parser.add_argument("--site-url", default="", help="站点网址（用于二维码）")
    parser.add_argument("--local-province", default="", help="首页重点展示的省份")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the whole site for any engine: Markdown pages (front matter + HTML) and every
    other file the MkDocs build has besides the theme (search index, downloads, sw.js…)."""
    from .. import diskerror
    from ..build import BuildOptions, write_site_if_changed  # Jinja2 etc.: not for `check`
    from ..problems import DataError
    from ..search import SearchIndexError

    root = data_root(args)
    options = BuildOptions(data=str(root), local_province=args.local_province)
    try:
        written = write_site_if_changed(Path.cwd(), options, Path(args.out),
                                        site_url=args.site_url)
    except DataError as exc:
        report_problems(exc.problems, "未生成页面")
        return 1
    except SearchIndexError as exc:
        error(str(exc))
        return 1
    except OSError as exc:  # a full disk, a refused write: one line, the old site stays
        error(diskerror.message(exc, args.out))
        return 1
    if written is None:
        print(f"数据、模板和代码都没有变化：{args.out}/ 保持原样")
        return 0
    count, _ = written
    print(f"已写入 {count} 个页面及搜索索引、下载文件、开放数据、sw.js 到 {args.out}/")
    return 0
