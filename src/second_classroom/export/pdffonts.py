"""Give fpdf2 the CJK faces cheaply: each face parsed once per process, each document's
subset built directly from the glyphs it uses.

A PDF used to cost about 3 s, almost all of it in fonts: fpdf2's `add_font` reads a Noto
CJK face's 65,535 widths and its character map (≈0.3 s a face, three faces a document),
and at output fontTools' subsetter opens the face again, reads the offsets, names and
font-dictionary numbers of all 65,535 glyphs, and interprets the charstring of every
glyph the document uses with the subroutines it calls. An export worker writes many
documents, and documents share most of their characters, so here:

* `add_face` parses a face once per process (fpdf2's `TTFFont`: widths, character map,
  descriptor; and the face's CFF table, whose glyphs are read on demand) and gives each
  document its own copy of the `TTFFont`, with the per-document state (which glyphs were
  used) fresh.
* `finish_faces`, called once the document is laid out (`SubsetProducer`), gives each such font the subset
  itself: a small font holding only the glyphs the document used, in the face's glyph
  order, each flattened (desubroutinized, with fontTools' own desubroutinizer, hints
  kept) once per process and cached. The CFF table is made from the face's dictionaries
  (the font dictionaries the glyphs use, their Private dictionaries without
  subroutines), so it is what fontTools' subsetter made of the whole face, without
  reading the whole face: fpdf2 still runs its subsetter over it, which then has
  nothing left to cut.
* fpdf2 embeds the CFF table alone for a CID-keyed CFF face (`CIDFontType0C`); the
  widths in the PDF come from the parsed face.

A flattened glyph is a function of the font file and the glyph alone, so a document's
bytes do not depend on what the process exported before it (tested). Faces that are not
CID-keyed CFF (a TrueType fallback for rare characters) go through fpdf2's `add_font`
unchanged.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from fontTools.cffLib import (
    CFFFontSet,
    CharStrings,
    FDArrayIndex,
    FDSelect,
    GlobalSubrsIndex,
    TopDictIndex,
)
from fontTools.cffLib.transforms import _DesubroutinizingT2Decompiler
from fontTools.misc.psCharStrings import T2CharString
from fontTools.ttLib import TTFont, getTableClass
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.output import OutputProducer

from .fonts import Face

_CffTable: Any = getTableClass("CFF ")


@dataclass
class _Parsed:
    """A CID-keyed CFF face, parsed once per process."""

    template: TTFFont  # fpdf2's parse: widths, character map, descriptor (no tables)
    file: TTFont  # the face, read lazily (its CFF table's glyphs on demand)
    cff: Any  # CFFFontSet
    top: Any  # its one TopDict
    gid: dict[str, int] = field(default_factory=dict)  # glyph name -> glyph id
    flat: dict[int, bytes] = field(default_factory=dict)  # glyph id -> flattened charstring

    def flattened(self, gid: int) -> bytes:
        """Return glyph `gid`'s charstring with every subroutine call expanded."""
        bytecode = self.flat.get(gid)
        if bytecode is None:
            top = self.top
            original = top.CharStrings.charStringsIndex[gid]
            glyph = T2CharString(bytecode=original.bytecode, private=original.private,
                                 globalSubrs=original.globalSubrs)
            glyph.decompile()
            decompiler = _DesubroutinizingT2Decompiler(
                getattr(glyph.private, "Subrs", []), glyph.globalSubrs, glyph.private)
            decompiler.execute(glyph)
            glyph.program = glyph._desubroutinized
            del glyph._desubroutinized
            glyph.bytecode = None
            glyph.compile()
            bytecode = self.flat[gid] = glyph.bytecode
            top.CharStrings.charStringsIndex.items[gid] = None  # read again if needed
        return bytecode


# Keyed by Face.fingerprint() (path, face, size, mtime): a font upgraded while a
# long-lived process (the preview) runs is parsed again.
_parsed: dict[str, _Parsed] = {}
_plain: set[str] = set()  # faces left to fpdf2 (not CID-keyed CFF)


class _Pending:
    """A document's font until `finish_faces` gives it its subset; fpdf2 reads a font's
    `ttfont` only when it writes the PDF."""

    def __init__(self, parsed: _Parsed) -> None:
        self.parsed = parsed

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("write the PDF with pdf.output(output_producer_class="
                           "pdffonts.SubsetProducer)")


class _SubsetCff(_CffTable):  # type: ignore[misc]
    """The CFF table of a subset that is already cut down: fontTools' subsetter finds
    nothing to do in it, and its bytes are compiled once (fpdf2 asks twice)."""

    compiled: bytes | None = None

    def prune_pre_subset(self, font: TTFont, options: Any) -> bool:
        return True

    def closure_glyphs(self, s: Any) -> None:
        return None

    def subset_glyphs(self, s: Any) -> bool:
        return True

    def prune_post_subset(self, ttfFont: TTFont, options: Any) -> bool:
        return True

    def compile(self, otFont: TTFont) -> bytes:
        if self.compiled is None:
            self.compiled = super().compile(otFont)
        return self.compiled


