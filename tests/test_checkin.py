"""互动化 (#21): 打卡 by QR code, 我的足迹, and quizzes that cite their answers.

The refused-question cases (answer not among the choices, a missing or empty supporting
record, a repeated question) are fixtures under tests/fixtures/check/quiz-*, run by
tests/test_check.py. Browser tests run the sample site in Chromium at 390x844 and record
every request: nothing may leave the site.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import docx
import pytest
import zxingcpp
from a11y import violations
from conftest import (
    PHONE_CONTEXT,
    REPO,
    assert_fits_phone,
    requests_leaving,
    wait_for_service_worker,
)
from PIL import Image

from second_classroom.catalog import Catalog
from second_classroom.export import export_document
from second_classroom.export.batch import QUIZ_VARIANTS, download_links, export_all
from second_classroom.export.quiz import KEY_HEADING, quiz_document
from second_classroom.models import TRUE_FALSE
from second_classroom.render import RenderOptions, page_address, record_page
from second_classroom.render.interact import CHECKIN_QUERY, quiz_items

SITE = "zhonggong-yida-jinianguan"  # on a route of 2 stops and in both sample 读书班
ROUTE = "shanghai-kaitian-pidi-yiri"
OTHER = "longhua-lieshi-lingyuan"  # the route's other stop
OUTLINE = "qingshaonian-xuezhan-xiangjiang"
QUIZ_OUTLINES = ("qingshaonian-xuezhan-xiangjiang", "qingshaonian-kaitian-pidi",
                 "nongcun-qunzhong-youjiang-hongqi")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return "".join(_flat(v) for v in value.values())
    if isinstance(value, list):
        return "".join(_flat(v) for v in value)
    return str(value)


# --- data -----------------------------------------------------------------------------

def test_three_outlines_carry_five_or_more_questions(catalog: Catalog) -> None:
    for outline_id in QUIZ_OUTLINES:
        assert len(catalog.records[outline_id].data["questions"]) >= 5, outline_id


def test_every_sample_answer_is_written_in_the_record_field_it_cites(catalog: Catalog) -> None:
    """A choice question's answer appears word for word in the cited field; that record
    has sources. Nothing in a quiz is a fact of its own."""
    checked = 0
    for record in catalog.records.values():
        for q in record.data.get("questions", []):
            kind, record_id = q["basis"]["record"].split("/")
            basis = catalog.records[record_id]
            assert basis.kind == kind and basis.data.get("sources"), q["question"]
            text = _flat(basis.data[q["basis"]["field"]])
            if q.get("choices"):
                assert q["answer"] in text, (q["question"], q["answer"], basis.id)
                checked += 1
            else:
                assert q["answer"] in TRUE_FALSE
    assert checked >= 12  # most sample questions are choice questions, checked word for word


def test_qr_address_opens_check_in_mode(catalog: Catalog) -> None:
    site = catalog.records[SITE]
    options = RenderOptions(site_url="https://example.org/")
    assert page_address(options, site) == f"https://example.org/sites/{SITE}/?at=qr"
    assert CHECKIN_QUERY == "?at=qr"  # printed on posters: a change breaks them


def test_site_page_carries_what_footprints_need(catalog: Catalog) -> None:
    html = record_page(catalog, catalog.records[SITE], RenderOptions()).html
    raw = re.search(r'data-sc-checkin="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    data = json.loads(raw.replace("&#34;", '"'))
    assert data["id"] == SITE and data["province"] == "上海市"
    route = next(r for r in data["routes"] if r["id"] == ROUTE)
    assert [s[0] for s in route["stops"]] == [SITE, OTHER]
    plans = {p["id"]: p for p in data["plans"]}
    assert set(plans) == {"dangyuan-ganbu-dangshi-dushuban", "qingshaonian-hongse-jiyin-yanxueban"}
    # The check-in box is hidden without JavaScript: it cannot work without it.
    assert re.search(r'<section class="sc-checkin"[^>]*\bhidden>', html)


def test_without_javascript_the_quiz_is_a_list_with_its_answers_after_it(
        catalog: Catalog) -> None:
    outline = catalog.records[OUTLINE]
    html = record_page(catalog, outline, RenderOptions()).html
    quiz = html[html.index('<section class="sc-quiz"'):]
    key = quiz.index('class="sc-quiz__key"')
    for n, q in enumerate(outline.data["questions"], start=1):
        assert quiz.index(q["question"]) < key
        assert f"第 {n} 题答案：{q['answer']}" in quiz[key:]
        assert q["explanation"] in quiz[key:]
    assert '<section class="sc-quiz__key"' in quiz and "sc-quiz__key\" hidden" not in quiz
    # Real controls with labels: every radio sits inside its label.
    assert quiz.count('<label class="sc-quiz__choice"><input type="radio"') == sum(
        len(q.get("choices") or TRUE_FALSE) for q in outline.data["questions"])


# --- downloads -----------------------------------------------------------------------

def test_quiz_sheet_is_offered_only_for_outlines_with_questions(catalog: Catalog) -> None:
    links = download_links(catalog)
    for outline in catalog.by_kind["outlines"]:
        hrefs = {d.href for d in links[outline.id]}
        wanted = {v.filename(outline.id) for v in QUIZ_VARIANTS}
        assert (wanted <= hrefs) == bool(outline.data.get("questions")), outline.id


def test_quiz_sheet_docx_has_questions_then_the_key_on_a_new_page(catalog: Catalog) -> None:
    outline = catalog.records[OUTLINE]
    data = export_document(quiz_document(catalog, OUTLINE), "docx").data
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    key_at = texts.index(KEY_HEADING)
    # The key starts after a page break.
    breaks = [i for i, p in enumerate(document.paragraphs)
              if 'w:br w:type="page"' in p._p.xml]
    assert breaks and max(b for b in breaks if b < key_at) == key_at - 1
    before, after = "\n".join(texts[:key_at]), "\n".join(texts[key_at:])
    for q in outline.data["questions"]:
        assert q["question"] in before
        assert q["explanation"] not in before and q["explanation"] in after
        assert q["answer"] in after
    assert "出处：" in after and "出处：" not in before


def test_quiz_sheet_pdf_puts_the_answer_key_on_its_own_page(catalog: Catalog,
                                                          tmp_path: Path) -> None:
    outline = catalog.records[OUTLINE]
    path = tmp_path / "quiz.pdf"
    path.write_bytes(export_document(quiz_document(catalog, OUTLINE), "pdf").data)
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(  # type: ignore[union-attr]
        ["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout).group(1))

    def page_text(n: int) -> str:
        return squash(subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-enc",
                                      "UTF-8", str(path), "-"], capture_output=True,
                                     text=True, check=True).stdout)

    texts = [page_text(n) for n in range(1, pages + 1)]
    key_page = next(i for i, t in enumerate(texts) if t.startswith(KEY_HEADING)
                    or KEY_HEADING in t[:40])
    questions = "".join(texts[:key_page])
    key = "".join(texts[key_page:])
    for q in outline.data["questions"]:
        assert squash(q["question"]) in questions
        assert squash(q["explanation"]) not in questions
        assert squash(q["explanation"]) in key
    assert "答案" not in questions.replace("正确答案", "")


def test_quiz_sheet_files_are_written_next_to_the_outline(catalog: Catalog,
                                                          tmp_path: Path) -> None:
    export_all(catalog, tmp_path / "site", tmp_path / "cache", outline_ids=[OUTLINE])
    folder = tmp_path / "site" / "outlines" / OUTLINE
    for variant in QUIZ_VARIANTS:
        assert (folder / variant.filename(OUTLINE)).stat().st_size > 1000


# --- in Chromium ---------------------------------------------------------------------


def _footprints(page: Any, base: str) -> None:
    page.goto(f"{base}footprints/")
    page.locator(".sc-footprints__backup").wait_for()


def test_qr_code_from_a_screenshot_opens_check_in_mode(phone: Any, site_url: str,
                                                       catalog: Catalog, artifacts: Path) -> None:
    import yaml

    base = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))["site_url"]
    outside = requests_leaving(phone, site_url)
    phone.goto(f"{site_url}sites/{SITE}/")
    shot = artifacts / "checkin-qr.png"
    phone.locator(".sc-qr svg").screenshot(path=str(shot))
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(shot))]
    assert decoded == [f"{base.rstrip('/')}/sites/{SITE}/?at=qr"]
    # The decoded address, on this server, opens the page in check-in mode.
    phone.goto(site_url + decoded[0].removeprefix(base.rstrip("/") + "/"))
    assert phone.locator(".sc-checkin__button").inner_text() == "打卡"
    assert phone.locator(".sc-checkin__qr").is_visible()
    assert outside == []


def test_check_in_footprints_reload_clear_export_and_import(
        browser: Any, site_url: str, catalog: Catalog, tmp_path: Path, artifacts: Path) -> None:
    context = browser.new_context(**PHONE_CONTEXT, accept_downloads=True)
    page = context.new_page()
    outside = requests_leaving(page, site_url)
    route = catalog.records[ROUTE]
    site = catalog.records[SITE]
    try:
        page.goto(f"{site_url}sites/{SITE}/?at=qr")
        button = page.locator(".sc-checkin__button")
        assert button.inner_text() == "打卡"
        button.click()
        assert "在现场扫码打卡" in page.locator(".sc-checkin__status").inner_text()
        page.screenshot(path=str(artifacts / "checkin-site.png"))

        # Opened without the QR code: an honest label.
        page.goto(f"{site_url}sites/xiangjiang-zhanyi-jinianyuan/")
        assert page.locator(".sc-checkin__button").inner_text() == "标记为已参观"
        page.locator(".sc-checkin__button").click()
        assert "标记为已参观" in page.locator(".sc-checkin__status").inner_text()

        def assert_footprints() -> None:
            _footprints(page, site_url)
            assert page.locator(".sc-footprints__count").inner_text() == "已打卡 2 处红色地标"
            provinces = page.locator(".sc-footprints__provinces").inner_text()
            assert "上海市（1 处）" in provinces and site.title in provinces
            assert "广西壮族自治区（1 处）" in provinces
            assert "建党（1 处）" in page.locator(".sc-footprints__themes").inner_text()
            routes = page.locator(".sc-footprints__routes").inner_text()
            assert f"{route.title}：已到 1/2 处" in routes
            assert "广西“湘江战役—左右江”红色研学线路：已到 1/7 处" in routes
            plans = page.locator(".sc-footprints__plans").inner_text()
            assert "红色基因代代传——青少年学生党史学习计划" in plans
            assert "现场学习：走进中共一大纪念馆：已到 1/1 处" in plans

        assert_footprints()
        page.screenshot(path=str(artifacts / "footprints.png"), full_page=True)
        page.reload()
        assert_footprints()

        # A share picture, drawn on the phone: a PNG with no personal data.
        page.locator(".sc-footprints__make").click()
        page.locator(".sc-footprints__picture img").wait_for()
        img = page.locator(".sc-footprints__picture img")
        assert img.get_attribute("src").startswith("data:image/png;base64,")  # type: ignore[union-attr]
        assert img.evaluate("i => i.complete && i.naturalWidth") == 1080  # shown, CSP allows it
        with page.expect_download() as picture:
            page.locator(".sc-footprints__picture a").click()
        shared = artifacts / picture.value.suggested_filename
        picture.value.save_as(shared)
        assert shared.name == "我的红色足迹.png"
        with Image.open(shared) as image:
            assert (image.format, image.size) == ("PNG", (1080, 1440))
            assert len(image.getcolors(1 << 20) or []) > 10  # drawn text, not a blank canvas

        with page.expect_download() as info:
            page.locator(".sc-footprints__export").click()
        saved = tmp_path / "zuji.json"
        info.value.save_as(saved)
        exported = json.loads(saved.read_text("utf-8"))
        assert set(exported["footprints"]["sites"]) == {SITE, "xiangjiang-zhanyi-jinianyuan"}
        assert saved.stat().st_size < 20_000

        # Clear: one tap, then a confirmation; quiz scores go too.
        page.evaluate("localStorage.setItem('sc-quiz:x', JSON.stringify({_: {title: 't', url: "
                      "'outlines/x/', right: 1, done: 1, total: 2}}))")
        page.reload()
        assert "t：答对 1 题" in page.locator(".sc-footprints__quizzes").inner_text()
        page.locator(".sc-footprints__ask").click()
        assert page.locator(".sc-footprints__confirm").is_visible()
        page.locator(".sc-footprints__no").click()
        assert page.locator(".sc-footprints__count").inner_text() == "已打卡 2 处红色地标"
        page.locator(".sc-footprints__ask").click()
        page.locator(".sc-footprints__yes").click()
        assert page.locator(".sc-footprints__empty").is_visible()
        assert page.evaluate("localStorage.getItem('sc-footprints')") is None
        assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('sc-quiz:'))") == []
        page.reload()
        page.locator(".sc-footprints__empty").wait_for()
        assert page.locator(".sc-footprints__routes").is_hidden()
    finally:
        context.close()

    # A new phone: import the file.
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    outside += requests_leaving(page, site_url)
    try:
        _footprints(page, site_url)
        assert page.locator(".sc-footprints__empty").is_visible()
        page.locator(".sc-footprints__import input").set_input_files(str(saved))
        page.locator(".sc-footprints__status", has_text="已导入").wait_for()
        assert "新增 2 处" in page.locator(".sc-footprints__status").inner_text()
        assert_footprints()
        page.goto(f"{site_url}sites/{SITE}/")
        assert "在现场扫码打卡" in page.locator(".sc-checkin__status").inner_text()
    finally:
        context.close()
    assert outside == []


def test_quiz_reveals_right_wrong_explanation_and_link_and_keeps_the_score(
        phone: Any, site_url: str, catalog: Catalog, artifacts: Path) -> None:
    outside = requests_leaving(phone, site_url)
    outline = catalog.records[OUTLINE]
    questions = outline.data["questions"]
    phone.goto(f"{site_url}outlines/{OUTLINE}/")
    quiz = phone.locator(".sc-quiz")
    assert quiz.locator(".sc-quiz__key").is_hidden()
    first, second = quiz.locator("#quiz-1"), quiz.locator("#quiz-2")
    wrong = next(c for c in questions[0]["choices"] if c != questions[0]["answer"])
    first.get_by_label(wrong, exact=True).check()
    result = first.locator(".sc-quiz__result")
    assert f"回答错误，正确答案是：{questions[0]['answer']}" in result.inner_text()
    assert questions[0]["explanation"] in result.inner_text()
    href = result.locator("a").get_attribute("href")
    assert href is not None and href.endswith("sites/xiangjiang-zhanyi-jinianyuan/")
    second.get_by_label(questions[1]["answer"], exact=True).check()
    assert "回答正确" in second.locator(".sc-quiz__result").inner_text()
    score = quiz.locator(".sc-quiz__score")
    assert score.inner_text() == f"得分：答对 1 题，已答 2 / {len(questions)} 题。"
    # The first answer counts: the choices are locked.
    assert first.locator("input").first.is_disabled()
    quiz.screenshot(path=str(artifacts / "quiz.png"))
    phone.reload()
    assert score.inner_text() == f"得分：答对 1 题，已答 2 / {len(questions)} 题。"
    assert first.get_by_label(wrong, exact=True).is_checked()
    assert "回答错误" in first.locator(".sc-quiz__result").inner_text()
    # The link leads to the record that supports the answer.
    first.locator(".sc-quiz__result a").click()
    assert phone.locator("h1").first.inner_text() == "红军长征湘江战役纪念园"
    # 我的足迹 lists the score too.
    _footprints(phone, site_url)
    scores = phone.locator(".sc-footprints__quizzes")
    assert f"{outline.title}：答对 1 题，已答 2 / {len(questions)} 题" in scores.inner_text()
    phone.goto(f"{site_url}outlines/{OUTLINE}/")
    quiz.locator(".sc-quiz__again button").click()
    assert score.inner_text() == "点选一个选项，即可看到对错、解析和出处。"
    assert not first.locator("input").first.is_disabled()
    _footprints(phone, site_url)
    assert scores.is_hidden()
    assert outside == []


def test_without_javascript_quiz_lists_answers_and_check_in_stays_hidden(
        browser: Any, site_url: str, catalog: Catalog) -> None:
    context = browser.new_context(**PHONE_CONTEXT, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{site_url}outlines/{OUTLINE}/")
        key = page.locator(".sc-quiz__key")
        assert key.is_visible()
        for q in catalog.records[OUTLINE].data["questions"]:
            assert q["answer"] in key.inner_text()
        page.goto(f"{site_url}sites/{SITE}/")
        assert page.locator(".sc-checkin").is_hidden()
    finally:
        context.close()


def test_large_text_keeps_quiz_and_footprints_usable_at_390(
        browser: Any, site_url: str) -> None:
    context = browser.new_context(**PHONE_CONTEXT)
    context.add_init_script("try { localStorage.setItem('sc-text-size', 'xl'); } catch (e) {}")
    page = context.new_page()
    try:
        page.goto(f"{site_url}outlines/{OUTLINE}/")
        assert page.evaluate("document.documentElement.getAttribute('data-sc-text')") == "xl"
        assert_fits_phone(page)
        for box in (c.bounding_box() for c in page.locator(".sc-quiz__choice").all()):
            assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 390
        page.goto(f"{site_url}sites/{SITE}/?at=qr")
        page.locator(".sc-checkin__button").click()
        _footprints(page, site_url)
        assert_fits_phone(page)
    finally:
        context.close()


def test_new_pages_pass_axe(axe_phone: Any, site_url: str) -> None:
    axe_phone.goto(f"{site_url}sites/{SITE}/?at=qr")
    axe_phone.locator(".sc-checkin__button").click()
    assert violations(axe_phone, ".sc-checkin") == []
    axe_phone.goto(f"{site_url}outlines/{OUTLINE}/")
    axe_phone.locator("#quiz-1 input").first.check()
    assert violations(axe_phone, ".sc-quiz") == []
    axe_phone.goto(f"{site_url}footprints/")
    axe_phone.locator(".sc-footprints__summary").wait_for()
    assert violations(axe_phone) == []
    axe_phone.locator(".sc-footprints__ask").click()  # the confirmation, open
    axe_phone.locator(".sc-footprints__make").click()  # and the share picture, shown
    axe_phone.locator(".sc-footprints__picture img").wait_for()
    # The page's own part: scrolled down, the theme's header title is mid-transition.
    assert violations(axe_phone, ".sc-footprints") == []


def test_check_in_mode_opens_offline_from_the_saved_page(browser: Any, gzip_site: Any) -> None:
    """The service worker keeps a page under its plain address; scanning its QR code in a
    hall without signal still opens it in check-in mode."""
    base = gzip_site.url
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    outside = requests_leaving(page, base)
    try:
        page.goto(f"{base}sites/{SITE}/")
        wait_for_service_worker(page)
        page.reload()  # now through the worker, which keeps the page
        context.set_offline(True)
        page.goto(f"{base}sites/{SITE}/?at=qr")
        assert page.locator(".sc-checkin__button").inner_text() == "打卡"
        page.locator(".sc-checkin__button").click()
        assert "在现场扫码打卡" in page.locator(".sc-checkin__status").inner_text()
    finally:
        context.set_offline(False)
        context.close()
    assert outside == []


@pytest.mark.parametrize("record_id", ["xiangjiang-zhanyi-jinianyuan", "qingshaonian-hongse-jiyin-yanxueban", *QUIZ_OUTLINES])
def test_quiz_items_link_every_answer_to_a_record(catalog: Catalog, record_id: str) -> None:
    items = quiz_items(catalog, catalog.records[record_id])
    assert items
    for item in items:
        assert item.basis is not None and item.basis_label
        assert item.answer in item.choices


def test_home_page_links_to_footprints_which_stays_out_of_the_sitemap(built_site: Path) -> None:
    assert 'href="footprints/"' in (built_site / "index.html").read_text("utf-8")
    assert (built_site / "footprints" / "index.html").is_file()
    assert "footprints/" not in (built_site / "sitemap.xml").read_text("utf-8")


def test_cli_exports_the_quiz_sheet_and_refuses_an_outline_without_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from second_classroom import cli

    monkeypatch.chdir(tmp_path)
    data = str(REPO / "site_data")
    assert cli.main(["export", OUTLINE, "--quiz", "--format", "md", "--data", data]) == 0
    text = (tmp_path / f"{OUTLINE}-ceyan.md").read_text("utf-8")
    assert text.index("湘江战役发生在什么时候") < text.index(KEY_HEADING)
    assert "已导出互动测验" in capsys.readouterr().out
    assert cli.main(["export", "budui-guanbing-dang-zhihui-qiang", "--quiz",
                     "--data", data]) == 1
    assert "没有测验题" in capsys.readouterr().err


def test_import_refuses_a_file_that_is_not_a_footprints_file(phone: Any, site_url: str,
                                                             tmp_path: Path) -> None:
    bad = tmp_path / "other.json"
    bad.write_text(json.dumps({"sites": {"x": {"name": "<img src=x onerror=alert(1)>"}}}),
                   "utf-8")
    _footprints(phone, site_url)
    phone.locator(".sc-footprints__import input").set_input_files(str(bad))
    phone.locator(".sc-footprints__status", has_text="无法导入").wait_for()
    assert phone.evaluate("localStorage.getItem('sc-footprints')") is None
    # A footprints file whose text tries to be markup or a script link stays text.
    evil = tmp_path / "evil.json"
    evil.write_text(json.dumps({"format": "第二课堂足迹", "version": 1, "footprints": {
        "sites": {"x-y": {"name": "<b>x</b>", "url": "javascript:alert(1)//", "date": "2026-12-01",
                          "province": "上海市", "themes": []}}, "routes": {}, "plans": {}}}),
        "utf-8")
    phone.locator(".sc-footprints__import input").set_input_files(str(evil))
    phone.locator(".sc-footprints__status", has_text="已导入").wait_for()
    provinces = phone.locator(".sc-footprints__provinces")
    assert "<b>x</b>" in provinces.inner_text()
    assert provinces.locator("a").count() == 0 and provinces.locator("b").count() == 0
