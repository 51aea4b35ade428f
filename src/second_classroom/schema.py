"""JSON Schema for each record kind, for completion and checking in editors."""

from __future__ import annotations

from typing import Any

from .models import KINDS, Vocab


def _fill_vocab(schema: Any, vocab: Vocab) -> Any:
    if isinstance(schema, dict):
        out = {k: _fill_vocab(v, vocab) for k, v in schema.items() if k != "x-vocabulary"}
        if "x-vocabulary" in schema:
            out["enum"] = vocab.terms(schema["x-vocabulary"])
        return out
    if isinstance(schema, list):
        return [_fill_vocab(v, vocab) for v in schema]
    return schema


def record_schema(kind: str, vocab: Vocab) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of one record kind, vocabularies as enums."""
    spec = KINDS[kind]
    body = _fill_vocab(spec.schema.json_schema(), vocab)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"second-classroom/{kind}.schema.json",
        "title": f"{spec.label}（{spec.noun}）记录",
        **body,
    }
