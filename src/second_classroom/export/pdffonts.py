"""Give fpdf2 the CJK faces cheaply: each face parsed once per process, glyphs flattened once.

A PDF used to cost about 3 s, almost all of it in fonts: fpdf2's `add_font` reads a Noto
CJK face's 65,535 widths and its character map (≈0.3 s a face, three faces a document),
and at output fontTools' subsetter interprets the charstring of every glyph the document
uses, with the subroutines it calls, two or three times over (≈0.3–0.4 s a face). An
export worker writes many documents, and documents share most of their characters, so
both are done once per process here:

* `add_face` parses a face once (fpdf2's `TTFFont`: widths, character map, descriptor)
  and gives each document its own copy of that object, with the per-document state
  (which glyphs were used) fresh, and a freshly opened font file for the subsetter to cut
  down: the subsetter changes the font it is given, so that is never shared.
* That font keeps only the tables that end up in the PDF. For a CID-keyed CFF face
  (Noto CJK) fpdf2 embeds the CFF table alone (`CIDFontType0C`); the widths in the PDF
  come from the parsed face, not from `hmtx`. Cutting down `hmtx`, `vmtx`, `cmap` and
  the layout tables, all of which were then thrown away, took a third of the time.
* Its CFF table (`_FlatCff`) is subset as fontTools does it, except that the kept
  glyphs come out desubroutinized (fontTools' own `desubroutinize`, glyph by glyph),
  and each glyph's flattened charstring is kept for the next document that uses it. A
  flattened glyph no longer calls subroutines, so no subroutine needs to be renumbered or
  embedded; the subset is a little smaller than a subroutinized one (measured on an
  outline pack: 641 KB against 674 KB of CFF before compression), and hints are kept.

The flattened charstring of a glyph is a function of the font file and the glyph alone,
so a document's bytes do not depend on what the process exported before it (tested).
Faces that are not CID-keyed CFF (a TrueType fallback for rare characters) go through
fpdf2's `add_font` unchanged.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from fontTools.cffLib.transforms import _DesubroutinizingT2Decompiler
from fontTools.subset.util import _uniq_sort
from fontTools.ttLib import TTFont, getTableClass
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from .fonts import Face

# What a CID-keyed CFF face needs in the font the subsetter cuts down: the outlines, and
# the two tables fontTools needs to save a font at all (fpdf2 saves it, then embeds the
# CFF table alone).
_KEEP = frozenset({"GlyphOrder", "CFF ", "head", "maxp"})

# Keyed by Face.fingerprint() (path, face, size, mtime): a font upgraded while a
# long-lived process (the preview) runs is parsed again.
_parsed: dict[str, TTFFont] = {}  # one parsed face per process
_plain: set[str] = set()  # faces left to fpdf2 (not CID-keyed CFF)
_flat: dict[str, dict[str, bytes]] = {}  # face -> glyph name -> flattened charstring

_CffTable: Any = getTableClass("CFF ")


class _FlatCff(_CffTable):  # type: ignore[misc]
    """A CFF table that the fontTools subsetter cuts down to flattened, cached glyphs.

    Only the steps that differ from fontTools' are overridden; the subsetter calls them
    on the table it finds in the font (fontTools.subset.cff adds the originals to the
    base class).
    """

    flat: dict[str, bytes]

    def closure_glyphs(self, s: Any) -> None:
        """Add nothing: the only glyphs a CFF glyph can pull in are the base and accent
        of a Type 1 "seac" accented character, named by Standard Encoding names, and a
        CID-keyed font has no glyphs by those names (its glyphs are "cid12345")."""
        cff = self.cff
        if not hasattr(cff[cff.keys()[0]], "ROS"):  # not CID-keyed: fontTools' way
            super().closure_glyphs(s)

    def prune_post_subset(self, ttfFont: TTFont, options: Any) -> bool:
        """Drop unused font dictionaries (as fontTools does), then flatten every kept
        glyph, from the cache when an earlier document used it, and drop all
        subroutines."""
        cff = self.cff
        font = cff[cff.keys()[0]]
        if hasattr(font, "FDSelect"):
            sel = font.FDSelect
            indices = _uniq_sort(sel.gidArray)
            sel.gidArray = [indices.index(ss) for ss in sel.gidArray]
            arr = font.FDArray
            arr.items = [arr[i] for i in indices]
            del arr.file, arr.offsets
        charstrings = font.CharStrings
        for name in font.charset:
            glyph = charstrings[name]
            bytecode = self.flat.get(name)
            if bytecode is None:
                glyph.decompile()
                decompiler = _DesubroutinizingT2Decompiler(
                    getattr(glyph.private, "Subrs", []), glyph.globalSubrs, glyph.private)
                decompiler.execute(glyph)
                glyph.program = glyph._desubroutinized
                del glyph._desubroutinized
                glyph.bytecode = None
                glyph.compile()
                bytecode = self.flat[name] = glyph.bytecode
            glyph.bytecode, glyph.program = bytecode, None
        privates = [fd.Private for fd in font.FDArray] if hasattr(font, "FDArray") \
            else [font.Private]
        for private in privates:
            if hasattr(private, "Subrs"):
                _empty(private.Subrs)
                del private.Subrs
            private.rawDict.pop("Subrs", None)
        _empty(cff.GlobalSubrs)
        if not options.hinting:
            cff.remove_hints()
        return True


def _empty(subrs: Any) -> None:
    """Empty a subroutine index, and drop its view of the font file (an index loads its
    items from it lazily). fontTools' decompilers refer to themselves, so they and the
    indexes they were given wait for a full garbage collection; emptied, an index no
    longer keeps the font's CFF data (≈15 MB a face) alive meanwhile."""
    subrs.clear()
    for name in ("file", "offsets"):
        subrs.__dict__.pop(name, None)


