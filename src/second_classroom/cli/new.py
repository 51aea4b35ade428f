"""`classroom new KIND ID`: a commented template for a new record."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..models import KINDS, SLUG
from ..scaffold import record_template
from .common import Subcommands, UsageError, add_data_option, error


def register(sub: Subcommands) -> None:
    """Add `new` to the subcommands."""
    parser = sub.add_parser("new", help="按模板新建一条记录")
    parser.add_argument("kind", help="记录类型：" + "、".join(KINDS))
    parser.add_argument("id", help="编号（文件名），小写字母、数字和连字符")
    add_data_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write a commented template for a new record (the data folder is made if missing)."""
    if args.kind not in KINDS:
        raise UsageError(f"未知记录类型“{args.kind}”，可用：" + "、".join(KINDS))
    if not SLUG.match(args.id):
        raise UsageError(f"编号“{args.id}”不合规：只能用小写字母、数字和连字符，如 lanzhou-balujun-banshichu")
    target = Path(args.data) / args.kind / f"{args.id}.yml"
    if target.exists():
        error(f"{target}: 文件已存在，未做任何修改")
        return 1
    vocab = None
    if (Path(args.data) / "vocab.yml").is_file():  # to list the values `kind` etc. allow
        from ..check import load_vocab

        vocab, _ = load_vocab(Path(args.data))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(record_template(args.kind, vocab=vocab), encoding="utf-8")
    print(f"已创建 {target}，填写后运行 classroom check 检查")
    return 0
