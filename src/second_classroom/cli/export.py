"""`classroom export OUTLINE_ID | --all`: outlines for lecturers as DOCX, PDF or Markdown."""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path

from ..export import FORMATS
from ..models import OUTLINES
from .common import Subcommands, UsageError, add_data_option, checked_catalog, data_root, error

DEFAULT_CACHE = Path(".cache/exports")


def register(sub: Subcommands) -> None:
    """Add `export` to the subcommands."""
    parser = sub.add_parser(
        "export", help="导出宣讲提纲：Word（可编辑）、PDF（打印）或 Markdown",
        description="导出一份宣讲提纲（或其讲解包），或用 --all 导出全部提纲的全部格式。")
    parser.add_argument("outline", nargs="?", metavar="OUTLINE_ID", help="提纲编号（文件名）")
    parser.add_argument("--format", choices=FORMATS, default="docx",
                        help="输出格式（默认 docx）")
    parser.add_argument("--pack", action="store_true",
                        help="导出讲解包：提纲加所涉旧址、人物、文物介绍和书目")
    parser.add_argument("--quiz", action="store_true",
                        help="导出互动测验：题目，答案与解析另起一页（提纲须有测验题）")
    parser.add_argument("--out", help="输出文件（默认 编号.格式）；--all 时为输出目录")
    add_data_option(parser)
    parser.add_argument("--all", action="store_true", help="导出全部提纲的全部下载文件")
    parser.add_argument("--cache", default=str(DEFAULT_CACHE),
                        help=f"--all 时的导出缓存目录（默认 {DEFAULT_CACHE}）")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Export one outline, or all of them; return the exit status."""
    # Not at the top: the writers load python-docx, fpdf2, fontTools, Jinja2 and Markdown.
    from ..export import export_document, export_outline
    from ..export.batch import PACK_SUFFIX, QUIZ_VARIANTS, export_all
    from ..export.fonts import FontNotFound
    from ..export.quiz import quiz_document

    root = data_root(args)
    if not args.all and not args.outline:
        raise UsageError("请给出提纲编号，或用 --all 导出全部提纲")
    if args.quiz and args.pack:
        raise UsageError("--quiz 与 --pack 只能选一个")
    catalog = checked_catalog(root, "未导出")
    if catalog is None:
        return 1
    try:
        if args.all:
            out = Path(args.out or "exports")
            stats = export_all(catalog, out, Path(args.cache), layout="flat")
            print(f"已导出 {stats.files} 个文件到 {out}/（新生成 {stats.exported} 个，"
                  f"沿用缓存 {stats.reused} 个），共 {stats.bytes / 1024:.0f} KB，"
                  f"用时 {stats.seconds:.1f} 秒")
            for name, chars in sorted(stats.missing.items()):
                error(f"{name}: 注意：没有字体含有字符 {'、'.join(chars)}，PDF 中以“〓”代替")
            return 0
        outline = catalog.records.get(args.outline)
        if outline is None or outline.spec is not OUTLINES:
            ids = [r.id for r in catalog.by_kind[OUTLINES.name]]
            close = difflib.get_close_matches(args.outline, ids, n=1, cutoff=0.6)
            hint = f"，是否指“{close[0]}”？" if close else ""
            error(f"找不到编号为“{args.outline}”的宣讲提纲{hint}")
            return 1
        if args.quiz:
            if not outline.data.get("questions"):
                error(f"宣讲提纲“{outline.id}”没有测验题（questions），无法导出互动测验")
                return 1
            result = export_document(quiz_document(catalog, outline.id), args.format)
        else:
            result = export_outline(catalog, outline.id, args.format, args.pack)
    except FontNotFound as exc:
        error(str(exc))
        return 1
    suffix = PACK_SUFFIX if args.pack else f"-{QUIZ_VARIANTS[0].part}" if args.quiz else ""
    target = Path(args.out or f"{outline.id}{suffix}.{args.format}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(result.data)
    what = "讲解包" if args.pack else "互动测验" if args.quiz else "提纲"
    print(f"已导出{what}“{outline.title}”到 {target}（{len(result.data) / 1024:.0f} KB）")
    if result.missing:
        error(f"注意：没有字体含有字符 {'、'.join(result.missing)}，PDF 中以“〓”代替"
              "（安装含该字的字体即可补全，如 fonts-hanazono）")
    if result.fallback_fonts:
        print(f"生僻字使用了字体：{'、'.join(result.fallback_fonts)}")
    return 0
