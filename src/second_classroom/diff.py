"""`classroom diff BASE HEAD`: what a pull request changes in the records, in Chinese.

The record files of both revisions are read straight from git (`git ls-tree`, then
`git cat-file --batch` for the blobs that differ, so the cost follows the size of the
change, not of the data set), parsed with the strict loader and compared field by field.
Field names are shown with their Chinese labels from models.py. The output is Markdown
for a pull-request comment or the GitHub Actions job summary; record text is escaped so
it can't turn into markup, links or @-mentions there.
"""

from __future__ import annotations

import difflib
import json
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .load import Mapping, Node, Scalar, parse_yaml
from .models import KINDS, Field, ListOf, Struct

Plain = str | list["Plain"] | dict[str, "Plain"]

INLINE_MAX = 100  # longer values are cut in inline listings
_MD_SPECIAL = set("\\`*_[]<>|~&#@!")


class GitError(Exception):
    """git failed (unknown revision, not a repository); the message is in Chinese."""


# --- Reading revisions ---------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One file in a revision's tree."""

    blob: str


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], input=stdin,
                              capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise GitError("找不到 git 命令") from exc
    if done.returncode != 0:
        raise GitError(done.stderr.decode("utf-8", "replace").strip() or "git 命令失败")
    return done.stdout


def list_tree(repo: Path, rev: str, data: str) -> dict[str, Entry]:
    """Return path -> blob for every file under `data` at revision `rev`."""
    try:
        _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except GitError as exc:
        raise GitError(f"找不到版本“{rev}”（应为提交号、分支名或标签）") from exc
    # No `-l`: sizes would make git open every blob; only changed media need one (sizes()).
    out = _git(repo, "ls-tree", "-r", "-z", rev, "--", data.rstrip("/") + "/")
    entries: dict[str, Entry] = {}
    for item in out.split(b"\0"):
        if not item:
            continue
        meta, _, path = item.partition(b"\t")
        _mode, kind, blob = meta.split()
        if kind == b"blob":
            entries[path.decode("utf-8", "surrogateescape")] = Entry(blob.decode())
    return entries


def blob_sizes(repo: Path, blobs: set[str]) -> dict[str, int]:
    """Return the size in bytes of each blob (one `git cat-file --batch-check` call)."""
    if not blobs:
        return {}
    out = _git(repo, "cat-file", "--batch-check",
               stdin="".join(b + "\n" for b in sorted(blobs)).encode())
    return {blob: int(size) for blob, _kind, size in
            (line.split() for line in out.decode().splitlines())}


def read_blobs(repo: Path, blobs: set[str]) -> dict[str, bytes]:
    """Return the content of each blob, read in one `git cat-file --batch` call."""
    if not blobs:
        return {}
    order = sorted(blobs)
    out = _git(repo, "cat-file", "--batch", stdin="".join(b + "\n" for b in order).encode())
    contents: dict[str, bytes] = {}
    pos = 0
    for blob in order:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        size = int(header[2])
        contents[blob] = out[end + 1: end + 1 + size]
        pos = end + 1 + size + 1
    return contents


# --- Plain values --------------------------------------------------------------------

def plain(node: Node) -> Plain:
    """Return a node as nested dicts, lists and the scalar text exactly as typed."""
    if isinstance(node, Scalar):
        return node.text
    if isinstance(node, Mapping):
        return {key.text: plain(value) for key, value in node.items}
    return [plain(item) for item in node.items]


@dataclass
class Parsed:
    """One record file at one revision: its plain value, or why it could not be read."""

    value: dict[str, Plain] | None
    error: str = ""


