"""`classroom sources`: how well the records are sourced, kind by kind."""

from __future__ import annotations

import argparse

from ..check import check_tree
from ..models import KINDS, TRUSTED_SOURCE_TYPES
from ..sources import source_report
from .common import Subcommands, add_data_option, data_root

HOSTS_SHOWN = 20


def register(sub: Subcommands) -> None:
    """Add `sources` to the subcommands."""
    parser = sub.add_parser("sources", help="统计来源：各类记录有官方或出版物来源的比例、重复来源、常见域名")
    add_data_option(parser)
    parser.add_argument("--all", action="store_true", help="列出全部域名和全部缺少可靠来源的记录")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the source report; exit 0 (it reports, it does not judge)."""
    result = check_tree(data_root(args))
    report = source_report(result.records, result.vocab)
    trusted = "或".join(TRUSTED_SOURCE_TYPES)
    print(f"有{trusted}来源的记录：{report.trusted}/{report.records}"
          f"（{report.trusted / max(1, report.records):.0%}）")
    for kind in report.kinds:
        spec = KINDS[kind.kind]
        print(f"  {spec.label}：{kind.trusted}/{kind.records}（{kind.share:.0%}）")
    print("\n来源类型（按引用次数）：" + "、".join(
        f"{name or '未知'} {n}" for name, n in sorted(report.by_type.items(),
                                                     key=lambda kv: -kv[1])))
    missing = [path for kind in report.kinds for path in kind.untrusted]
    print(f"\n没有{trusted}来源的记录（{len(missing)} 条）：")
    for path in missing if args.all else missing[:HOSTS_SHOWN]:
        print(f"  {path}")
    if len(missing) > HOSTS_SHOWN and not args.all:
        print(f"  ……另有 {len(missing) - HOSTS_SHOWN} 条（--all 列出全部）")
    print(f"\n重复的来源（{len(report.duplicates)} 处）：")
    for path, key in report.duplicates:
        print(f"  {path}：{key}")
    print(f"\n发布者与网址不符（{len(report.mislabelled)} 处）：")
    for path, name, host in report.mislabelled:
        print(f"  {path}：写作“{name}”，网址在 {host}")
    hosts = report.hosts if args.all else report.hosts[:HOSTS_SHOWN]
    print(f"\n引用最多的域名（共 {len(report.hosts)} 个）：")
    for host, n in hosts:
        print(f"  {n:4d}  {host}")
    return 0
