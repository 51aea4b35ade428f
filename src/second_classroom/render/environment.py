"""The Jinja2 environment of the page templates (autoescaped: record text is data)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from ..cnformat import cn_number, cndate, partial_date, region_text
from ..models import KINDS, Record
from .page import facet_url
from .richtext import markdown_to_html


def root_of(url: str) -> str:
    """Return the relative path from the page at `url` up to the site root."""
    return "../" * url.count("/")


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """Jinja's environment, with `mapping.key` on a plain dict looked up without raising
    and catching an AttributeError first (records are dicts: most of a page's lookups)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Return what jinja2.Environment.getattr returns, faster for plain dicts."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            # getattr(obj, attribute) would raise AttributeError: Jinja tries the key next.
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


@cache
def environment() -> jinja2.Environment:
    """Return the shared template environment."""
    env = _Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        trim_blocks=False,
        keep_trailing_newline=False,
    )
    env.filters["md"] = lambda text: markupsafe.Markup(markdown_to_html(text))
    env.filters["cndate"] = cndate
    env.filters["cn_number"] = cn_number
    env.filters["region"] = region_text
    env.filters["partial_date"] = partial_date
    env.globals["facet_url"] = facet_url
    env.globals["kind_noun"] = lambda r: KINDS[r.kind].noun
    env.globals["kind_label"] = lambda r: KINDS[r.kind].label
    env.globals["card_note"] = card_note
    return env


def card_note(record: Record) -> str:
    """Return the short line shown under a record's name in lists."""
    return record.spec.card_note(record.data)


def render(template: str, url: str, **context: Any) -> str:
    """Render `template` for the page at `url` (links are relative to it via `root`)."""
    return environment().get_template(template).render(root=root_of(url), **context)
