"""Commented record templates for `classroom new`."""

from __future__ import annotations

import datetime as dt

from .models import KINDS, Field, ListOf, Struct, Term, Vocab

CHOICES_SHOWN = 12  # a vocabulary this long or shorter is listed in full in the comment


def _choices(field: Field, vocab: Vocab | None) -> str:
    """Return the values a vocabulary field allows, for its comment ("" if none known)."""
    term = field.type.item if isinstance(field.type, ListOf) else field.type
    if vocab is None or not isinstance(term, Term):
        return ""
    values = vocab.terms(term.vocabulary)
    if not values:
        return ""
    if len(values) <= CHOICES_SHOWN:
        return "；可选：" + "".join(f"“{v}”" for v in values)
    return (f"；可选值见 vocab.yml 的 {term.vocabulary}（共 {len(values)} 个，如 "
            + "".join(f"“{v}”" for v in values[:3]) + "）")


def _comment(field: Field, vocab: Vocab | None = None) -> str:
    need = "必填" if field.required else "可选"
    help_text = f"：{field.help}" if field.help else ""
    return f"  # {need} {field.label}{help_text}（{field.type.name}{_choices(field, vocab)}）"


def _lines(struct: Struct, indent: str, today: dt.date,
           needed: frozenset[str] = frozenset(), vocab: Vocab | None = None) -> list[str]:
    lines: list[str] = []
    for f in struct.fields:
        if f.name == "verified":
            lines.append(f"{indent}verified: {today.isoformat()}{_comment(f)}")
            continue
        if f.name == "draft":
            lines.append(f"{indent}draft: true  # 填好并核实后改为 false 或删去这一行")
            continue
        prefix = indent if f.required or f.name in needed else indent + "# "
        nested = f.type.item if isinstance(f.type, ListOf) else f.type
        if isinstance(nested, Struct):
            lines.append(f"{prefix}{f.name}:{_comment(f, vocab)}")
            inner = _lines(nested, "", today, vocab=vocab)
            bullet = isinstance(f.type, ListOf)
            # A list that needs several items (a route's stops) gets that many blanks.
            copies = max(1, f.type.min_items) if isinstance(f.type, ListOf) else 1
            for _ in range(copies):
                for i, line in enumerate(inner):
                    lead = ("- " if i == 0 else "  ") if bullet else ""
                    lines.append(f"{prefix}  {lead}{line}")
        elif isinstance(f.type, ListOf):
            lines.append(f"{prefix}{f.name}: []{_comment(f, vocab)}")
        else:
            lines.append(f"{prefix}{f.name}:{_comment(f, vocab)}")
    return lines


def record_template(kind: str, today: dt.date | None = None,
                    vocab: Vocab | None = None) -> str:
    """Return a commented YAML template for a new record of `kind`.

    Required fields are left empty so `classroom check` fails until they are filled in;
    optional fields are commented out. With `vocab`, a vocabulary field's comment lists the
    values it allows.
    """
    spec = KINDS[kind]
    head = [
        f"# {spec.label}（{spec.noun}）记录。填写后运行 classroom check 检查。",
        "# 必填字段必须填写；不知道的可选字段请保持注释或删去，不要猜测。",
        "# 每条事实都要有来源（sources），并写明核实日期（verified）。",
    ]
    # Of fields where one of a group must be filled (a quotation's publication or url),
    # the last is left open like a required field.
    needed = frozenset(group[-1] for group in spec.one_of)
    body = _lines(spec.schema, "", today or dt.date.today(), needed, vocab)
    return "\n".join(head + body) + "\n"
