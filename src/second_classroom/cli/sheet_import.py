"""`classroom import FILE.xlsx|FILE.csv --kind KIND`: records from a WPS/Excel sheet.

Every row is checked like a record file; each problem names the sheet, row and column
(stderr). Nothing is written unless every row is valid; an existing record that differs
is only replaced with `--update`, which lists what changes (as `classroom diff` does).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from ..models import KINDS
from ..sheets import importable_kinds
from .common import Subcommands, UsageError, add_data_option, data_root, error


def register(sub: Subcommands) -> None:
    """Add `import` to the subcommands."""
    parser = sub.add_parser("import", help="从 xlsx/csv 表格导入记录（每行一条，列名为字段的中文名称）")
    parser.add_argument("file", metavar="FILE", help="xlsx 或 csv 文件（csv 可为 UTF-8 或 GB18030 编码）")
    parser.add_argument("--kind", required=True, choices=importable_kinds(), help="记录类型")
    add_data_option(parser)
    parser.add_argument("--dry-run", action="store_true", help="只检查并列出将写入的文件，不写入")
    parser.add_argument("--update", action="store_true", help="允许覆盖已有的记录，并列出改动")
    parser.add_argument("--today", help=argparse.SUPPRESS)  # fixed date for reproducible tests
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check every row; write the records only if all are valid."""
    from ..sheets import SheetError, plan_import, write_import

    root = data_root(args)
    today = dt.date.fromisoformat(args.today) if args.today else None
    try:
        plan = plan_import(Path(args.file), args.kind, root, today, update=args.update)
    except SheetError as exc:
        raise UsageError(str(exc)) from exc
    for problem in plan.problems:
        error(problem.format())
    if plan.errors:
        error(f"导入未完成：发现 {len(plan.errors)} 个错误，没有写入任何文件。")
        return 1
    spec = KINDS[args.kind]
    folder = root / args.kind
    for row in plan.added:
        print(f"新增 {folder / row.id}.yml：{row.record.title if row.record else row.id}")
    for row, lines in plan.changed:
        print(f"修改 {folder / row.id}.yml：{row.record.title if row.record else row.id}")
        for line in lines:
            print(f"  {line}")
    summary = (f"{len(plan.rows)} 行{spec.noun}：新增 {len(plan.added)} 条，"
               f"修改 {len(plan.changed)} 条，未变 {len(plan.unchanged)} 条")
    if args.dry_run:
        print(f"试运行：{summary}；没有写入任何文件。")
        return 0
    written = write_import(plan, root)
    print(f"已导入：{summary}；写入 {written} 个文件。请运行 classroom check 检查全部数据。")
    return 0
