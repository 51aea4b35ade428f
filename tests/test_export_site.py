"""The downloads of the built sample site: every outline page links its DOCX, PDF and
Markdown (and pack), every file is there and reads back with the outline's title, section
headings and sources in Chinese; PDFs embed subset fonts; printing a page drops the site's
chrome. Page 1 of each PDF is rendered to PNG under test-artifacts/exports/."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import docx

from second_classroom.catalog import Catalog
from second_classroom.export.batch import EXPORTS, download_links

_LINK = re.compile(r'<a class="sc-button" href="([^"]+)" download>([^<]+)</a>')


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_outline_page_links_its_downloads(built_site: Path, catalog: Catalog) -> None:
    expected = download_links(catalog)
    assert expected and all(expected.values())
    for outline in catalog.by_kind["outlines"]:
        page = built_site / outline.url / "index.html"
        links = _LINK.findall(page.read_text("utf-8"))
        assert [(href, html.unescape(label)) for href, label in links] == [
            (d.href, d.label) for d in expected[outline.id]], outline.id
        for href, _ in links:
            assert (page.parent / href).is_file(), f"{outline.url}{href} missing"


def test_every_download_reads_back_in_chinese(built_site: Path, catalog: Catalog,
                                              artifacts: Path) -> None:
    out = artifacts / "exports"
    out.mkdir(exist_ok=True)
    checked = 0
    for outline in catalog.by_kind["outlines"]:
        folder = built_site / outline.url
        exports = EXPORTS[outline.kind]
        for variant in exports.variants(catalog, outline):  # the outline, its pack, its quiz
            path = folder / variant.filename(outline.id)
            doc = exports.document(catalog, outline.id, variant, "第二课堂")
            wanted = [doc.title, *doc.headings(), *(s.title for s in doc.sources)]
            if path.suffix == ".docx":
                text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
            elif path.suffix == ".pdf":
                assert path.stat().st_size < 1024 * 1024, f"{path.name} over 1 MB"
                text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                                      capture_output=True, text=True, check=True).stdout
                # A line that runs across a page break has the page number (—10—) inside.
                text = re.sub(r"—\d+—", "", squash(text))
                fonts = subprocess.run(["pdffonts", str(path)], capture_output=True,
                                       text=True, check=True).stdout.splitlines()[2:]
                assert fonts and all(row.split()[-5:-3] == ["yes", "yes"] for row in fonts)
                subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1",
                                "-singlefile", str(path), str(out / path.stem)], check=True)
                assert (out / f"{path.stem}.png").stat().st_size > 10_000
            else:
                text = path.read_text("utf-8")
                text = text.replace("\\", "")  # Markdown escapes
            body = squash(text)
            for item in wanted:
                assert squash(item) in body, f"{path.name}: {item}"
            checked += 1
    assert checked >= 3 * len(catalog.by_kind["outlines"])


def test_printing_an_outline_page_drops_the_site_chrome(site_url: str, browser: object,
                                                        catalog: Catalog, artifacts: Path,
                                                        tmp_path: Path) -> None:
    outline = catalog.by_kind["outlines"][0]
    context = browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(site_url + outline.url)
    page.emulate_media(media="print")
    pdf = artifacts / "print-outline.pdf"
    page.pdf(path=str(pdf), format="A4")
    context.close()
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert squash(outline.title) in squash(text)
    assert squash(outline.data["sections"][0]["heading"]) in squash(text)
    # no header, tabs, download buttons or footer on paper
    for chrome in ("红色地标", "英烈人物", "下载：", "讲解包", "Made with"):
        assert chrome not in text, chrome
    assert "https://" in text  # source addresses are printed after the links
