"""Record kinds and their fields: the data contract, in one place.

Every field is declared once here, with its type, whether it is required and its Chinese
label. The checker, the JSON Schema, the field reference in CONTRIBUTING.md, the record
templates of `classroom new` and the pages all read these declarations, so they agree.

A field type turns a position-keeping YAML node (load.py) into a Python value, reporting
what is wrong with it at the node's line and column.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import sys
from collections.abc import Callable, Iterator
from collections.abc import Mapping as MappingOf
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from .cnformat import (
    cndate,
    join_cjk_lines,
    join_list,
    lifespan,
    partial_date,
    plain_text,
    region_text,
    shorten,
)
from .load import Mapping, Node, Scalar, Sequence
from .privacy import personal_data_in
from .problems import Mark, Problem, Severity
from .quotes import quote_refs

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_INT = re.compile(r"^[+-]?(?:0|[1-9]\d*)$")
_NUMBER = re.compile(r"^[+-]?(?:0|[1-9]\d*)(?:\.\d+)?$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^>]*>")
_NULLS = {"", "~", "null", "Null", "NULL"}
QUOTE_KIND = "quotes"  # the kind `[[quote:ID]]` in any text refers to
DESCRIPTION_CHARS = 120  # a page description cut from Markdown: what search engines show


@dataclass(frozen=True, slots=True)
class RefUse:
    """A reference from one record to another, with where it was written."""

    kind: str
    id: str
    field: str
    mark: Mark
    part: str = ""  # one part of the target (a reading's chapter id), "" = the whole
    part_field: str = ""  # where the part was written: sessions[2].readings[1].chapter
    part_mark: Mark | None = None
    part_is_field: bool = False  # the part names a field of the target (a quiz's basis)


@dataclass
class Context:
    """What a field needs while converting: where to report, what vocabularies exist."""

    path: str
    vocab: Vocab
    data_root: Path
    problems: list[Problem] = field(default_factory=list)
    refs: list[RefUse] = field(default_factory=list)
    marks: dict[str, Mark] = field(default_factory=dict)

    def report(self, mark: Mark, code: str, message: str,
               severity: Severity = "error") -> None:
        self.problems.append(Problem(self.path, mark.line, mark.column, code, message, severity))


class Missing:
    """Sentinel for a value that failed to convert (the problem is already reported)."""


MISSING = Missing()


def _did_you_mean(word: str, choices: list[str]) -> str:
    # Vocabulary terms are two to six characters: one wrong character in 长征 is ratio 0.5.
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return f"，是否指“{close[0]}”？" if close else ""


def _kind_name(node: Node) -> str:
    if isinstance(node, Mapping):
        return "映射（字段: 值）"
    if isinstance(node, Sequence):
        return "列表"
    return f"“{node.text}”"


class FieldType:
    """Base of all field types."""

    #: Chinese name of the type, used in messages and the field reference.
    name = "值"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        """Return the Python value of `node`, or MISSING after reporting a problem."""
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        """Return a JSON Schema fragment describing valid values."""
        raise NotImplementedError

    def example(self) -> str:
        """Return an example value in YAML flow syntax for templates."""
        return "…"

    def display(self, value: Any) -> str:
        """Return a converted value as one line of Chinese text for pages and exports."""
        return "" if value is None else str(value)

    def scalar(self, node: Node, ctx: Context, where: str) -> Scalar | None:
        if isinstance(node, Scalar) and not (node.plain and node.text in _NULLS):
            return node
        if isinstance(node, Scalar):
            ctx.report(node.mark, "empty-value",
                       f"字段 {where} 的值为空；不知道就整行删去，不要留空")
        else:
            ctx.report(node.mark, "wrong-type",
                       f"字段 {where} 应为{self.name}，实际是{_kind_name(node)}")
        return None


@dataclass
class Text(FieldType):
    """Plain text kept exactly as typed (`9:00` stays `9:00`)."""

    max_chars: int = 200
    pattern: str | None = None
    pattern_hint: str = ""
    name: str = "文字"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        scalar = self.scalar(node, ctx, where)
        if scalar is None:
            return MISSING
        text = scalar.text.strip()
        if not text:
            ctx.report(scalar.mark, "empty-value", f"字段 {where} 的值为空")
            return MISSING
        if len(text) > self.max_chars:
            ctx.report(scalar.mark, "too-long",
                       f"字段 {where} 过长（{len(text)} 字），最多 {self.max_chars} 字")
            return MISSING
        if self.pattern and not re.fullmatch(self.pattern, text):
            ctx.report(scalar.mark, "bad-format",
                       f"字段 {where} 的格式不对：“{text}”，{self.pattern_hint}")
            return MISSING
        for offset, quote_id in quote_refs(text):  # [[quote:ID]]: checked like any reference
            ctx.refs.append(RefUse(QUOTE_KIND, quote_id, where, _offset_mark(scalar, offset)))
        for offset, what in personal_data_in(text):
            ctx.report(_offset_mark(scalar, offset), "personal-data",
                       f"字段 {where} 中疑似含有{what}，个人信息不得公开发布，请删除")
        if _HTML_TAG.search(text):
            ctx.report(scalar.mark, "html-in-text",
                       f"字段 {where} 中含有 HTML 标签，网站会按原文显示而不执行", "warning")
        return text

    def json_schema(self) -> dict[str, Any]:
        # A plain `1935` is read as a number by editors (YAML 1.2) but is valid text here.
        schema: dict[str, Any] = {"type": ["string", "number"], "minLength": 1,
                                  "maxLength": self.max_chars}
        if self.pattern:
            schema["pattern"] = self.pattern
        return schema

    def example(self) -> str:
        return "…"


def _offset_mark(scalar: Scalar, offset: int) -> Mark:
    """Return where the character at `offset` of a scalar's text was typed.

    A plain single-line scalar maps offsets to columns directly. In a scalar written over
    several lines (`body: |`), the text from `offset` to the end of its line is looked up
    in the file's lines the scalar spans, counting earlier occurrences, so a finding is
    pointed at the line and column that hold it. Else the value's own position.
    """
    if scalar.plain and scalar.one_line:
        return Mark(scalar.mark.line, scalar.mark.column + offset)
    if scalar.source is None:
        return scalar.mark
    text = scalar.text
    end = text.find("\n", offset)
    token = text[offset:min(offset + 12, len(text) if end < 0 else end)].rstrip()
    if not token:
        return scalar.mark
    wanted, seen = text.count(token, 0, offset), 0
    first = scalar.mark.line - 1
    lines = scalar.source.split("\n")  # only when there is a finding to place
    for number in range(first, min(scalar.end_line, len(lines))):
        line = lines[number]
        at = line.find(token, scalar.mark.column - 1 if number == first else 0)
        while at >= 0:
            if seen == wanted:
                return Mark(number + 1, at + 1)
            seen += 1
            at = line.find(token, at + len(token))
    return scalar.mark


# A web address typed without its scheme: www.gov.cn/… or news.cn/…, alone or as a link
# target. Markdown makes `[文字](www.gov.cn)` a link relative to the page: a broken one.
_BARE_LINK = re.compile(
    r"(?<![\w/.@:%\-])(?:www\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
    r"|(?:[A-Za-z0-9-]+\.)+(?:gov\.cn|com\.cn|org\.cn|edu\.cn|net\.cn|cn|com|org|net))"
    r"(?![\w.-]*@)(?:/[^\s，。；、）)】>\]\"'“”]*)?")


@dataclass
class Markdown(Text):
    """Markdown text (no raw HTML is rendered). Soft line breaks between two Chinese
    characters are dropped (cnformat.join_cjk_lines), so pages and downloads show none."""

    max_chars: int = 20000
    name: str = "Markdown 文字"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        text = super().convert(node, ctx, where)
        if text is MISSING or not isinstance(node, Scalar):
            return text
        if "." in text:
            for match in _BARE_LINK.finditer(node.text):
                address = match.group().rstrip(".")
                ctx.report(_offset_mark(node, match.start()), "bare-link",
                           f"字段 {where} 中的网址“{address[:60]}”缺少 https://，会成为站内的"
                           f"错误链接：请写成“https://{address[:60]}”")
        return join_cjk_lines(text)


@dataclass
class Integer(FieldType):
    """A whole number written without quotes."""

    minimum: int | None = None
    maximum: int | None = None
    name: str = "整数"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        scalar = self.scalar(node, ctx, where)
        if scalar is None:
            return MISSING
        if not (scalar.plain and _INT.match(scalar.text)):
            ctx.report(scalar.mark, "not-integer",
                       f"字段 {where} 应为整数（不加引号、不以 0 开头），实际是“{scalar.text}”")
            return MISSING
        value = int(scalar.text)
        return _in_range(value, self.minimum, self.maximum, scalar, ctx, where)

    def json_schema(self) -> dict[str, Any]:
        return _ranged({"type": "integer"}, self.minimum, self.maximum)

    def example(self) -> str:
        return str(self.minimum if self.minimum is not None else 1)


@dataclass
class Number(FieldType):
    """A decimal number written without quotes."""

    minimum: float | None = None
    maximum: float | None = None
    name: str = "数字"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        scalar = self.scalar(node, ctx, where)
        if scalar is None:
            return MISSING
        if not (scalar.plain and _NUMBER.match(scalar.text)):
            ctx.report(scalar.mark, "not-number",
                       f"字段 {where} 应为数字（如 31.2190，不加引号），实际是“{scalar.text}”")
            return MISSING
        return _in_range(float(scalar.text), self.minimum, self.maximum, scalar, ctx, where)

    def json_schema(self) -> dict[str, Any]:
        return _ranged({"type": "number"}, self.minimum, self.maximum)

    def example(self) -> str:
        return "0.0"


def _in_range(value: Any, low: Any, high: Any, scalar: Scalar, ctx: Context, where: str) -> Any:
    if low == 0 and high is None and value < 0:
        ctx.report(scalar.mark, "negative", f"字段 {where} 不能为负数，实际是 {scalar.text}")
        return MISSING
    if (low is not None and value < low) or (high is not None and value > high):
        ctx.report(scalar.mark, "out-of-range",
                   f"字段 {where} 的值 {scalar.text} 超出范围（{low} 到 {high}）")
        return MISSING
    return value


def _ranged(schema: dict[str, Any], low: Any, high: Any) -> dict[str, Any]:
    if low is not None:
        schema["minimum"] = low
    if high is not None:
        schema["maximum"] = high
    return schema


@dataclass
class Date(FieldType):
    """A calendar date written as YYYY-MM-DD."""

    name: str = "日期（YYYY-MM-DD）"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        scalar = self.scalar(node, ctx, where)
        if scalar is None:
            return MISSING
        match = _DATE.match(scalar.text.strip())
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                pass
        ctx.report(scalar.mark, "bad-date",
                   f"字段 {where} 应为真实存在的日期，格式 YYYY-MM-DD，实际是“{scalar.text}”")
        return MISSING

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}

    def example(self) -> str:
        return dt.date.today().isoformat()

    def display(self, value: Any) -> str:
        return cndate(value)


@dataclass
class PartialDate(FieldType):
    """A date known to the year, month or day: `1889`, `1889-10` or `1889-10-29`."""

    name: str = "日期（YYYY、YYYY-MM 或 YYYY-MM-DD）"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        scalar = self.scalar(node, ctx, where)
        if scalar is None:
            return MISSING
        text = scalar.text.strip()
        match = _PARTIAL_DATE.match(text)
        if match:
            year, month, day = match.groups()
            try:
                dt.date(int(year), int(month or 1), int(day or 1))
                return text
            except ValueError:
                pass
        ctx.report(scalar.mark, "bad-date",
                   f"字段 {where} 应为 YYYY、YYYY-MM 或 YYYY-MM-DD 形式的真实日期，实际是“{text}”")
        return MISSING

    def json_schema(self) -> dict[str, Any]:
        # An unquoted year (`born: 1893`) is an integer to editors and valid here.
        return {"type": ["string", "integer"], "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
                "minimum": 1000, "maximum": 9999}

    def example(self) -> str:
        return '"1900-01-01"'

    def display(self, value: Any) -> str:
        return partial_date(value)


@dataclass
class Boolean(FieldType):
    """`true` or `false` (not yes/no/on/off, which YAML 1.1 readers disagree on)."""

    name: str = "true 或 false"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        scalar = self.scalar(node, ctx, where)
        if scalar is None:
            return MISSING
        if scalar.plain and scalar.text in ("true", "false"):
            return scalar.text == "true"
        ctx.report(scalar.mark, "not-boolean",
                   f"字段 {where} 只能写 true 或 false，实际是“{scalar.text}”")
        return MISSING

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}

    def example(self) -> str:
        return "false"


@dataclass
class Url(FieldType):
    """An http or https address."""

    name: str = "网址（http 或 https）"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        scalar = self.scalar(node, ctx, where)
        if scalar is None:
            return MISSING
        text = scalar.text.strip()
        try:
            parts = urlsplit(text)
        except ValueError:  # e.g. an unclosed IPv6 bracket: "http://[abc"
            parts = urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.netloc or re.search(r"\s", text):
            ctx.report(scalar.mark, "bad-url",
                       f"字段 {where} 应为以 http:// 或 https:// 开头的网址，实际是“{text[:80]}”")
            return MISSING
        if len(text) > 1000:
            ctx.report(scalar.mark, "too-long", f"字段 {where} 的网址过长")
            return MISSING
        return text

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "uri", "pattern": "^https?://"}

    def example(self) -> str:
        return "https://…"


@dataclass
class Ref(FieldType):
    """The id of another record of `kind`; resolved after all files are read."""

    kind: str = "sites"
    name: str = "编号"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        scalar = self.scalar(node, ctx, where)
        if scalar is None:
            return MISSING
        text = scalar.text.strip()
        if not SLUG.match(text):
            ctx.report(scalar.mark, "bad-id",
                       f"字段 {where} 应为记录编号（小写字母、数字和连字符），实际是“{text}”")
            return MISSING
        ctx.refs.append(RefUse(self.kind, text, sys.intern(where), scalar.mark))
        return text

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": SLUG.pattern}

    def example(self) -> str:
        return "some-id"


@dataclass
class Term(FieldType):
    """A value from a controlled vocabulary in vocab.yml."""

    vocabulary: str = "themes"
    name: str = "词表中的值"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        scalar = self.scalar(node, ctx, where)
        if scalar is None:
            return MISSING
        text = scalar.text.strip()
        allowed = ctx.vocab.terms(self.vocabulary)
        if text not in allowed and len(full := [t for t in allowed if t.startswith(text)]) == 1:
            ctx.report(scalar.mark, "short-name",
                       f"字段 {where} 的值“{text}”是简称，请写全称“{full[0]}”")
            return MISSING
        if text not in allowed:
            ctx.report(scalar.mark, "unknown-term",
                       f"字段 {where} 的值“{text}”不在词表 vocab.yml 的 {self.vocabulary} 中"
                       + _did_you_mean(text, allowed))
            return MISSING
        return sys.intern(text)  # one string per term however many records use it

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "x-vocabulary": self.vocabulary}

    def example(self) -> str:
        return "…"


def _media_file_ok(root: Path, text: str) -> bool:
    """Return whether media path `text` is a file that really lies inside root/media."""
    try:
        file = (root / text).resolve()
        return file.is_file() and file.is_relative_to((root / "media").resolve())
    except (OSError, ValueError):  # name too long, NUL byte, symlink loop
        return False


@dataclass
class MediaPath(FieldType):
    """A path under site_data/media/ to a file that exists."""

    name: str = "媒体文件路径（media/…）"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        scalar = self.scalar(node, ctx, where)
        if scalar is None:
            return MISSING
        text = scalar.text.strip()
        pure = PurePosixPath(text)
        if (pure.is_absolute() or "\\" in text or ".." in pure.parts
                or len(pure.parts) < 2 or pure.parts[0] != "media"):
            ctx.report(scalar.mark, "bad-media-path",
                       f"字段 {where} 应为 media/ 目录下的相对路径，实际是“{text}”")
            return MISSING
        if not _media_file_ok(ctx.data_root, text):
            ctx.report(scalar.mark, "missing-media", f"字段 {where}：找不到文件 {text}")
            return MISSING
        return text

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": "^media/"}

    def example(self) -> str:
        return "media/…"


@dataclass
class ImageFile(MediaPath):
    """A media path to a publishable photo: JPEG/PNG/WebP, ≤ 5 MB, 640–8000 px (images.py)."""

    name: str = "图片路径（media/…，JPEG、PNG 或 WebP）"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        text = super().convert(node, ctx, where)
        if text is MISSING:
            return MISSING
        from .images import inspect_image  # Pillow is only needed once a record has images

        _, problems = inspect_image(ctx.data_root / text)
        for problem in problems:
            ctx.report(node.mark, "bad-image", f"字段 {where}（{text}）：{problem}")
        return MISSING if problems else text

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^media/.+\.(jpe?g|png|webp|JPE?G|PNG|WEBP)$"}


@dataclass
class ListOf(FieldType):
    """A list of values of one type."""

    item: FieldType = field(default_factory=Text)
    max_items: int = 100
    unique: bool = True
    min_items: int = 0
    name: str = "列表"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        if isinstance(node, Scalar) and node.plain and node.text[:1] in ("【", "［"):
            ctx.report(node.mark, "fullwidth-bracket",
                       f"字段 {where} 的列表用了全角括号“{node.text[0]}”：请改用半角方括号"
                       "和半角逗号，写成 [甲, 乙]")
            return MISSING
        if isinstance(node, Sequence) and node.flow and isinstance(self.item, Term | Ref) \
                and any(isinstance(i, Scalar) and ("，" in i.text or "、" in i.text)
                        for i in node.items):
            terms = ctx.vocab.terms(self.item.vocabulary) if isinstance(self.item, Term) \
                else []  # a term may hold a 顿号 itself: 国家级抗战纪念设施、遗址
            slips = [(item, at) for item in node.items if isinstance(item, Scalar)
                     and item.text.strip() not in terms
                     for at in [min((i for i in (item.text.find("，"), item.text.find("、"))
                                     if i >= 0), default=-1)] if at >= 0]
            for item, at in slips:
                ctx.report(_offset_mark(item, at), "fullwidth-comma",
                           f"字段 {where} 的方括号列表中用了中文标点“{item.text[at]}”分隔："
                           "请改用半角逗号加空格，写成 [甲, 乙]")
            if slips:
                return MISSING
        if not isinstance(node, Sequence):
            if isinstance(node, Scalar) and node.plain and node.text in _NULLS:
                ctx.report(node.mark, "empty-value",
                           f"字段 {where} 的值为空；空列表请写 []，或整行删去")
            else:
                ctx.report(node.mark, "wrong-type",
                           f"字段 {where} 应为列表（每项以“- ”开头，或写成 [a, b]），"
                           f"实际是{_kind_name(node)}")
            return MISSING
        if len(node.items) > self.max_items:
            ctx.report(node.mark, "too-many", f"字段 {where} 的项目过多（最多 {self.max_items} 项）")
            return MISSING
        if len(node.items) < self.min_items:
            ctx.report(node.mark, "too-few", f"字段 {where} 至少需要 {self.min_items} 项")
            return MISSING
        values = []
        seen: set[str] = set()
        for i, child in enumerate(node.items):
            value = self.item.convert(child, ctx, f"{where}[{i + 1}]")
            if value is MISSING:
                continue
            if isinstance(value, str):  # where each listed text was written (check.py)
                ctx.marks[sys.intern(f"{where}[{i + 1}]")] = child.mark  # shared paths
            if self.unique and isinstance(value, str):
                if value in seen:
                    ctx.report(child.mark, "duplicate-item", f"字段 {where} 中“{value}”重复出现")
                    continue
                seen.add(value)
            values.append(value)
        return values

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json_schema(),
                                  "maxItems": self.max_items}
        if self.min_items:
            schema["minItems"] = self.min_items
        if self.unique and not isinstance(self.item, Struct):
            schema["uniqueItems"] = True
        return schema

    def example(self) -> str:
        return "[]"

    def display(self, value: Any) -> str:
        # Vocabulary terms and ids are short: 顿号; sentences (chapters) get 分号.
        short = isinstance(self.item, Term | Ref)
        return join_list([self.item.display(v) for v in value], "、" if short else "；")


@dataclass(frozen=True)
class Field:
    """One declared field: its name, type, whether required, and Chinese label and help."""

    name: str
    type: FieldType
    label: str
    help: str = ""
    required: bool = False


@dataclass
class Struct(FieldType):
    """A mapping with declared fields (used for nested values and whole records)."""

    fields: tuple[Field, ...] = ()
    name: str = "映射（字段: 值）"

    def by_name(self) -> dict[str, Field]:
        """Return the declared fields by name: made once per `fields` (each record's
        conversion asks), so the same dict for every caller: read it, do not change it."""
        cached = self.__dict__.get("_by_name")
        if cached is None or cached[0] is not self.fields:
            cached = self.__dict__["_by_name"] = (self.fields, {f.name: f for f in self.fields})
        declared: dict[str, Field] = cached[1]
        return declared

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        if not isinstance(node, Mapping):
            ctx.report(node.mark, "wrong-type",
                       f"{'字段 ' + where + ' ' if where else ''}应为映射（字段: 值），"
                       f"实际是{_kind_name(node)}")
            return MISSING
        declared = self.by_name()
        values: dict[str, Any] = {}
        for key, child in node.items:
            name = key.text
            spec = declared.get(name)
            full = f"{where}.{name}" if where else name
            if spec is None and "：" in name:  # {province：上海市} in brackets parses as a key
                at = name.index("：")
                ctx.report(_offset_mark(key, at), "fullwidth-colon",
                           f"字段名“{name[:at]}”后面是全角冒号“：”：把全角冒号“：”"
                           "改成半角冒号“:”并在后面加一个空格")
                continue
            if spec is None:
                ctx.report(key.mark, "unknown-field", f"未知字段“{full}”" + self._suggest(name))
                continue
            if spec.required and isinstance(child, Scalar) and (
                    (child.plain and child.text in _NULLS) or not child.text.strip()):
                ctx.report(child.mark, "empty-required",
                           f"字段 {full}（{spec.label}）必填，请填写")
                continue  # the key is written: not reported as missing below
            value = spec.type.convert(child, ctx, full)
            if value is not MISSING:
                values[spec.name] = value  # the declared name: one string for all records
                ctx.marks[sys.intern(full)] = child.mark  # records share field paths
        written: set[str] | None = None  # made only when a required field has no value
        for spec in self.fields:
            if spec.required and spec.name not in values:
                if written is None:  # a slip is reported already
                    written = {k.split("：")[0] for k in node_keys(node)}
                if spec.name in written:
                    continue
                full = f"{where}.{spec.name}" if where else spec.name
                ctx.report(node.mark, "missing-field", f"缺少必填字段“{full}”（{spec.label}）")
        return values

    def _suggest(self, name: str) -> str:
        for spec in self.fields:  # an editor may type the Chinese label instead of the key
            if name == spec.label:
                return f"，是否指“{spec.name}”？"
        hint = _did_you_mean(name, [f.name for f in self.fields])
        return hint or "，可用字段：" + "、".join(f.name for f in self.fields)

    def json_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "additionalProperties": False,
            "required": [f.name for f in self.fields if f.required],
            "properties": {
                f.name: {**f.type.json_schema(), "title": f.label,
                         **({"description": f.help} if f.help else {})}
                for f in self.fields
            },
        }

    def example(self) -> str:
        return "{" + ", ".join(f"{f.name}: {f.type.example()}" for f in self.fields
                               if f.required) + "}"


@dataclass
class Region(Struct):
    """Where a place is: province, city, county; shown as one name."""

    def display(self, value: Any) -> str:
        return region_text(value)


def field_values(kind: FieldType, value: Any, path: str | None = None) -> Iterator[
        tuple[str | None, FieldType, Any]]:
    """Yield (path, type, value) of every single value inside a converted field value, in
    declared order: list items and mapping fields are walked, nothing else.

    Paths read as the check reports them (`sections[1].points[2]`); pass `path=None` to
    skip building them where they are not needed (the search index, on every record).
    """
    if isinstance(kind, ListOf):
        for i, item in enumerate(value, start=1):
            yield from field_values(kind.item, item, None if path is None else f"{path}[{i}]")
    elif isinstance(kind, Struct):
        for f in kind.fields:
            if f.name in value:
                inner = None if path is None else (f"{path}.{f.name}" if path else f.name)
                yield from field_values(f.type, value[f.name], inner)
    else:
        yield path, kind, value


def node_keys(node: Mapping) -> set[str]:
    """Return the keys written in a mapping node."""
    return {key.text for key, _ in node.items}


_DURATION = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(分钟|小时)?$")


@dataclass
class Duration(FieldType):
    """A positive length of time: `90` or `90分钟` (minutes), `2小时` or `2.5小时`; kept as
    whole minutes."""

    maximum: int = 24 * 60
    name: str = "时长（如 90分钟、3小时）"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        scalar = self.scalar(node, ctx, where)
        if scalar is None:
            return MISSING
        text = scalar.text.strip()
        match = _DURATION.match(text)
        minutes = None
        if match:
            number = float(match.group(1))
            value = number * 60 if match.group(2) == "小时" else number
            if abs(value - round(value)) < 1e-9:  # 1.1小时 is 66 minutes, not 66.000…01
                minutes = round(value)
        if minutes is None or not 0 < minutes <= self.maximum:
            ctx.report(scalar.mark, "bad-duration",
                       f"字段 {where} 应为大于零的时长（整数分钟），如“90分钟”“3小时”，"
                       f"最长 {self.maximum // 60} 小时，实际是“{text}”")
            return MISSING
        return minutes

    def json_schema(self) -> dict[str, Any]:
        # Editors see 0, 0分钟 and -2小时 refused too (a lookahead: ECMA-262 regex).
        return {"type": ["string", "integer"], "minimum": 1,
                "pattern": r"^(?![0.]+\s*(分钟|小时)?$)\d+(\.\d+)?\s*(分钟|小时)?$"}

    def example(self) -> str:
        return "3小时"

    def display(self, value: Any) -> str:
        return minutes_text(int(value))


def minutes_text(minutes: int) -> str:
    """Return a duration as Chinese: 45 分钟, 90 分钟, 3 小时, 6 小时 45 分钟."""
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return f"{hours} 小时"
    if minutes < 120:
        return f"{minutes} 分钟"
    return f"{hours} 小时 {rest} 分钟"


@dataclass
class PartRef(Struct):
    """A reference to a whole record (`id`) or to one of its parts
    (`{reading: id, chapter: part-id}`); the part is checked against the target's declared
    parts (`RecordKind.parts`) once all records are read."""

    ref_field: str = "reading"
    part_field: str = "chapter"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        ref = self.by_name()[self.ref_field]
        if isinstance(node, Scalar):
            value = ref.type.convert(node, ctx, where)
            return MISSING if value is MISSING else {self.ref_field: value}
        before = len(ctx.refs)
        values = super().convert(node, ctx, where)
        if values is MISSING or self.part_field not in values or len(ctx.refs) == before:
            return values
        part_where = f"{where}.{self.part_field}"
        ctx.refs[before] = replace(ctx.refs[before], part=str(values[self.part_field]),
                                   part_field=part_where, part_mark=ctx.marks.get(part_where))
        return values

    def json_schema(self) -> dict[str, Any]:
        return {"oneOf": [self.by_name()[self.ref_field].type.json_schema(),
                          super().json_schema()]}

    def example(self) -> str:
        return "some-id"


@dataclass
class Parts(ListOf):
    """A list of parts (id and title) whose ids are unique: a book's 篇目 or 章节."""

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        values = super().convert(node, ctx, where)
        if values is MISSING or not isinstance(node, Sequence):
            return values
        seen: set[str] = set()
        for child in node.items:
            for key, value in child.items if isinstance(child, Mapping) else ():
                if key.text == "id" and isinstance(value, Scalar):
                    part = value.text.strip()
                    if part in seen:
                        ctx.report(value.mark, "duplicate-item",
                                   f"字段 {where} 中编号“{part}”重复出现")
                    seen.add(part)
        return values



