"""Forgiving search: pinyin, initials and traditional characters for the search index.

People type 遵义会议 as `zunyi huiyi`, `zunyihuiyi` or `zyhy` on a phone without a Chinese
input method, or as 遵義會議 out of habit. At build time this module turns every record
name and alias into extra index terms, and writes the small table the browser needs to fold
a query the same way (`docs/assets/search-ui.js`: `foldChinese`, `readingsOf`,
`syllablesOf`; keep them in step).

- Pinyin comes from pypinyin, phrase by phrase, so 多音字 read as in the name: 重庆 is
  chong qing, 长征 is chang zheng. A name gives one term per pair of adjacent syllables
  (`zun yi`, `yi hui`, `hui yi`), as Chinese gives one per pair of characters: a pinyin query
  is cut into syllables in the browser and matches names holding every pair. Single
  syllables are not indexed: `an` or `zhong` alone would match half the site.
- Initials: the first letters of a name's syllables (`zyhyhz`), indexed as overlapping
  triples (`>zyh`, `>yhy` …) and whole (`=zyhyhz`), so `zyhy` and `jgs` find names and a
  two-letter query matches only a name of two characters.
- Traditional characters: OpenCC's t2s conversion (the `opencc` package) character by
  character. Only characters that occur in the index are shipped, and never one the index
  itself holds (乾 stays 乾): a few kilobytes instead of the whole table.
- Readings of every character in the index and of the 3,755 common characters (GB2312
  level 1), all readings of a 多音字, for the browser's homophone matching: a query with one
  wrong character (井岗山) is matched through its pinyin, and a homophone is preferred.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

# pypinyin is imported where it is first used (two cached functions): its phrase tables take
# ~0.15 s to load, and a large build's own process never reads a name (its search index
# and open data are made by workers, whose fork server imports pypinyin beforehand:
# forked.WORKER_MODULES); it loaded them before the build could start.

# The same Chinese character classes as search.py (and search-ui.js).
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_SYLLABLE = re.compile(r"^[a-z]+$")
INITIALS_GRAM = 3  # initials are indexed as overlapping triples
RUN_SEPARATOR = "/"  # between runs of a name's spelling in result files
# Common characters whose readings ship even when the index lacks them: a wrong character
# typed in a query is usually one of these, and its reading is what finds the right name.
_GB2312_LEVEL1 = (0xB0, 0xD7)


def reading_runs(text: str) -> list[list[tuple[str, str]]]:
    """Return `text`'s Chinese runs as (character, pinyin) pairs, phrase-level, no tones.

    A character pypinyin cannot read (rare extension characters) ends a run, as
    punctuation does: pairs never span it.
    """
    runs: list[list[tuple[str, str]]] = []
    for match in _CJK_RUN.finditer(text):
        chars = match.group()
        current: list[tuple[str, str]] = []
        for char, syllable in zip(chars, _run_pinyin(chars), strict=True):
            if _SYLLABLE.match(syllable):
                current.append((char, syllable))
            else:
                if current:
                    runs.append(current)
                current = []
        if current:
            runs.append(current)
    return runs


@functools.lru_cache(maxsize=1 << 16)
def _run_pinyin(chars: str) -> tuple[str, ...]:
    """Return the pinyin of one run of Chinese characters, one syllable per character.

    Cached: names repeat their runs (纪念馆, 革命旧址), and each name is read twice.
    """
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(chars, style=Style.NORMAL)
    if len(syllables) != len(chars):  # pypinyin keeps unreadable characters together
        syllables = [lazy_pinyin(c, style=Style.NORMAL)[0] for c in chars]
    return tuple(syllables)


def spell(text: str) -> list[list[str]]:
    """Return the pinyin of `text`'s Chinese runs (see `reading_runs`)."""
    return [[s for _, s in run] for run in reading_runs(text)]


def spelled(runs: list[list[str]]) -> str:
    """Return a spelling as result files carry it: `zun yi hui yi/hui zhi`."""
    return RUN_SEPARATOR.join(" ".join(run) for run in runs)


def initials(run: list[str]) -> str:
    """Return the initials of a run of syllables: zh, ch, sh count as z, c, s."""
    return "".join(s[0] for s in run)


