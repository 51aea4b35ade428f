"""Write a document as an A4 PDF with embedded, subset CJK fonts (fpdf2).

Lines are broken here rather than by fpdf2, which breaks only at spaces: Chinese breaks
between any two characters, except that closing punctuation (，。）》…) never starts a
line (it hangs into the margin) and opening punctuation (（《“) never ends one; runs of
Latin letters and digits stay whole. Full lines are justified with a little character
spacing. Every font is subset by fpdf2 (fontTools), so a PDF carries only the glyphs it
uses: an outline is 100–300 KB.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import TTFFont
from fpdf.unicode_script import UnicodeScript, get_unicode_script

from .document import Block, Document
from .fonts import MISSING_MARK, cjk_faces, faces_for
from .pdffonts import SubsetProducer, add_face, release_faces

PT = 25.4 / 72  # millimetres per point
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 26.0, 24.0, 28.0, 26.0
BODY_PT = 14.0
LEADING = 1.75

_NO_START = set("，。、；：？！）》」』”’〕】〉…—·％,.;:?!)]}%")
_NO_END = set("（《「『“‘〔【〈([{")
_TOKEN = re.compile(r"[\x21-\x7e]+|\s|.", re.S)


@dataclass
class PdfResult:
    """The PDF bytes, and how rare characters were handled."""

    data: bytes
    fallback_fonts: list[str] = field(default_factory=list)  # faces used for rare glyphs
    missing: list[str] = field(default_factory=list)  # characters printed as 〓


@dataclass(frozen=True)
class _Style:
    font: str
    size: float
    indent_em: float = 2.0
    align: str = "L"
    space_before: float = 0.0  # in lines


_STYLES = {
    "title": _Style("strong", 22.0, 0.0, "C", 0.0),
    "subtitle": _Style("body", 15.0, 0.0, "C", 0.2),
    "h1": _Style("heading", 16.0, 2.0, "L", 0.5),
    "h2": _Style("strong", 15.0, 2.0, "L", 0.25),
    "para": _Style("body", BODY_PT),
    "item": _Style("body", BODY_PT),
    "meta": _Style("body", BODY_PT),
    "caption": _Style("strong", BODY_PT, 0.0, "C", 0.25),
}
TABLE_PT = 12.0


_SCRIPT_NEUTRAL = (UnicodeScript.COMMON, UnicodeScript.UNKNOWN)
_scripts: dict[str, UnicodeScript] = {}  # fpdf2 empties its own cache at every output


class _Pdf(FPDF):
    """FPDF with a centred page number in the footer (— 1 —), as on printed 公文, and
    string widths measured without building fpdf2's text fragments."""

    def get_string_width(self, s: str, normalized: bool = False,
                         markdown: bool = False) -> float:
        """Return the width of `s` as fpdf2 computes it, for text the current font has
        every character of; otherwise (a fallback font's glyph) ask fpdf2.

        fpdf2 splits text into fragments where the script changes (Han to Latin, not at
        punctuation) and adds the fragments' widths: so does this, to the last bit, so
        lines break where they did. Line breaking asks for about 4,000 widths a page.
        """
        font = self.current_font
        if (markdown or self.text_shaping or self.str_alias_nb_pages or self.char_spacing
                or self.font_stretching != 100 or not isinstance(font, TTFFont)):
            return super().get_string_width(s, normalized, markdown)
        cmap, widths, size = font.cmap, font.cw, self.font_size_pt
        total: float = 0
        run: float = 0  # character widths of the current fragment, in font units
        script: UnicodeScript | None = None
        started = False
        for ch in s:
            code = ord(ch)
            if code not in cmap:
                return super().get_string_width(s, normalized, markdown)
            this = _scripts.get(ch)
            if this is None:
                this = _scripts[ch] = get_unicode_script(ch)
            if this not in _SCRIPT_NEUTRAL and this is not script:
                if started and script is not None:
                    total += run * size * 0.001 / self.k
                    run, started = 0, False
                script = this
            run += widths[code]
            started = True
        if started:
            total += run * size * 0.001 / self.k
        return total

    def footer(self) -> None:
        self.set_char_spacing(0)
        self.set_y(-MARGIN_BOTTOM + 8)
        self.set_font("body", "", 11)
        self.cell(0, 6, f"— {self.page_no()} —", align="C")


