"""The document model shared by every export format: an outline (or a lecturer pack) as blocks.

An outline is turned once into a flat list of numbered blocks in 公文 order (一、（一）1.);
the DOCX, PDF and Markdown writers only lay those blocks out. So the three formats always
say the same thing, and the content hash of a `Document` is the cache key of its files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from typing import Any, Literal

from ..catalog import Catalog
from ..cnformat import cn_number, cndate
from ..models import KINDS, OUTLINES, Markdown, Record, Ref, field_values
from ..quotes import QUOTE_REF, citation
from ..render.richtext import markdown_to_html

BlockKind = Literal["heading", "para", "item", "meta", "table", "page"]

# Characters XML 1.0 (DOCX) cannot hold; the loader rejects most, exports drop any left.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
SOURCES_HEADING = "资料来源"
NOTES_HEADING = "注释"
PACK_SUBTITLE = "讲解包：提纲及所涉旧址、人物、文物、书目资料"


def clean(text: str) -> str:
    """Return `text` with characters that no document format can hold removed."""
    return _XML_INVALID.sub("", text).replace("\r\n", "\n").replace("\r", "\n").strip()


def one_line(text: str) -> str:
    """Return cleaned `text` with every run of whitespace (newlines too) made one space."""
    return " ".join(clean(text).split())


@dataclass(frozen=True)
class Block:
    """One paragraph-level piece: a numbered heading, a body paragraph, a list item, a
    short fact line, a table (`rows`, the first is the header; `text` is its caption) or
    a new page headed by `text` (documents bound together, as a 读书班's printout).
    `label` is its number as printed (`一、`, `（一）`, `1.`)."""

    kind: BlockKind
    text: str
    level: int = 0
    label: str = ""
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def full(self) -> str:
        """Return the text with its number in front, as every format prints it."""
        return f"{self.label}{self.text}" if self.label else self.text


@dataclass(frozen=True)
class Source:
    """One entry of the source list at the end."""

    title: str
    publisher: str = ""
    url: str = ""
    accessed: str = ""

    def line(self) -> str:
        """Return the source as one line: title, publisher, address, access date."""
        parts = [self.title]
        if self.publisher:
            parts.append(self.publisher)
        if self.url:
            parts.append(self.url)
        line = "，".join(parts)
        return f"{line}（{self.accessed}访问）" if self.accessed else line


@dataclass(frozen=True)
class Document:
    """An outline or lecturer pack ready to be written in any format."""

    id: str
    title: str
    subtitle: str
    blocks: tuple[Block, ...]
    sources: tuple[Source, ...]
    date: dt.date
    author: str
    keywords: tuple[str, ...] = ()
    pack: bool = False

    def headings(self) -> list[str]:
        """Return every heading as printed, including the source list's."""
        return [b.full for b in self.blocks if b.kind == "heading"]

    def text(self) -> str:
        """Return all the text, one block a line (used for glyph coverage and tests)."""
        lines = [self.title, self.subtitle, *(b.full for b in self.blocks),
                 *("\t".join(row) for b in self.blocks for row in b.rows)]
        return "\n".join(line for line in lines if line)

    def digest(self) -> str:
        """Return a SHA-256 of everything the document says: its exports' content key."""
        payload = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class _TextBlocks(HTMLParser):
    """Collect the text of block elements of rendered Markdown, one string per block."""

    _BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "td", "th"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] = []
        self._href: str | None = None

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._current)).strip()
        if text:
            self.blocks.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self._flush()
        elif tag == "br":
            self._current.append(" ")
        elif tag == "a":
            self._href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self._flush()
        elif tag == "a" and self._href:
            if self._href.startswith(("http://", "https://")):
                self._current.append(f"（{self._href}）")
            self._href = None

    def handle_data(self, data: str) -> None:
        self._current.append(data)


def markdown_paragraphs(text: str) -> list[str]:
    """Return record Markdown as plain paragraphs (links keep their address in brackets)."""
    parser = _TextBlocks()
    parser.feed(markdown_to_html(clean(text)))
    parser.close()
    parser._flush()
    return [clean(p) for p in parser.blocks if clean(p)]