def parse_record(raw: bytes, path: str) -> Parsed:
    """Parse a record file's bytes with the strict loader."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Parsed(None, "文件不是 UTF-8 编码")
    node, problems = parse_yaml(text, path)
    if node is None:
        return Parsed(None, problems[0].message if problems else "无法解析")
    value = plain(node)
    if not isinstance(value, dict):
        return Parsed(None, "文件内容不是“字段: 值”的映射")
    return Parsed(value)


# --- Comparing -----------------------------------------------------------------------

@dataclass
class Change:
    """One field that differs: `old`/`new` are None when the field was added/removed."""

    label: str
    old: Plain | None
    new: Plain | None


@dataclass
class RecordChange:
    """A record added, removed or changed between the two revisions."""

    status: str  # "added", "removed", "changed"
    kind: str
    id: str
    path: str
    title: str
    draft: bool = False
    changes: list[Change] = field(default_factory=list)
    error: str = ""


def _label(spec: Field | None, key: str) -> str:
    return f"{spec.label}（{key}）" if spec else f"未知字段（{key}）"


def _inner_struct(spec: Field | None) -> Struct | None:
    if spec is None:
        return None
    if isinstance(spec.type, Struct):
        return spec.type
    if isinstance(spec.type, ListOf) and isinstance(spec.type.item, Struct):
        return spec.type.item
    return None


def _display(struct: Struct | None, value: Plain | None) -> Plain | None:
    """Return `value` with the keys of a mapping shown by their Chinese labels."""
    if struct is None:
        return value
    if isinstance(value, list):
        return [_display(struct, v) or "" for v in value]
    if isinstance(value, dict):
        declared = struct.by_name()
        return {(declared[k].label if k in declared else k):
                _display(_inner_struct(declared.get(k)), v) or "" for k, v in value.items()}
    return value


def compare(struct: Struct | None, old: dict[str, Plain], new: dict[str, Plain],
            prefix: str = "") -> list[Change]:
    """Return the field-by-field differences of two mappings, in declared field order."""
    declared = struct.by_name() if struct else {}
    keys = [k for k in declared if k in old or k in new]
    keys += [k for k in [*old, *new] if k not in declared and k not in keys]
    changes: list[Change] = []
    for key in dict.fromkeys(keys):
        spec = declared.get(key)
        label = prefix + _label(spec, key)
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if a is None or b is None:
            inner = _inner_struct(spec)
            changes.append(Change(label, _display(inner, a), _display(inner, b)))
        elif isinstance(a, dict) and isinstance(b, dict):
            changes += compare(_inner_struct(spec), a, b, label + " · ")
        elif isinstance(a, list) and isinstance(b, list):
            changes += _compare_lists(_inner_struct(spec), a, b, label)
        else:
            changes.append(Change(label, a, b))
    return changes


def _compare_lists(item_struct: Struct | None, old: list[Plain], new: list[Plain],
                   label: str) -> list[Change]:
    if all(isinstance(x, str) for x in [*old, *new]):
        gone: list[Plain] = list((Counter(map(str, old)) - Counter(map(str, new))).elements())
        came: list[Plain] = list((Counter(map(str, new)) - Counter(map(str, old))).elements())
        if not gone and not came:
            return [Change(label + "（仅顺序调整）", old, new)]
        return [Change(label, gone or None, came or None)]
    keyed = [json.dumps(x, ensure_ascii=False, sort_keys=True) for x in old]
    keyed_new = [json.dumps(x, ensure_ascii=False, sort_keys=True) for x in new]
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(a=keyed, b=keyed_new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(pairs):
            a, b = old[i1 + k], new[j1 + k]
            item = f"{label} 第 {j1 + k + 1} 项"
            if isinstance(a, dict) and isinstance(b, dict):
                changes += compare(item_struct, a, b, item + " · ")
            else:
                changes.append(Change(item, a, b))
        for k in range(i1 + pairs, i2):
            changes.append(Change(f"{label} 原第 {k + 1} 项", _display(item_struct, old[k]),
                                  None))
        for k in range(j1 + pairs, j2):
            changes.append(Change(f"{label} 第 {k + 1} 项", None,
                                  _display(item_struct, new[k])))
    return changes


def _title(value: dict[str, Plain] | None, kind: str, record_id: str) -> str:
    title = (value or {}).get(KINDS[kind].title_field)
    return title if isinstance(title, str) and title.strip() else record_id


def _record_path(path: str, data: str) -> tuple[str, str] | None:
    rel = PurePosixPath(path).relative_to(data)
    if len(rel.parts) == 2 and rel.parts[0] in KINDS and rel.suffix == ".yml":
        return rel.parts[0], rel.stem
    return None


@dataclass
class Summary:
    """Everything that differs between two revisions of the data folder."""

    base: str
    head: str
    records: list[RecordChange] = field(default_factory=list)
    vocab: list[Change] = field(default_factory=list)
    media: list[tuple[str, str, int]] = field(default_factory=list)  # (status, path, bytes)
    other: list[tuple[str, str]] = field(default_factory=list)  # (status, path)

    @property
    def empty(self) -> bool:
        return not (self.records or self.vocab or self.media or self.other)


def _status(a: Entry | None, b: Entry | None) -> str:
    return "added" if a is None else "removed" if b is None else "changed"


def worktree_changes(repo: Path, data: str) -> list[tuple[str, str]]:
    """Return (status, path) of files under `data` that differ from HEAD in the working
    tree: modified, added, deleted, and untracked (status "??")."""
    out = _git(repo, "status", "--porcelain", "-z", "--untracked-files=all", "--",
               data.rstrip("/") + "/")
    found: list[tuple[str, str]] = []
    items = out.split(b"\0")
    i = 0
    while i < len(items):
        item = items[i].decode("utf-8", "surrogateescape")
        i += 1
        if not item:
            continue
        status, path = item[:2], item[3:]
        if "R" in status or "C" in status:
            i += 1  # the rename's source path follows; the new path is what counts
        found.append((status, path))
    return found


def _overlay_worktree(repo: Path, data: str, tree: dict[str, Entry]) -> tuple[
        dict[str, Entry], dict[str, bytes]]:
    """Return HEAD's tree with the working tree's changes laid over it, and the contents
    of the changed files (keyed by their blob ids, as `git hash-object` names them)."""
    changes = worktree_changes(repo, data)
    tree = dict(tree)
    present = []
    for _status, path in changes:
        if (repo / path).is_file():
            present.append(path)
        else:
            tree.pop(path, None)
    local: dict[str, bytes] = {}
    if present:
        ids = _git(repo, "hash-object", "--stdin-paths",
                   stdin="".join(p + "\n" for p in present).encode()).decode().split()
        for path, blob in zip(present, ids, strict=True):
            tree[path] = Entry(blob)
            local[blob] = (repo / path).read_bytes()
    return tree, local


WORKTREE = "工作区"  # how the working tree is named as the head of a comparison


def diff_revisions(repo: Path, base: str, head: str | None, data: str) -> Summary:
    """Compare the data folder at two git revisions; with `head` None, compare `base` with
    the working tree (HEAD plus uncommitted and untracked files)."""
    data = data.strip("/") or "."
    repo = Path(_git(repo, "rev-parse", "--show-toplevel").decode().strip())
    old_tree = list_tree(repo, base, data)
    new_tree = list_tree(repo, head or "HEAD", data)
    local: dict[str, bytes] = {}
    label = head or "HEAD"
    if head is None:
        new_tree, local = _overlay_worktree(repo, data, new_tree)
        label = f"{WORKTREE}（HEAD 加未提交的改动）" if worktree_changes(repo, data) else "HEAD"
    paths = sorted(p for p in {*old_tree, *new_tree}
                   if (old_tree.get(p) or Entry("")).blob
                   != (new_tree.get(p) or Entry("")).blob)
    wanted = {e.blob for p in paths for e in (old_tree.get(p), new_tree.get(p))
              if e is not None and (_record_path(p, data) or p == f"{data}/vocab.yml")}
    blobs = read_blobs(repo, wanted - local.keys())
    blobs.update({b: local[b] for b in wanted & local.keys()})
    summary = Summary(base, label)
    media: list[tuple[str, str, str]] = []  # (status, path, blob)
    for path in paths:
        a, b = old_tree.get(path), new_tree.get(path)
        status = _status(a, b)
        where = _record_path(path, data)
        rel = PurePosixPath(path).relative_to(data)
        if where:
            summary.records.append(_record_change(status, *where, path, a, b, blobs))
        elif path == f"{data}/vocab.yml":
            summary.vocab = _vocab_changes(a, b, blobs, path)
        elif rel.parts[0] == "media":
            media.append((status, path, (b or a or Entry("")).blob))
        else:
            summary.other.append((status, path))
    sizes = blob_sizes(repo, {blob for _, _, blob in media} - local.keys())
    sizes.update({blob: len(local[blob]) for _, _, blob in media if blob in local})
    summary.media = [(status, path, sizes[blob]) for status, path, blob in media]
    order = {"added": 0, "removed": 1, "changed": 2}
    kinds = list(KINDS)
    summary.records.sort(key=lambda r: (order[r.status], kinds.index(r.kind), r.id))
    return summary


def _record_change(status: str, kind: str, record_id: str, path: str, a: Entry | None,
                   b: Entry | None, blobs: dict[str, bytes]) -> RecordChange:
    old = parse_record(blobs[a.blob], path) if a else Parsed(None)
    new = parse_record(blobs[b.blob], path) if b else Parsed(None)
    shown = new if b else old
    change = RecordChange(status, kind, record_id, path,
                          _title(shown.value or old.value, kind, record_id),
                          draft=(shown.value or {}).get("draft") == "true",
                          error=shown.error)
    if status == "changed":
        if old.value is not None and new.value is not None:
            change.changes = compare(KINDS[kind].schema, old.value, new.value)
        elif not new.error and old.error:
            change.error = f"旧版本无法解析（{old.error}），无法逐字段比较"
        if not change.changes and not change.error:
            change.changes = [Change("格式（空白、注释或引号）", None, None)]
    return change


def _vocab_changes(a: Entry | None, b: Entry | None, blobs: dict[str, bytes],
                   path: str) -> list[Change]:
    old = parse_record(blobs[a.blob], path).value if a else {}
    new = parse_record(blobs[b.blob], path).value if b else {}

    def terms(value: dict[str, Plain] | None) -> dict[str, list[Plain]]:
        out: dict[str, list[Plain]] = {}
        for key, item in (value or {}).items():
            if isinstance(item, dict):  # provinces grouped by region
                out[key] = [t for group in item.values() if isinstance(group, list)
                            for t in group]
            elif isinstance(item, list):
                out[key] = item
        return out

    before, after = terms(old), terms(new)
    changes = []
    for key in dict.fromkeys([*before, *after]):
        if before.get(key) != after.get(key):
            changes += _compare_lists(None, before.get(key, []), after.get(key, []),
                                      f"词表（{key}）")
    return changes or [Change("词表格式（空白、注释或顺序）", None, None)]


# --- Markdown ------------------------------------------------------------------------

def md_escape(text: str) -> str:
    """Escape text so GitHub Markdown shows it literally (no markup, links or mentions)."""
    flat = " ".join(text.split())
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in flat)


def _inline(value: Plain | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(isinstance(x, str) for x in value):
        text = "、".join(str(x) for x in value)
    else:
        text = _compact(value)
    if len(text) > INLINE_MAX:
        text = text[: INLINE_MAX - 1] + "…"
    return "“" + md_escape(text) + "”"


def _compact(value: Plain) -> str:
    if isinstance(value, dict):
        return "，".join(f"{k}: {_compact(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "[" + "；".join(_compact(v) for v in value) + "]"
    return value


def _is_long(value: Plain | None) -> bool:
    return isinstance(value, str) and (len(value) > INLINE_MAX or "\n" in value.strip())


def _text_diff(old: str, new: str) -> list[str]:
    lines = list(difflib.unified_diff(old.strip().splitlines(), new.strip().splitlines(),
                                      lineterm="", n=1))[2:]
    added = sum(1 for x in lines if x.startswith("+"))
    removed = sum(1 for x in lines if x.startswith("-"))
    fence = "`" * max(3, _longest_backticks(lines) + 1)  # text can't close the fence
    return [
        f"  <details><summary>查看改动（增加 {added} 行，删除 {removed} 行）</summary>",
        "",
        f"  {fence}diff",
        *[f"  {line}" for line in lines],
        f"  {fence}",
        "",
        "  </details>",
    ]


def _longest_backticks(lines: list[str]) -> int:
    best = 0
    for line in lines:
        run = 0
        for char in line:
            run = run + 1 if char == "`" else 0
            best = max(best, run)
    return best


def change_lines(change: Change) -> list[str]:
    """Return the Markdown list item(s) describing one field change."""
    label = md_escape(change.label)
    old, new = change.old, change.new
    if old is None and new is None:
        return [f"- 只改动了{label}，内容不变"]
    if old is None:
        return [f"- 新增 {label}：{_inline(new)}"]
    if new is None:
        return [f"- 删除 {label}（原为{_inline(old)}）"]
    if label.endswith("（仅顺序调整）"):
        return [f"- {label}"]
    if isinstance(old, str) and isinstance(new, str) and (_is_long(old) or _is_long(new)):
        return [f"- 修改 {label}：", *_text_diff(old, new)]
    if (isinstance(old, list) and isinstance(new, list)
            and all(isinstance(x, str) for x in [*old, *new])):
        return [f"- 修改 {label}：删除{_inline(old)}，增加{_inline(new)}"]
    return [f"- 修改 {label}：由{_inline(old)}改为{_inline(new)}"]


def _code(text: str) -> str:
    """Return `text` as an inline code span (no escapes apply inside one)."""
    return "`" + text.replace("`", "'").replace("\n", " ") + "`"


def _heading(record: RecordChange) -> str:
    spec = KINDS[record.kind]
    draft = "（草稿，不发布）" if record.draft else ""
    return f"{spec.label} **{md_escape(record.title)}**{draft} {_code(record.path)}"


_STATUS = {"added": "新增", "removed": "删除", "changed": "修改"}


def to_markdown(summary: Summary) -> str:
    """Return the summary as Chinese Markdown, suitable for a pull-request comment."""
    counts = Counter(r.status for r in summary.records)
    base, head = (_code(summary.base), _code(summary.head))
    lines = [f"## 数据变更摘要（{base} → {head}）", ""]
    if summary.empty:
        return "\n".join([*lines, "没有记录、词表或图片的变化。", ""])
    lines.append(f"记录：新增 {counts['added']} 条，删除 {counts['removed']} 条，"
                 f"修改 {counts['changed']} 条。")
    for status, title in (("added", "新增的记录"), ("removed", "删除的记录")):
        group = [r for r in summary.records if r.status == status]
        if group:
            lines += ["", f"### {title}", ""]
            for record in group:
                problem = f" ⚠ 无法解析：{md_escape(record.error)}" if record.error else ""
                lines.append(f"- {_heading(record)}{problem}")
    changed = [r for r in summary.records if r.status == "changed"]
    if changed:
        lines += ["", "### 修改的记录"]
        for record in changed:
            lines += ["", f"#### {_heading(record)}", ""]
            if record.error:
                lines.append(f"- ⚠ {md_escape(record.error)}")
            for change in record.changes:
                lines += change_lines(change)
    if summary.vocab:
        lines += ["", "### 词表 vocab.yml", ""]
        for change in summary.vocab:
            lines += change_lines(change)
    if summary.media:
        lines += ["", "### 图片与媒体文件", ""]
        for status, path, size in summary.media:
            lines.append(f"- {_STATUS[status]} {_code(path)}（{size / 1024:.0f} KB）")
    if summary.other:
        lines += ["", "### 其他文件", ""]
        lines += [f"- {_STATUS[status]} {_code(path)}" for status, path in summary.other]
    return "\n".join(lines) + "\n"

