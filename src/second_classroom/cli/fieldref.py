"""`classroom fieldref [--check]`: the field reference in CONTRIBUTING.md, from models.py."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..fieldref import DEFAULT_FILE, field_reference, replace_section
from .common import Subcommands, UsageError, error


def register(sub: Subcommands) -> None:
    """Add `fieldref` to the subcommands."""
    parser = sub.add_parser("fieldref", help="根据字段定义更新 CONTRIBUTING.md 中的字段说明")
    parser.add_argument("--file", default=str(DEFAULT_FILE),
                        help=f"要更新的文件（默认 {DEFAULT_FILE}）")
    parser.add_argument("--check", action="store_true", help="只检查是否最新，不修改文件")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write (or with --check, verify) the field reference section of the file."""
    file = Path(args.file)
    if not file.is_file():
        raise UsageError(f"找不到文件 {file}")
    current = file.read_text(encoding="utf-8")
    try:
        wanted = replace_section(current, field_reference())
    except ValueError as exc:
        error(f"{file}:1:1: {exc}")
        return 1
    if current == wanted:
        print(f"{file} 中的字段说明已是最新")
        return 0
    if args.check:
        error(f"{file}: 字段说明与 models.py 不一致，请运行 classroom fieldref 更新")
        return 1
    tmp = file.with_name(file.name + ".tmp")
    tmp.write_text(wanted, encoding="utf-8")
    tmp.replace(file)  # atomic: an interrupted run never leaves half a file
    print(f"已更新 {file} 中的字段说明")
    return 0
