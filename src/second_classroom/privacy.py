"""Personal data that must never be published: mainland ID numbers and mobile numbers.

The patterns are deliberately narrow so that the numbers a history text is full of do not
trip them: year ranges (1921—1949), ISBNs, landline and hotline numbers (010-12345678,
0771-2801234, 400-810-1921), numbers inside web addresses (news/c_11274467421.htm) and
decimals are not personal data. What is refused: an 18-character resident ID number whose
birth date and checksum are valid, and an 11-digit mobile number (13x-19x) written whole,
as 3-4-4 groups separated by spaces or hyphens, or after +86.
"""

from __future__ import annotations

import re

# Full-width digits, plus and hyphen as typed with a Chinese input method, mapped one
# character to one character so offsets into the text stay valid.
_HALF_WIDTH = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")

# Spans that hold long numbers which are not personal data; they are blanked before scanning.
_NOT_PERSONAL = re.compile(
    r"(?:https?|ftp)://[^\s<>\"'()（）【】《》，。；、]+"  # web addresses
    r"|www\.[^\s<>\"'()（）【】《》，。；、]+"
    r"|ISBN[:：]?\s*[0-9Xx][0-9Xx\- ]{8,16}[0-9Xx]"  # ISBN-10/13, with or without hyphens
    r"|(?<![0-9])97[89]-[0-9]{1,5}-[0-9]{1,7}-[0-9]{1,7}-[0-9Xx](?![0-9])",  # bare ISBN-13
    re.IGNORECASE,
)

# Characters that make a digit run part of a code, a number or a name rather than a phone
# number or ID standing on its own.
_BEFORE = r"(?<![0-9A-Za-z_./=#%&@])"
_ID_CARD = re.compile(_BEFORE + r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])"
                      r"(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9A-Za-z_]|[.,][0-9])")
_MOBILE = re.compile(_BEFORE + r"(?:(?:\+|00)?86[- ]?)?"
                     r"1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}"
                     r"(?![0-9A-Za-z_]|[.,][0-9])")
# Every mobile number holds 1[3-9]X[- ]XXXX and every ID number 17 digits in a row, so text
# without seven digits (one separator allowed after the third) cannot hold either.
_MAYBE = re.compile(r"[0-9０-９]{3}[-－ ]?[0-9０-９]{4}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_checksum_ok(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group())


def personal_data_in(text: str) -> list[tuple[int, str]]:
    """Return (offset, description) for each ID card or mobile number found in `text`."""
    if not _MAYBE.search(text):  # most text holds no 7-digit run: skip the full scan
        return []
    scanned = _NOT_PERSONAL.sub(_blank, text.translate(_HALF_WIDTH))
    found = [(m.start(), "居民身份证号码") for m in _ID_CARD.finditer(scanned)
             if _id_checksum_ok(m.group())]
    found += [(m.start(), "手机号码") for m in _MOBILE.finditer(scanned)]
    return sorted(found)
