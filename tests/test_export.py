"""Outline exports: the files open, say everything the outline says, in Chinese, with
embedded fonts; packs name what they profile; bad input still gives valid files; same
input gives the same bytes; unchanged outlines are not exported again."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import REPO
from fontTools.cffLib import CFFFontSet
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont

from second_classroom import cli
from second_classroom.catalog import Catalog, load_catalog
from second_classroom.export import export_document, export_outline, fonts
from second_classroom.export.batch import download_links, export_all
from second_classroom.export.document import SOURCES_HEADING, outline_document, used_records
from second_classroom.export.to_markdown import escape

OUTLINE = "budui-guanbing-dang-zhihui-qiang"  # uses sites, people and readings
RARE_RENDERED = "㐀𠀀𪚥"  # Extension A (Noto CJK) and B (fonts-hanazono)
RARE_UNCOVERED = "\U00030000"  # Extension G: no installed font has it


def squash(text: str) -> str:
    """Return text without whitespace, so line breaks in extracted text don't matter."""
    return re.sub(r"\s+", "", text)


def pdf_text(data: bytes, tmp_path: Path, name: str = "x.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                          capture_output=True, text=True, check=True)
    return done.stdout


def pdf_fonts(data: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def docx_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "x.docx"
    path.write_bytes(data)
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


# --- the document ---------------------------------------------------------------------

def test_outline_document_numbers_sections_the_gongwen_way(catalog: Catalog) -> None:
    doc = outline_document(catalog, OUTLINE)
    headings = doc.headings()
    assert headings[:3] == ["一、教学目标", "二、讲授环节", "（一）打响第一枪（约 10 分钟）"]
    assert headings[-1].endswith(SOURCES_HEADING)
    assert [b.label for b in doc.blocks if b.kind == "item"][:3] == ["1. ", "2. ", "3. "]
    assert not doc.pack and doc.subtitle == ""


def test_unknown_outline_is_a_key_error(catalog: Catalog) -> None:
    with pytest.raises(KeyError):
        outline_document(catalog, "no-such-outline")
    with pytest.raises(KeyError):  # a site is not an outline
        outline_document(catalog, catalog.by_kind["sites"][0].id)


def test_markdown_escapes_record_text_as_data() -> None:
    assert escape("a*b_c [x](y) <b>") == r"a\*b\_c \[x\](y) \<b\>"
    assert escape("# 不是标题") == r"\# 不是标题"
    assert escape("1. 不是列表") == r"1\. 不是列表"


def test_markdown_export_has_every_heading_and_source(catalog: Catalog) -> None:
    doc = outline_document(catalog, OUTLINE)
    text = export_document(doc, "md").data.decode("utf-8")
    assert text.startswith(f"# {doc.title}\n")
    for heading in doc.headings():
        assert f"## {heading}\n" in text or f"### {heading}\n" in text, heading
    for source in doc.sources:
        assert escape(source.title) in text


# --- DOCX -----------------------------------------------------------------------------

def test_docx_is_a4_gongwen_layout_with_chinese_fonts(catalog: Catalog, tmp_path: Path) -> None:
    data = export_outline(catalog, OUTLINE, "docx").data
    path = tmp_path / "x.docx"
    path.write_bytes(data)
    document = docx.Document(str(path))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28

    def east_asia(style_name: str) -> str:
        rfonts = document.styles[style_name].element.rPr.rFonts
        return str(rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
                              "eastAsia"))

    assert east_asia("Normal") == "仿宋"
    assert document.styles["Normal"].font.size.pt == 16  # 三号
    assert east_asia("Heading 1") == "黑体"
    assert east_asia("Heading 2") == "楷体"
    assert east_asia("Title") == "黑体"
    footer_xml = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer_xml and 'w:fldCharType="begin"' in footer_xml
    doc = outline_document(catalog, OUTLINE)
    props = document.core_properties
    assert props.title == doc.title
    assert props.created is not None and props.created.date() == doc.date
    styles = {p.text: p.style.name for p in document.paragraphs}
    assert styles[doc.title] == "Title"
    assert styles["一、教学目标"] == "Heading 1"
    assert styles["（一）打响第一枪（约 10 分钟）"] == "Heading 2"


def test_docx_zip_has_fixed_timestamps(catalog: Catalog) -> None:
    import io

    data = export_outline(catalog, OUTLINE, "docx").data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


# --- PDF ------------------------------------------------------------------------------

def test_pdf_embeds_subset_cjk_fonts_and_is_small(catalog: Catalog, tmp_path: Path) -> None:
    data = export_outline(catalog, OUTLINE, "pdf").data
    assert data.startswith(b"%PDF-") and len(data) < 1024 * 1024
    rows = pdf_fonts(data, tmp_path)
    assert rows, "no fonts in the PDF"
    for row in rows:
        # name type... emb sub uni object ID: emb and sub are columns -5 and -4
        assert row[-5:-3] == ["yes", "yes"], row
        assert "CJK" in row[0]
    info = subprocess.run(["pdfinfo", str(tmp_path / "fonts.pdf")], capture_output=True,
                          text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.\d* x 841\.\d*", info), info  # A4


def test_pdf_text_is_searchable_chinese_with_page_numbers(catalog: Catalog,
                                                          tmp_path: Path) -> None:
    doc = outline_document(catalog, OUTLINE)
    text = squash(pdf_text(export_document(doc, "pdf").data, tmp_path))
    assert squash(doc.title) in text
    for heading in doc.headings():
        assert squash(heading) in text, heading
    for source in doc.sources:
        assert squash(source.title) in text, source.title
    assert "—1—" in text


def embedded_cff_programs(data: bytes) -> list[bytes]:
    """Return the CFF font programs embedded in a PDF (fpdf2 compresses every stream)."""
    found = []
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        try:
            raw = zlib.decompress(data[match.end():end])
        except zlib.error:
            continue
        if raw[:2] == b"\x01\x00":  # CFF 1.0 header
            found.append(raw)
    return found


def embedded_cff_fonts(data: bytes) -> list[Any]:
    """Return the CFF font programs embedded in a PDF, parsed."""
    found = []
    for raw in embedded_cff_programs(data):
        cff = CFFFontSet()
        cff.decompile(io.BytesIO(raw), None)
        found.append(cff)
    return found


def test_pdf_fonts_are_flattened_subsets_drawing_the_noto_glyphs(catalog: Catalog) -> None:
    data = export_outline(catalog, OUTLINE, "pdf", pack=True).data
    sets = embedded_cff_fonts(data)
    assert len(sets) == 3  # body, strong, heading
    for face in fonts.cjk_faces().values():
        full = TTFont(face.path, fontNumber=face.index, lazy=True)["CFF "].cff
        full_top = full[full.keys()[0]]
        ours = next(s for s in sets if s.keys()[0].endswith(full.keys()[0]))
        top = ours[ours.keys()[0]]
        assert hasattr(top, "ROS")  # still CID-keyed: the PDF maps codes to Noto's CIDs
        assert 10 < len(top.charset) < 3000 < len(full_top.charset)  # a subset
        assert len(ours.GlobalSubrs) == 0
        assert not any(hasattr(fd.Private, "Subrs") for fd in top.FDArray)
        for name in top.charset:  # each glyph draws exactly what the installed font draws
            mine, theirs = RecordingPen(), RecordingPen()
            top.CharStrings[name].draw(mine)
            full_top.CharStrings[name].draw(theirs)
            assert mine.value == theirs.value, (face, name)
            assert top.CharStrings[name].width == full_top.CharStrings[name].width


def test_pdf_bytes_do_not_depend_on_what_the_process_exported_before(
        catalog: Catalog, tmp_path: Path) -> None:
    """Faces are parsed and glyphs flattened once per process (export/pdffonts.py): a
    document must come out the same in a fresh process and after other documents."""
    other = next(o.id for o in catalog.by_kind["outlines"] if o.id != OUTLINE)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from second_classroom.catalog import load_catalog\n"
        "from second_classroom.export import export_outline\n"
        "catalog = load_catalog(Path(sys.argv[1]))[0]\n"
        "for job in sys.argv[3:]:\n"
        "    outline, _, pack = job.partition('+')\n"
        "    data = export_outline(catalog, outline, 'pdf', pack=bool(pack)).data\n"
        "Path(sys.argv[2]).write_bytes(data)\n")
    alone, after = tmp_path / "alone.pdf", tmp_path / "after.pdf"
    for out, jobs in ((alone, [OUTLINE]), (after, [f"{other}+pack", other, OUTLINE])):
        subprocess.run([sys.executable, "-c", script, str(REPO / "site_data"), str(out),
                        *jobs], check=True)
    assert alone.read_bytes() == after.read_bytes()
    assert alone.read_bytes() == export_outline(catalog, OUTLINE, "pdf").data


def test_pdf_fonts_are_what_fonttools_subsetter_cuts_from_the_whole_face(
        catalog: Catalog) -> None:
    """pdffonts makes each subset from the glyphs a document uses without reading the
    whole face: the font program must be, byte for byte, what fontTools' own subsetter
    makes of the whole face for the same glyphs (options as fpdf2 sets them, glyphs
    desubroutinized)."""
    from fontTools import subset

    data = export_outline(catalog, OUTLINE, "pdf", pack=True).data
    programs = dict(zip((s.keys()[0] for s in embedded_cff_fonts(data)),
                        embedded_cff_programs(data), strict=True))
    assert len(programs) == 3
    for face in fonts.cjk_faces().values():
        font = TTFont(face.path, fontNumber=face.index, lazy=True, recalcTimestamp=False)
        font.recalcBBoxes = False
        name = font["CFF "].cff.keys()[0]
        ours = next(key for key in programs if key.endswith(name))  # "MPDFAA+" + name
        glyphs = CFFFontSet()
        glyphs.decompile(io.BytesIO(programs[ours]), None)
        options = subset.Options(notdef_outline=True, recommended_glyphs=True,
                                 desubroutinize=True)
        options.drop_tables += ["GDEF", "GPOS", "GSUB"]  # as fpdf2: no layout closure
        cutter = subset.Subsetter(options)
        cutter.populate(glyphs=glyphs[ours].charset)
        cutter.subset(font)
        assert font["CFF "].compile(font) == programs[ours], face


def test_faces_parsed_once_are_what_fpdf2_parses() -> None:
    """pdffonts lets fpdf2 parse a face but map only the space, and maps the rest itself:
    every width, glyph and descriptor value must be those fpdf2's own parse gives."""
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    from second_classroom.export import pdffonts

    for face in fonts.cjk_faces().values():
        parsed = pdffonts._parse(face)
        assert parsed is not None
        ours = parsed.template
        theirs = TTFFont(FPDF(), Path(face.path), "face", "",
                         collection_font_number=face.index)
        assert list(ours.cmap.items()) == list(theirs.cmap.items())  # order: see SubsetMap
        assert len(ours.cmap) > 40000
        assert ours.cw == theirs.cw and ours.glyph_ids == theirs.glyph_ids
        assert ours.cw[0x10FFFF] == theirs.cw[0x10FFFF]  # a character the face lacks
        assert vars(ours.desc) == vars(theirs.desc)
        for name in ("name", "scale", "up", "ut", "sp", "ss", "is_cff", "is_cid_keyed",
                     "cff_ros", "emphasis", "is_symbol"):
            assert getattr(ours, name) == getattr(theirs, name), name


def test_pdf_string_widths_are_fpdf2s(catalog: Catalog) -> None:
    """to_pdf measures text itself (its lines break on those widths): the widths must be
    fpdf2's to the last bit, for Chinese, Latin, mixed scripts, punctuation and characters
    that only a fallback font has."""
    from fpdf import FPDF

    from second_classroom.export import to_pdf
    from second_classroom.export.pdffonts import add_face

    pdf = to_pdf._Pdf(unit="mm", format="A4")
    pdf.alias_nb_pages(None)  # type: ignore[arg-type]
    for role, face in fonts.cjk_faces().items():
        add_face(pdf, role, face)
    extra, _ = fonts.fallback_faces(set(RARE_RENDERED))
    for n, face in enumerate(extra):
        add_face(pdf, f"fallback{n}", face)
    pdf.set_fallback_fonts(["body", *(f"fallback{n}" for n in range(len(extra)))],
                           exact_match=False)
    pdf.add_page()
    texts = ["", "中", "红色教育基地", "“不忘初心”，（牢记使命）。", "abc 123", "1921年7月",
             "中文abc中文Ωмир中", "https://www.gov.cn/xinwen/2021-06/25/content.htm",
             f"生僻{RARE_RENDERED}字", "　全角空格", *outline_document(catalog, OUTLINE).text()
             .splitlines()]
    compared = 0
    for role in ("body", "strong", "heading"):
        for size in (11.0, 12.0, 14.0, 15.0, 22.0):
            pdf.set_font(role, "", size)
            for text in texts:
                assert pdf.get_string_width(text) == FPDF.get_string_width(pdf, text), text
                compared += 1
    pdf.set_char_spacing(0.3)  # spaced text: fpdf2 measures it
    assert pdf.get_string_width("红色abc") == FPDF.get_string_width(pdf, "红色abc")
    assert compared > 100


def test_record_text_is_not_an_fpdf2_page_count_alias(tmp_path: Path) -> None:
    """fpdf2 replaces "{nb}" in text with the number of pages unless told not to."""
    import datetime as dt

    from second_classroom.export.document import Block, Document

    doc = Document(id="x", title="共{nb}页", subtitle="", date=dt.date(2026, 12, 2),
                   author="第二课堂", sources=(),
                   blocks=(Block("para", "模板写法：第{nb}页"), Block("page", "第二页")))
    text = squash(pdf_text(export_document(doc, "pdf").data, tmp_path))
    assert "共{nb}页" in text and "第{nb}页" in text


def test_coverage_reads_the_code_points_fonttools_does() -> None:
    """fonts.coverage reads a face's format 12 map itself (it is asked in the build's
    process, for cache keys, and in each export worker): the same code points as
    fontTools' getBestCmap."""
    faces = [*fonts.cjk_faces().values(), *fonts.fallback_faces(set(RARE_RENDERED))[0]]
    for face in faces:
        font = TTFont(face.path, fontNumber=face.index, lazy=True)
        assert fonts.unicode_full_codes(font) is not None, face  # read the fast way
        fonts.coverage.cache_clear()
        assert fonts.coverage(face) == frozenset(
            TTFont(face.path, fontNumber=face.index, lazy=True).getBestCmap()), face


# --- the lecturer pack ----------------------------------------------------------------

def test_pack_names_every_site_person_relic_and_reading(catalog: Catalog,
                                                        tmp_path: Path) -> None:
    used = used_records(catalog, catalog.records[OUTLINE])
    assert used["sites"] and used["people"] and used["readings"]
    names = [r.title for records in used.values() for r in records]
    doc = outline_document(catalog, OUTLINE, pack=True)
    docx_body = squash(docx_text(export_document(doc, "docx").data, tmp_path))
    pdf_body = squash(pdf_text(export_document(doc, "pdf").data, tmp_path))
    for name in names:
        assert squash(name) in docx_body, name
        assert squash(name) in pdf_body, name
    # each profile is there, not just the name: a person's role and a site's summary
    person = used["people"][0].data
    assert squash(person["role"]) in docx_body
    assert squash(str(used["sites"][0].data["summary"]))[:40] in pdf_body
    # sources of the profiled records join the outline's own
    assert len(doc.sources) > len(outline_document(catalog, OUTLINE).sources)


# --- bad input ------------------------------------------------------------------------

def _outline_yaml(title: str, sections: str, extra: str = "") -> str:
    return f"""title: {title}
audience: 党员干部
duration_minutes: 30
summary: 测试用提纲
objectives:
  - 了解史实
sections:
{sections}
discussion:
  - 有什么体会？
{extra}sources:
  - title: 测试来源
verified: 2026-11-01
"""


@pytest.fixture(scope="module")
def edge_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("data") / "site_data"
    shutil.copytree(REPO / "site_data", root)
    outlines = root / "outlines"
    (outlines / "kong-tigang.yml").write_text(_outline_yaml(
        "不引用任何记录的提纲", "  - heading: 唯一环节\n    points:\n      - 只有一条要点\n"),
        encoding="utf-8")
    sentence = "一九二一年七月，中国共产党第一次全国代表大会召开，宣告了中国共产党的正式成立。"
    point = (sentence * 12)[:480]
    long_sections = "".join(
        f"  - heading: 第{n}个很长的环节{'标题' * 30}\n    points:\n"
        + "".join(f"      - {point}\n" for _ in range(12))
        for n in range(1, 13))
    url_run = "https://example.org/" + "a" * 400
    (outlines / "chang-tigang.yml").write_text(_outline_yaml(
        "很长的提纲" + "长" * 70, long_sections,
        f"site_visit:\n  - site: gutian-huiyi-huizhi\n    activity: 参观 {url_run}\n"),
        encoding="utf-8")
    (outlines / "wenwu-tigang.yml").write_text(_outline_yaml(
        "一件文物讲遵义会议", "  - heading: 看文物\n    points:\n      - 观察文物\n"
        "    relics:\n      - zunyi-huiyi-guazhong\n    sites:\n      - zunyi-huiyi-huizhi\n"),
        encoding="utf-8")
    rare = RARE_RENDERED + RARE_UNCOVERED
    (outlines / "shengpi-zi.yml").write_text(_outline_yaml(
        f"生僻字{rare}测试", f"  - heading: 环节{rare}\n    points:\n      - 要点含{rare}等字\n"),
        encoding="utf-8")
    return load_catalog(root)[0]


@pytest.mark.parametrize("outline_id", ["kong-tigang", "chang-tigang", "shengpi-zi"])
def test_bad_input_still_gives_valid_files(edge_catalog: Catalog, outline_id: str,
                                           tmp_path: Path) -> None:
    for pack in (False, True):
        doc = outline_document(edge_catalog, outline_id, pack=pack)
        assert squash(doc.title) in squash(docx_text(export_document(doc, "docx").data,
                                                     tmp_path))
        text = squash(pdf_text(export_document(doc, "pdf").data, tmp_path))
        for heading in doc.headings():
            assert squash(heading).replace(RARE_UNCOVERED, "〓") in text, heading
        assert export_document(doc, "md").data.decode("utf-8").startswith("# ")


def test_long_outline_pdf_breaks_lines_within_the_page(edge_catalog: Catalog,
                                                       tmp_path: Path) -> None:
    data = export_outline(edge_catalog, "chang-tigang", "pdf").data
    path = tmp_path / "long.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert pages > 20
    # every word of the long address survives line breaking
    assert "a" * 400 in squash(pdf_text(data, tmp_path)).replace("-", "")
    # no text runs past the right margin: bounding boxes stay inside the page
    bbox = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "3", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox))
    assert right < 595 - 24 / 25.4 * 72 + 16  # right margin, less at most one hung mark


