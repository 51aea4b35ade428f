"""`classroom check [DATA]`: check every record and list every problem.

The problem list is what this command is asked for, so it goes to stdout (as text or, with
`--format json`, as JSON) followed by a one-line verdict; the exit status says whether the
data passed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from ..check import check_tree
from ..models import KINDS
from .common import DEFAULT_DATA, Subcommands, UsageError, add_data_option, data_root


def register(sub: Subcommands) -> None:
    """Add `check` to the subcommands."""
    parser = sub.add_parser("check", help="检查全部记录，列出所有问题")
    parser.add_argument("folder", nargs="?", metavar="DATA",
                        help=f"数据目录（同 --data，默认 {DEFAULT_DATA}）")
    add_data_option(parser)
    parser.set_defaults(data=None)  # to tell `--data` given from its default
    parser.add_argument("--format", choices=["text", "json"], default="text", help="输出格式")
    parser.add_argument("--strict", action="store_true", help="警告也视为错误")
    parser.add_argument("--today", help=argparse.SUPPRESS)  # fixed date for reproducible tests
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check every record; print problems and a summary. Exit 1 on errors (or warnings)."""
    given = {Path(p) for p in (args.folder, args.data) if p is not None}
    if len(given) > 1:
        raise UsageError(f"数据目录给了两个：{args.folder} 与 --data {args.data}，请只给一个")
    args.data = str(given.pop()) if given else str(DEFAULT_DATA)
    root = data_root(args)
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
    # Only the kinds that have records: a tree of people says nothing of the other kinds.
    tally = "、".join(f"{KINDS[k].noun} {n} 条" for k, n in counts.items() if n) or "0 条记录"
    errors, warnings = len(result.errors), len(result.warnings)
    if errors:
        print(f"检查未通过：发现 {errors} 个错误、{warnings} 个警告（共读取 {tally}）。")
    elif warnings:
        verdict = "检查未通过（--strict 下警告也算错误）" if args.strict else "检查通过"
        print(f"{verdict}：{warnings} 个警告（共读取 {tally}）。")
    else:
        print(f"检查通过：没有发现问题（共读取 {tally}）。")
    return 1 if failing else 0
