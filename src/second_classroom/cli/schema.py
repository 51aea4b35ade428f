"""`classroom schema`: one JSON Schema per kind of record, for completion in editors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..check import load_vocab
from ..models import KINDS
from ..schema import record_schema
from .common import Subcommands, add_data_option, data_root, error


def register(sub: Subcommands) -> None:
    """Add `schema` to the subcommands."""
    parser = sub.add_parser("schema", help="为每类记录写出 JSON Schema（供编辑器补全）")
    add_data_option(parser, "数据目录（读取词表）")
    parser.add_argument("--out", default="schema", help="输出目录（默认 schema）")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write one JSON Schema file per record kind."""
    vocab, problems = load_vocab(data_root(args))
    if problems:
        for problem in problems:
            error(problem.format())
        error(f"词表有 {len(problems)} 个错误，未写入 JSON Schema。")
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        text = json.dumps(record_schema(kind, vocab), ensure_ascii=False, indent=2) + "\n"
        (out / f"{kind}.schema.json").write_text(text, encoding="utf-8")
    print(f"已写入 {len(KINDS)} 个 JSON Schema 到 {out}/")
    return 0
