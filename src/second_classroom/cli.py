"""The `classroom` command: check records, write schemas and templates, export outlines."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path
from typing import NoReturn

from .catalog import Catalog
from .check import check_tree
from .models import KINDS, SLUG

DEFAULT_DATA = Path("site_data")


class _Parser(argparse.ArgumentParser):
    """argparse with its complaints in Chinese and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 用法错误：{message}\n")


class UsageError(Exception):
    """A mistake in how the command was called (exit 2)."""


def checked_catalog(root: Path, not_done: str) -> Catalog | None:
    """Return the catalog of `root`; or print every problem and what was `not_done`
    (e.g. "未生成页面") and return None, when the data does not pass the check."""
    from .catalog import load_catalog
    from .problems import DataError

    try:
        catalog, _ = load_catalog(root)
    except DataError as exc:
        for problem in exc.problems:
            print(problem.format())
        print(f"检查未通过：发现 {len(exc.problems)} 个错误，{not_done}。"
              "请先运行 classroom check 修正。")
        return None
    return catalog


def cmd_check(args: argparse.Namespace) -> int:
    """Check every record; print problems and a summary. Exit 1 on errors (or warnings)."""
    root = Path(args.data)
    if not root.is_dir():
        raise UsageError(f"找不到数据目录 {root}")
    today = dt.date.fromisoformat(args.today) if args.today else None
    result = check_tree(root, today)
    failing = result.errors or (args.strict and result.warnings)
    if args.format == "json":
        print(json.dumps([p.as_json() for p in result.problems], ensure_ascii=False, indent=2))
        return 1 if failing else 0
    for problem in result.problems:
        print(problem.format())
    counts = {k: 0 for k in KINDS}
    for record in result.records:
        counts[record.kind] += 1
    tally = "、".join(f"{KINDS[k].noun} {n} 条" for k, n in counts.items())
    errors, warnings = len(result.errors), len(result.warnings)
    if errors:
        print(f"检查未通过：发现 {errors} 个错误、{warnings} 个警告（共读取 {tally}）。")
    elif warnings:
        verdict = "检查未通过（--strict 下警告也算错误）" if args.strict else "检查通过"
        print(f"{verdict}：{warnings} 个警告（共读取 {tally}）。")
    else:
        print(f"检查通过：没有发现问题（共读取 {tally}）。")
    return 1 if failing else 0


def cmd_schema(args: argparse.Namespace) -> int:
    """Write one JSON Schema file per record kind."""
    from .check import load_vocab
    from .schema import record_schema

    vocab, problems = load_vocab(Path(args.data))
    if problems:
        for problem in problems:
            print(problem.format())
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        text = json.dumps(record_schema(kind, vocab), ensure_ascii=False, indent=2) + "\n"
        (out / f"{kind}.schema.json").write_text(text, encoding="utf-8")
    print(f"已写入 {len(KINDS)} 个 JSON Schema 到 {out}/")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    """Write a commented template for a new record."""
    from .scaffold import record_template

    if args.kind not in KINDS:
        raise UsageError(f"未知记录类型“{args.kind}”，可用：" + "、".join(KINDS))
    if not SLUG.match(args.id):
        raise UsageError(f"编号“{args.id}”不合规：只能用小写字母、数字和连字符，如 zunyi-huiyi-huizhi")
    target = Path(args.data) / args.kind / f"{args.id}.yml"
    if target.exists():
        print(f"{target}: 文件已存在，未做任何修改", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(record_template(args.kind), encoding="utf-8")
    print(f"已创建 {target}，填写后运行 classroom check 检查")
    return 0


def cmd_pages(args: argparse.Namespace) -> int:
    """Write the whole site for any engine: Markdown pages (front matter + HTML) and every
    other file the MkDocs build has besides the theme (search index, downloads, sw.js…)."""
    from .build import BuildOptions, SiteBuild, write_site
    from .problems import DataError
    from .search import SearchIndexError

    options = BuildOptions(data=args.data, local_province=args.local_province)
    try:
        build = SiteBuild.start(Path.cwd(), options, site_url=args.site_url)
    except DataError as exc:
        for problem in exc.problems:
            print(problem.format(), file=sys.stderr)
        print(f"检查未通过：发现 {len(exc.problems)} 个错误，未生成页面。"
              "请先运行 classroom check 修正。", file=sys.stderr)
        return 1
    try:
        count, _ = write_site(build, Path(args.out))
    except SearchIndexError as exc:
        print(f"classroom: {exc}", file=sys.stderr)
        return 1
    print(f"已写入 {count} 个页面及搜索索引、下载文件、sw.js 到 {args.out}/")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the `classroom` command."""
    parser = _Parser(prog="classroom", description="第二课堂：红色教育资源数据工具")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    sub.required = True

    check = sub.add_parser("check", help="检查全部记录，列出所有问题")
    check.add_argument("data", nargs="?", default=str(DEFAULT_DATA), help="数据目录（默认 site_data）")
    check.add_argument("--format", choices=["text", "json"], default="text", help="输出格式")
    check.add_argument("--strict", action="store_true", help="警告也视为错误")
    check.add_argument("--today", help=argparse.SUPPRESS)  # fixed date for reproducible tests
    check.set_defaults(func=cmd_check)

    schema = sub.add_parser("schema", help="为每类记录写出 JSON Schema（供编辑器补全）")
    schema.add_argument("--data", default=str(DEFAULT_DATA), help="数据目录（读取词表）")
    schema.add_argument("--out", default="schema", help="输出目录（默认 schema）")
    schema.set_defaults(func=cmd_schema)

    new = sub.add_parser("new", help="按模板新建一条记录")
    new.add_argument("kind", help="记录类型：" + "、".join(KINDS))
    new.add_argument("id", help="编号（文件名），小写字母、数字和连字符")
    new.add_argument("--data", default=str(DEFAULT_DATA), help="数据目录")
    new.set_defaults(func=cmd_new)

    pages = sub.add_parser("pages", help="把生成的页面写成 Markdown 文件（供其他站点引擎使用）")
    pages.add_argument("out", help="输出目录")
    pages.add_argument("--data", default=str(DEFAULT_DATA), help="数据目录")
    pages.add_argument("--site-url", default="", help="站点网址（用于二维码）")
    pages.add_argument("--local-province", default="", help="首页重点展示的省份")
    pages.set_defaults(func=cmd_pages)

    for name in _COMMAND_MODULES:
        import_module(f".{name}", __package__).register(sub)
    for register in _EXTRA_COMMANDS:
        register(sub)
    return parser


# Other modules (export, diff) add their subcommands here, keeping this file thin.
_EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction[_Parser]], None]] = []
# Modules with a `register(sub)` function, imported when the parser is built.
_COMMAND_MODULES: tuple[str, ...] = ("fieldref", "diff", "search", "export.command")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"classroom: 用法错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