# --- Quizzes that cite their answers ---------------------------------------------------

TRUE_FALSE = ("对", "错")  # a question without choices is 判断题, answered 对 or 错
_RECORD_PATH = re.compile(r"^([a-z]+)/([a-z0-9]+(?:-[a-z0-9]+)*)$")


@dataclass
class RecordPath(FieldType):
    """Any record, written as its file path without `.yml`: `sites/yida-huizhi`."""

    name: str = "记录（类别/编号）"

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        scalar = self.scalar(node, ctx, where)
        if scalar is None:
            return MISSING
        text = scalar.text.strip().removesuffix(".yml")
        match = _RECORD_PATH.match(text)
        if match is None or match.group(1) not in KINDS:
            ctx.report(scalar.mark, "bad-record-path",
                       f"字段 {where} 应写成“类别/编号”，如 sites/yida-huizhi；类别可用："
                       + "、".join(KINDS) + f"，实际是“{text}”")
            return MISSING
        ctx.refs.append(RefUse(match.group(1), match.group(2), where, scalar.mark))
        return text

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": _RECORD_PATH.pattern}

    def example(self) -> str:
        return "sites/some-id"


@dataclass
class Basis(Struct):
    """The record, and its field, that supports an answer; the field must be one the
    record has filled (checked once all records are read)."""

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        before = len(ctx.refs)
        values = super().convert(node, ctx, where)
        if values is MISSING or "field" not in values or len(ctx.refs) == before:
            return values
        kind = ctx.refs[before].kind
        name = str(values["field"])
        field_where = f"{where}.field"
        if name not in KINDS[kind].schema.by_name():
            ctx.report(ctx.marks.get(field_where, node.mark), "unknown-field",
                       f"字段 {field_where}：{KINDS[kind].noun}记录没有字段“{name}”，可用："
                       + "、".join(f.name for f in KINDS[kind].fields))
            return MISSING
        ctx.refs[before] = replace(ctx.refs[before], part=name, part_field=field_where,
                                   part_mark=ctx.marks.get(field_where), part_is_field=True)
        return values


