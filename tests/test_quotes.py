"""Registered quotations: found in text, rendered with their citation on pages and with a
numbered note in exports; typed-in quotations are found."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, build_site, site_config
from test_export import docx_text, pdf_text, squash

from second_classroom.catalog import Catalog, load_catalog
from second_classroom.export import export_document
from second_classroom.export.document import NOTES_HEADING, outline_document
from second_classroom.quotes import citation, quote_refs, unregistered_quotes
from second_classroom.render import RenderOptions, record_page

FIXTURE = REPO / "tests" / "fixtures" / "quotes"
WORDS = "中国产生了共产党，这是开天辟地的大事变。"
CITATION = "毛泽东，《唯心历史观的破产》，1949年9月16日。《毛泽东选集（第四卷）》，人民出版社，1991年。"


@pytest.fixture(scope="module")
def quoted() -> Catalog:
    return load_catalog(FIXTURE)[0]


@pytest.mark.parametrize(("text", "found"), [
    ("毛泽东指出：“中国产生了共产党，这是开天辟地的大事变。”", ["中国产生了共产党，这是开天辟地的大事变。"]),
    ("他强调“我们要不忘初心、牢记使命，永远奋斗”", ["我们要不忘初心、牢记使命，永远奋斗"]),
    ("习近平总书记说：“当年贴着身家性命干的事，变成中国改革的一声惊雷。”", ["当年贴着身家性命干的事，变成中国改革的一声惊雷。"]),
    ("全会强调“两个务必”。", []),  # a short name in quotation marks is not a quotation
    ("村民称之为“当年农家小院的那个大包干契约”。", []),  # no verb of speech before it
])
def test_typed_in_quotations_are_found(text: str, found: list[str]) -> None:
    assert [words for _, words in unregistered_quotes(text)] == found


def test_quote_references_are_found_with_offsets() -> None:
    text = "前文[[quote:a-b]]中间[[quote:c1]]"
    assert list(quote_refs(text)) == [(2, "a-b"), (17, "c1")]
    assert list(quote_refs("[[quote:Bad_Id]]")) == []


def test_citation_names_speaker_occasion_date_and_publication(quoted: Catalog) -> None:
    assert citation(quoted.records["kaitian-pidi-da-shibian"].data) == CITATION


def test_page_renders_block_and_inline_quotations_with_citation(quoted: Catalog) -> None:
    html = record_page(quoted, quoted.records["yida"], RenderOptions()).html
    block = ('<blockquote class="sc-quote"><p>' + WORDS + '</p><footer>——<cite>' + CITATION
             + '</cite> <a href="../../quotes/kaitian-pidi-da-shibian/">出处</a></footer>'
             '</blockquote>')
    assert block in html
    assert f'<q class="sc-quote-inline">{WORDS}</q>' in html
    assert "[[quote:" not in html


def test_quotation_text_is_escaped(quoted: Catalog) -> None:
    quote = quoted.records["kaitian-pidi-da-shibian"]
    original = quote.data["text"]
    quote.data["text"] = "<script>alert(1)</script>"
    try:
        html = record_page(quoted, quoted.records["yida"], RenderOptions()).html
    finally:
        quote.data["text"] = original
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_quote_page_lists_the_records_that_use_it(quoted: Catalog) -> None:
    html = record_page(quoted, quoted.records["kaitian-pidi-da-shibian"], RenderOptions()).html
    assert WORDS in html and CITATION in html
    assert "引用本文的记录" in html
    assert 'href="../../sites/yida/"' in html and 'href="../../outlines/hongchuan-qihang/"' in html


def test_outline_page_expands_quotations_in_points(quoted: Catalog) -> None:
    html = record_page(quoted, quoted.records["hongchuan-qihang"], RenderOptions()).html
    assert f'毛泽东评价建党：<q class="sc-quote-inline">{WORDS}</q>' in html


def test_exports_print_the_quotation_with_a_numbered_note(quoted: Catalog,
                                                          tmp_path: Path) -> None:
    doc = outline_document(quoted, "hongchuan-qihang")
    assert f"毛泽东评价建党：“{WORDS}”〔1〕" in doc.text()
    assert f"{NOTES_HEADING}" in "".join(doc.headings())
    assert f"〔1〕{CITATION}" in doc.text()
    # Read back from the files a lecturer downloads.
    docx = docx_text(export_document(doc, "docx").data, tmp_path)
    assert f"“{WORDS}”〔1〕" in docx and f"〔1〕{CITATION}" in docx
    pdf = squash(pdf_text(export_document(doc, "pdf").data, tmp_path))
    assert squash(f"“{WORDS}”〔1〕") in pdf and squash(f"〔1〕{CITATION}") in pdf
    # The note comes after the text that cites it, before the source list.
    assert pdf.index(squash(f"〔1〕{CITATION}")) > pdf.index(squash(f"“{WORDS}”〔1〕"))


def test_quotation_citation_shows_under_it_on_a_phone(tmp_path: Path, browser: object) -> None:
    from conftest import PHONE_CONTEXT, serve

    site = tmp_path / "site"
    done = build_site(site_config(tmp_path, FIXTURE, downloads=False, local_province=""),
                      site)
    assert done.returncode == 0, done.stdout + done.stderr
    server, url = serve(site)
    context = browser.new_context(**PHONE_CONTEXT)  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(url + "sites/yida/")
        quote = page.locator("blockquote.sc-quote").first
        cite = quote.locator("footer cite")
        assert quote.is_visible() and cite.is_visible()
        assert cite.inner_text() == CITATION
        q, c = quote.locator("p").bounding_box(), cite.bounding_box()
        assert q and c and c["y"] >= q["y"] + q["height"] - 1  # the citation is under it
        assert q["x"] + q["width"] <= 390 and c["x"] + c["width"] <= 390
        page.locator("blockquote.sc-quote footer a").click()
        page.wait_for_url("**/quotes/kaitian-pidi-da-shibian/")
        assert WORDS in page.locator("article").inner_text()
    finally:
        context.close()
        server.shutdown()