def _cn(n: int) -> str:
    # Chinese numerals up to 99, as 公文 numbering uses; beyond that Arabic digits.
    return cn_number(n) if n < 100 else str(n)


class _Builder:
    """Append numbered blocks; level-1 headings count 一、二、, level-2 （一）（二）.

    A registered quotation ([[quote:ID]]) in any text is printed as its exact words with a
    note number, 〔1〕, and `notes` holds the citations for the 注释 at the end.
    """

    def __init__(self, quote_of: Callable[[str], Record | None] = lambda _: None) -> None:
        self.blocks: list[Block] = []
        self.notes: list[str] = []
        self._quote_of = quote_of
        self._h1 = 0
        self._h2 = 0

    def _quoted(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            quote = self._quote_of(match.group(1))
            if quote is None:
                return match.group(0)
            line = citation(quote.data)
            if line not in self.notes:
                self.notes.append(line)
            return f"“{quote.data['text']}”〔{self.notes.index(line) + 1}〕"
        return QUOTE_REF.sub(replace, text)

    def notes_section(self) -> None:
        """Append the 注释: one numbered citation per quotation used."""
        if self.notes:
            self.h1(NOTES_HEADING)
            for n, line in enumerate(self.notes, start=1):
                self.blocks.append(Block("item", one_line(line), 0, f"〔{n}〕"))

    def h1(self, text: str) -> None:
        self._h1 += 1
        self._h2 = 0
        self.blocks.append(Block("heading", one_line(text), 1, f"{_cn(self._h1)}、"))

    def h2(self, text: str) -> None:
        self._h2 += 1
        self.blocks.append(Block("heading", one_line(text), 2, f"（{_cn(self._h2)}）"))

    def para(self, text: str) -> None:
        if clean(text):
            self.blocks.append(Block("para", clean(self._quoted(text))))

    def markdown(self, text: str) -> None:
        """Append record Markdown as plain paragraphs."""
        for paragraph in markdown_paragraphs(self._quoted(text)):
            self.para(paragraph)

    def meta(self, label: str, value: Any) -> None:
        if value not in (None, "", []):
            self.blocks.append(Block("meta", one_line(self._quoted(f"{label}：{value}"))))

    def table(self, caption: str, header: tuple[str, ...],
              rows: Sequence[tuple[str, ...]]) -> None:
        """Append a table: `header` then `rows` (blank strings leave cells to fill in)."""
        cells = tuple(tuple(one_line(c) for c in row) for row in (header, *rows))
        self.blocks.append(Block("table", one_line(caption), rows=cells))

    def items(self, texts: list[str]) -> None:
        for n, text in enumerate((t for t in texts if clean(t)), start=1):
            self.blocks.append(Block("item", one_line(self._quoted(text)), 0, f"{n}. "))


def _names(records: list[Record]) -> str:
    return "、".join(r.spec.display_title(r.title) for r in records)


def _citation(record: Record) -> str:
    """Return a record as one line of a reading list: 《题名》，作者，出版者，年份."""
    return "，".join([record.spec.display_title(record.title), *record.spec.facts(record.data)])


def _sources_of(record: Record) -> list[Source]:
    return [Source(clean(str(s["title"])), clean(str(s.get("publisher", ""))),
                   str(s.get("url", "")), cndate(s["accessed"]) if s.get("accessed") else "")
            for s in record.data.get("sources", [])]


def used_records(catalog: Catalog, outline: Record) -> dict[str, list[Record]]:
    """Return, per kind that has a part in lecturer packs, the records an outline uses, in
    order of first use."""
    order: dict[str, list[str]] = {k: [] for k, spec in KINDS.items() if spec.pack_heading}
    for _, ref, value in field_values(outline.spec.schema, outline.data):
        if not isinstance(ref, Ref):
            continue
        kind, record_id = ref.kind, str(value)
        if kind in order and record_id not in order[kind] and record_id in catalog.records:
            order[kind].append(record_id)
    return {kind: [catalog.records[i] for i in ids] for kind, ids in order.items()}


def outline_document(catalog: Catalog, outline_id: str, pack: bool = False,
                     author: str = "第二课堂") -> Document:
    """Return the document of outline `outline_id`, or of its lecturer pack if `pack`.

    Args:
        catalog: the published records.
        outline_id: id of a record in outlines/.
        pack: append the profiles of every site, person and relic the outline uses and
            its full reading list (讲解包).
        author: shown as the document's author (the site name).
    Raises:
        KeyError: there is no published outline with that id.
    """
    outline = catalog.records.get(outline_id)
    if outline is None or outline.spec is not OUTLINES:
        raise KeyError(outline_id)
    d = outline.data
    b = _Builder(catalog.records.get)
    themes = "、".join(d.get("themes", []))
    b.meta("宣讲对象", d["audience"])
    b.meta("时长", f"{d['duration_minutes']} 分钟")
    b.meta("主题", themes)
    b.para(str(d["summary"]))

    b.h1("教学目标")
    b.items([str(o) for o in d["objectives"]])

    b.h1("讲授环节")
    for section in d["sections"]:
        minutes = f"（约 {section['minutes']} 分钟）" if section.get("minutes") else ""
        b.h2(f"{section['heading']}{minutes}")
        b.items([str(p) for p in section["points"]])
        b.meta("互动", section.get("interaction"))
        for kind, spec in KINDS.items():  # the records a section names, kind by kind
            found = [catalog.records[i] for i in section.get(kind, []) if i in catalog.records]
            b.meta(f"涉及{spec.noun}", _names(found))

    b.h1("讨论题")
    b.items([str(q) for q in d["discussion"]])

    visits = [(catalog.records[v["site"]], v["activity"]) for v in d.get("site_visit", [])
              if v["site"] in catalog.records]
    if visits:
        b.h1("现场教学安排")
        b.items([f"{site.title}：{activity}" for site, activity in visits])

    readings = [catalog.records[i] for i in d.get("readings", []) if i in catalog.records]
    if readings:
        b.h1("延伸阅读")
        b.items([_citation(r) for r in readings])

    sources = _sources_of(outline)
    date = d["verified"]
    if pack:
        used = used_records(catalog, outline)
        _pack_blocks(b, catalog, used)
        for records in used.values():
            for record in records:
                sources.extend(_sources_of(record))
                date = max(date, record.data["verified"])
    unique = tuple(dict.fromkeys(sources))
    b.notes_section()
    b.h1(SOURCES_HEADING)
    b.items([s.line() for s in unique])
    b.meta("核实日期", cndate(date))
    return Document(
        id=outline.id, title=one_line(outline.title),
        subtitle=PACK_SUBTITLE if pack else "",
        blocks=tuple(b.blocks), sources=unique, date=date, author=author,
        keywords=tuple(d.get("themes", [])), pack=pack,
    )


def _pack_blocks(b: _Builder, catalog: Catalog, used: dict[str, list[Record]]) -> None:
    """Append each used record's profile, as its kind declares it (`pack_fields`)."""
    for kind, records in used.items():
        spec = KINDS[kind]
        if not records:
            continue
        b.h1(spec.pack_heading)
        for record in records:
            b.h2(spec.heading(record.title, record.data))
            for name in spec.pack_fields:
                value = record.data.get(name)
                if value in (None, "", []):
                    continue
                declared = spec.field(name)
                if isinstance(declared.type, Markdown):
                    b.markdown(str(value))
                elif name == spec.lead:
                    b.para(str(value))
                elif isinstance(declared.type, Ref):
                    target = catalog.records.get(str(value))
                    b.meta(declared.label, target.title if target else None)
                else:
                    b.meta(declared.label, declared.type.display(value))


__all__ = ["Block", "Document", "Source", "clean", "markdown_paragraphs",
           "outline_document", "used_records"]