@dataclass
class Question(Struct):
    """One quiz question: its answer must be one of its choices (or 对/错)."""

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        values = super().convert(node, ctx, where)
        if values is MISSING or "answer" not in values:
            return values
        answer, choices = str(values["answer"]), values.get("choices")
        mark = ctx.marks.get(f"{where}.answer", node.mark)
        allowed = list(choices) if choices else list(TRUE_FALSE)
        if answer not in allowed:
            ctx.report(mark, "answer-not-a-choice",
                       f"字段 {where}.answer：答案“{answer}”不在选项中，可选：" + "、".join(allowed)
                       if choices else f"字段 {where}.answer：判断题（没有 choices）的答案只能是"
                       f"“对”或“错”，实际是“{answer}”")
            return MISSING
        return values


def question_key(text: str) -> str:
    """Return a question as compared for repeats: without spaces and punctuation."""
    return re.sub(r"[\s\W_]+", "", text)


@dataclass
class Questions(ListOf):
    """A record's quiz: no question may repeat another (spaces and punctuation aside)."""

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        values = super().convert(node, ctx, where)
        if values is MISSING or not isinstance(node, Sequence):
            return values
        first: dict[str, int] = {}
        for i, child in enumerate(node.items, start=1):
            for key, value in child.items if isinstance(child, Mapping) else ():
                if key.text == "question" and isinstance(value, Scalar):
                    text = question_key(value.text)
                    if text in first:
                        ctx.report(value.mark, "duplicate-question",
                                   f"字段 {where}[{i}].question：与第 {first[text]} 题重复，"
                                   "同一份测验中每道题只能出现一次")
                        values = MISSING
                    else:
                        first[text] = i
        return values


