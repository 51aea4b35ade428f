"""Record text is data, never markup; the Content-Security-Policy matches what pages run."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from second_classroom.render.richtext import markdown_to_html, safe_href
from second_classroom.security import (
    INLINE_SCRIPT_HASHES,
    content_security_policy,
    escape_theme_meta,
    inline_scripts,
    script_hash,
    unlisted_inline_scripts,
)

# Markdown and HTML that try to become markup, script or a dangerous link.
MARKDOWN_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "<svg><script>alert(4)</script></svg>",
    '"><script>alert(5)</script>',
    "<iframe src=javascript:alert(6)></iframe>",
    "[点我](javascript:alert(7))",
    "[点我](JaVaScRiPt:alert(8))",
    "[点我](javascript&#58;alert(9))",
    "[点我](javascript&#x3A;alert(10))",
    "[点我](&#106;avascript:alert(11))",
    "[点我](java\tscript:alert(12))",
    "[点我](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMyk8L3NjcmlwdD4=)",
    "[点我](vbscript:msgbox(14))",
    "![图](javascript:alert(15))",
    "![图](https://tracker.example/pixel.gif)",
    "[点我](<javascript:alert(17)>)",
    "[点我][x]\n\n[x]: javascript:alert(18)",
    '[点我](https://ok.example "a\\" onmouseover=\\"alert(19))',
    "<a href=\"javascript:alert(20)\">x</a>",
    "<details open ontoggle=alert(21)>",
    "[x](//evil.example/)",
    "[x](\\\\evil.example/)",
    "`<script>alert(24)</script>`",
    "    <script>alert(25)</script>",
    "<scr<script>ipt>alert(26)</script>",
    "\u202e<script>alert(27)</script>",
    "&lt;script&gt;alert(28)&lt;/script&gt;",
    "<math><mi xlink:href=\"javascript:alert(29)\">x</mi></math>",
    "[x](javascript&amp;#58;alert(30))",
]

ALLOWED_TAGS = {"p", "a", "em", "strong", "ul", "ol", "li", "code", "pre", "blockquote",
                "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br", "span", "table", "thead",
                "tbody", "tr", "th", "td"}
ALLOWED_ATTRS = {"href", "title", "rel", "start"}


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(fragment: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collect()
    parser.feed(fragment)
    parser.close()
    return parser.tags


@pytest.mark.parametrize("text", MARKDOWN_PAYLOADS)
def test_record_markdown_never_becomes_markup(text: str) -> None:
    out = markdown_to_html(text)
    for tag, attrs in _tags(out):
        assert tag in ALLOWED_TAGS, out
        assert set(attrs) <= ALLOWED_ATTRS, out
        href = attrs.get("href")
        if href is not None:  # as the browser reads it (character references decoded)
            scheme = re.match(r"^\s*([a-z][a-z0-9+.-]*):", href.lower())
            assert scheme is None or scheme.group(1) in {"http", "https", "mailto"}, out
            assert not re.match(r"^[\s/\\]{2}", href), out


def test_record_markdown_keeps_ordinary_links_and_text() -> None:
    out = markdown_to_html("见[纪念馆官网](https://example.org/a?b=1&c=2)、[相关旧址](../x/)"
                           "和<li-dazhao@example.org>。")
    hrefs = [a.get("href") for t, a in _tags(out) if t == "a"]
    assert hrefs[0] == "https://example.org/a?b=1&c=2"
    assert hrefs[1] == "../x/"
    assert html.unescape(str(hrefs[2])) == "mailto:li-dazhao@example.org"
    assert 'rel="noopener noreferrer nofollow"' in out


@pytest.mark.parametrize(("url", "ok"), [
    ("https://example.org/", True), ("http://example.org/", True), ("mailto:a@b.cn", True),
    ("../sites/x/", True), ("#top", True), ("x/y", True), ("?q=1", True),
    ("javascript:alert(1)", False), (" javascript:alert(1)", False),
    ("JAVASCRIPT:alert(1)", False), ("java\nscript:alert(1)", False),
    ("java\x00script:alert(1)", False), ("javascript&#58;alert(1)", False),
    ("javascript&colon;alert(1)", False), ("&#x6A;avascript:alert(1)", False),
    ("data:text/html,<script>", False), ("vbscript:x", False), ("file:///etc/passwd", False),
    ("//evil.example/", False), ("\\\\evil.example/", False), ("/\\evil.example/", False),
    ("1x:y", False),
])
def test_safe_href(url: str, ok: bool) -> None:
    assert safe_href(url) is ok


def test_plain_text_shortcut_escapes_too() -> None:
    assert markdown_to_html("甲 & 乙 < 丙") == "<p>甲 &amp; 乙 &lt; 丙</p>"


# --- Content-Security-Policy -------------------------------------------------------------


def test_policy_allows_only_own_scripts_and_the_theme_hashes() -> None:
    meta = content_security_policy()
    directives = dict(d.split(" ", 1) for d in meta.split("; "))
    script_src = directives["script-src"].split()
    assert script_src[0] == "'self'" and "'wasm-unsafe-eval'" not in script_src
    assert script_src[1:] == [f"'{h}'" for h in INLINE_SCRIPT_HASHES]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert directives["object-src"] == "'none'"
    assert directives["default-src"] == "'self'"
    # frame-ancestors is ignored (with a console error) in <meta>: header only.
    assert "frame-ancestors" not in meta
    assert content_security_policy(header=True) == meta + "; frame-ancestors 'self'"


def test_inline_scripts_skip_external_scripts_and_data_blocks() -> None:
    page = ('<script src="a.js"></script><script>var a=1</script>'
            '<script id="__config" type="application/json">{"x": 1}</script>'
            "<SCRIPT type=module>b()</SCRIPT >")
    assert inline_scripts(page) == ["var a=1", "b()"]
    assert unlisted_inline_scripts(page) == [script_hash("var a=1"), script_hash("b()")]
    assert unlisted_inline_scripts(page, [script_hash("var a=1"), script_hash("b()")]) == []


def test_script_hash_matches_the_csp_spec_example() -> None:
    # The CSP3 spec's example: sha256 of "alert('Hello, world.');"
    assert script_hash("alert('Hello, world.');") == \
        "sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng="


def test_theme_meta_is_escaped_for_material() -> None:
    meta = {"title": '</title><script>alert(1)</script>', "description": '"><b>',
            "hide": ["toc"]}
    escape_theme_meta(meta)
    assert meta == {"title": "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
                    "description": "&quot;&gt;&lt;b&gt;", "hide": ["toc"]}


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_built_page_runs_only_allowed_inline_scripts(built_site: Path) -> None:
    policy = content_security_policy()
    themed = 0
    for page in _pages(built_site):
        text = page.read_text("utf-8")
        assert unlisted_inline_scripts(text) == [], page
        if "md-header" in text:  # a Material page (not a standalone poster)
            themed += 1
            tags = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">',
                              text)
            assert tags == [policy], page
            # The policy comes before the first script, so it governs all of them.
            assert text.index("Content-Security-Policy") < text.index("<script"), page
    assert themed > 50


def test_every_theme_hash_is_used(built_site: Path) -> None:
    """No stale hash lingers in the policy after a theme upgrade."""
    used = {script_hash(s) for p in _pages(built_site)
            for s in inline_scripts(p.read_text("utf-8"))}
    assert set(INLINE_SCRIPT_HASHES) == used


def test_404_page_is_chinese(built_site: Path) -> None:
    text = (built_site / "404.html").read_text("utf-8")
    assert "页面不存在" in text and "Not found" not in text
    assert '<meta http-equiv="Content-Security-Policy"' in text