def test_rare_characters_render_or_are_marked(edge_catalog: Catalog, tmp_path: Path) -> None:
    result = export_outline(edge_catalog, "shengpi-zi", "pdf")
    text = pdf_text(result.data, tmp_path)
    for char in RARE_RENDERED:  # Noto CJK has 㐀; fonts-hanazono has 𠀀 and 𪚥
        assert char in text, f"{char} U+{ord(char):X} not rendered"
    assert result.missing == [RARE_UNCOVERED]
    assert "〓" in text
    assert any("HanaMin" in name for name in result.fallback_fonts), result.fallback_fonts
    # the DOCX keeps every character as typed: Word/WPS pick a font that has it
    assert RARE_RENDERED + RARE_UNCOVERED in docx_text(
        export_outline(edge_catalog, "shengpi-zi", "docx").data, tmp_path)


def test_without_fallback_fonts_rare_characters_become_marks(
        edge_catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "_KNOWN_FALLBACKS", ())
    monkeypatch.setattr(fonts, "_fc_list_for", lambda char: [])
    result = export_outline(edge_catalog, "shengpi-zi", "pdf")
    assert result.missing == sorted("𠀀𪚥" + RARE_UNCOVERED)
    text = pdf_text(result.data, tmp_path)
    assert "㐀" in text and "〓〓" in text
    assert all(row[-5:-3] == ["yes", "yes"] for row in pdf_fonts(result.data, tmp_path))


