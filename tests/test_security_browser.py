"""Untrusted record text in real Chromium: every text field of every kind of record holds an
XSS payload; no payload runs, and each is shown to the reader as the text it is."""

from __future__ import annotations

import itertools
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import REPO, build_site, serve, site_config

from second_classroom.models import KINDS, ListOf, Markdown, Struct, Text

# Payloads for plain text fields. Each is shown verbatim on the page; every script in them
# calls alert(), so any that runs opens a dialog.
TEXT_PAYLOADS = [
    "<script>alert(101)</script>",
    "<img src=x onerror=alert(102)>",
    "<svg onload=alert(103)>",
    '"><script>alert(104)</script>',
    "'><img src=x onerror=alert(105)>",
    "</title><script>alert(106)</script>",
    "</textarea><svg/onload=alert(107)>",
    "javascript:alert(108)",
    "data:text/html,<script>alert(109)</script>",
    "<a href=javascript:alert(110)>点</a>",
    "<iframe srcdoc='<script>alert(111)</script>'>",
    "<details open ontoggle=alert(112)>",
    "<body onload=alert(113)>",
    "&lt;script&gt;alert(114)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(115)&#62;",
    "{{ 7*7 }}{% raw %}{{ config }}",
    "${alert(117)}`${alert(117)}`",
    "＜script＞alert(118)＜/script＞",
    "\u202e<script>alert(119)</script>",
    "<scr<script>ipt>alert(120)</script>",
    "[点我](javascript:alert(121))",
    "<style>*{display:none}</style>",
    "<!--<script>alert(123)</script>-->",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(124)>",
    '" onfocus=alert(125) autofocus x="',
    "' onmouseover='alert(126)",
    "<svg><a xlink:href=javascript:alert(127)><text>点</text></a></svg>",
    "<object data=javascript:alert(128)>",
    "<base href=//evil.example/>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(130)'>",
]

# Markdown fields get all of these at once, one paragraph each.
MARKDOWN_PAYLOADS = [
    "[链接甲](javascript:alert(201))",
    "[链接乙](JaVaScRiPt:alert(202))",
    "[链接丙](javascript&#58;alert(203))",
    "[链接丁](&#106;avascript:alert(204))",
    "[链接戊](data:text/html;base64,PHNjcmlwdD5hbGVydCgyMDUpPC9zY3JpcHQ+)",
    "[链接己](<javascript:alert(206)>)",
    "[链接庚][r]\n\n[r]: javascript:alert(207)",
    "![图片](javascript:alert(208))",
    "![图片](https://tracker.example/pixel.gif)",
    '[链接辛](https://ok.example "a\\" onmouseover=\\"alert(210))',
    "[链接壬](//evil.example/)",
    "`<script>alert(212)</script>`",
    *TEXT_PAYLOADS,
]
# Markdown payloads whose visible text is the payload itself (the others are link tricks).
MARKDOWN_LITERAL = ["<script>alert(101)</script>", "<img src=x onerror=alert(102)>",
                    "<svg onload=alert(103)>", "<details open ontoggle=alert(112)>",
                    "＜script＞alert(118)＜/script＞"]


@dataclass(frozen=True)
class Injected:
    """One payload written into one field of one record."""

    url: str  # record page, relative to the site root
    field: str
    payload: str


def _cycle_fitting(payloads: list[str]) -> Any:
    pool = itertools.cycle(payloads)

    def take(max_chars: int) -> str:
        for _ in range(len(payloads)):
            candidate = next(pool)
            if len(candidate) <= max_chars:
                return candidate
        raise AssertionError(f"no payload fits {max_chars} characters")
    return take


def _inject(struct: Struct, data: dict[str, Any], where: str, take: Any,
            found: list[tuple[str, str, bool]]) -> None:
    """Put payloads into every text field of `data` (declared in `struct`), adding the
    optional ones that are missing."""
    for field in struct.fields:
        kind = field.type
        name = f"{where}{field.name}"
        if isinstance(kind, Markdown):
            data[field.name] = "\n\n".join(MARKDOWN_PAYLOADS)
            found.append((name, "\n\n".join(MARKDOWN_PAYLOADS), True))
        elif type(kind) is Text and not kind.pattern:
            data[field.name] = take(kind.max_chars)
            found.append((name, data[field.name], False))
        elif (isinstance(kind, ListOf) and type(kind.item) is Text and field.name in data):
            item = kind.item
            assert isinstance(item, Text)
            values: list[str] = []
            while len(values) < max(1, min(3, len(data[field.name]))):
                value = take(item.max_chars)
                if value not in values:
                    values.append(value)
            data[field.name] = values
            found += [(name, v, False) for v in values]
        elif isinstance(kind, Struct) and field.name in data:
            _inject(kind, data[field.name], name + ".", take, found)
        elif isinstance(kind, ListOf) and isinstance(kind.item, Struct) and field.name in data:
            for i, item_data in enumerate(data[field.name]):
                if isinstance(item_data, dict):  # not a shorthand reference (an id)
                    _inject(kind.item, item_data, f"{name}[{i}].", take, found)


