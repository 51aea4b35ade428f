"""The `classroom` command: check records, write schemas and templates, pages, the search
index and exports, and compare revisions.

One module per subcommand, each with `register(sub)` (its arguments) and `run(args)`;
shared pieces (the data folder option, usage errors, the checked catalog) are in common.py.
Library modules never import this package. A command imports what is heavy (Jinja2, segno,
Markdown, the export writers) inside `run`, so `classroom check` loads none of it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from . import check, diff, export, fieldref, new, pages, schema, search_index, sources
from .common import Parser, UsageError

# In the order `classroom --help` lists them.
COMMANDS = (check, schema, new, pages, fieldref, diff, search_index, export, sources)


def build_parser() -> Parser:
    """Return the argument parser of the `classroom` command."""
    parser = Parser(prog="classroom", description="第二课堂：红色教育资源数据工具")
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=Parser)
    sub.required = True
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"classroom: 用法错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `classroom sources | head`: the reader has all it wants
        sys.stderr.close()
        return 0


__all__ = ["build_parser", "main"]