def _parse(face: Face) -> _Parsed | None:
    # fpdf2 reads the face's descriptor, scale, name and metrics tables; asked to map the
    # space only, it skips its loop over the 44,000 characters of a CJK face (half its
    # time: a few table lookups per character), which is done below, the same way.
    template = TTFFont(FPDF(), Path(face.path), "face", "", unicode_range={0x20},
                       collection_font_number=face.index)
    file = template.ttfont
    template.ttfont = None  # the parsed widths and map stay with the template
    if not (template.is_cff and template.is_cid_keyed and "CFF " in file):
        file.close()
        return None
    cmap = dict(file.getBestCmap())  # fpdf2's map, before it kept the space only
    metrics = file["hmtx"].metrics
    glyph_id = file.getReverseGlyphMap()
    widths: defaultdict[int, float] = defaultdict(cast("defaultdict[int, float]",
                                                       template.cw).default_factory)
    glyph_ids = {}
    for char, glyph in cmap.items():  # as fpdf2's TTFFont.__init__
        width = metrics[glyph][0]
        if width == 65535:
            width = 0
        widths[char] = round(template.scale * width + 0.001)  # ROUND_HALF_UP
        glyph_ids[char] = glyph_id[glyph]
    template.cmap, template.cw, template.glyph_ids = cmap, widths, glyph_ids
    for tag in list(file.tables):  # the tables read for the widths and map go
        if tag not in ("CFF ", "GlyphOrder"):
            del file.tables[tag]
    cff = file["CFF "].cff
    # The face's glyph order is its CFF charset, which fpdf2 read for the glyph ids.
    return _Parsed(template, file, cff, cff[cff.keys()[0]], glyph_id)


def add_face(pdf: FPDF, family: str, face: Face) -> None:
    """Make `face` usable in `pdf` as `family` (like `FPDF.add_font`), parsing it once
    per process. Write the PDF with `pdf.output(output_producer_class=SubsetProducer)`."""
    key = face.fingerprint()
    parsed = _parsed.get(key)
    if parsed is None and key not in _plain:
        parsed = _parse(face)
        if parsed is None:
            _plain.add(key)
        else:
            _parsed[key] = parsed
    if parsed is None:
        pdf.add_font(family, "", face.path, collection_font_number=face.index)
        return
    font = copy.copy(parsed.template)
    font.i = len(pdf.fonts) + 1
    font.fontkey = family
    font.desc = copy.copy(parsed.template.desc)  # the output gives it an object number
    font.biggest_size_pt = 0
    font.missing_glyphs = []
    font._hbfont = None
    font.ttfont = _Pending(parsed)
    font.subset = SubsetMap(font)
    pdf.fonts[family] = font
    pdf._set_min_pdf_version("1.6")  # as add_font does for CID-keyed CFF fonts


def _without_subrs(private: Any) -> Any:
    """Return a copy of a Private dictionary without its local subroutines."""
    mine = copy.copy(private)
    mine.rawDict = {k: v for k, v in private.rawDict.items() if k != "Subrs"}
    mine.__dict__.pop("Subrs", None)
    return mine


def _subset(parsed: _Parsed, gids: list[int]) -> TTFont:
    """Return a font holding glyphs `gids` (ascending, with 0) of the face, flattened:
    the font fontTools' subsetter (options as fpdf2 sets them) would cut from the face,
    with the subroutines expanded into the glyphs."""
    top = parsed.top
    charset = [top.charset[g] for g in gids]
    selected = [top.FDSelect[g] for g in gids]
    used = sorted(set(selected))
    renumber = {fd: n for n, fd in enumerate(used)}

    fd_array = FDArrayIndex()
    for fd in used:
        font_dict = copy.copy(top.FDArray[fd])
        font_dict.Private = _without_subrs(top.FDArray[fd].Private)
        fd_array.append(font_dict)
    fd_select = FDSelect()
    fd_select.gidArray = [renumber[fd] for fd in selected]
    glyphs = CharStrings(None, None, None, None, fd_select, fd_array)
    for name, gid, fd in zip(charset, gids, fd_select.gidArray, strict=True):
        glyphs[name] = T2CharString(bytecode=parsed.flattened(gid),
                                    private=fd_array[fd].Private)

    mine = copy.copy(top)
    mine.charset = charset
    mine.numGlyphs = len(charset)
    mine.CharStrings = glyphs
    mine.FDSelect = fd_select
    mine.FDArray = fd_array
    mine.Encoding = "StandardEncoding"  # as the subsetter sets it (not written: default)
    cff = CFFFontSet()
    cff.major, cff.minor, cff.hdrSize = parsed.cff.major, parsed.cff.minor, parsed.cff.hdrSize
    cff.fontNames = parsed.cff.fontNames[:1]
    cff.topDictIndex = TopDictIndex()
    cff.topDictIndex.append(mine)
    cff.GlobalSubrs = GlobalSubrsIndex()

    font = TTFont(recalcBBoxes=False, recalcTimestamp=False)
    font.setGlyphOrder(charset)
    table = _SubsetCff("CFF ")
    table.cff = cff
    font["CFF "] = table
    return font


def finish_faces(pdf: FPDF) -> None:
    """Give each face `add_face` set up in `pdf` the subset of the glyphs the document
    used: once every page is drawn, the last page's footer too (`SubsetProducer`)."""
    for font in pdf.fonts.values():
        if not isinstance(font, TTFFont) or not isinstance(font.ttfont, _Pending):
            continue
        pending = font.ttfont
        parsed = pending.parsed
        # By name: the entry fpdf2 reserves for .notdef does not carry its glyph id.
        gids = sorted({0} | {parsed.gid[name] for name in font.subset.get_all_glyph_names()})
        font.ttfont = _subset(parsed, gids)


class SubsetProducer(OutputProducer):
    """fpdf2's PDF writer, started once the document is complete (the last footer drawn):
    it gives the faces `add_face` set up their subsets first. Pass it to
    `pdf.output(output_producer_class=SubsetProducer)`."""

    def __init__(self, fpdf: FPDF) -> None:
        finish_faces(fpdf)
        super().__init__(fpdf)


def release_faces(pdf: FPDF) -> None:
    """Let the document's font objects go as soon as the PDF is written (fpdf2's font
    object and its subset map refer to each other)."""
    for font in pdf.fonts.values():
        if isinstance(font, TTFFont) and font.ttfont is not None:
            font.ttfont.close()
            font.ttfont = None
