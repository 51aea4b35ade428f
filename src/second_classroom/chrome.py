"""Record pages spliced into one rendering of a theme's page per folder.

A site engine wraps each page in its theme's chrome (head, header, tabs, sidebars,
footer). Record pages are never in the navigation, and all records of one kind live in
one folder at the same depth, so their chrome is the same but for a few values: the
title, the description, the page's own address and the content. So are generated pages
outside the navigation that live in one folder (`place`): a facet value's pages, the days
of 党史上的今天. The engine renders the
chrome once per folder for a page whose values are the placeholders below (`Chrome`),
and each record page is the chrome with its values put in place: string joins instead of
a template render per page (a third of a build at 10,000 records).

The values are escaped here the way the theme would print them (`fill`); the byte-for-
byte comparison with pages the engine rendered itself is tests/test_chrome.py.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import quote

# Placeholders: ASCII letters, digits and dashes only, so no escaping or URL quoting of
# the theme changes them. The content placeholder carries an <h1> because the theme adds
# its own heading to content without one (records' templates all start with theirs).
TITLE = "sc-splice-title-7f3a"
DESCRIPTION = "sc-splice-description-7f3a"
ID = "sc-splice-id-7f3a"
CONTENT = "<h1>sc-splice-content-7f3a</h1>"
HEADED = "<h1"  # what the theme looks for in the content before adding a heading
_SLOTS = (TITLE, DESCRIPTION, ID, CONTENT)
_SPLIT = re.compile("(" + "|".join(map(re.escape, _SLOTS)) + ")")


class ChromeError(ValueError):
    """The theme's page around the placeholders is not what splicing needs."""


@dataclass(frozen=True)
class Chrome:
    """A theme's page rendered around the placeholders, cut at them once."""

    texts: tuple[str, ...]  # the chrome between placeholders
    slots: tuple[int, ...]  # which value goes after each text but the last (index in _SLOTS)

    @classmethod
    def parse(cls, page_html: str) -> Chrome:
        """Cut `page_html` (the theme's page for the placeholders) at each placeholder.

        Raises ChromeError if the content placeholder does not appear exactly once.
        """
        pieces = _SPLIT.split(page_html)
        texts = tuple(pieces[0::2])
        slots = tuple(_SLOTS.index(p) for p in pieces[1::2])
        if slots.count(_SLOTS.index(CONTENT)) != 1:
            raise ChromeError("主题页面中页面内容的占位符应恰好出现一次")
        return cls(texts, slots)

    def fill(self, title: str, description: str, record_id: str, content: str) -> str:
        """Return the record page: the chrome with the record's values in place.

        `title` and `description` are plain text, escaped here as the build escapes them
        for the theme (security.escape_theme_meta); `content` is the page's HTML.
        """
        values = (html.escape(title, quote=True), html.escape(description, quote=True),
                  quote(record_id), content)
        out = [self.texts[0]]
        for slot, text in zip(self.slots, self.texts[1:], strict=True):
            out.append(values[slot])
            out.append(text)
        return "".join(out)

    @property
    def text(self) -> str:
        """Return the chrome without the values (e.g. to check its inline scripts once)."""
        return "".join(self.texts)


# Whitespace with a line break next to a tag (after one, or before one), and (skipped
# whole) elements whose text counts as written: scripts (their hashes are in the CSP),
# styles, preformatted text, text areas, code (the theme's CSS keeps its line breaks).
_VERBATIM = "script|style|pre|textarea|code|kbd"
_BETWEEN_TAGS = re.compile(rf"(<({_VERBATIM})\b.*?</\2\s*>)"
                           r"|(?<=>)[ \t\r\f]*\n\s*|[ \t\r\f]*\n\s*(?=<)", re.S | re.I)


def _one_break(match: re.Match[str]) -> str:
    return match.group(1) or "\n"


def compact(page_html: str, content: str) -> str:
    """Return a theme's page with each run of whitespace that holds a line break and
    touches a tag (follows one, or comes before one) made one line break, except in
    `content` (the page's own HTML, where it is first found) and in scripts, styles,
    `<pre>`, `<textarea>`, `<code>` and `<kbd>`.

    The theme's templates leave their indentation and the lines of their template tags
    in every page: a sixth of a record page's bytes (3.5 of 23 KB), written, hashed and
    compressed twice on each of 10,000s of pages. A browser shows the same page: such a
    run is one collapsible space to it, and a line break is too. Pages spliced into a
    chrome (`Chrome`) get the same bytes as pages the engine renders whole, both compacted
    here: the chrome is compacted around the placeholders, which are plain text, as are
    the values put in their place (escaped, without whitespace at either end: text
    fields are stripped when loaded).
    """
    at = page_html.find(content) if content else -1
    if at < 0:
        return _BETWEEN_TAGS.sub(_one_break, page_html)
    end = at + len(content)
    return _BETWEEN_TAGS.sub(_one_break, page_html[:at]) + content + \
        _BETWEEN_TAGS.sub(_one_break, page_html[end:])


def place(uri: str) -> tuple[str, str] | None:
    """Return (folder, id) of a generated page `folder/id/index.md` or `folder/id.md`
    (both written as `folder/id/index.html`) that can be spliced like a record page when
    it is outside the navigation (a facet value's pages, its further pages `2.md`…, the
    days of 党史上的今天), or None for a page at the top of its folder."""
    stem = uri.removesuffix("/index.md")
    if stem == uri:
        stem = uri.removesuffix(".md")
    if stem == uri or "/" not in stem:
        return None
    folder, page_id = stem.rsplit("/", 1)
    return folder, page_id


def can_splice(content: str) -> bool:
    """Return whether a page's content fits a chrome rendered for `CONTENT` (it has its
    own heading, so the theme would add none)."""
    return HEADED in content