def _lines(pdf: FPDF, text: str, width: float, first_indent: float) -> list[str]:
    """Break `text` into lines no wider than `width` (the first narrower by the indent)."""
    lines: list[str] = []
    current, used, avail = "", 0.0, width - first_indent

    def flush() -> None:
        nonlocal current, used, avail
        lines.append(current.rstrip())
        current, used, avail = "", 0.0, width

    for number, hard in enumerate(text.split("\n")):
        if number:
            flush()
        for token in _TOKEN.findall(hard):
            w = pdf.get_string_width(token)
            if used + w <= avail + 1e-6:
                current, used = current + token, used + w
            elif token.isspace():
                flush()  # break at the space and drop it
            elif current and token in _NO_START and w <= pdf.font_size * 1.01:
                current, used = current + token, used + w  # hang it in the margin
            elif w > width:  # a Latin run (a long address) wider than a line: split it
                for ch in token:
                    cw = pdf.get_string_width(ch)
                    if used + cw > avail + 1e-6 and current:
                        flush()
                    current, used = current + ch, used + cw
            else:
                carry = ""
                while len(current) > 1 and current[-1] in _NO_END:
                    carry, current = current[-1] + carry, current[:-1]
                flush()
                current = carry + token
                used = pdf.get_string_width(current)
    lines.append(current.rstrip())
    return [line for line in lines if line] or [""]


def _replace_missing(text: str, missing: set[str]) -> str:
    return "".join(MISSING_MARK if ch in missing else ch for ch in text)


