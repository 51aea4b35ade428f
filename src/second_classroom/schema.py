"""JSON Schema for each record kind, for completion and checking in editors."""

from __future__ import annotations

from typing import Any

from .models import FACETS_BY_SLUG, KINDS, Vocab


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
    """Return the JSON Schema (draft-07) of one record kind, vocabularies as enums.

    Draft-07 because that is what VS Code's YAML extension (yaml-language-server) validates
    with; it warns that 2020-12 "is not yet fully supported". Only keywords common to both
    drafts are used.
    """
    spec = KINDS[kind]
    body = _fill_vocab(spec.schema.json_schema(), vocab)
    for slug, path in spec.facets.items():  # which browsing facet a field feeds (models.FACETS)
        node = body
        for part in path.split("."):
            node = node["properties"][part]
        node["x-facet"] = {"slug": slug, "label": FACETS_BY_SLUG[slug].label}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": f"second-classroom/{kind}.schema.json",
        "title": f"{spec.label}（{spec.noun}）记录",
        **body,
    }