QUESTION = Question(fields=(
    Field("question", Text(max_chars=200), "题目", required=True),
    Field("choices", ListOf(Text(max_chars=80), min_items=2, max_items=4), "选项",
          "2 至 4 个；不填表示判断题，答案写“对”或“错”"),
    Field("answer", Text(max_chars=80), "答案", "与某个选项一字不差；判断题写“对”或“错”",
          required=True),
    Field("explanation", Text(max_chars=150), "解析", "一句话说明为什么", required=True),
    Field("basis", Basis(fields=(
        Field("record", RecordPath(), "记录", "支持答案的记录，写成 类别/编号，如 sites/yida-huizhi",
              required=True),
        Field("field", Text(max_chars=40), "字段", "该记录中写着这一事实的字段，如 summary、body",
              required=True),
    )), "依据", "答案出自哪条记录的哪个字段：只出已有来源的事实", required=True),
))
QUESTIONS = Field("questions", Questions(QUESTION, max_items=20, unique=False), "测验题",
                  "页面末尾的小测验；每题注明依据的记录和字段")


# --- Vocabularies ---------------------------------------------------------------------

VOCABULARIES = ("kinds", "designations", "audiences", "themes", "periods", "provinces")
# Vocabularies a data folder may leave out (a site without a ledger needs no categories).
OPTIONAL_VOCABULARIES = ("task_categories", "session_forms")
# Optional lists in vocab.yml that map a name to host names (check.py: source types).
HOST_LISTS = ("source_hosts", "publisher_hosts")


@dataclass
class Vocab:
    """Controlled vocabularies; `provinces` is grouped by region."""

    lists: dict[str, list[str]] = field(default_factory=dict)
    regions: dict[str, list[str]] = field(default_factory=dict)
    # source type -> host names whose pages are of that type (官方: gov.cn, …)
    source_hosts: dict[str, list[str]] = field(default_factory=dict)
    # publisher name as editors write it -> the hosts that publisher's pages live on
    publisher_hosts: dict[str, list[str]] = field(default_factory=dict)
    # province -> (south, west, north, east) in degrees: the rectangle around it
    province_bounds: dict[str, tuple[float, float, float, float]] = field(
        default_factory=dict)

    def terms(self, name: str) -> list[str]:
        """Return the allowed values of vocabulary `name`, in declared order."""
        if name == "provinces":
            return [p for group in self.regions.values() for p in group]
        return self.lists.get(name, [])



# --- Reusable field groups ------------------------------------------------------------

# What a source is. 官方: government, museum, Party organ; 出版物: publisher or journal;
# 媒体: news; 百科: encyclopaedia; 转载: a copy of another page. The first two are the
# sources a reader can trust on their own (classroom sources counts them).
SOURCE_TYPES = ("官方", "出版物", "媒体", "百科", "转载")
TRUSTED_SOURCE_TYPES = ("官方", "出版物")


@dataclass
class Choice(Text):
    """One of a fixed list of values declared with the field (not a vocabulary)."""

    choices: tuple[str, ...] = ()

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        value = super().convert(node, ctx, where)
        if value is MISSING or value in self.choices:
            return value
        ctx.report(node.mark, "unknown-term",
                   f"字段 {where} 只能是 {'、'.join(self.choices)} 之一，实际是“{value}”"
                   + _did_you_mean(value, list(self.choices)))
        return MISSING

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.choices)}


SOURCE = Struct(fields=(
    Field("title", Text(), "标题", "来源的标题，如网页或书名", required=True),
    Field("publisher", Text(), "发布者", "发布单位或出版社；转载页写实际刊载它的网站"),
    Field("url", Url(), "网址", "只填亲自打开核实过的网址"),
    Field("accessed", Date(), "访问日期", "打开该网址核实的日期"),
    Field("type", Choice(choices=SOURCE_TYPES), "来源类型",
          "官方、出版物、媒体、百科或转载；不填时按网址的域名推断"),
))
IMAGE = Struct(fields=(
    Field("src", ImageFile(), "文件",
          "site_data/media/ 下的 JPEG、PNG 或 WebP 图片，宽至少 640 像素，不超过 5 MB",
          required=True),
    Field("caption", Text(), "说明", required=True),
    Field("credit", Text(), "作者或来源", required=True),
    Field("license", Text(), "许可", "如 CC BY 4.0、自摄授权", required=True),
))
def in_china(lat: float, lng: float) -> bool:
    """Return whether a point lies in the rectangle around China's territory."""
    return 3.5 <= lat <= 53.6 and 73.4 <= lng <= 135.1


@dataclass
class Location(Struct):
    """A point (lat, lng); a pair written the wrong way round is named as swapped."""

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        if isinstance(node, Mapping):
            given = {k.text: v for k, v in node.items}
            lat, lng = given.get("lat"), given.get("lng")
            if isinstance(lat, Scalar) and isinstance(lng, Scalar) and lat.plain and \
                    lng.plain and _NUMBER.match(lat.text) and _NUMBER.match(lng.text):
                y, x = float(lat.text), float(lng.text)
                if not in_china(y, x) and in_china(x, y):
                    ctx.report(lat.mark, "swapped-coordinates",
                               f"字段 {where} 的纬度和经度写反了：应写 lat: {lng.text}"
                               f"（纬度）、lng: {lat.text}（经度）")
                    return MISSING
        return super().convert(node, ctx, where)


