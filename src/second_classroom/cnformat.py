"""Chinese formatting shared by pages and exports: dates, partial dates, lifespans, regions,
numerals.

Pages and downloads print the same facts; formatting them in one place keeps a web page and
its DOCX from saying the same thing two ways (they once did: a person with only a death
date read "? — 1935" on the web and had no lifespan at all in the DOCX).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

CN_NUMERALS = "一二三四五六七八九十"
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_INLINE = re.compile(r"[*_`\\]+")  # emphasis and code marks sit inside words: drop them
_MD_BLOCK = re.compile(r"^\s*(?:#+|>|[-+]|\d+[.)])\s+|\|", re.M)
_SPACE = re.compile(r"\s+")
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
UNKNOWN = "？"  # an unknown end of a lifespan


def cndate(value: Any) -> str:
    """Return a date as 2026年11月25日 (other values as they are)."""
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def partial_date(text: Any) -> str:
    """Return a date known to the year, month or day in Chinese: 1935年, 1935年1月, 1935年1月15日.

    Text that is not such a date is returned as it is.
    """
    if isinstance(text, dt.date):
        return cndate(text)
    match = _PARTIAL.match(str(text))
    if not match:
        return str(text)
    year, month, day = match.groups()
    out = f"{int(year)}年"
    if month:
        out += f"{int(month)}月"
        if day:
            out += f"{int(day)}日"
    return out


def lifespan(born: Any, died: Any, years_only: bool = False) -> str:
    """Return a person's lifespan: 1898年3月5日—1976年1月8日, or 1898—1976 with `years_only`.

    An unknown birth is written ？—1935; a living person (or unknown death) 1898年生.
    Pages print the full dates, exports the years (a heading's usual 周恩来（1898—1976）).
    """
    def text(value: Any) -> str:
        if not value:
            return ""
        return str(value)[:4] if years_only else partial_date(value)

    start, end = text(born), text(died)
    if start and end:
        return f"{start}—{end}"
    if end:
        return f"{UNKNOWN}—{end}"
    if start:
        return f"{start}年生" if years_only else f"{start}生"
    return ""


def region_text(region: Mapping[str, Any]) -> str:
    """Return a region as one name: 广西壮族自治区百色市右江区."""
    return "".join(str(region.get(k, "")) for k in ("province", "city", "county"))


def cn_number(n: int) -> str:
    """Return 1..99 as Chinese numerals (一, 十一, 二十三); larger numbers as digits."""
    if n < 1 or n > 99:
        return str(n)
    if n <= 10:
        return CN_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CN_NUMERALS[tens - 1]
    return head + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def count(n: int, unit: str) -> str:
    """Return a count with its measure word: 3 处, 12 条 (a space, as the pages print)."""
    return f"{n} {unit}"


def join_list(values: Any, separator: str = "、") -> str:
    """Return list values as one line joined the Chinese way (顿号 by default)."""
    if isinstance(values, list | tuple):
        return separator.join(str(v) for v in values if v not in (None, ""))
    return "" if values is None else str(values)


def plain_text(markdown: str) -> str:
    """Return Markdown as one line of plain text (for search terms, excerpts and page
    descriptions; never rendered)."""
    text = _MD_INLINE.sub("", _MD_LINK.sub(r"\1", markdown))
    return _SPACE.sub(" ", _MD_BLOCK.sub(" ", text)).strip()


def shorten(text: str, limit: int) -> str:
    """Return `text` cut to `limit` characters, with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


# Characters of Chinese text: CJK ideographs and their punctuation, full-width forms and the
# quotation marks, dashes and ellipsis Chinese prose uses.
_CJK = "\u2e80-\u303f\u3040-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef“”‘’—…·"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_CJK_BREAK = re.compile(f"[{_CJK}][ \t]*\n[ \t]*[{_CJK}]")
_NO_JOIN_AFTER = re.compile(r"^\s*(?:#|\||```|~~~)")


def join_cjk_lines(text: str) -> str:
    """Return Markdown with the soft line breaks between two CJK characters removed.

    A line break inside a paragraph is a space to Markdown, which is right between two
    English words and wrong between two Chinese characters ("集会， 宣告"). The CJK-friendly
    rule many renderers adopt drops it there. Headings, table rows, fenced code and hard
    breaks (two trailing spaces or a backslash) keep their lines.
    """
    if "\n" not in text or not _CJK_BREAK.search(text):
        return text
    lines = text.split("\n")
    out = [lines[0]]
    fenced = lines[0].lstrip().startswith(("```", "~~~"))
    for line in lines[1:]:
        previous = out[-1]
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and not _NO_JOIN_AFTER.match(previous) \
                and not previous.endswith(("  ", "\\")) \
                and _CJK_CHAR.match(previous.rstrip(" \t")[-1:] or " ") \
                and _CJK_CHAR.match(line.lstrip(" \t")[:1] or " "):
            out[-1] = previous.rstrip(" \t") + line.lstrip(" \t")
            continue
        out.append(line)
    return "\n".join(out)
