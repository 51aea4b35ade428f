"""Registered quotations in record text: `[[quote:ID]]` becomes the exact words with their
citation, a blockquote when it stands alone in a paragraph and an inline quotation
otherwise. All record text is escaped; only the markup made here is trusted."""

from __future__ import annotations

import re
from collections.abc import Callable

import markupsafe

from ..models import Record
from ..quotes import QUOTE_REF, citation
from .richtext import markdown_to_html

_TOKEN = "SCQUOTE{}X"  # survives Markdown untouched: letters and digits only


def _inline(quote: Record, root: str) -> str:
    d = quote.data
    return str(markupsafe.Markup(
        '<q class="sc-quote-inline">{}</q><a class="sc-quote__source" href="{}">（{}）</a>'
    ).format(d["text"], f"{root}{quote.url}", d["speaker"]))


def _block(quote: Record, root: str) -> str:
    d = quote.data
    return str(markupsafe.Markup(
        '<blockquote class="sc-quote"><p>{}</p><footer>——<cite>{}</cite>'
        ' <a href="{}">出处</a></footer></blockquote>'
    ).format(d["text"], citation(d), f"{root}{quote.url}"))


def rich_html(text: str, root: str, quote_of: Callable[[str], Record | None]) -> str:
    """Return record Markdown as HTML with every registered quotation in place."""
    found: list[Record] = []

    def token(match: re.Match[str]) -> str:
        quote = quote_of(match.group(1))
        if quote is None:
            return match.group(0)
        found.append(quote)
        return _TOKEN.format(len(found) - 1)

    marked = QUOTE_REF.sub(token, text)
    html = markdown_to_html(marked)
    for n, quote in enumerate(found):
        html = html.replace(f"<p>{_TOKEN.format(n)}</p>", _block(quote, root))
        html = html.replace(_TOKEN.format(n), _inline(quote, root))
    return html


def rich_text(text: str, root: str, quote_of: Callable[[str], Record | None]) -> str:
    """Return plain record text, escaped, with registered quotations inline."""
    out: list[str] = []
    last = 0
    for match in QUOTE_REF.finditer(text):
        quote = quote_of(match.group(1))
        if quote is None:
            continue
        out.append(str(markupsafe.escape(text[last:match.start()])))
        out.append(_inline(quote, root))
        last = match.end()
    out.append(str(markupsafe.escape(text[last:])))
    return "".join(out)