LOCATION = Location(fields=(
    Field("lat", Number(-90, 90), "纬度", "WGS-84 十进制度数", required=True),
    Field("lng", Number(-180, 180), "经度", "WGS-84 十进制度数", required=True),
))


# How the official names of prefecture- and county-level divisions end.
_DIVISION_ENDINGS = ("市", "州", "盟", "地区", "区", "县", "旗", "特区", "林区")


@dataclass
class DivisionName(Text):
    """The name of a city or county; a short name (百色 for 百色市) earns a warning."""

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        text = super().convert(node, ctx, where)
        if isinstance(text, str) and not text.endswith(_DIVISION_ENDINGS):
            ctx.report(node.mark, "short-name",
                       f"字段 {where} 的值“{text}”像是简称，请写官方全称（如“{text}市”；"
                       "自治州、地区、盟、县、旗写全名）", "warning")
        return text
REGION = Region(fields=(
    Field("province", Term(vocabulary="provinces"), "省级行政区", required=True),
    Field("city", DivisionName(max_chars=40), "市（地、州、盟）"),
    Field("county", DivisionName(max_chars=40), "县（市、区、旗）"),
))


def _terms(vocabulary: str) -> ListOf:
    return ListOf(Term(vocabulary=vocabulary), max_items=20)


def _refs(kind: str) -> ListOf:
    return ListOf(Ref(kind=kind), max_items=200)


COMMON_TAIL = (
    Field("images", ListOf(IMAGE, max_items=20), "图片", "每张图片须注明作者和许可"),
    Field("sources", ListOf(SOURCE, min_items=1, max_items=30), "来源",
          "核实事实所依据的官方网站、出版物等", required=True),
    Field("verified", Date(), "核实日期", "最近一次对照来源核实事实的日期", required=True),
    Field("draft", Boolean(), "草稿", "true 表示只检查不发布"),
)
ALIASES = Field("aliases", ListOf(Text(max_chars=40), max_items=20), "又称",
                "简称、别称、曾用名或人们常用的叫法；每个都须在所列来源中用到，或是官方简称")
FACET_FIELDS = (
    Field("themes", _terms("themes"), "主题"),
    Field("periods", _terms("periods"), "历史时期"),
    Field("audiences", _terms("audiences"), "适用对象"),
)
EVENT = Struct(fields=(
    Field("date", PartialDate(), "日期",
          "YYYY-MM-DD；只知道年或月时写 YYYY 或 YYYY-MM（保留，但不列入“党史上的今天”）",
          required=True),
    Field("text", Text(max_chars=80), "事件", "一句话，如“中共中央政治局在遵义召开扩大会议”",
          required=True),
    Field("source", Integer(1, 30), "来源序号",
          "这件事依据本记录 sources 中的第几条来源（从 1 起）", required=True),
))
EVENTS = Field("events", ListOf(EVENT, max_items=50, unique=False), "大事",
               "有确切日期的史实，列入“党史上的今天”；每件须指明来源序号")


def _event_rules(d: dict[str, Any], today: dt.date) -> list[Finding]:
    """An event's source must be one of the record's sources; a partial date is kept but
    never shown on a day page (warned, so the editor knows)."""
    found: list[Finding] = []
    count = len(d.get("sources", []))
    for n, event in enumerate(d.get("events", []), start=1):
        source = event.get("source")
        if isinstance(source, int) and count and source > count:
            found.append((f"events[{n}].source", "unknown-event-source",
                          f"字段 events[{n}].source：本记录只有 {count} 条来源，"
                          f"没有第 {source} 条", "error"))
        date = str(event.get("date", ""))
        if date and len(date) < 10:
            found.append((f"events[{n}].date", "partial-event-date",
                          f"字段 events[{n}].date 只写到{'月' if len(date) == 7 else '年'}"
                          f"（{date}）：这件事保留在记录中，但不会列入“党史上的今天”的日期页",
                          "warning"))
    return found


# --- Facets: declared once ------------------------------------------------------------

@dataclass(frozen=True)
class Facet:
    """A way to browse records by a vocabulary: its URL slug, labels and vocabulary.

    Which kinds carry a facet, and from which field, is said by each kind
    (`RecordKind.facets`). The catalog, listings and facet pages, search filters and the
    JSON Schema all read these declarations.
    """

    slug: str  # URL segment of its listing pages: /theme/长征/
    label: str  # Chinese name on pages: 历史时期
    vocabulary: str  # list in vocab.yml its values come from
    filter_label: str = ""  # short name in the search filters (时期); "" = not a filter
    pages: bool = True  # has listing pages
    lead: tuple[str, ...] = ()  # kinds listed first on its pages (outlines on audiences)


FACETS: tuple[Facet, ...] = (
    Facet("province", "省份", "provinces", "省份"),
    Facet("kind", "类型", "kinds", "类型"),
    Facet("designation", "命名与认定", "designations", pages=False),
    Facet("theme", "主题", "themes", "主题"),
    Facet("period", "历史时期", "periods", "时期"),
    Facet("audience", "适用对象", "audiences", "对象", lead=("outlines", "routes", "readings")),
)
FACETS_BY_SLUG: dict[str, Facet] = {f.slug: f for f in FACETS}


def _no_facts(data: dict[str, Any]) -> list[str]:
    return []


# A finding of a rule across a record's fields: (field path it is about, code, message,
# severity). The check reports it at the field's line and column.
Finding = tuple[str, str, str, Severity]


def _no_rules(data: dict[str, Any], today: dt.date) -> list[Finding]:
    return []


def _verified_dates(data: dict[str, Any]) -> list[dt.date]:
    verified = data.get("verified")
    return [verified] if isinstance(verified, dt.date) else []


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: everything specific to it, declared in one place.

    Its folder and labels, its fields, and how the rest of the system shows it: the page
    template, the line under its name in lists, the page description, the facets it
    carries, the fields of its profile in a lecturer pack and its search weights. No module
    outside these declarations asks which kind a record is.
    """

    name: str  # folder under site_data/ and URL prefix
    label: str  # Chinese name of the kind, as used in navigation
    noun: str  # Chinese noun for one record
    title_field: str
    schema: Struct
    note: str = ""  # one line under its name on the home page and its listing
    template: str = ""  # record page template in render/templates/
    landing: str = ""  # template of its top listing page ("" = the plain listing)
    # facet slug -> field holding the record's values ("region.province" reaches inside)
    facets: MappingOf[str, str] = field(default_factory=dict)
    listing_facets: tuple[str, ...] = ()  # facets linked from its listing
    group_by: str = ""  # listing grouped, in vocabulary (or choice) order, by this field
    describe: tuple[str, ...] = ("summary",)  # page description: the first field filled
    lead: str = "summary"  # the one-paragraph summary (a paragraph of its own in packs)
    facts: Callable[[dict[str, Any]], list[str]] = _no_facts  # the line under its name
    title_marks: str = ""  # brackets around its title: 《》 for books and articles
    aside: Callable[[dict[str, Any]], str] | None = None  # （…） after a heading
    search_lead: tuple[str, ...] = ("summary",)  # fields weighted as a summary in search
    pack_heading: str = ""  # its part of a lecturer pack ("" = not in packs)
    pack_fields: tuple[str, ...] = ()  # fields of its profile in a pack, in order
    qr: bool = False  # its pages carry a QR code and a printable poster
    suggested: tuple[str, ...] = ()  # optional fields the check reminds editors of
    # checks across fields, against the check's `today` (a 已完成 task needs its evidence)
    rules: Callable[[dict[str, Any], dt.date], list[Finding]] = _no_rules
    # dates at which something was recorded as done (not planned): the data's own date,
    # from which every 统计截至 is computed instead of the clock
    recorded: Callable[[dict[str, Any]], list[dt.date]] = _verified_dates
    board: str = ""  # its top page and overviews come from render/boards.py's board of this name
    # A quotation typed into its text instead of `[[quote:ID]]`: "warning", "error" or ""
    quote_check: str = "warning"
    one_of: tuple[tuple[str, ...], ...] = ()  # groups of fields of which one must be filled
    parts: str = ""  # field listing parts ({id, title}) that references may name: chapters
    # dated fields that are events of their own (a person's born/died): field -> verb
    life_events: tuple[tuple[str, str], ...] = ()
    # free-text fields whose every value gets a listing page of its own (a story's unit)
    list_by: tuple[str, ...] = ()
    # news: among records verified the same day, its records come first in the feed
    news: bool = False

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.schema.fields

    def field(self, name: str) -> Field:
        """Return the declared field `name`."""
        return self.schema.by_name()[name]

    def card_note(self, data: dict[str, Any]) -> str:
        """Return the short line shown under a record's name in lists."""
        return " · ".join(self.facts(data))

    def description(self, data: dict[str, Any]) -> str:
        """Return the one-line description of a record (page meta, feed)."""
        for name in self.describe:
            if data.get(name):
                text, kind = str(data[name]), self.field(name).type
                if isinstance(kind, Markdown):
                    text = shorten(plain_text(text), DESCRIPTION_CHARS)
                elif isinstance(kind, Text) and kind.max_chars > 300:  # long text (quotes)
                    text = shorten(text, DESCRIPTION_CHARS)
                return text
        return ""

    def display_title(self, title: str) -> str:
        """Return the title as printed in running text: 《论中国共产党历史》."""
        if self.title_marks and not title.startswith(self.title_marks[0]):
            return f"{self.title_marks[0]}{title}{self.title_marks[1]}"
        return title

    def heading(self, title: str, data: dict[str, Any]) -> str:
        """Return the heading of a record in documents: 周恩来（1898—1976）."""
        aside = self.aside(data) if self.aside else ""
        shown = self.display_title(title)
        return f"{shown}（{aside}）" if aside else shown

    def facet_values(self, data: dict[str, Any]) -> dict[str, list[str]]:
        """Return facet slug -> the record's values, for the facets this kind carries."""
        out: dict[str, list[str]] = {}
        for slug in self.facets:
            if (values := self.facet(data, slug)) is not None:
                out[slug] = values
        return out

    def facet(self, data: dict[str, Any], slug: str) -> list[str] | None:
        """Return the record's values of facet `slug` (None without a value, or if this
        kind does not carry the facet)."""
        path = self.facets.get(slug)
        if path is None:
            return None
        value: Any = data
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, list):
            return [str(v) for v in value]
        return [str(value)] if value not in (None, "") else None


