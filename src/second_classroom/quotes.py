"""Quotations: references to registered quotations in record text, and quotations that are
not registered.

A quotation of a leader or a document is exact to the character and cites where it was
published, so it lives once, as a `quotes` record, and bodies and outlines refer to it as
`[[quote:ID]]`. Pages render the reference as a blockquote (or an inline quotation) with
its citation; exports print it with a numbered 注释.

A quotation typed straight into record text — “…” right after a verb of speech such as
指出、强调、说、写道 — is flagged by the check, so that none escapes the registry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .cnformat import partial_date

QUOTE_REF = re.compile(r"\[\[quote:([a-z0-9]+(?:-[a-z0-9]+)*)\]\]")
# A verb of speech, an optional colon, then a quotation of some length (short terms in
# quotation marks, such as “两个务必”, are names rather than quotations).
SPEECH_VERBS = ("指出", "强调", "说", "写道", "讲道", "讲", "表示", "提出", "要求", "号召", "宣告")
_UNREGISTERED = re.compile(
    "(?:" + "|".join(SPEECH_VERBS) + r")[：:，,]?\s*“([^“”]{10,})”")


def quote_refs(text: str) -> Iterator[tuple[int, str]]:
    """Yield (offset, quote id) of every `[[quote:ID]]` in `text`."""
    for match in QUOTE_REF.finditer(text):
        yield match.start(), match.group(1)


def unregistered_quotes(text: str) -> Iterator[tuple[int, str]]:
    """Yield (offset, quoted words) of quotations typed straight into `text` after a verb
    of speech (指出“……”), which should be registered and referred to instead."""
    if "“" not in text:  # most text quotes nothing: skip trying every verb at every place
        return
    for match in _UNREGISTERED.finditer(text):
        yield match.start(1) - 1, match.group(1)


def citation(quote: dict[str, Any]) -> str:
    """Return where a quotation was said and published, as one line:
    习近平，在贵州考察时的讲话，2021年2月。《求是》，2021年第10期，第4页。"""
    said = "，".join(x for x in (str(quote["speaker"]), str(quote.get("occasion") or ""),
                                 partial_date(quote["date"])) if x)
    parts = [said + "。"]
    pub = quote.get("publication")
    if pub:
        items = [f"《{pub['title']}》"]
        items += [str(pub[k]) for k in ("publisher", "issue") if pub.get(k)]
        if pub.get("year"):
            items.append(f"{pub['year']}年")
        if pub.get("page"):
            items.append(f"第{pub['page']}页")
        parts.append("，".join(items) + "。")
    if quote.get("url"):
        parts.append(str(quote["url"]))
    return "".join(parts)
