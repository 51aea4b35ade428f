"""What every `classroom` subcommand shares: the parser class, the data folder option,
usage errors and the checked catalog.

Conventions of every command: results go to stdout; usage errors, and the messages and
problem lists that explain a failure, go to stderr. Exit status 0 means done, 1 failed
(data errors, a file that could not be written), 2 a usage error (how it was called).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeAlias

from .. import layout

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..problems import Problem

DEFAULT_DATA = Path(layout.DEFAULT_DATA)


class Parser(argparse.ArgumentParser):
    """argparse with its complaints in Chinese and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: 用法错误：{message}\n")


# What each command module's `register` receives (a string: argparse's class is not generic
# at run time).
Subcommands: TypeAlias = "argparse._SubParsersAction[Parser]"


class UsageError(Exception):
    """A mistake in how the command was called (exit 2)."""


def add_data_option(parser: argparse.ArgumentParser, help: str = "数据目录") -> None:
    """Give `parser` the `--data DIR` option every command that reads records takes."""
    parser.add_argument("--data", default=str(DEFAULT_DATA), metavar="DIR",
                        help=f"{help}（默认 {DEFAULT_DATA}）")


def data_root(args: argparse.Namespace) -> Path:
    """Return the data folder named by `--data`; a usage error when it does not exist."""
    root = Path(args.data)
    if not root.is_dir():
        raise UsageError(f"找不到数据目录 {root}")
    return root


def error(message: str) -> None:
    """Print a message that explains a failure (to stderr)."""
    print(message, file=sys.stderr)


def checked_catalog(root: Path, not_done: str) -> Catalog | None:
    """Return the catalog of `root`; or print every problem and what was `not_done`
    (e.g. "未生成页面") to stderr and return None, when the data does not pass the check."""
    from ..catalog import load_catalog
    from ..problems import DataError

    try:
        catalog, _ = load_catalog(root)
    except DataError as exc:
        report_problems(exc.problems, not_done)
        return None
    return catalog


def report_problems(problems: list[Problem], not_done: str) -> None:
    """Print every problem and what was `not_done` because of them (to stderr)."""
    for problem in problems:
        error(problem.format())
    error(f"检查未通过：发现 {len(problems)} 个错误，{not_done}。请先运行 classroom check 修正。")