_TOPICS = {"theme": "themes", "period": "periods"}


def _site_facts(d: dict[str, Any]) -> list[str]:
    region = d["region"]
    return [d["kind"], f"{region['province']}{region.get('city', '')}"]


def _reading_facts(d: dict[str, Any]) -> list[str]:
    published = d.get("issue") or (f"{d['year']}年" if d.get("year") else None)
    return [str(x) for x in (d.get("author"), d.get("publisher"), published) if x]


def _person_lifespan(d: dict[str, Any]) -> str:
    return lifespan(d.get("born"), d.get("died"), years_only=True)


SITES = RecordKind("sites", "红色地标", "旧址", "name", Struct(fields=(
    Field("name", Text(max_chars=80), "名称", "正式名称", required=True),
    ALIASES,
    Field("kind", Term(vocabulary="kinds"), "类型", required=True),
    Field("designations", _terms("designations"), "命名与认定", "只填有来源可查的称号"),
    Field("region", REGION, "所在地区", required=True),
    Field("address", Text(max_chars=120), "地址"),
    Field("location", LOCATION, "坐标", "WGS-84，只在有可靠来源时填写"),
    Field("open_hours", Text(max_chars=200), "开放时间", "以官方公布为准，不确定就不填"),
    Field("booking", Text(max_chars=200), "预约方式"),
    Field("website", Url(), "官方网站"),
    Field("summary", Text(max_chars=300), "简介", "一两句话", required=True),
    Field("body", Markdown(), "详细介绍", "Markdown，不支持 HTML"),
    *FACET_FIELDS,
    Field("people", _refs("people"), "相关人物"),
    Field("relics", _refs("relics"), "相关文物"),
    Field("readings", _refs("readings"), "相关书目"),
    EVENTS,
    QUESTIONS,
    *COMMON_TAIL,
)), note="旧址遗迹是教室", template="site.html", landing="sites_index.html",
    facets={"province": "region.province", "kind": "kind", "designation": "designations",
            **_TOPICS, "audience": "audiences"},
    listing_facets=("kind", "theme", "period", "audience"), facts=_site_facts,
    pack_heading="旧址介绍",
    pack_fields=("kind", "region", "address", "open_hours", "booking", "designations",
                 "summary", "body"),
    qr=True, suggested=("readings",), rules=_event_rules)

PEOPLE = RecordKind("people", "英烈人物", "人物", "name", Struct(fields=(
    Field("name", Text(max_chars=40), "姓名", required=True),
    ALIASES,
    Field("born", PartialDate(), "出生", "YYYY、YYYY-MM 或 YYYY-MM-DD，加引号"),
    Field("died", PartialDate(), "逝世", "在世者不填"),
    Field("native_place", Text(max_chars=60), "籍贯"),
    Field("role", Text(max_chars=120), "身份", "一句话，如“中国共产党的主要创始人之一”",
          required=True),
    Field("summary", Text(max_chars=300), "简介", required=True),
    Field("body", Markdown(), "生平", "Markdown，不支持 HTML"),
    Field("sites", _refs("sites"), "相关旧址"),
    Field("themes", _terms("themes"), "主题"),
    Field("periods", _terms("periods"), "历史时期"),
    EVENTS,
    *COMMON_TAIL,
)), note="英烈模范是教师", template="person.html", facets=_TOPICS,
    listing_facets=("theme",), describe=("summary", "role"), facts=lambda d: [str(d["role"])],
    aside=_person_lifespan, search_lead=("summary", "role"), pack_heading="人物介绍",
    pack_fields=("native_place", "role", "summary", "body"), rules=_event_rules,
    life_events=(("born", "出生"), ("died", "逝世")))

RELICS = RecordKind("relics", "文物史料", "文物", "name", Struct(fields=(
    Field("name", Text(max_chars=80), "名称", required=True),
    ALIASES,
    Field("site", Ref(kind="sites"), "所属旧址", "收藏或关联的旧址编号", required=True),
    Field("era", Text(max_chars=60), "年代", "如“1920年”“1935年1月”", required=True),
    Field("category", Text(max_chars=40), "类别", "如文献、实物、照片"),
    Field("holder", Text(max_chars=80), "收藏单位", "与所属旧址不同时填写"),
    Field("grade", Text(max_chars=40), "级别", "如国家一级文物，须有来源"),
    Field("description", Markdown(), "介绍", required=True),
    Field("people", _refs("people"), "相关人物"),
    Field("themes", _terms("themes"), "主题"),
    Field("periods", _terms("periods"), "历史时期"),
    EVENTS,
    *COMMON_TAIL,
)), note="文物史料是教材", template="relic.html", facets=_TOPICS,
    listing_facets=("theme",), describe=("description",), facts=lambda d: [str(d["era"])],
    lead="", search_lead=(), pack_heading="文物史料",
    pack_fields=("era", "site", "category", "holder", "grade", "description"),
    rules=_event_rules)

READING_KINDS = {"book": "图书", "article": "文章", "speech": "讲话"}


class ReadingKind(Text):
    """book, article or speech."""

    def convert(self, node: Node, ctx: Context, where: str) -> Any:
        value = super().convert(node, ctx, where)
        if value is MISSING or value in READING_KINDS:
            return value
        choices = list(READING_KINDS)
        label_match = [k for k, v in READING_KINDS.items() if v == value]
        hint = f"，是否指“{label_match[0]}”？" if label_match else _did_you_mean(value, choices)
        ctx.report(node.mark, "unknown-term",
                   f"字段 {where} 只能是 book（图书）、article（文章）或 speech（讲话），"
                   f"实际是“{value}”{hint}")
        return MISSING

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(READING_KINDS)}

    def display(self, value: Any) -> str:
        return READING_KINDS.get(value, str(value))


CONTENT = Struct(fields=(
    Field("id", Text(max_chars=40, pattern=SLUG.pattern,
                     pattern_hint="只能用小写字母、数字和连字符，如 3 或 part-3"),
          "编号", "读书班用它指定篇目，如 3", required=True),
    Field("title", Text(max_chars=120), "标题", "与目录一字不差", required=True),
))

READINGS = RecordKind("readings", "学习书目", "书目", "title", Struct(fields=(
    Field("title", Text(max_chars=120), "书名或篇名", "不加书名号", required=True),
    ALIASES,
    Field("kind", ReadingKind(), "类型", "book、article 或 speech", required=True),
    Field("author", Text(max_chars=80), "作者"),
    Field("publisher", Text(max_chars=80), "出版者"),
    Field("year", Integer(1840, 2100), "出版年份"),
    Field("date", Date(), "发表日期"),
    Field("issue", Text(max_chars=40), "期号", "如“2021年第10期”"),
    Field("isbn", Text(max_chars=20, pattern=r"(97[89])?[-\d]{9,13}[\dXx]",
                       pattern_hint="应为 10 位或 13 位 ISBN，可含连字符"), "ISBN", "加引号"),
    Field("url", Url(), "网址"),
    Field("summary", Text(max_chars=300), "简介", required=True),
    Field("chapters", ListOf(Text(max_chars=120), max_items=80, unique=False), "主要篇章"),
    Field("contents", Parts(CONTENT, max_items=200, unique=False), "篇目",
          "可供读书班按篇指定的篇目或章节：编号和标题，须以出版者或新华社公布的目录为据"),
    Field("audiences", _terms("audiences"), "适用对象"),
    Field("themes", _terms("themes"), "主题"),
    *COMMON_TAIL,
)), note="四本书与《求是》文章", template="reading.html",
    facets={"theme": "themes", "audience": "audiences"}, listing_facets=("theme",),
    facts=_reading_facts, title_marks="《》", pack_heading="学习书目",
    pack_fields=("kind", "author", "publisher", "issue", "year", "isbn", "url", "summary",
                 "chapters"), parts="contents")

SECTION = Struct(fields=(
    Field("heading", Text(max_chars=80), "标题", required=True),
    Field("minutes", Integer(1, 240), "时长（分钟）"),
    Field("points", ListOf(Text(max_chars=500), min_items=1, max_items=30, unique=False),
          "要点", required=True),
    Field("sites", _refs("sites"), "用到的旧址"),
    Field("readings", _refs("readings"), "用到的书目"),
    Field("people", _refs("people"), "讲到的人物"),
    Field("relics", _refs("relics"), "讲到的文物"),
    Field("interaction", Text(max_chars=500), "互动", "提问、讨论、现场教学等"),
))
VISIT = Struct(fields=(
    Field("site", Ref(kind="sites"), "旧址", required=True),
    Field("activity", Text(max_chars=500), "活动", required=True),
))

