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
# Text with none of these characters renders as plain paragraphs; most record bodies are
# plain prose, and skipping the Markdown parser for them saves most of its cost.
_MARKUP = re.compile(r"[*_`\[\]<>#!|\\&]|^\s*(?:[-+]|\d+[.)]|\s{4})", re.M)


def safe_href(url: str) -> bool:
    """Return whether a link target is allowed: http(s), mailto, or relative without scheme."""
    cleaned = "".join(ch for ch in url if ch >= " " and not ch.isspace()).lower()
    scheme = urlsplit(cleaned).scheme
    if scheme:
        return scheme in _SAFE_SCHEMES
    return not cleaned.startswith("//")  # protocol-relative would reach another host


class _SanitizeLinks(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for parent in root.iter():
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
                    elif urlsplit(href).scheme in ("http", "https"):
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