def _is_cid_cff(font: TTFFont) -> bool:
    return bool(font.is_cff and font.is_cid_keyed and "CFF " in font.ttfont)


def _open_for_subset(face: Face, key: str) -> TTFont:
    """Return the face opened afresh, with only what the PDF embeds, for one document."""
    ttfont = TTFont(face.path, fontNumber=face.index, lazy=True, recalcTimestamp=False)
    # The subset's bounding box would be recomputed from every glyph's outline; the full
    # font's box (in the PDF's font descriptor) is still a correct bound for a subset.
    ttfont.recalcBBoxes = False
    for tag in list(ttfont.keys()):
        if tag not in _KEEP:
            del ttfont[tag]
    table = _FlatCff("CFF ")
    table.decompile(ttfont.reader["CFF "], ttfont)
    table.flat = _flat.setdefault(key, {})
    ttfont["CFF "] = table
    return ttfont


def add_face(pdf: FPDF, family: str, face: Face) -> None:
    """Make `face` usable in `pdf` as `family` (like `FPDF.add_font`), parsing it once
    per process."""
    key = face.fingerprint()
    template = _parsed.get(key)
    if template is None and key not in _plain:
        template = TTFFont(FPDF(), Path(face.path), family, "",
                           collection_font_number=face.index)
        if not _is_cid_cff(template):
            _plain.add(key)
    if template is None or key in _plain:
        pdf.add_font(family, "", face.path, collection_font_number=face.index)
        return
    if key not in _parsed:
        template.ttfont = None  # the parsed widths and map stay; the tables go
        _parsed[key] = template
    font = copy.copy(template)
    font.i = len(pdf.fonts) + 1
    font.fontkey = family
    font.desc = copy.copy(template.desc)  # the output gives it an object number
    font.biggest_size_pt = 0
    font.missing_glyphs = []
    font._hbfont = None
    font.ttfont = _open_for_subset(face, key)
    font.subset = SubsetMap(font)
    pdf.fonts[family] = font
    pdf._set_min_pdf_version("1.6")  # as add_font does for CID-keyed CFF fonts


def release_faces(pdf: FPDF) -> None:
    """Let the document's font files go as soon as the PDF is written.

    fpdf2's font object and its subset map refer to each other, so without this the
    opened font (tens of MB a document: the CFF table and its 65,535-glyph charset) would
    wait for the garbage collector's rare full collection, and an export worker would
    grow by about 60 MB a PDF until it ran.
    """
    for font in pdf.fonts.values():
        if isinstance(font, TTFFont) and font.ttfont is not None:
            font.ttfont.tables.clear()  # the CFF table refers back to its font
            font.ttfont.close()
            font.ttfont = None