OUTLINES = RecordKind("outlines", "宣讲提纲", "提纲", "title", Struct(fields=(
    Field("title", Text(max_chars=80), "标题", required=True),
    Field("audience", Term(vocabulary="audiences"), "宣讲对象", required=True),
    Field("duration_minutes", Integer(10, 240), "时长（分钟）", required=True),
    Field("themes", _terms("themes"), "主题"),
    Field("summary", Text(max_chars=300), "简介", required=True),
    Field("objectives", ListOf(Text(max_chars=300), min_items=1, max_items=10), "教学目标",
          required=True),
    Field("sections", ListOf(SECTION, min_items=1, max_items=12, unique=False), "讲授环节",
          required=True),
    Field("discussion", ListOf(Text(max_chars=300), min_items=1, max_items=12), "讨论题",
          required=True),
    Field("site_visit", ListOf(VISIT, max_items=10, unique=False), "现场教学安排"),
    Field("readings", _refs("readings"), "延伸阅读"),
    QUESTIONS,
    *COMMON_TAIL,
)), note="分众化宣讲，可下载", template="outline.html",
    facets={"theme": "themes", "audience": "audience"}, group_by="audience",
    quote_check="error",
    facts=lambda d: [str(d["audience"]), f"{d['duration_minutes']} 分钟"])

STOP = Struct(fields=(
    Field("site", Ref(kind="sites"), "旧址", required=True),
    Field("day", Integer(1, 30), "第几天"),
    Field("note", Text(max_chars=300), "说明"),
))

ROUTES = RecordKind("routes", "红色线路", "线路", "name", Struct(fields=(
    Field("name", Text(max_chars=80), "名称", required=True),
    Field("days", Integer(1, 30), "天数", required=True),
    Field("summary", Text(max_chars=300), "简介", required=True),
    Field("audiences", _terms("audiences"), "适用对象"),
    Field("themes", _terms("themes"), "主题"),
    Field("stops", ListOf(STOP, min_items=2, max_items=40, unique=False), "站点", required=True),
    *COMMON_TAIL,
)), note="现场教学与红色旅游", template="route.html",
    facets={"theme": "themes", "audience": "audiences"},
    facts=lambda d: [f"{d['days']} 天", f"{len(d['stops'])} 站"])

# --- Local work: 宣讲 schedules and the 为民办实事 ledger --------------------------------

LECTURE_FORMS = ("集中宣讲", "送教下乡", "微宣讲", "线上宣讲")
PLANNED, HELD, CANCELLED = "计划", "已完成", "已取消"
LECTURE_STATUSES = (PLANNED, HELD, CANCELLED)
TASK_STATUSES = ("未启动", "推进中", "已完成", "已销号")
CROSSED_OFF = "已销号"
TASK_DONE = ("已完成", CROSSED_OFF)  # finished: a completion date and evidence are required
SAMPLE = Field("sample", Boolean(), "示例数据",
               "true 表示这是演示用的示例记录（虚构的示例区），页面会标明“示例数据”")
LOCAL_TAIL = (SAMPLE, Field("draft", Boolean(), "草稿", "true 表示只检查不发布"))


def _lecture_rules(d: dict[str, Any], today: dt.date) -> list[Finding]:
    found: list[Finding] = []
    if d.get("status") == HELD:
        if isinstance(d.get("date"), dt.date) and d["date"] > today:
            found.append(("date", "held-in-future",
                          f"宣讲日期 {cndate(d['date'])} 还没到，不能标为“已完成”", "error"))
        if "attendance" not in d:
            found.append(("status", "missing-attendance",
                          "已完成的宣讲必须填写参加人数（attendance）", "error"))
    return found


def _lecture_recorded(d: dict[str, Any]) -> list[dt.date]:
    return [d["date"]] if d.get("status") == HELD and "date" in d else []


def _lecture_place(d: dict[str, Any]) -> str:
    return "".join(str(d[k]) for k in ("town", "village") if d.get(k))


LECTURES = RecordKind("lectures", "宣讲安排", "宣讲", "title", Struct(fields=(
    Field("title", Text(max_chars=80), "宣讲题目", required=True),
    Field("date", Date(), "日期", required=True),
    Field("time", Text(max_chars=5, pattern=r"(?:[01]?\d|2[0-3]):[0-5]\d",
                       pattern_hint="应为 24 小时制时间，如 9:30 或 14:00"),
          "开始时间", "如 9:30，加引号"),
    Field("region", REGION, "所在地区", required=True),
    Field("town", Text(max_chars=40), "乡镇（街道）", required=True),
    Field("village", Text(max_chars=40), "村（社区）"),
    Field("venue", Text(max_chars=80), "单位或地点"),
    Field("audience", Term(vocabulary="audiences"), "宣讲对象", required=True),
    Field("form", Choice(choices=LECTURE_FORMS), "宣讲形式", "、".join(LECTURE_FORMS),
          required=True),
    Field("lecturer", Text(max_chars=60), "宣讲人或宣讲团",
          "只写公开的姓名或宣讲团名称，不写电话、身份证号等个人信息", required=True),
    Field("outline", Ref(kind="outlines"), "所用提纲", "宣讲提纲的编号"),
    Field("status", Choice(choices=LECTURE_STATUSES), "状态", "、".join(LECTURE_STATUSES),
          required=True),
    Field("attendance", Integer(0), "参加人数", "已完成时必填"),
    Field("note", Text(max_chars=300), "备注"),
    *LOCAL_TAIL,
)), note="宣讲进乡村、进社区", template="lecture.html", board="schedule",
    describe=("note",),
    facts=lambda d: [cndate(d["date"]), _lecture_place(d), str(d["form"]), str(d["status"])],
    search_lead=("title",), rules=_lecture_rules, recorded=_lecture_recorded)

PROGRESS = Struct(fields=(
    Field("date", Date(), "日期", required=True),
    Field("text", Text(max_chars=300), "进展", required=True),
))


def _task_rules(d: dict[str, Any], today: dt.date) -> list[Finding]:
    found: list[Finding] = []
    status, start = d.get("status"), d.get("start")
    if status in TASK_DONE:
        for name, label in (("completed", "完成日期"), ("result", "完成情况及佐证")):
            if name not in d:
                found.append(("status", f"missing-{name}",
                              f"状态为“{status}”的事项必须填写{label}（{name}）", "error"))
    closed = d.get("closed")
    if status == CROSSED_OFF and closed is None:
        found.append(("status", "missing-closed",
                      "已销号的事项必须填写销号日期（closed）", "error"))
    elif closed is not None and status != CROSSED_OFF:
        found.append(("closed", "closed-not-crossed-off",
                      f"填写了销号日期，状态却是“{status}”，应为“已销号”", "error"))
    completed, deadline = d.get("completed"), d.get("deadline")
    if isinstance(closed, dt.date) and isinstance(completed, dt.date) and closed < completed:
        found.append(("closed", "closed-before-completed",
                      f"销号日期 {cndate(closed)} 早于完成日期 {cndate(completed)}", "error"))
    if isinstance(start, dt.date):
        if isinstance(completed, dt.date) and completed < start:
            found.append(("completed", "completed-before-start",
                          f"完成日期 {cndate(completed)} 早于开始日期 {cndate(start)}", "error"))
        if isinstance(deadline, dt.date) and deadline < start:
            found.append(("deadline", "deadline-before-start",
                          f"完成时限 {cndate(deadline)} 早于开始日期 {cndate(start)}", "error"))
    if isinstance(completed, dt.date) and completed > today:
        found.append(("completed", "completed-in-future",
                      f"完成日期 {cndate(completed)} 晚于今天", "error"))
    if status not in TASK_DONE and isinstance(deadline, dt.date) and deadline < today:
        found.append(("deadline", "overdue",
                      f"逾期：完成时限 {cndate(deadline)} 已过，事项仍为“{status}”", "warning"))
    return found


def _task_recorded(d: dict[str, Any]) -> list[dt.date]:
    dates = [p["date"] for p in d.get("progress", []) if "date" in p]
    return dates + [d[k] for k in ("completed", "closed") if k in d]


TASKS = RecordKind("tasks", "办实事台账", "事项", "title", Struct(fields=(
    Field("title", Text(max_chars=120), "事项", "一句话写清为群众办什么事", required=True),
    Field("unit", Text(max_chars=60), "责任单位", required=True),
    Field("category", Term(vocabulary="task_categories"), "类别", required=True),
    Field("start", Date(), "开始日期", required=True),
    Field("deadline", Date(), "完成时限", required=True),
    Field("status", Choice(choices=TASK_STATUSES), "状态", "、".join(TASK_STATUSES),
          required=True),
    Field("progress", ListOf(PROGRESS, max_items=100, unique=False), "进展记录",
          "按日期记录每一步进展"),
    Field("completed", Date(), "完成日期", "已完成或已销号时必填"),
    Field("closed", Date(), "销号日期", "已销号时必填：核实后销号的日期"),
    Field("result", Text(max_chars=500), "完成情况及佐证",
          "已完成或已销号时必填：办成了什么，以什么为证（验收记录、群众评议等）"),
    Field("beneficiaries", Integer(0), "受益人数"),
    *LOCAL_TAIL,
)), note="我为群众办实事，逐项推进、逐条销号", template="task.html", board="ledger",
    describe=("result",), facts=lambda d: [str(d["unit"]), str(d["status"])],
    search_lead=("title",), rules=_task_rules, recorded=_task_recorded)

