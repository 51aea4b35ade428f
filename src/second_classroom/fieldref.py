"""The field reference of CONTRIBUTING.md, generated from the field declarations in models.py.

`classroom fieldref` rewrites the part of CONTRIBUTING.md between two marker comments, so
the guide editors read never drifts from what `classroom check` accepts; `--check` only
reports whether the committed text is current (for CI and pre-commit).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .models import (
    KINDS,
    Boolean,
    Choice,
    Date,
    Field,
    FieldType,
    Integer,
    ListOf,
    MediaPath,
    Number,
    PartialDate,
    ReadingKind,
    RecordKind,
    Ref,
    Struct,
    Term,
    Text,
    Url,
)

BEGIN = "<!-- fieldref:begin 以下由 classroom fieldref 根据 models.py 生成，请勿手改 -->"
END = "<!-- fieldref:end -->"
DEFAULT_FILE = Path("CONTRIBUTING.md")

_VOCAB_NAMES = {
    "kinds": "类型", "designations": "命名与认定", "audiences": "适用对象",
    "themes": "主题", "periods": "历史时期", "provinces": "省级行政区",
}


def type_text(ftype: FieldType) -> str:
    """Return a short Chinese description of what a field accepts."""
    if isinstance(ftype, ReadingKind):
        return "`book`（图书）、`article`（文章）或 `speech`（讲话）"
    if isinstance(ftype, Choice):
        return "、".join(f"`{c}`" for c in ftype.choices) + " 之一"
    if isinstance(ftype, Text):  # includes Markdown
        text = f"{ftype.name}，最多 {ftype.max_chars} 字"
        return text + (f"；{ftype.pattern_hint}" if ftype.pattern_hint else "")
    if isinstance(ftype, Integer | Number):
        low, high = ftype.minimum, ftype.maximum
        bounds = f"，{low} 到 {high}" if low is not None and high is not None else ""
        return f"{ftype.name}{bounds}"
    if isinstance(ftype, Ref):
        return f"{KINDS[ftype.kind].noun}编号（{ftype.kind}/ 下的文件名，不含 .yml）"
    if isinstance(ftype, Term):
        label = _VOCAB_NAMES.get(ftype.vocabulary, ftype.vocabulary)
        return f"词表 vocab.yml 中 `{ftype.vocabulary}`（{label}）的一项"
    if isinstance(ftype, ListOf):
        counts = []
        if ftype.min_items:
            counts.append(f"至少 {ftype.min_items} 项")
        counts.append(f"最多 {ftype.max_items} 项")
        item = "映射" if isinstance(ftype.item, Struct) else type_text(ftype.item)
        return f"列表，每项为{item}（{'，'.join(counts)}）"
    if isinstance(ftype, Struct):
        return "映射，包含下列字段"
    if isinstance(ftype, Date | PartialDate | Boolean | Url | MediaPath):
        return ftype.name
    return ftype.name  # pragma: no cover - a new field type falls back to its own name


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def field_rows(fields: tuple[Field, ...], prefix: str = "") -> Iterator[tuple[str, Field]]:
    """Yield (dotted path, field) for every field, nested ones after their parent.

    Items of a list of mappings are written `images[].src`.
    """
    for spec in fields:
        path = f"{prefix}{spec.name}"
        yield path, spec
        inner = spec.type.item if isinstance(spec.type, ListOf) else spec.type
        if isinstance(inner, Struct):
            yield from field_rows(inner.fields, path + ("[]." if inner is not spec.type else "."))


def kind_reference(kind: RecordKind) -> str:
    """Return the Markdown table of one record kind's fields."""
    lines = [
        f"### {kind.label}（{kind.noun}）：`site_data/{kind.name}/<编号>.yml`",
        "",
        "| 字段 | 中文名 | 必填 | 填写内容 | 说明 |",
        "|---|---|---|---|---|",
    ]
    for path, spec in field_rows(kind.fields):
        need = "必填" if spec.required else "可选"
        lines.append(f"| `{path}` | {_cell(spec.label)} | {need} | {_cell(type_text(spec.type))}"
                     f" | {_cell(spec.help)} |")
    return "\n".join(lines)


def field_reference() -> str:
    """Return the whole generated section (without the marker lines)."""
    parts = [
        "字段名必须用英文（如 `name`），中文名只是说明。嵌套字段写作 `region.province`，"
        "列表中每一项的字段写作 `images[].src`。“必填”的字段在嵌套映射中只在该映射出现时才必填。",
    ]
    parts += [kind_reference(kind) for kind in KINDS.values()]
    return "\n\n".join(parts)


def replace_section(document: str, section: str) -> str:
    """Return `document` with the text between the markers replaced by `section`.

    Raises ValueError when the markers are missing or out of order.
    """
    start, end = document.find(BEGIN), document.find(END)
    if start < 0 or end < 0 or end < start:
        raise ValueError(f"找不到成对的标记 {BEGIN} 与 {END}")
    head = document[: start + len(BEGIN)]
    return f"{head}\n\n{section}\n\n{document[end:]}"

