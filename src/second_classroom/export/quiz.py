"""An outline's 小测验 as a printable sheet for the 互动 part of a lecture: the questions,
then, from a new page, the answer key with each answer's explanation and source, so the
lecturer can print the questions for the audience and keep the key.

A `Document` of the same blocks as every export, so the DOCX, PDF and Markdown writers and
the download cache need nothing new.
"""

from __future__ import annotations

from ..catalog import Catalog
from ..models import OUTLINES
from ..render.interact import quiz_items
from .document import Block, Document, one_line

QUIZ_SUBTITLE = "互动测验"
KEY_HEADING = "答案与解析"
LETTERS = "ABCD"


def quiz_document(catalog: Catalog, outline_id: str, author: str = "第二课堂") -> Document:
    """Return the quiz sheet of outline `outline_id`.

    Raises:
        KeyError: there is no published outline with that id, or it has no questions.
    """
    outline = catalog.records.get(outline_id)
    if outline is None or outline.spec is not OUTLINES or not outline.data.get("questions"):
        raise KeyError(outline_id)
    items = quiz_items(catalog, outline)
    blocks: list[Block] = [Block("para", "选择题请圈出正确答案前的字母；判断题请在括号内写“对”或“错”。")]
    for q in items:
        if q.true_false:
            blocks.append(Block("item", f"{one_line(q.question)}（　　）", 0, f"{q.number}. "))
        else:
            blocks.append(Block("item", one_line(q.question), 0, f"{q.number}. "))
            blocks.append(Block("para", "　　".join(f"{LETTERS[i]}. {one_line(c)}"
                                                  for i, c in enumerate(q.choices))))
    blocks.append(Block("page", KEY_HEADING))
    for q in items:
        letter = "" if q.true_false else f"{LETTERS[q.choices.index(q.answer)]}. "
        blocks.append(Block("item", one_line(f"答案：{letter}{q.answer}"), 0, f"{q.number}. "))
        blocks.append(Block("para", one_line(q.explanation)))
        if q.basis is not None:
            title = q.basis.spec.display_title(q.basis.title)
            blocks.append(Block("para", one_line(f"出处：{title}（{q.basis_label}）")))
    return Document(id=outline.id, title=one_line(outline.title), subtitle=QUIZ_SUBTITLE,
                    blocks=tuple(blocks), sources=(), date=outline.data["verified"],
                    author=author, keywords=tuple(outline.data.get("themes", [])))