def name_terms(runs: list[list[str]]) -> set[str]:
    """Return the pinyin and initials terms of a name's spelling."""
    out: set[str] = set()
    for run in runs:
        out.update(f"{a} {b}" for a, b in zip(run, run[1:], strict=False))
        if len(run) >= 2:
            letters = initials(run)
            out.add("=" + letters)
            out.update(">" + letters[i:i + INITIALS_GRAM]
                       for i in range(len(letters) - INITIALS_GRAM + 1))
    return out


def chinese_characters(texts: Iterable[str]) -> set[str]:
    """Return the Chinese characters occurring in `texts`."""
    out: set[str] = set()
    for text in texts:
        for match in _CJK_RUN.finditer(text):
            out.update(match.group())
    return out


@functools.cache
def _common() -> frozenset[str]:
    chars = set()
    for high in range(_GB2312_LEVEL1[0], _GB2312_LEVEL1[1] + 1):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


@functools.cache
def _converter() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def _candidates() -> list[str]:
    """Every character OpenCC may convert: the BMP ideographs and compatibility ones."""
    ranges = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
    return [chr(cp) for lo, hi in ranges for cp in range(lo, hi)]


@functools.cache
def _traditional_table() -> dict[str, str]:
    """Return character -> its simplified form, for every character OpenCC changes."""
    chars = _candidates()
    converted = _converter().convert("\n".join(chars)).split("\n")  # type: ignore[attr-defined]
    if len(converted) != len(chars):  # a line break merged or split: never seen, but check
        raise RuntimeError("OpenCC t2s changed the number of lines")
    return {t: s for t, s in zip(chars, converted, strict=True) if t != s and len(s) == 1}


def simplified_map(index_chars: set[str]) -> dict[str, str]:
    """Return traditional -> simplified for the characters a query needs folded.

    Only characters whose simplified form occurs in the index, and that the index does not
    hold itself (a record quoting 乾隆 keeps 乾 findable as typed).
    """
    return {t: s for t, s in _traditional_table().items()
            if s in index_chars and t not in index_chars}


def fold_chinese(text: str, table: dict[str, str]) -> str:
    """Return `text` with traditional characters simplified through `table`."""
    return "".join(table.get(ch, ch) for ch in text)


@functools.cache
def readings(char: str) -> tuple[str, ...]:
    """Return the readings of one character, its most common reading first."""
    from pypinyin import Style, lazy_pinyin, pinyin

    first = lazy_pinyin(char, style=Style.NORMAL)[0]
    every = pinyin(char, style=Style.NORMAL, heteronym=True)[0]
    out = [first] if _SYLLABLE.match(first) else []
    out += [r for r in every if _SYLLABLE.match(r) and r not in out]
    return tuple(out)


def fold_file(index_chars: set[str]) -> bytes:
    """Return `fold.txt`, what every query needs: the traditional characters to fold.

    One line: `t`, a tab, then traditional/simplified character pairs run together.
    """
    table = simplified_map(index_chars)
    return ("t\t" + "".join(t + s for t, s in sorted(table.items())) + "\n").encode("utf-8")


def sound_file(index_chars: set[str], contextual: dict[str, set[str]]) -> bytes:
    """Return `sound.txt`, fetched only for letters and mistyped queries: the readings.

    One line per syllable: `syllable<TAB>characters` for the characters it is the first
    reading of, then `+syllable<TAB>characters` for their other readings. `contextual` adds
    the readings names give a character in context (phrase-level pinyin), so a name's own
    reading is always among its characters' readings.
    """
    first: dict[str, list[str]] = {}
    other: dict[str, list[str]] = {}
    for char in sorted(index_chars | _common()):
        found = list(readings(char))
        found += sorted(contextual.get(char, set()) - set(found))
        if not found:
            continue
        first.setdefault(found[0], []).append(char)
        for extra in found[1:]:
            other.setdefault(extra, []).append(char)
    lines = [f"{s}\t{''.join(chars)}" for s, chars in sorted(first.items())]
    lines += [f"+{s}\t{''.join(chars)}" for s, chars in sorted(other.items())]
    return ("\n".join(lines) + "\n").encode("utf-8")