# --- determinism and the cache ---------------------------------------------------------

@pytest.mark.parametrize("fmt", ["docx", "pdf", "md"])
def test_same_input_gives_same_bytes(catalog: Catalog, fmt: str) -> None:
    first = export_outline(catalog, OUTLINE, fmt, pack=True).data
    second = export_outline(catalog, OUTLINE, fmt, pack=True).data
    assert first == second


def test_build_goes_on_while_downloads_export_and_gets_the_same_bytes(
        catalog: Catalog, tmp_path: Path) -> None:
    """A build starts its downloads in a worker (`prepare`) and places them at the end:
    starting must not wait for them, and the files must be those made here, in one
    process, byte for byte (the worker writes PDFs after other PDFs)."""
    import os

    from second_classroom.export.batch import prepare

    exporting = prepare(catalog, tmp_path / "cache")
    assert (os.cpu_count() or 1) < 2 or not exporting.done()  # a worker parses fonts for 1 s
    background = exporting.place(tmp_path / "site")
    here = export_all(catalog, tmp_path / "here", tmp_path / "cache-here", workers=1)
    assert background.exported == here.exported == background.files > 50
    made = {p.relative_to(tmp_path / "site"): p.read_bytes()
            for p in (tmp_path / "site").rglob("*.*")}
    assert made == {p.relative_to(tmp_path / "here"): p.read_bytes()
                    for p in (tmp_path / "here").rglob("*.*")}
    assert {p.suffix for p in made} == {".pdf", ".docx", ".md"}


