"""`classroom check [FILES…|DATA]`: check records and list every problem.

With a data folder (or nothing: site_data/), every record is checked. With record files,
those files are checked against the whole catalog (their references still resolve) and
only their problems are listed; `--changed` picks the files changed since git's merge base
with the main branch, committed or not. A change to the vocabulary or to media is checked
as a change to every record.

The problem list is what this command is asked for, so it goes to stdout (as text or, with
`--format json`, as JSON): errors first, then warnings, then notes (drafts), followed by a
one-line verdict; the exit status says whether the data passed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
from pathlib import Path

from ..check import CheckResult, by_severity, check_tree
from ..models import KINDS
from .common import DEFAULT_DATA, Subcommands, UsageError, add_data_option


def register(sub: Subcommands) -> None:
    """Add `check` to the subcommands."""
    parser = sub.add_parser("check", help="检查记录，列出所有问题（可只查指定文件或改动的文件）")
    parser.add_argument("paths", nargs="*", metavar="FILES|DATA",
                        help=f"要检查的记录文件，或数据目录（同 --data，默认 {DEFAULT_DATA}）")
    add_data_option(parser)
    parser.set_defaults(data=None)  # to tell `--data` given from its default
    parser.add_argument("--changed", action="store_true",
                        help="只检查与主分支分叉以来改动过的记录（含未提交、未跟踪的文件）")
    parser.add_argument("--base", default=None, metavar="REV",
                        help="--changed 比较的分支（默认 origin/main，没有则 main）")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="输出格式")
    parser.add_argument("--strict", action="store_true", help="警告也视为错误")
    parser.add_argument("--today", help=argparse.SUPPRESS)  # fixed date for reproducible tests
    parser.set_defaults(func=run)


def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True,
                              text=True, check=False)
    except OSError as exc:
        raise UsageError(f"无法运行 git：{exc.strerror}") from exc
    if done.returncode != 0:
        raise UsageError(f"git {' '.join(args)} 失败：{done.stderr.strip()}")
    return done.stdout


def changed_files(root: Path, base: str | None) -> tuple[list[Path], list[Path], str]:
    """Return the files under `root` changed since the merge base of HEAD and `base`
    (committed, staged, unstaged or untracked), the files deleted since then, and a
    description of what they were compared with."""
    repo = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    candidates = [base] if base else ["origin/main", "main"]
    for candidate in candidates:
        probe = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet",
                                f"{candidate}^{{commit}}"], capture_output=True, text=True,
                               check=False)
        if probe.returncode == 0:
            break
    else:
        raise UsageError(f"找不到要比较的分支 {' 或 '.join(candidates)}；请用 --base 指定")
    merge_base = _git(repo, "merge-base", "HEAD", candidate).strip()
    names = _git(repo, "diff", "--name-only", "-z", merge_base, "--").split("\0")
    names += _git(repo, "ls-files", "--others", "--exclude-standard", "-z").split("\0")
    inside = root.resolve()
    found: list[Path] = []
    gone: list[Path] = []
    for name in dict.fromkeys(n for n in names if n):
        file = (repo / name).resolve()
        if file.is_relative_to(inside):
            (found if file.is_file() else gone).append(file)
    return found, gone, f"{candidate} 的分叉点 {merge_base[:10]}"


def _whole_tree_needed(root: Path, files: list[Path]) -> bool:
    """A vocabulary or media change can break any record: check them all."""
    resolved = root.resolve()
    return any(f.resolve() == resolved / "vocab.yml" or
               f.resolve().is_relative_to(resolved / "media") for f in files)


def run(args: argparse.Namespace) -> int:
    """Check records; print problems and a summary. Exit 1 on errors (or warnings)."""
    from ..checkindex import check_files, data_root_of

    today = dt.date.fromisoformat(args.today) if args.today else None
    paths = [Path(p) for p in args.paths]
    folders = [p for p in paths if p.is_dir()]
    files = [p for p in paths if not p.is_dir()]
    if folders and (files or len(folders) > 1 or args.changed):
        raise UsageError("给了数据目录就不能再给文件或 --changed：请只给一个数据目录，或只给记录文件")
    if args.data is not None and folders and Path(args.data).resolve() != folders[0].resolve():
        raise UsageError(f"数据目录给了两个：{folders[0]} 与 --data {args.data}，请只给一个")
    missing = [p for p in files if not p.exists()]
    if len(missing) == 1 == len(paths) and missing[0].suffix not in (".yml", ".yaml"):
        raise UsageError(f"找不到数据目录 {missing[0]}")
    # A record file that is gone (deleted in this change): the records citing it are checked.
    gone = [p for p in missing if p.suffix == ".yml" and p.parent.name in KINDS]
    if unknown := [p for p in missing if p not in gone]:
        raise UsageError("找不到文件或目录：" + "、".join(str(p) for p in unknown))
    files = [p for p in files if p not in gone]
    root = folders[0] if folders else Path(args.data) if args.data else None
    if root is None and (files or gone):
        roots = {data_root_of(f) for f in files + gone}
        if None in roots or len(roots) != 1:
            raise UsageError("这些文件不在同一个数据目录（含 vocab.yml 的目录）中，"
                             "请分别检查或用 --data 指明")
        root = roots.pop()
    root = root or DEFAULT_DATA
    if not root.is_dir():
        raise UsageError(f"找不到数据目录 {root}")

    scope = ""
    if args.changed:
        changed, deleted, against = changed_files(root, args.base)
        files += changed
        gone += deleted
        if not files and not gone:
            print(f"没有改动的记录文件（与 {against} 相比），无需检查。")
            return 0
        scope = f"与 {against} 相比改动的 {len(files) + len(gone)} 个文件"
    if (files or gone) and not _whole_tree_needed(root, files + gone):
        result, _ = check_files(root, files, today, gone)
        scope = scope or f"指定的 {len(files) + len(gone)} 个文件"
    else:
        result = check_tree(root, today, parallel=True)
    return report(result, args, scope)


def report(result: CheckResult, args: argparse.Namespace, scope: str = "") -> int:
    """Print the problems and notes, errors first, then the verdict; return the status."""
    failing = result.errors or (args.strict and result.warnings)
    shown = by_severity(result.problems) + result.notes
    if args.format == "json":
        print(json.dumps([p.as_json() for p in shown], ensure_ascii=False, indent=2))
        return 1 if failing else 0
    for problem in shown:
        print(problem.format())
    counts = {k: 0 for k in KINDS}
    for record in result.records:
        counts[record.kind] += 1
    # Only the kinds that have records: a tree of people says nothing of the other kinds.
    tally = "、".join(f"{KINDS[k].noun} {n} 条" for k, n in counts.items() if n) or "0 条记录"
    drafts = len(result.notes)
    tally += f"，其中草稿 {drafts} 条不发布" if drafts else ""
    where = f"{scope}，" if scope else ""
    errors, warnings = len(result.errors), len(result.warnings)
    if errors:
        print(f"检查未通过：发现 {errors} 个错误、{warnings} 个警告（{where}共读取 {tally}）。")
    elif warnings:
        verdict = "检查未通过（--strict 下警告也算错误）" if args.strict else "检查通过"
        print(f"{verdict}：{warnings} 个警告（{where}共读取 {tally}）。")
    else:
        print(f"检查通过：没有发现问题（{where}共读取 {tally}）。")
    return 1 if failing else 0


