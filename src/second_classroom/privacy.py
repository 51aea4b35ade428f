"""Personal data that must never be published: mainland ID numbers and mobile numbers."""

from __future__ import annotations

import re

_ID_CARD = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
                      r"(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![0-9])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_checksum_ok(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def personal_data_in(text: str) -> list[tuple[int, str]]:
    """Return (offset, description) for each ID card or mobile number found in `text`."""
    found = [(m.start(), "居民身份证号码") for m in _ID_CARD.finditer(text)
             if _id_checksum_ok(m.group())]
    found += [(m.start(), "手机号码") for m in _MOBILE.finditer(text)]
    return sorted(found)
