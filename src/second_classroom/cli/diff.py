"""`classroom diff BASE [HEAD]`: what changed in the records between two git revisions, as
Markdown for a pull-request comment or the job summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import DEFAULT_DATA, Subcommands, UsageError


def register(sub: Subcommands) -> None:
    """Add `diff` to the subcommands."""
    parser = sub.add_parser("diff", help="比较两个 git 版本之间记录的增删改（Markdown 摘要）")
    parser.add_argument("base", help="基准版本，如 origin/main")
    parser.add_argument("head", nargs="?", default=None,
                        help="新版本（默认：工作区，即 HEAD 加上未提交和未跟踪的文件）")
    parser.add_argument("--data", default=DEFAULT_DATA.as_posix(), metavar="DIR",
                        help=f"数据目录在仓库中的路径（默认 {DEFAULT_DATA}）")
    parser.add_argument("--repo", default=".", help="git 仓库目录（默认当前目录）")
    parser.add_argument("--output", help="写入文件而不是打印")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print (or write to --output) the Markdown summary of data changes."""
    from ..diff import GitError, diff_revisions, to_markdown, worktree_changes

    try:
        summary = diff_revisions(Path(args.repo), args.base, args.head, args.data)
        left_out = worktree_changes(Path(args.repo), args.data) if args.head else []
    except GitError as exc:  # an unknown revision, or --repo is not a git repository
        raise UsageError(str(exc)) from exc
    text = to_markdown(summary)
    if left_out:  # said plainly: the comparison is between commits only
        text += (f"\n注意：工作区还有 {len(left_out)} 个数据文件的改动未提交（含未跟踪的新文件），"
                 f"没有计入上面的比较：" + "、".join(f"`{p}`" for _, p in left_out[:10])
                 + ("等" if len(left_out) > 10 else "")
                 + f"。不写 {args.head} 即与工作区比较。\n")
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
