"""What a visitor's browser is allowed to run: the Content-Security-Policy and its checks.

Record text is data, never markup: templates escape it and `render.richtext` allows no raw
HTML. The policy is the second wall: scripts only from the site itself, plus the few
inline scripts the theme needs, each allowed by its SHA-256 hash.

The same policy is sent twice: as a `<meta>` tag in every page (so it holds on any static
host) and as a response header by `deploy/nginx.conf` (which may add what a `<meta>` tag
cannot carry, such as `frame-ancestors`). A test keeps the two in step.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable, MutableMapping
from typing import Any

# The inline scripts Material for MkDocs 9.x writes into every page, with `extra.scope`
# fixed to "/" (see `THEME_SCOPE`) so that they are byte-identical on every page:
#   partials/javascripts/base.html     __md_scope / __md_get / __md_set helpers
#   partials/javascripts/content.html  opens a tabbed block named by the URL fragment
# (partials/javascripts/palette.html is only written when `theme.palette` is a list; ours
# is a single scheme.) When the theme changes or adds one, the build stops and names the
# new hash (see `unlisted_inline_scripts`); add it here and to deploy/nginx.conf after
# reading the script. tests/test_security.py fails on a hash no page uses any more.
INLINE_SCRIPT_HASHES: tuple[str, ...] = (
    "sha256-exqRXrW/0laiImCrTE8a70vxyyY10FJVIppytLf/dbY=",
    "sha256-/8wPdzX9q0NNJXyA5lzsLojXFpkeaXVxhbfkUOQaWy8=",
)

# Material's `extra.scope`: the path its local-storage keys hang off. Pinned to "/" so the
# first inline script does not change with the page's depth (and so neither does its hash).
THEME_SCOPE = "/"

_DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    # Inline styles cannot run code; the standalone poster pages carry a <style> block.
    ("style-src", "'self' 'unsafe-inline'"),
    # data: for the icons Material's stylesheet embeds; no image from another host.
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
)
# Only valid in a response header: a <meta> policy that names them makes Chromium log a
# "Content Security Policy" console error on every page.
_HEADER_ONLY: tuple[tuple[str, str], ...] = (("frame-ancestors", "'self'"),)

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
_SRC = re.compile(r"""\ssrc\s*=""", re.I)
_TYPE = re.compile(r"""\stype\s*=\s*["']?([^"'\s>]+)""", re.I)
_JS_TYPES = {"", "module", "text/javascript", "application/javascript", "text/ecmascript",
             "application/ecmascript"}

# Front-matter fields that Material prints into the page without escaping
# (`<title>{{ page.meta.title }}`, `<meta name="description" content="{{ ... }}">`).
THEME_UNESCAPED_META = ("title", "description")


def script_hash(text: str) -> str:
    """Return the CSP source expression (`sha256-…`) that allows one inline script."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def content_security_policy(*, header: bool = False,
                            extra_hashes: Iterable[str] = (), live_reload: bool = False) -> str:
    """Return the site's Content-Security-Policy.

    Args:
        header: include the directives only a response header may carry.
        extra_hashes: more `sha256-…` expressions to allow, beyond the theme's own.
        live_reload: for the `mkdocs serve` preview only. Its server writes a different
            inline live-reload script into every page it sends (a timestamp inside), so no
            hash can allow it: the preview's policy allows inline scripts instead (hashes
            would switch that allowance off). Built pages never get this policy.
    """
    hashes = " ".join(f"'{h}'" for h in (*INLINE_SCRIPT_HASHES, *extra_hashes))
    parts = []
    for name, value in (*_DIRECTIVES, *(_HEADER_ONLY if header else ())):
        if name == "script-src" and live_reload:
            value = f"{value} {LIVE_RELOAD_SOURCE}"
        elif name == "script-src" and hashes:
            value = f"{value} {hashes}"
        parts.append(f"{name} {value}")
    return "; ".join(parts)


# What the preview's policy adds to script-src (see `content_security_policy`).
LIVE_RELOAD_SOURCE = "'unsafe-inline'"


def inline_scripts(page_html: str) -> list[str]:
    """Return the text of every inline script a browser would run in `page_html`.

    Scripts with `src` and data blocks (`type="application/json"`) are not run, so the
    policy does not govern them and they are left out.
    """
    found = []
    for match in _SCRIPT.finditer(page_html):
        attrs, body = match.group(1), match.group(2)
        if _SRC.search(" " + attrs):
            continue
        kind = _TYPE.search(" " + attrs)
        if kind and kind.group(1).lower() not in _JS_TYPES:
            continue
        found.append(body)
    return found


def unlisted_inline_scripts(page_html: str,
                            allowed: Iterable[str] = INLINE_SCRIPT_HASHES) -> list[str]:
    """Return the hashes of inline scripts in `page_html` that the policy would block."""
    allowed = set(allowed)
    return [h for h in map(script_hash, inline_scripts(page_html)) if h not in allowed]


def escape_theme_meta(meta: MutableMapping[str, Any]) -> None:
    """Escape, in place, the front-matter fields the theme prints as raw HTML.

    Record names and summaries become page titles and descriptions; Material's templates
    are not autoescaped, so a name like `</title><script>…` would otherwise be markup.
    """
    for key in THEME_UNESCAPED_META:
        value = meta.get(key)
        if isinstance(value, str):
            meta[key] = html.escape(value, quote=True)