def test_second_build_reuses_unchanged_exports(catalog: Catalog, tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "site"
    first = export_all(catalog, out, cache, outline_ids=[OUTLINE])
    assert (first.exported, first.reused) == (5, 0)
    files = {p.name: p.read_bytes() for p in (out / "outlines" / OUTLINE).iterdir()}
    assert set(files) == {d.href for d in download_links(catalog)[OUTLINE]}

    second = export_all(catalog, out, cache, outline_ids=[OUTLINE])
    assert (second.exported, second.reused) == (5 - 5, 5)
    assert {p.name: p.read_bytes() for p in (out / "outlines" / OUTLINE).iterdir()} == files

    # A person the outline uses changes: only the pack (which profiles them) is redone.
    person = used_records(catalog, catalog.records[OUTLINE])["people"][0]
    original = person.data["summary"]
    person.data["summary"] = original + "（已修订）"
    try:
        third = export_all(catalog, out, cache, outline_ids=[OUTLINE])
    finally:
        person.data["summary"] = original
    assert (third.exported, third.reused) == (2, 3)
    pack_pdf = out / "outlines" / OUTLINE / f"{OUTLINE}-jiangjiebao.pdf"
    assert "（已修订）" in pdf_text(pack_pdf.read_bytes(), tmp_path)


def test_pack_profiles_relics(edge_catalog: Catalog, tmp_path: Path) -> None:
    relic = edge_catalog.records["zunyi-huiyi-guazhong"]
    doc = outline_document(edge_catalog, "wenwu-tigang", pack=True)
    assert "三、文物史料" not in doc.headings()  # numbering continues after the outline
    assert any(h.endswith("文物史料") for h in doc.headings())
    for fmt, read in (("docx", docx_text), ("pdf", pdf_text)):
        body = squash(read(export_document(doc, fmt).data, tmp_path))
        assert squash(relic.title) in body, fmt
        assert squash(str(relic.data["era"])) in body, fmt


def test_outline_without_references_offers_no_pack(edge_catalog: Catalog) -> None:
    labels = [d.label for d in download_links(edge_catalog)["kong-tigang"]]
    assert labels == ["Word 文档（可编辑）", "PDF（打印）", "Markdown（粘贴）"]
    assert len(download_links(edge_catalog)[OUTLINE]) == 5


# --- the command ----------------------------------------------------------------------

def test_cli_exports_one_outline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "x.md"
    status = cli.main(["export", OUTLINE, "--format", "md", "--pack", "--out", str(target),
                       "--data", str(REPO / "site_data")])
    assert status == 0
    assert target.read_text("utf-8").startswith("# 党指挥枪的由来")
    assert "已导出讲解包" in capsys.readouterr().out


def test_cli_unknown_outline_suggests_the_close_one(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["export", "budui-guanbing", "--data", str(REPO / "site_data")])
    assert status == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"找不到编号为“budui-guanbing”的宣讲提纲，是否指“{OUTLINE}”？\n"


def test_cli_without_outline_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["export", "--data", str(REPO / "site_data")]) == 2
    assert "请给出提纲编号" in capsys.readouterr().err


def test_prune_cache_drops_only_long_unused_files(tmp_path: Path) -> None:
    import os
    import time

    from second_classroom.export.batch import CACHE_DAYS, prune_cache

    old = time.time() - (CACHE_DAYS + 1) * 86400
    files = {name: tmp_path / name[:2] / f"{name}.pdf" for name in ("aa1", "bb2", "cc3")}
    for path in files.values():
        path.parent.mkdir()
        path.write_bytes(b"%PDF")
        os.utime(path, (old, old))
    recent = tmp_path / "dd" / "dd4.docx"  # another branch's file, built last week
    recent.parent.mkdir()
    recent.write_bytes(b"PK")
    assert prune_cache(tmp_path, {files["aa1"]}) == 2
    assert sorted(p.name for p in tmp_path.rglob("*.*")) == ["aa1.pdf", "dd4.docx"]
    assert files["aa1"].stat().st_mtime > old + 86400  # used now: kept for another 30 days
