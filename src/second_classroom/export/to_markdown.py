"""Write a document as Markdown, for pasting into an editor or a WeChat article.

Record text is data: characters that Markdown would read as markup are escaped, so a
pasted outline shows exactly what the editors wrote.
"""

from __future__ import annotations

import re

from .document import Document

_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
_LINE_START = re.compile(r"^(\s*)(?:([#>+=-])|(\d+)([.)]))", re.M)


def escape(text: str) -> str:
    """Return `text` with Markdown markup characters backslash-escaped."""
    text = _INLINE.sub(r"\\\1", text)
    def fix(m: re.Match[str]) -> str:
        if m.group(2):
            return f"{m.group(1)}\\{m.group(2)}"
        return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"

    return _LINE_START.sub(fix, text)


def to_markdown(doc: Document) -> bytes:
    """Return the document as UTF-8 Markdown (LF line ends, one blank line between blocks)."""
    out = [f"# {escape(doc.title)}"]
    if doc.subtitle:
        out.append(f"**{escape(doc.subtitle)}**")
    for block in doc.blocks:
        text = escape(block.text)
        if block.kind == "heading":
            out.append(f"{'#' * (block.level + 1)} {block.label}{text}")
        elif block.kind == "item":
            out.append(f"{block.label}{text}")  # "1. " starts an ordered list item
        elif block.kind == "table":
            rows = [[escape(c) or " " for c in row] for row in block.rows]
            lines = [f"**{text}**"] if text else []
            lines.append("| " + " | ".join(rows[0]) + " |")
            lines.append("|" + "---|" * len(rows[0]))
            lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
            out.append("\n".join(lines))
        elif block.kind == "page":
            out.append(f"---\n\n**{text}**")
        elif block.kind == "meta":
            label, _, value = block.text.partition("：")
            out.append(f"**{escape(label)}**：{escape(value)}" if value else text)
        else:
            out.append(text)
    body = "\n\n".join(out)
    # Consecutive list items belong to one list: no blank line between them.
    body = re.sub(r"(?m)^(\d+\. .*)\n\n(?=\d+\. )", r"\1\n", body)
    return (body + "\n").encode("utf-8")