PUBLICATION = Struct(fields=(
    Field("title", Text(max_chars=120), "书名或篇名", "不加书名号，如 习近平谈治国理政（第三卷）",
          required=True),
    Field("publisher", Text(max_chars=80), "出版者或刊物", "如 外文出版社、求是杂志社"),
    Field("issue", Text(max_chars=40), "期号或版次", "如 2021年第10期"),
    Field("page", Text(max_chars=40), "页码"),
    Field("year", Integer(1840, 2100), "出版年份"),
))


def _quote_facts(d: dict[str, Any]) -> list[str]:
    return [str(d["speaker"]), partial_date(d["date"])]


QUOTES = RecordKind(QUOTE_KIND, "引文", "引文", "title", Struct(fields=(
    Field("title", Text(max_chars=60), "简称", "便于查找的短名，如“两个务必”", required=True),
    Field("text", Text(max_chars=2000), "原文", "与出处逐字一致，包括标点", required=True),
    Field("speaker", Text(max_chars=40), "讲话人或作者", required=True),
    Field("person", Ref(kind="people"), "人物", "讲话人已有人物记录时填写其编号"),
    Field("occasion", Text(max_chars=200), "场合", "如“在贵州考察时的讲话”"),
    Field("date", PartialDate(), "日期", "讲话或成文的日期", required=True),
    Field("publication", PUBLICATION, "出处", "刊载原文的出版物；与 url 至少填一项"),
    Field("url", Url(), "官方网址", "刊载原文的官方网页，如求是网、新华网、人民网、共产党员网"),
    Field("themes", _terms("themes"), "主题"),
    Field("sources", ListOf(SOURCE, max_items=30), "其他来源", "核实原文时另外参考的来源"),
    Field("verified", Date(), "核实日期", "最近一次对照出处逐字核对的日期", required=True),
    Field("draft", Boolean(), "草稿", "true 表示只检查不发布"),
)), note="原文与出处，逐字核对", template="quote.html", facets={"theme": "themes"},
    listing_facets=("theme",), describe=("text",), lead="text", facts=_quote_facts,
    search_lead=("text",), quote_check="", one_of=(("publication", "url"),))


READING_REF = PartRef(fields=(
    Field("reading", Ref(kind="readings"), "书目", required=True),
    Field("chapter", Text(max_chars=40, pattern=SLUG.pattern,
                          pattern_hint="应为书目 contents 中的篇目编号，如 3"),
          "篇目", "书目 contents 中的编号；不填表示整本"),
))
SESSION = Struct(fields=(
    Field("order", Integer(1, 200), "次序", "第几次学习，在本读书班中不能重复", required=True),
    Field("day", Integer(1, 60), "第几天"),
    Field("time", Text(max_chars=40), "时段", "如“上午”“下午”“14:30—17:30”"),
    Field("title", Text(max_chars=80), "标题", required=True),
    Field("duration", Duration(), "时长", "如“3小时”“90分钟”", required=True),
    Field("form", Term(vocabulary="session_forms"), "形式", "词表 session_forms 中的值",
          required=True),
    Field("readings", ListOf(READING_REF, max_items=20, unique=False), "学习篇目",
          "书目编号，或 {reading: 书目编号, chapter: 篇目编号}"),
    Field("outline", Ref(kind="outlines"), "宣讲提纲"),
    Field("site", Ref(kind="sites"), "现场教学旧址"),
    Field("route", Ref(kind="routes"), "现场教学线路"),
    Field("questions", ListOf(Text(max_chars=300), max_items=12), "研讨题"),
    Field("reflection", Text(max_chars=300), "心得提示", "学员写心得时思考的问题"),
    Field("note", Text(max_chars=300), "说明"),
))


def _plan_rules(d: dict[str, Any], today: dt.date) -> list[Finding]:
    found: list[Finding] = []
    start, end = d.get("start"), d.get("end")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        found.append(("end", "end-before-start", f"结束日期 {end} 早于开始日期 {start}", "error"))
    first: dict[int, int] = {}
    for n, session in enumerate(d.get("sessions", []), start=1):
        order = session.get("order")
        if order is None:
            continue
        if order in first:
            found.append((f"sessions[{n}].order", "duplicate-order",
                          f"字段 sessions[{n}].order：次序 {order} 与 sessions[{first[order]}] "
                          "重复，每次学习的次序必须不同", "error"))
        else:
            first[order] = n
    return found


def _plan_facts(d: dict[str, Any]) -> list[str]:
    sessions = d["sessions"]
    minutes = sum(s.get("duration", 0) for s in sessions)
    return [str(d["audience"]), f"{len(sessions)} 次学习", f"共 {minutes_text(minutes)}"]


STUDYPLANS = RecordKind("studyplans", "读书班", "读书班", "title", Struct(fields=(
    Field("title", Text(max_chars=80), "名称", required=True),
    Field("organiser", Text(max_chars=80), "组织单位", "单位名称，不写个人姓名", required=True),
    Field("audience", Term(vocabulary="audiences"), "学习对象", required=True),
    Field("start", Date(), "开始日期"),
    Field("end", Date(), "结束日期"),
    Field("sample", Boolean(), "示例", "true 表示这是供参考的模板，日期仅为示例"),
    Field("summary", Text(max_chars=300), "简介", required=True),
    Field("sessions", ListOf(SESSION, min_items=1, max_items=60, unique=False), "学习安排",
          "每次学习一项，按 order 排序", required=True),
    Field("themes", _terms("themes"), "主题"),
    QUESTIONS,
    Field("sources", ListOf(SOURCE, min_items=1, max_items=30), "来源",
          "读书班本身是安排，不是史实；引用的依据（如通知）写在这里"),
    Field("verified", Date(), "核实日期", "最近一次核对所引书目、提纲与线路的日期",
          required=True),
    Field("draft", Boolean(), "草稿", "true 表示只检查不发布"),
)), note="专题读书班：日程、篇目、研讨题，进度只存本机", template="studyplan.html",
    facets={"theme": "themes", "audience": "audience"}, group_by="audience",
    facts=_plan_facts, rules=_plan_rules)

STORY_CATEGORIES = ("特色亮点", "经验做法", "典型案例")


def _story_facts(d: dict[str, Any]) -> list[str]:
    return [str(d["unit"]), cndate(d["date"])]


STORIES = RecordKind("stories", "经验做法", "经验做法", "title", Struct(fields=(
    Field("title", Text(max_chars=80), "标题", required=True),
    Field("unit", Text(max_chars=60), "单位", "做法所属的单位或地方，如“某某纪念馆”“某某县”",
          required=True),
    Field("date", Date(), "日期", "报道或发布的日期", required=True),
    Field("category", Choice(choices=STORY_CATEGORIES), "类别", "、".join(STORY_CATEGORIES),
          required=True),
    Field("region", REGION, "所在地区"),
    Field("summary", Text(max_chars=300), "摘要", "一两句话说清做法和成效", required=True),
    Field("body", Markdown(), "正文", "Markdown，不支持 HTML；只写来源报道中有的内容"),
    Field("sites", _refs("sites"), "相关旧址"),
    Field("outlines", _refs("outlines"), "相关宣讲提纲"),
    Field("studyplans", _refs("studyplans"), "相关读书班"),
    Field("tasks", _refs("tasks"), "相关办实事事项"),
    Field("themes", _terms("themes"), "主题"),
    *COMMON_TAIL,
)), note="特色亮点、好做法好经验", template="story.html", facets={"theme": "themes"},
    listing_facets=("theme",), group_by="category", facts=_story_facts,
    list_by=("unit",), news=True)

KINDS: dict[str, RecordKind] = {k.name: k for k in
                                (SITES, PEOPLE, RELICS, READINGS, OUTLINES, ROUTES, QUOTES,
                                 LECTURES, TASKS, STUDYPLANS, STORIES)}


@dataclass
class Record:
    """One checked record: its values plus where each was written."""

    kind: str
    id: str
    path: str
    data: dict[str, Any]
    marks: dict[str, Mark] = field(default_factory=dict)
    refs: list[RefUse] = field(default_factory=list)

    @property
    def spec(self) -> RecordKind:
        """Return the declaration of the record's kind."""
        return KINDS[self.kind]

    @property
    def title(self) -> str:
        """Return the record's display name."""
        return str(self.data.get(self.spec.title_field, self.id))

    @property
    def description(self) -> str:
        """Return the record's one-line description (page meta, feed, updates)."""
        return self.spec.description(self.data)

    @property
    def draft(self) -> bool:
        return bool(self.data.get("draft", False))

    @property
    def sample(self) -> bool:
        """Whether the record is demonstration data (its pages say 示例数据)."""
        return bool(self.data.get("sample", False))

    @property
    def url(self) -> str:
        """Return the record page's URL relative to the site root."""
        return f"{self.kind}/{self.id}/"

    @property
    def uri(self) -> str:
        """Return the record page's source path, as site engines name pages: `kind/id.md`."""
        return f"{self.kind}/{self.id}.md"

    def mark(self, field_path: str) -> Mark:
        """Return where `field_path` was written, or the top of the file."""
        return self.marks.get(field_path, Mark(1, 1))
