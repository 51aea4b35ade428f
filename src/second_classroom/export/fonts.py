"""Find the CJK fonts the PDF export embeds, and fallbacks for rare characters.

The PDF uses Debian's fonts-noto-cjk (Noto Serif/Sans CJK SC, SIL Open Font License).
They ship as OpenType collections (.ttc) with CFF outlines; fpdf2 reads one face of a
collection (`collection_font_number`) and subsets CFF, so no conversion is needed: we
only find which face of the collection is the Simplified Chinese one.

Noto CJK covers CJK Extension A (㐀 U+3400) but not Extension B and beyond (𠀀 U+20000).
For those the export looks for any installed font that has the glyph (fonts-hanazono's
HanaMinA/HanaMinB cover Extensions A–F), first at known paths, then through fontconfig.
A character no installed font has is printed as 〓 (U+3013, the typesetter's mark for a
missing character) and reported, so the file is always valid and never shows tofu.
"""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

MISSING_MARK = "〓"


class FontNotFound(Exception):
    """No usable CJK font is installed (message in Chinese, for the command line)."""


@dataclass(frozen=True)
class Face:
    """One font face: a file, and its number inside a collection (0 for plain files)."""

    path: str
    index: int = 0

    @property
    def name(self) -> str:
        """Return the face's full name."""
        return _face_name(self.path, self.index)

    def fingerprint(self) -> str:
        """Return what identifies this exact file (path, face, size, mtime) for cache keys."""
        stat = Path(self.path).stat()
        return f"{self.path}#{self.index}:{stat.st_size}:{int(stat.st_mtime)}"


# role -> (family searched in collections, known Debian file)
_ROLES = {
    "body": ("Noto Serif CJK SC", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
             "Regular"),
    "strong": ("Noto Serif CJK SC", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
               "Bold"),
    "heading": ("Noto Sans CJK SC", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
                "Bold"),
}
_KNOWN_FALLBACKS = (
    "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
)


@cache
def _face_name(path: str, index: int) -> str:
    font = TTFont(path, fontNumber=index, lazy=True)
    return str(font["name"].getDebugName(4) or Path(path).stem)


def _fc_match(pattern: str) -> Face | None:
    if not shutil.which("fc-match"):
        return None
    try:
        out = subprocess.run(["fc-match", "--format=%{file}|%{index}", pattern],
                             capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path, _, index = out.partition("|")
    if not path or not Path(path).is_file():
        return None
    return Face(path, int(index or 0))


def _face_in_collection(path: str, family: str) -> Face | None:
    """Return the face of `path` whose family is `family` (the SC face of a Noto .ttc)."""
    if not Path(path).is_file():
        return None
    if not path.lower().endswith((".ttc", ".otc")):
        return Face(path, 0)
    collection = TTCollection(path, lazy=True)
    for index, font in enumerate(collection.fonts):
        if font["name"].getDebugName(1) == family:
            return Face(path, index)
    return None


@cache
def cjk_faces() -> dict[str, Face]:
    """Return the faces for the roles body, strong and heading.

    Raises:
        FontNotFound: fonts-noto-cjk (or another Noto CJK SC install) is missing.
    """
    faces: dict[str, Face] = {}
    for role, (family, known, style) in _ROLES.items():
        face = _face_in_collection(known, family)
        if face is None:
            found = _fc_match(f"{family}:style={style}")
            if found and "CJK" in _face_name(found.path, found.index):
                face = found
        if face is None:
            raise FontNotFound(
                f"找不到中文字体“{family} {style}”，无法生成 PDF。"
                "请安装 Noto CJK 字体（Debian/Ubuntu：apt-get install fonts-noto-cjk）")
        faces[role] = face
    return faces


@cache
def coverage(face: Face) -> frozenset[int]:
    """Return the code points `face` has glyphs for (the keys of fontTools'
    `getBestCmap()`)."""
    font = TTFont(face.path, fontNumber=face.index, lazy=True)
    codes = unicode_full_codes(font)
    return codes if codes is not None else frozenset(font.getBestCmap() or {})


def unicode_full_codes(font: TTFont) -> frozenset[int] | None:
    """Return the code points of the face's (3, 10) character map if it is the usual
    format 12, read straight from its groups; None otherwise (ask fontTools).

    `getBestCmap` prefers (3, 10) to any other map, and for format 12 maps every code of
    every group, so these are its keys; but it also names every glyph, which costs
    0.05–0.1 s for a CJK face, in each process that asks (the build's, for cache keys,
    and each export worker).
    """
    if "cmap" not in font.reader:
        return None
    data = font.reader["cmap"]
    if len(data) < 4:
        return None
    (count,) = struct.unpack_from(">H", data, 2)
    for n in range(count):
        platform, encoding, offset = struct.unpack_from(">HHL", data, 4 + 8 * n)
        if (platform, encoding) != (3, 10):
            continue
        if struct.unpack_from(">H", data, offset)[0] != 12:
            return None
        (groups,) = struct.unpack_from(">L", data, offset + 12)
        codes: set[int] = set()
        for start, end, _ in struct.iter_unpack(">LLL",
                                                data[offset + 16:offset + 16 + 12 * groups]):
            codes.update(range(start, end + 1))
        return frozenset(codes)
    return None


def _fc_list_for(char: str) -> list[str]:
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(["fc-list", f":charset={ord(char):x}", "file"],
                             capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})
    return [f for f in files if f.lower().endswith((".ttf", ".otf", ".ttc", ".otc"))]


_MAX_FONTCONFIG_QUERIES = 8  # rare characters looked up one by one; keep it bounded


def fallback_faces(chars: set[str]) -> tuple[list[Face], set[str]]:
    """Return installed faces that cover some of `chars`, and the characters none covers.

    Faces are returned in a stable order, each only if it covers a character the ones
    before it do not.
    """
    remaining = set(chars)
    chosen: list[Face] = []
    candidates = [p for p in _KNOWN_FALLBACKS if Path(p).is_file()]
    for char in sorted(remaining)[:_MAX_FONTCONFIG_QUERIES]:
        for path in _fc_list_for(char):
            if path not in candidates:
                candidates.append(path)
    for path in candidates:
        if not remaining:
            break
        face = Face(path, 0)
        try:
            covered = {c for c in remaining if ord(c) in coverage(face)}
        except Exception:  # noqa: BLE001 - a broken font file is simply not used
            continue
        if covered:
            chosen.append(face)
            remaining -= covered
    return chosen, remaining


@cache
def cjk_coverage() -> frozenset[int]:
    """Return the code points the three CJK faces have between them."""
    faces = cjk_faces()
    return coverage(faces["body"]) | coverage(faces["heading"]) | coverage(faces["strong"])


def faces_for(text: str) -> tuple[list[Face], set[str]]:
    """Return the fallback faces a PDF of `text` embeds for characters no CJK face has
    (see `fallback_faces`), and the characters no installed face has."""
    covered = cjk_coverage()
    wanted = {ch for ch in set(text) if not ch.isspace() and ord(ch) not in covered}
    return fallback_faces(wanted) if wanted else ([], set())


def used_faces(text: str) -> list[Face]:
    """Return every face a PDF of `text` embeds (for cache keys)."""
    return [*cjk_faces().values(), *faces_for(text)[0]]


def fonts_fingerprint(faces: list[Face]) -> str:
    """Return a short hash identifying the exact font files used."""
    text = "\n".join(face.fingerprint() for face in faces)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
