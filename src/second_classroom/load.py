"""Strict YAML loading that keeps the position of every value.

PyYAML's own loaders resolve `9:00` to 540, `no` to False and let a duplicate key win
silently. Here the parser's events are composed into a small tree of scalars, mappings and
sequences that keep the text as typed plus its line and column; the record schema
(models.py) decides later what each text means. Anchors, aliases and tags are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import yaml

from .problems import Mark, Problem

MAX_FILE_BYTES = 256 * 1024  # a record is a few KB; anything larger is a mistake

try:  # libyaml's C parser is ~10x faster; the pure-Python one gives the same events
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


@dataclass(slots=True)
class Scalar:
    """A scalar exactly as typed: `plain` is False for quoted and block scalars."""

    text: str
    mark: Mark
    plain: bool = True
    one_line: bool = True  # written on a single line, so offsets in `text` map to columns
    # For a scalar written over several lines: its last line and the file's text, so that
    # a finding inside it (a phone number in `body: |`) can be pointed at exactly.
    end_line: int = 0
    source: str | None = None


@dataclass(slots=True)
class Mapping:
    """A mapping whose keys are scalars, in file order."""

    items: list[tuple[Scalar, Node]]
    mark: Mark


@dataclass(slots=True)
class Sequence:
    """A sequence of nodes, in file order."""

    items: list[Node]
    mark: Mark
    flow: bool = False  # written in brackets: [a, b]


Node = Scalar | Mapping | Sequence


class _Refused(Exception):
    def __init__(self, mark: Mark, code: str, message: str) -> None:
        self.mark, self.code, self.message = mark, code, message


# Every position a record's values were written at is kept for messages (Record.marks).
# Records share line and column numbers, so each position is one shared Mark: at 100,000
# records that saves ~3 KB a record over a Mark per value.
_MARKS: dict[int, Mark] = {}
_START = Mark(1, 1)


def _shared_mark(line: int, column: int) -> Mark:
    """Return the shared Mark of a 1-based (line, column)."""
    key = line << 20 | column
    mark = _MARKS.get(key)
    if mark is None:
        mark = _MARKS[key] = Mark(line, column)
    return mark


def _mark(event: yaml.Event) -> Mark:
    m = event.start_mark
    return Mark(m.line + 1, m.column + 1) if m is not None else Mark(1, 1)


# Translations of libyaml's most common complaints; anything else is shown verbatim.
_SYNTAX_MESSAGES = [
    ("mapping values are not allowed", "这里不能出现冒号“:”（值中含冒号时请给整个值加引号）"),
    ("could not find expected ':'", "缺少冒号“:”，字段应写成“字段名: 值”"),
    ("did not find expected key", "缩进不一致，这里应是一个字段名"),
    ("did not find expected '-' indicator", "缩进不一致，这里应是以“- ”开头的列表项"),
    ("found character that cannot start any token", "出现了不能用在这里的字符（缩进请用空格，不要用 Tab）"),
    ("found a tab character", "缩进请用空格，不要用 Tab"),
    ("found unexpected end of stream", "文件意外结束：引号或括号没有闭合"),
    ("found unknown escape character", "双引号中有无法识别的转义字符“\\”"),
    ("did not find expected node content", "这里缺少值"),
    ("did not find expected ',' or ']'", "方括号列表没有正确闭合，缺少“,”或“]”"),
    ("did not find expected ',' or '}'", "花括号映射没有正确闭合，缺少“,”或“}”"),
    ("found undefined alias", "不允许使用 YAML 别名（*）"),
    ("control characters are not allowed", "文件中含有不可见的控制字符"),
    ("special characters are not allowed", "文件中含有不可见的控制字符"),
]


def _syntax_message(problem: str) -> str:
    for english, chinese in _SYNTAX_MESSAGES:
        if english in problem:
            return f"YAML 语法错误：{chinese}"
    return f"YAML 语法错误：{problem}"


_ScalarEvent, _AliasEvent = yaml.ScalarEvent, yaml.AliasEvent
_SequenceStart, _SequenceEnd = yaml.SequenceStartEvent, yaml.SequenceEndEvent
_MappingStart, _MappingEnd = yaml.MappingStartEvent, yaml.MappingEndEvent


class _Composer:
    """Turns parser events into nodes. Called once per event of every record: kept lean."""

    def __init__(self, events: list[yaml.Event], pos: int, text: str = "") -> None:
        self.next = iter(events[pos:]).__next__
        self.problems: list[Problem] = []
        self.text = text

    def node(self, event: yaml.Event | None = None) -> Node:
        if event is None:
            event = self.next()
        cls = type(event)
        if cls is _AliasEvent:
            raise _Refused(_mark(event), "yaml-alias", "不允许使用 YAML 别名（*），请把内容直接写出来")
        if getattr(event, "anchor", None) is not None:
            raise _Refused(_mark(event), "yaml-anchor", "不允许使用 YAML 锚点（&），请把内容直接写出来")
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            shown = tag.replace("tag:yaml.org,2002:", "!!")  # as the editor typed it
            raise _Refused(_mark(event), "yaml-tag", f"不允许使用 YAML 标签“{shown}”")
        start = event.start_mark
        mark = _shared_mark(start.line + 1, start.column + 1) if start is not None else _START
        if cls is _ScalarEvent:
            end = event.end_mark
            one_line = start is None or end is None or start.line == end.line
            scalar = cast(yaml.ScalarEvent, event)  # checked by `cls` above, fast path
            if one_line:
                return Scalar(scalar.value, mark, not scalar.style, True)
            last = end.line + 1 if end is not None else 0
            return Scalar(scalar.value, mark, not scalar.style, False, last, self.text or None)
        if cls is _SequenceStart:
            items: list[Node] = []
            append, next_event, node = items.append, self.next, self.node
            flow = bool(cast(yaml.SequenceStartEvent, event).flow_style)
            while True:
                item = next_event()
                if type(item) is _SequenceEnd:
                    return Sequence(items, mark, flow)
                append(node(item))
        if cls is _MappingStart:
            return self.mapping(mark)
        raise _Refused(mark, "yaml-syntax", "YAML 结构无法识别")  # pragma: no cover

    def mapping(self, mark: Mark) -> Mapping:
        pairs: list[tuple[Scalar, Node]] = []
        seen: dict[str, Mark] = {}
        next_event, node = self.next, self.node
        while True:
            event = next_event()
            if type(event) is _MappingEnd:
                return Mapping(pairs, mark)
            key = node(event)
            value = node()
            if type(key) is not Scalar:
                raise _Refused(key.mark, "yaml-complex-key", "字段名必须是简单文字")
            if key.text in seen:
                first = seen[key.text]
                self.problems.append(Problem(
                    "", key.mark.line, key.mark.column, "duplicate-key",
                    f"字段“{key.text}”重复出现（第一次在第 {first.line} 行），请只保留一个",
                ))
                continue
            seen[key.text] = key.mark
            pairs.append((key, value))


# --- Slips of a Chinese input method ----------------------------------------------------

# A key followed by a full-width colon: `address：…` (libyaml then complains a line later).
_FULLWIDTH_COLON = re.compile(r"^([ ]*(?:- +)?)([A-Za-z_][A-Za-z0-9_-]*)[ ]*：", re.M)
# A full-width space U+3000 among the spaces that indent a line.
_FULLWIDTH_INDENT = re.compile(r"^[ ]*\u3000", re.M)
# A key whose value is a block scalar (`body: |`): the lines below it are text, not YAML.
_BLOCK_START = re.compile(r"^([ ]*)(?:- +)?[^#\s][^:]*:[ ]+[|>][-+0-9]*[ ]*(?:#.*)?$")


def _text_lines(text: str, events: list[yaml.Event] | None) -> set[int]:
    """Return the 0-based numbers of lines that continue a multi-line scalar (text, where a
    colon or a full-width space is the editor's own). From the parser's events when the
    file parsed; else from the block scalar indicators (`body: |`) written in it."""
    inside: set[int] = set()
    if events is not None:
        for event in events:
            if type(event) is _ScalarEvent and event.start_mark and event.end_mark \
                    and event.end_mark.line > event.start_mark.line:
                inside.update(range(event.start_mark.line + 1, event.end_mark.line + 1))
        return inside
    indent = -1  # indentation of the key that opened a block scalar; -1 = none open
    for number, line in enumerate(text.split("\n")):
        if indent >= 0:
            stripped = line.lstrip(" ")
            if not stripped or len(line) - len(stripped) > indent:
                inside.add(number)
                continue
            indent = -1
        if match := _BLOCK_START.match(line):
            indent = len(match.group(1))
    return inside


def typing_slips(text: str, path: str, events: list[yaml.Event] | None = None) -> list[Problem]:
    """Return the slips a Chinese input method makes in YAML, each at its own character:
    a full-width colon after a key and a full-width space in the indentation."""
    found: list[Problem] = []
    colons = list(_FULLWIDTH_COLON.finditer(text)) if "：" in text else []
    spaces = list(_FULLWIDTH_INDENT.finditer(text)) if "\u3000" in text else []
    if not colons and not spaces:
        return found
    skip = _text_lines(text, events)  # only now: most files have no candidate at all

    def line_col(offset: int) -> tuple[int, int]:
        start = text.rfind("\n", 0, offset) + 1
        return text.count("\n", 0, offset), offset - start

    for match in colons:
        line, col = line_col(match.end() - 1)
        if line not in skip:
            found.append(Problem(path, line + 1, col + 1, "fullwidth-colon",
                                 f"字段名“{match.group(2)}”后面是全角冒号“：”：把全角冒号“：”"
                                 "改成半角冒号“:”并在后面加一个空格"))
    for match in spaces:
        line, col = line_col(match.end() - 1)
        if line not in skip:
            found.append(Problem(path, line + 1, col + 1, "fullwidth-space",
                                 "缩进中有全角空格“　”（U+3000），请删去，缩进只用半角空格"))
    return sorted(found)


def _bad_start_message(text: str, line: int, col: int) -> str:
    """Explain libyaml's "cannot start any token" by the character it stopped at."""
    lines = text.split("\n")
    row = lines[line - 1] if 0 < line <= len(lines) else ""
    char = row[col - 1] if 0 < col <= len(row) else ""
    if char == "\t":
        return "YAML 语法错误：这里是一个 Tab 字符，缩进和分隔请用空格，不要用 Tab"
    if char in ("@", "`"):
        key, _, value = row.partition(":")
        example = f"{key.strip()}: \"{value.strip()}\"" if value.strip() else ""
        shown = "反引号“`”" if char == "`" else "“@”"
        return (f"YAML 语法错误：值不能以{shown}开头，请给整个值加上引号"
                + (f"，写成 {example}" if example else ""))
    if char:
        return f"YAML 语法错误：这里不能出现字符“{char}”，如是文字请给整个值加上引号"
    return _syntax_message("found character that cannot start any token")


def _decode(raw: bytes, path: str) -> tuple[str | None, Problem | None]:
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, Problem(path, line, column, "encoding",
                             "文件不是 UTF-8 编码，请用 UTF-8 保存（常见于用 GBK 保存的文件）")


def _events(text: str) -> list[yaml.Event]:
    """Return all parser events (what yaml.parse yields, without a generator per event)."""
    loader = _Loader(text)
    try:
        events: list[yaml.Event] = []
        append, get_event = events.append, loader.get_event
        while True:
            event = get_event()
            append(event)
            if type(event) is yaml.StreamEndEvent:
                return events
    finally:
        loader.dispose()


def parse_yaml(text: str, path: str) -> tuple[Node | None, list[Problem]]:
    """Parse one YAML document into a position-keeping tree, or return why not."""
    try:
        events = _events(text)
    except yaml.MarkedYAMLError as exc:
        if slips := typing_slips(text, path):
            return None, slips  # the slip is the cause; libyaml's complaint would mislead
        mark = exc.problem_mark or exc.context_mark
        unclosed = "did not find expected ','" in str(exc.problem)
        if exc.context_mark and mark and (mark.index >= len(text.rstrip()) or (
                unclosed and mark.line != exc.context_mark.line)):
            mark = exc.context_mark  # point at the quote or bracket that was never closed
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = _syntax_message(str(exc.problem))
        if "cannot start any token" in str(exc.problem):
            message = _bad_start_message(text, line, col)
        return None, [Problem(path, line, col, "yaml-syntax", message)]
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        if _Loader is not yaml.SafeLoader:  # libyaml counts UTF-8 bytes, not characters
            raw = text.encode("utf-8", "surrogatepass")[: exc.position]
            before = raw.decode("utf-8", "replace")
        line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        return None, [Problem(path, line, col, "yaml-syntax", _syntax_message(exc.reason))]
    except yaml.YAMLError as exc:
        return None, [Problem(path, 1, 1, "yaml-syntax", _syntax_message(str(exc)))]
    except UnicodeEncodeError:  # lone surrogates in a str that did not come from a file
        return None, [Problem(path, 1, 1, "encoding", "文本中含有无法编码的字符")]
    types = list(map(type, events))
    if yaml.DocumentStartEvent not in types:
        return None, [Problem(path, 1, 1, "empty-file", "文件是空的，应包含一条记录")]
    first = types.index(yaml.DocumentStartEvent)
    if yaml.DocumentStartEvent in types[first + 1:]:
        second = _mark(events[types.index(yaml.DocumentStartEvent, first + 1)])
        return None, [Problem(path, second.line, second.column, "multiple-documents",
                              "一个文件只能有一条记录（不要用“---”分隔多条）")]
    if ("：" in text or "\u3000" in text) and (slips := typing_slips(text, path, events)):
        return None, slips
    composer = _Composer(events, first + 1, text)
    try:
        root = composer.node()
    except _Refused as refused:
        return None, [Problem(path, refused.mark.line, refused.mark.column, refused.code,
                              refused.message)]
    if isinstance(root, Scalar) and root.plain and root.text == "":
        return None, [Problem(path, 1, 1, "empty-file", "文件是空的，应包含一条记录")]
    problems = [Problem(path, p.line, p.column, p.code, p.message) for p in composer.problems]
    return root, problems


def load_yaml_file(file: Path, path: str) -> tuple[Node | None, list[Problem]]:
    """Read one YAML file strictly; `path` is how the file is named in messages."""
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(path, 1, 1, "file-too-large",
                                  f"文件过大（{size // 1024} KB），一条记录不应超过 "
                                  f"{MAX_FILE_BYTES // 1024} KB")]
        raw = file.read_bytes()
    except OSError as exc:
        return None, [Problem(path, 1, 1, "unreadable", f"无法读取文件：{exc.strerror}")]
    text, problem = _decode(raw, path)
    if text is None:
        assert problem is not None
        return None, [problem]
    return parse_yaml(text, path)
