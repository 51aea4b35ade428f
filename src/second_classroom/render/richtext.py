"""Markdown for record text: raw HTML shown as text, only safe link targets kept."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

_SAFE_SCHEMES = {"http", "https", "mailto"}
# The only attributes record Markdown may produce (links, list start numbers).
_ATTRIBUTES = {"href", "title", "rel", "start"}
# Text with none of these characters renders as plain paragraphs; most record bodies are
# plain prose, and skipping the Markdown parser for them saves most of its cost.
_MARKUP = re.compile(r"[*_`\[\]<>#!|\\&]|^\s*(?:[-+]|\d+[.)]|\s{4})", re.M)


def _as_browser_reads(url: str) -> str:
    """Return `url` decoded the way a browser may read it back out of an attribute.

    Python-Markdown keeps character references in attributes (`&#58;` stays `&#58;`), and a
    browser decodes them: `javascript&#58;alert(1)` is a `javascript:` URL. Decode until
    nothing changes so that no amount of nesting hides a scheme.
    """
    for _ in range(10):
        decoded = html.unescape(url)
        if decoded == url:
            break
        url = decoded
    return url


def safe_href(url: str) -> bool:
    """Return whether a link target is allowed: http(s), mailto, or relative without scheme.

    Control characters and whitespace are dropped and backslashes read as slashes first,
    as browsers do, so a tab inside `javascript:` or a leading `\\\\evil.example` is caught.
    """
    decoded = _as_browser_reads(url)
    cleaned = "".join(ch for ch in decoded if ch >= " " and ch != "\x7f" and not ch.isspace())
    cleaned = cleaned.replace("\\", "/").lower()
    if ":" in cleaned.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]:
        scheme = urlsplit(cleaned).scheme
        return bool(scheme) and scheme in _SAFE_SCHEMES
    return not cleaned.startswith("//")  # protocol-relative would reach another host


class _SanitizeLinks(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        # Snapshot first: the loop replaces elements, which a live iterator may skip.
        for parent in list(root.iter()):
            for name in [a for a in parent.attrib if a not in _ATTRIBUTES]:
                del parent.attrib[name]  # defence in depth: Markdown itself adds no others
            for index, child in enumerate(list(parent)):
                if child.tag == "img":
                    # No images from record text: they would load from third parties.
                    span = etree.Element("span")
                    span.text = child.get("alt", "")
                    span.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, span)
                elif child.tag == "a":
                    href = child.get("href", "")
                    if not safe_href(href):
                        child.attrib.pop("href", None)
                    elif urlsplit(_as_browser_reads(href).strip()).scheme.lower() in (
                            "http", "https"):
                        child.set("rel", "noopener noreferrer nofollow")


class SafeText(Extension):
    """Turn off raw HTML and sanitize links and images."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown API
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SanitizeLinks(md), "sanitize_links", 0)


_md = markdown.Markdown(extensions=[SafeText()], output_format="html")


def markdown_to_html(text: str) -> str:
    """Render record Markdown to HTML; raw HTML in it is shown as text, never executed."""
    if not _MARKUP.search(text):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    _md.reset()
    return str(_md.convert(text))