def write_payload_data(root: Path) -> list[Injected]:
    """Write a small valid data tree whose every text field holds an XSS payload."""
    sys.path.insert(0, str(REPO / "bench"))
    from synth import add_events, write_synthetic

    write_synthetic(root, 50, seed=7, lectures=4, tasks=4, plans=2, stories=2)
    add_events(root, seed=7)  # events[].text is text too
    take = _cycle_fitting(TEXT_PAYLOADS)
    injected: list[Injected] = []
    for kind, spec in KINDS.items():
        files = sorted((root / kind).glob("*.yml"))
        assert files, f"no {kind} in the synthetic data"
        for path in files:
            data = yaml.safe_load(path.read_text("utf-8"))
            if data.get("draft"):
                continue
            found: list[tuple[str, str, bool]] = []
            _inject(spec.schema, data, "", take, found)
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                            encoding="utf-8")
            url = f"{kind}/{path.stem}/"
            for name, payload, is_markdown in found:
                if is_markdown:
                    injected += [Injected(url, name, p) for p in MARKDOWN_LITERAL]
                else:
                    injected.append(Injected(url, name, payload))
    return injected


@pytest.fixture(scope="module")
def payload_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path,
                                                                              list[Injected]]]:
    """The payload data built with MkDocs (search index included) and served on loopback."""
    folder = tmp_path_factory.mktemp("xss")
    injected = write_payload_data(folder / "site_data")
    config = site_config(folder, folder / "site_data", downloads=False)
    out = folder / "site"
    done = build_site(config, out, cwd=folder)
    assert done.returncode == 0, f"mkdocs build failed:\n{done.stdout}\n{done.stderr}"
    server, url = serve(out)
    yield url, out, injected
    server.shutdown()


def test_payloads_reach_every_kind_and_field(payload_site: tuple[str, Path,
                                                                 list[Injected]]) -> None:
    _, _, injected = payload_site
    assert {i.url.split("/")[0] for i in injected} == set(KINDS)
    used = {i.payload for i in injected}
    assert set(TEXT_PAYLOADS) <= used  # every payload went into some field
    assert len({(i.url.split("/")[0], i.field) for i in injected}) >= 60


_AUDIT = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.getAttributeNames()) {
      if (a.toLowerCase().startsWith('on')) bad.push(el.tagName + ' ' + a);
    }
  }
  for (const a of document.querySelectorAll('a[href], area[href]')) {
    // getAttribute: an SVG <a> (the province chart's tiles) has no .protocol and its .href
    // is not a string; resolved the same way, its target is checked like any link's.
    const href = a.getAttribute('href');
    const protocol = new URL(href, document.baseURI).protocol;
    if (!['http:', 'https:', 'mailto:'].includes(protocol)) bad.push('href ' + href);
  }
  for (const el of document.querySelectorAll(
      'iframe, object, embed, frame, base, math, body style, body meta, img[src^="http"]')) {
    bad.push('element ' + el.outerHTML.slice(0, 80));
  }
  return bad;
}"""


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_no_payload_runs_and_all_are_shown_as_text(
        payload_site: tuple[str, Path, list[Injected]], browser: Any, artifacts: Path) -> None:
    base, out, injected = payload_site
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    dialogs: list[str] = []
    console: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(f"{page.url}: {d.message}"), d.dismiss()))
    page.on("console", lambda m: console.append(f"{page.url}: {m.text}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.log("
        "'CSP-VIOLATION ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sample));")
    problems: list[str] = []
    texts: dict[str, str] = {}
    try:
        for rel in pages:
            url = rel.removesuffix("index.html")
            page.goto(base + url, wait_until="load")
            problems += [f"{url}: {b}" for b in page.evaluate(_AUDIT)]
            texts[url] = _normal(page.inner_text("body"))
        first = injected[0].url
        page.goto(base + first, wait_until="load")
        page.screenshot(path=str(artifacts / "xss-record-page.png"), full_page=False)
        # Search over the payload text: the result list shows excerpts of it.
        page.goto(base + "search/?q=alert", wait_until="networkidle")
        results = page.locator("#sc-search-page .sc-search__results li")
        results.first.wait_for(timeout=15000)
        assert results.count() > 0
        problems += [f"search: {b}" for b in page.evaluate(_AUDIT)]
        page.screenshot(path=str(artifacts / "xss-search.png"), full_page=False)
        # 离我最近's picker draws names and cities from nearme/*.json: text, never markup.
        page.goto(base + "sites/", wait_until="networkidle")
        page.get_by_role("button", name="按省、市选择").click()
        province = page.locator("[data-sc-near-province]")
        province.select_option(index=1)
        page.locator("[data-sc-near-list] > li").first.wait_for()
        problems += [f"nearme: {b}" for b in page.evaluate(_AUDIT)]
        data = json.loads((out / "nearme" / province.input_value()).read_text("utf-8"))
        shown = page.locator("[data-sc-near-list] strong").all_text_contents()
        assert shown == [row[1] for row in data["sites"]]
        cities = page.locator("[data-sc-near-city] option").all_text_contents()[1:]
        assert [c.rsplit("（", 1)[0] for c in cities][:len(data["cities"])] == data["cities"]
    finally:
        context.close()
    assert dialogs == []
    assert [c for c in console if "CSP-VIOLATION" in c or "Content Security Policy" in c] == []
    assert problems == []
    assert len(texts) > 50
    missing = [f"{i.url} {i.field}: {i.payload!r}" for i in injected
               if _normal(i.payload) not in texts[i.url]]
    assert missing == []
