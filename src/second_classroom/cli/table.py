"""`classroom table --kind KIND --format xlsx|csv OUT`: records as a WPS/Excel sheet.

The columns are those `classroom import` reads, so a sheet written here, edited and
imported again changes exactly what was edited.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..models import KINDS
from ..sheets import importable_kinds
from .common import Subcommands, add_data_option, data_root, error, report_problems


def register(sub: Subcommands) -> None:
    """Add `table` to the subcommands."""
    parser = sub.add_parser("table", help="把记录导出为 xlsx 或 csv 表格（可再用 import 导入）")
    parser.add_argument("out", metavar="OUT", help="输出文件")
    parser.add_argument("--kind", required=True, choices=importable_kinds(), help="记录类型")
    parser.add_argument("--format", choices=["xlsx", "csv"], help="格式（默认按 OUT 的扩展名）")
    add_data_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write every record of the kind (drafts too) as one sheet."""
    from ..sheets import read_records, write_csv, write_xlsx

    root = data_root(args)
    out = Path(args.out)
    fmt = args.format or out.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        fmt = "xlsx"
    records, problems = read_records(root, args.kind)
    if problems:
        report_problems(problems, "未导出表格")
        return 1
    spec = KINDS[args.kind]
    try:
        if fmt == "csv":
            write_csv(spec, records, out)
        else:
            dates = [d for r in records for d in spec.recorded(r.data)]
            write_xlsx(spec, records, out, created=max(dates) if dates else None)
    except OSError as exc:
        error(f"无法写入 {out}：{exc.strerror or exc}")
        return 1
    print(f"已写入 {out}：{spec.label} {len(records)} 条（{fmt}）")
    return 0
