"""Write a document as DOCX in a 公文-like layout (in the spirit of GB/T 9704), python-docx.

Layout: A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; body 仿宋 三号
(16 pt) at a fixed 28 pt line pitch with a two-character first-line indent; headings
一、 in 黑体, （一） in 楷体, title in 黑体 二号 (22 pt) centred; page number “— 1 —” in
the footer (a PAGE field, so it stays right after editing); the source list at the end.
Numbers are typed into the text (not Word list numbering), as 公文 do, so they survive
editing and copying between Word and WPS.

Fonts are named by their Chinese names in `w:eastAsia`, which both Word and WPS resolve on
a Chinese system: 仿宋 (FangSong, Windows ≥ Vista and WPS; older government machines have
仿宋_GB2312, and WPS maps 仿宋 to it), 黑体 and 楷体. Digits and Latin letters use Times New
Roman. The 公文 title font 方正小标宋简体 is not installed everywhere and a DOCX cannot
name a fallback, so titles use 黑体; to change it, edit the 标题 (Title) style once and
every outline title follows, since all text is set through named styles.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph

from .document import Document

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体"
TITLE_FONT = "黑体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
LINE_PITCH = Pt(28)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _fonts(style: ParagraphStyle, east_asia: str, size: Pt, bold: bool = False) -> None:
    font = style.font
    font.name = LATIN_FONT
    font.size = size
    font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:hint"), "eastAsia")
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _spacing(style: ParagraphStyle, indent: bool, center: bool = False) -> None:
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(32) if indent else Pt(0)  # two characters of 16 pt
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.JUSTIFY
    ppr = style.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))  # the default template's Title has a rule under it
    if border is not None:
        ppr.remove(border)


def _setup_styles(document: object) -> None:
    styles = document.styles  # type: ignore[attr-defined]
    normal = styles["Normal"]
    _fonts(normal, BODY_FONT, BODY_SIZE)
    _spacing(normal, indent=True)
    title = styles["Title"]
    _fonts(title, TITLE_FONT, TITLE_SIZE)
    _spacing(title, indent=False, center=True)
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = Pt(14)
    subtitle = styles["Subtitle"]
    _fonts(subtitle, SUBHEADING_FONT, BODY_SIZE)
    _spacing(subtitle, indent=False, center=True)
    subtitle.font.italic = False
    subtitle.paragraph_format.space_after = Pt(14)
    for name, face, bold in (("Heading 1", HEADING_FONT, False),
                             ("Heading 2", SUBHEADING_FONT, False)):
        style = styles[name]
        _fonts(style, face, BODY_SIZE, bold)
        _spacing(style, indent=True)
        style.paragraph_format.keep_with_next = True
    if "Footer" not in [s.name for s in styles]:
        styles.add_style("Footer", WD_STYLE_TYPE.PARAGRAPH)
    footer = styles["Footer"]
    _fonts(footer, "宋体", Pt(14))  # 四号


# Paragraph styles by role. Their ids are looked up once a document: python-docx finds a
# style given by name by going through every style of the document twice, per paragraph.
_STYLES = {"title": "Title", "subtitle": "Subtitle", "h1": "Heading 1", "h2": "Heading 2"}


def _styled(document: object, text: str, style_id: str) -> None:
    """Append a paragraph of `text` in the (non-default) paragraph style `style_id`: what
    `add_paragraph(text, style=name)` writes."""
    paragraph = document.add_paragraph(text)  # type: ignore[attr-defined]
    paragraph._p.style = style_id


def _page_number(paragraph: Paragraph) -> None:
    """Append “— PAGE —” with a live PAGE field."""
    paragraph.add_run("— ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            shown = OxmlElement("w:t")
            shown.text = text
            run._r.append(shown)
    paragraph.add_run(" —")


def _normalize_zip(data: bytes) -> bytes:
    """Return the DOCX with fixed zip timestamps and attributes, so equal input gives equal
    bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 0
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def _table(document: object, caption: str, rows: tuple[tuple[str, ...], ...]) -> None:
    """Append a bordered table (header row in bold) with its caption above it; blank cells
    are left for writing in, so their rows are tall enough to write on."""
    if caption:
        document.add_paragraph(caption).alignment = WD_ALIGN_PARAGRAPH.CENTER  # type: ignore[attr-defined]
    table = document.add_table(rows=len(rows), cols=len(rows[0]))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for r, (row, cells) in enumerate(zip(rows, table.rows, strict=True)):
        for text, cell in zip(row, cells.cells, strict=True):  # table.cell() rescans the grid
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.first_line_indent = Pt(0)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if r == 0 else WD_ALIGN_PARAGRAPH.LEFT
            run = paragraph.add_run(text)
            run.font.size = Pt(14)  # 四号 in tables
            run.bold = r == 0


_blank: bytes | None = None  # the empty 公文 document (page, styles, footer), per process


def _blank_document() -> bytes:
    """Return an empty document with the page set up, the styles and the footer: made once
    per process (setting up the styles costs as much as writing an outline), opened for
    each document."""
    global _blank
    if _blank is None:
        document = new_docx()
        section = document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.footer_distance = Mm(20)
        _setup_styles(document)
        footer = section.footer.paragraphs[0]
        footer.style = document.styles["Footer"]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _page_number(footer)
        buffer = io.BytesIO()
        document.save(buffer)
        _blank = buffer.getvalue()
    return _blank


def to_docx(doc: Document) -> bytes:
    """Return the document as DOCX bytes; identical input gives identical bytes."""
    document = new_docx(io.BytesIO(_blank_document()))
    styles = {role: document.styles[name].style_id for role, name in _STYLES.items()}

    _styled(document, doc.title, styles["title"])
    if doc.subtitle:
        _styled(document, doc.subtitle, styles["subtitle"])
    for block in doc.blocks:
        if block.kind == "heading":
            _styled(document, block.full, styles[f"h{block.level}"])
        elif block.kind == "table":
            _table(document, block.text, block.rows)
        elif block.kind == "page":
            document.add_page_break()  # type: ignore[no-untyped-call]
            _styled(document, block.text, styles["subtitle"])
        elif block.kind == "meta":
            label, _, value = block.text.partition("：")
            paragraph = document.add_paragraph()
            if value:
                paragraph.add_run(f"{label}：").bold = True
                paragraph.add_run(value)
            else:
                paragraph.add_run(block.text)
        else:
            for n, line in enumerate(block.full.split("\n")):
                document.add_paragraph(line if n == 0 else line.strip())

    when = dt.datetime.combine(doc.date, dt.time(0, 0))
    props = document.core_properties
    props.title = doc.title
    props.subject = doc.subtitle or "宣讲提纲"
    props.author = doc.author
    props.last_modified_by = doc.author
    props.keywords = "、".join(doc.keywords)
    props.comments = "由第二课堂生成，可自由修改后使用。"
    props.category = "讲解包" if doc.pack else (doc.subtitle or "宣讲提纲")
    props.language = "zh-CN"
    props.created = when
    props.modified = when
    props.last_printed = when
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _normalize_zip(buffer.getvalue())