def to_pdf(doc: Document) -> PdfResult:
    """Return the document as PDF bytes; identical input gives identical bytes.

    Raises:
        fonts.FontNotFound: no Noto CJK SC font is installed.
    """
    faces = cjk_faces()
    extra, missing = faces_for(doc.text())

    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    # Record text is data: "{nb}" stays "{nb}", not the page count (fpdf2's default alias;
    # None turns it off, as its documentation says).
    pdf.alias_nb_pages(None)  # type: ignore[arg-type]
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
    for role, face in faces.items():
        add_face(pdf, role, face)
    fallbacks = ["body"]
    for n, face in enumerate(extra):
        add_face(pdf, f"fallback{n}", face)
        fallbacks.append(f"fallback{n}")
    pdf.set_fallback_fonts(fallbacks, exact_match=False)
    for font in pdf.fonts.values():
        # Subsetting CFF fonts spends most of its time recomputing glyph bounding boxes
        # for the font's bbox; the full font's bbox is still a correct bound for a subset
        # (pdffonts' subsets keep the face's box too).
        ttfont = getattr(font, "ttfont", None)
        if isinstance(ttfont, TTFont):
            ttfont.recalcBBoxes = False

    when = dt.datetime.combine(doc.date, dt.time(0, 0), tzinfo=dt.UTC)
    pdf.set_creation_date(when)
    pdf.set_title(doc.title + (f"（{doc.subtitle.split('：')[0]}）" if doc.subtitle else ""))
    pdf.set_author(doc.author)
    pdf.set_subject(doc.subtitle or "宣讲提纲")
    pdf.set_keywords(" ".join(doc.keywords))
    pdf.set_creator("第二课堂 classroom export")
    pdf.set_lang("zh-CN")
    pdf.set_display_mode("fullwidth", "continuous")
    pdf.add_page()

    width = pdf.w - MARGIN_LEFT - MARGIN_RIGHT
    bottom = pdf.h - MARGIN_BOTTOM

    def draw(text: str, style: _Style, block: Block | None = None) -> None:
        pdf.set_font(style.font, "", style.size)
        line_h = style.size * PT * LEADING
        indent = style.indent_em * style.size * PT
        lines = _lines(pdf, _replace_missing(text, missing), width, indent)
        y = pdf.y + style.space_before * line_h
        keep = 3 if block is not None and block.kind == "heading" else 1
        if y + line_h * min(len(lines) + keep - 1, keep + 1) > bottom and pdf.y > MARGIN_TOP:
            pdf.add_page()
            y = pdf.y
        if block is not None and block.kind == "heading":
            pdf.set_y(y)
            pdf.start_section(block.full, level=block.level - 1)
        for n, line in enumerate(lines):
            if y + line_h > bottom:
                pdf.add_page()
                y = pdf.y
            x_indent = indent if n == 0 else 0.0
            line_w = pdf.get_string_width(line)
            avail = width - x_indent
            spacing = 0.0
            last = n == len(lines) - 1
            if style.align == "C":
                x = MARGIN_LEFT + max(0.0, (width - line_w) / 2)
            else:
                x = MARGIN_LEFT + x_indent
                gaps = len(line) - 1
                if not last and gaps > 0 and 0 < avail - line_w < style.size * PT * 1.5:
                    spacing = (avail - line_w) / gaps
            pdf.set_char_spacing(spacing)
            pdf.set_xy(x, y)
            pdf.cell(w=line_w + spacing * max(0, len(line) - 1), h=line_h, text=line)
            pdf.set_char_spacing(0)
            y += line_h
        pdf.set_y(y)

    def draw_table(block: Block) -> None:
        """Draw a bordered table; rows never split across pages; the header repeats."""
        if block.text:
            draw(block.text, _STYLES["caption"])
        size = TABLE_PT
        pdf.set_font("body", "", size)
        pad = 1.5
        line_h = size * PT * 1.5
        rows = [[_replace_missing(c, missing) for c in row] for row in block.rows]
        cols = len(rows[0])
        natural = [max(pdf.get_string_width(row[c]) for row in rows) + 2 * pad + 1
                   for c in range(cols)]
        blank = [all(not row[c] for row in rows[1:]) for c in range(cols)]
        total = sum(natural)
        # Short cells (次序, 时长, a header) never wrap; long text takes what is left.
        mins = [min(natural[c], 2 * pad + 1 + max(pdf.get_string_width(row[c]) for row in rows
                                                  if len(row[c]) <= 6 or row is rows[0]))
                for c in range(cols)]
        spare = [natural[c] - mins[c] for c in range(cols)]
        if total > width and sum(mins) < width and sum(spare) > 0:
            widths = [mins[c] + (width - sum(mins)) * spare[c] / sum(spare) for c in range(cols)]
        elif total > width:  # even the short cells do not fit: every column gives way
            widths = [w * width / total for w in natural]
        else:  # spare room goes to columns left blank for writing in (or all)
            grow = [c for c in range(cols) if blank[c]] or list(range(cols))
            widths = [w + ((width - total) / len(grow) if c in grow else 0.0)
                      for c, w in enumerate(natural)]

        def row_lines(row: list[str]) -> list[list[str]]:
            return [_lines(pdf, text, widths[c] - 2 * pad, 0.0) if text else [""]
                    for c, text in enumerate(row)]

        def draw_row(row: list[str], header: bool) -> None:
            cells = row_lines(row)
            height = max(len(lines) for lines in cells) * line_h + 2 * pad
            if not header and not any(row[1:]):
                height = max(height, line_h * 1.6 + 2 * pad)  # room to write by hand
            if pdf.y + height > bottom:
                pdf.add_page()
                if not header:
                    draw_row(rows[0], True)
            pdf.set_font("strong" if header else "body", "", size)
            x, y = MARGIN_LEFT, pdf.y
            for c, lines in enumerate(cells):
                pdf.rect(x, y, widths[c], height)
                for n, line in enumerate(lines):
                    offset = (widths[c] - pdf.get_string_width(line)) / 2 if header else pad
                    pdf.set_xy(x + offset, y + pad + n * line_h)
                    pdf.cell(w=pdf.get_string_width(line), h=line_h, text=line)
                x += widths[c]
            pdf.set_y(y + height)

        pdf.set_char_spacing(0)
        pdf.set_line_width(0.3)
        for n, row in enumerate(rows):
            draw_row(row, n == 0)
        pdf.set_y(pdf.y + line_h * 0.5)

    draw(doc.title, _STYLES["title"])
    if doc.subtitle:
        draw(doc.subtitle, _STYLES["subtitle"])
    pdf.set_y(pdf.y + BODY_PT * PT * LEADING * 0.5)
    for block in doc.blocks:
        if block.kind == "table":
            draw_table(block)
            continue
        if block.kind == "page":
            pdf.add_page()
            draw(block.text, _STYLES["subtitle"])
            continue
        key = f"h{block.level}" if block.kind == "heading" else block.kind
        draw(block.full, _STYLES[key], block)
    data = bytes(pdf.output(output_producer_class=SubsetProducer))
    release_faces(pdf)
    return PdfResult(data, [f.name for f in extra], sorted(missing))
