"""Outline exports for lecturers: DOCX (to edit), PDF (to print), Markdown (to paste).

An outline becomes a `Document` (document.py), which each writer lays out; the lecturer
pack (讲解包) is the same outline followed by the profiles of the sites, people and relics
it uses and its reading list. batch.py exports every outline in every format at build time
(and for `classroom export --all`), reusing the cached files of outlines whose content did
not change; cli/export.py is the command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # at run time loaded on use: document.py needs Jinja2 and Markdown
    from ..catalog import Catalog
    from .document import Document

FORMATS = ("docx", "pdf", "md")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
}
# Bump when the output of any writer changes for the same document (also part of cache
# keys, with a hash of this package's source, so a stale cache is never served).
EXPORTER_VERSION = "2"  # 2: PDF fonts desubroutinized (pdffonts.py)


@dataclass
class ExportResult:
    """One exported file and notes on rare characters (PDF only)."""

    data: bytes
    format: str
    fallback_fonts: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def export_document(doc: Document, fmt: str) -> ExportResult:
    """Write `doc` in format `fmt` (docx, pdf or md).

    Raises:
        ValueError: unknown format.
        FontNotFound: PDF asked for but no CJK font is installed.
    """
    if fmt == "docx":
        from .to_docx import to_docx

        return ExportResult(to_docx(doc), fmt)
    if fmt == "pdf":
        from .to_pdf import to_pdf

        result = to_pdf(doc)
        return ExportResult(result.data, fmt, result.fallback_fonts, result.missing)
    if fmt == "md":
        from .to_markdown import to_markdown

        return ExportResult(to_markdown(doc), fmt)
    raise ValueError(f"未知格式“{fmt}”，可用：" + "、".join(FORMATS))


def export_outline(catalog: Catalog, outline_id: str, fmt: str, pack: bool = False,
                   author: str = "第二课堂") -> ExportResult:
    """Export one outline (or its lecturer pack) in `fmt`.

    Raises:
        KeyError: no published outline has that id.
    """
    from .document import outline_document

    return export_document(outline_document(catalog, outline_id, pack, author), fmt)


__all__ = ["EXPORTER_VERSION", "FORMATS", "MEDIA_TYPES", "ExportResult", "export_document",
           "export_outline"]
