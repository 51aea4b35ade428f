"""专题读书班 (study plans, #13): data, pages, progress on the phone, offline, downloads.

The bad-input cases (missing reading, chapter, outline, site or route; non-positive
duration; end before start; duplicate order; no sessions) are fixtures under
tests/fixtures/check/studyplan-*, run by tests/test_check.py.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import (
    PHONE_CONTEXT,
    REPO,
    build_site,
    requests_leaving,
    serve,
    site_config,
    wait_for_service_worker,
)

from second_classroom.catalog import Catalog, build_catalog
from second_classroom.check import check_tree
from second_classroom.export import export_document
from second_classroom.export.batch import PLAN_VARIANTS, download_links, export_all
from second_classroom.export.plan import PARTS, SIGN_IN_ROWS, plan_document
from second_classroom.models import STUDYPLANS
from second_classroom.render import RenderOptions, record_page
from second_classroom.render.studyplan import progress_spec, session_digest

PLAN = "dangyuan-ganbu-dangshi-dushuban"
YOUTH = "qingshaonian-hongse-jiyin-yanxueban"
CASES = REPO / "tests" / "fixtures" / "check"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def visible_text(html: str) -> str:
    """Return what a browser without JavaScript shows: `hidden` elements dropped."""
    html = re.sub(r"<(label|section|p)\b[^>]*\bhidden\b[^>]*>.*?</\1>", "", html, flags=re.S)
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", "", html)


# --- data -----------------------------------------------------------------------------

def test_sample_plans_use_only_existing_records(catalog: Catalog) -> None:
    plans = {r.id: r for r in catalog.by_kind[STUDYPLANS.name]}
    assert set(plans) == {PLAN, YOUTH}
    cadre = plans[PLAN].data
    assert cadre["audience"] == "党员干部" and plans[YOUTH].data["audience"] == "青少年学生"
    assert len(cadre["sessions"]) == 5 and cadre["sample"] is True  # five half-days, 示例
    used = {ref.kind: set() for ref in plans[PLAN].refs}
    for ref in plans[PLAN].refs:
        used[ref.kind].add(ref.id)
    four_books = {"lun-zhongguo-gongchandang-lishi", "mao-deng-jiang-hu-lun-dangshi-zhaibian",
                  "xi-sixiang-xuexi-wenda", "zhongguo-gongchandang-jianshi"}
    assert four_books <= used["readings"]
    assert any(i.startswith("qiushi-") for i in used["readings"])
    assert used["outlines"] and used["routes"]
    forms = {s["form"] for s in cadre["sessions"]}
    assert {"集中学习", "自学", "专题党课", "现场教学", "研讨交流"} <= forms


def test_chapters_resolve_and_show_their_title(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES / "studyplan-ok")
    result = check_tree(Path("."), dt.date(2026, 11, 25))
    assert result.problems == []
    catalog = build_catalog(result.records, result.vocab)
    html = record_page(catalog, catalog.records["dushuban"], RenderOptions()).html
    assert ('<a href="../../readings/jianshi/#chapter-2">《示例读本》</a>'
            '<span class="sc-chapter">第二章</span>') in html
    reading = record_page(catalog, catalog.records["jianshi"], RenderOptions()).html
    assert '<li id="chapter-2">第二章</li>' in reading
    doc = plan_document(catalog, "dushuban", "richeng")
    assert "《示例读本》 第二章" in doc.text()


@pytest.mark.parametrize(("typed", "minutes"), [
    ("90", 90), ("90分钟", 90), ("3小时", 180), ("1.5小时", 90), ("1.1小时", 66),
    ("2 小时", 120), ("0分钟", None), ("-2小时", None), ("半天", None), ("1.25分钟", None),
    ("25小时", None), ("0.5小时", 30),
])
def test_durations_are_positive_whole_minutes(typed: str, minutes: int | None) -> None:
    from second_classroom.load import Scalar
    from second_classroom.models import MISSING, Context, Duration, Vocab
    from second_classroom.problems import Mark

    ctx = Context("x.yml", Vocab(), Path("."))
    value = Duration().convert(Scalar(typed, Mark(1, 1), plain=True), ctx, "duration")
    assert (None if value is MISSING else value) == minutes
    assert bool(ctx.problems) == (minutes is None)


def test_durations_read_as_chinese() -> None:
    from second_classroom.models import minutes_text

    assert [minutes_text(m) for m in (45, 60, 90, 150, 405)] == [
        "45 分钟", "1 小时", "90 分钟", "2 小时 30 分钟", "6 小时 45 分钟"]


# --- progress keys -------------------------------------------------------------------

def test_session_digest_follows_only_its_own_session(catalog: Catalog) -> None:
    plan = catalog.records[PLAN].data
    changed = copy.deepcopy(plan)
    changed["sessions"][2]["title"] += "（调整）"
    before = [session_digest(s) for s in plan["sessions"]]
    after = [session_digest(s) for s in changed["sessions"]]
    assert [b == a for b, a in zip(before, after, strict=True)] == [True, True, False, True, True]
    assert len(set(before)) == 5
    assert progress_spec(plan).split()[0] == f"{before[0]}:2"  # the session + one reading


# --- pages ---------------------------------------------------------------------------

def test_plan_page_reads_as_a_full_schedule_without_javascript(catalog: Catalog) -> None:
    plan = catalog.records[PLAN]
    html = record_page(catalog, plan, RenderOptions()).html
    text = squash(visible_text(html))
    for day in ("第一天", "第二天", "第三天"):
        assert day in text
    for session in plan.data["sessions"]:
        assert squash(session["title"]) in text
        for question in session.get("questions", []):
            assert squash(question) in text
        if session.get("reflection"):
            assert squash(session["reflection"]) in text
        for use in session.get("readings", []):
            assert squash(catalog.records[use["reading"]].title) in text
    assert "示例" in text and "2026年12月7日至2026年12月9日（示例）" in text
    # Ticks, the bar and the note on privacy appear only where JavaScript can keep them.
    assert 'class="sc-tick" hidden' in html and 'data-sc-progress data-sc-progress-keys' in html
    assert "不会发送到任何地方" in html and "不会发送到任何地方" not in text
    # The route's stops have their navigation links; the outline links its page.
    route = catalog.records["shanghai-kaitian-pidi-yiri"]
    assert html.count('data-map="高德地图"') == len(route.data["stops"])
    assert catalog.records["dangyuan-ganbu-yonghao-hongse-ziyuan"].url in html


def test_youth_plan_site_has_navigation_buttons(catalog: Catalog) -> None:
    html = record_page(catalog, catalog.records[YOUTH], RenderOptions()).html
    assert "中共一大纪念馆" in html
    assert all(f'data-map="{app}"' in html for app in ("高德地图", "百度地图", "腾讯地图"))
    assert "sc-sample" in html and "所列日期" not in html  # no dates, none called 示例


@pytest.mark.parametrize(("record_id", "kind"), [
    ("lun-zhongguo-gongchandang-lishi", "readings"),
    ("dangyuan-ganbu-yonghao-hongse-ziyuan", "outlines"),
    ("zhonggong-yida-jinianguan", "sites"),
    ("shanghai-kaitian-pidi-yiri", "routes"),
])
def test_used_records_link_back_to_their_plans(catalog: Catalog, record_id: str,
                                               kind: str) -> None:
    record = catalog.records[record_id]
    assert record.kind == kind
    html = record_page(catalog, record, RenderOptions()).html
    assert "用于以下读书班" in html
    section = html[html.index("用于以下读书班"):]
    plans = [p for p in catalog.by_kind[STUDYPLANS.name]
             if record_id in {ref.id for ref in p.refs}]
    assert plans and all(p.url in section for p in plans)


def test_reading_page_carries_the_plans_progress_keys(catalog: Catalog) -> None:
    reading = catalog.records["zhongguo-gongchandang-jianshi"]  # used by both plans
    html = record_page(catalog, reading, RenderOptions()).html
    for plan_id in (PLAN, YOUTH):
        keys = progress_spec(catalog.records[plan_id].data)
        assert f'data-sc-plan-id="{plan_id}" data-sc-progress-keys="{keys}"' in html


# --- downloads -----------------------------------------------------------------------

def test_plan_downloads_are_declared_and_written(catalog: Catalog, tmp_path: Path) -> None:
    links = download_links(catalog)[PLAN]
    assert [d.href for d in links] == [v.filename(PLAN) for v in PLAN_VARIANTS]
    stats = export_all(catalog, tmp_path / "site", tmp_path / "cache", outline_ids=[PLAN])
    assert stats.exported == len(PLAN_VARIANTS)
    folder = tmp_path / "site" / "studyplans" / PLAN
    assert sorted(p.name for p in folder.iterdir()) == sorted(d.href for d in links)
    again = export_all(catalog, tmp_path / "site", tmp_path / "cache", outline_ids=[PLAN])
    assert (again.exported, again.reused) == (0, len(PLAN_VARIANTS))


def _docx(catalog: Catalog, part: str) -> Any:
    data = export_document(plan_document(catalog, PLAN, part), "docx").data
    return docx.Document(io.BytesIO(data))


def test_docx_schedule_headings_and_sign_in_rows(catalog: Catalog) -> None:
    sessions = sorted(catalog.records[PLAN].data["sessions"], key=lambda s: s["order"])
    schedule = _docx(catalog, "richeng")
    headings = [p.text for p in schedule.paragraphs if p.style.name == "Heading 1"]
    assert [squash(h) for h in headings] == [
        squash(f"{c}、第{c}次{s['title']}") for c, s in zip("一二三四五", sessions, strict=True)]
    assert schedule.paragraphs[0].text == catalog.records[PLAN].title
    assert schedule.paragraphs[0].style.name == "Title"
    overview = schedule.tables[0]
    assert [c.text for c in overview.rows[0].cells] == ["次序", "时间", "形式", "内容", "时长"]
    assert len(overview.rows) == 1 + len(sessions)

    sign_in = _docx(catalog, "qiandao")
    assert len(sign_in.tables) == len(sessions)
    for table in sign_in.tables:
        rows = table.rows
        assert [c.text for c in rows[0].cells] == ["序号", "姓名", "单位或支部", "签到", "备注"]
        assert len(rows) == 1 + SIGN_IN_ROWS
        assert [r.cells[0].text for r in rows[1:]] == [str(n) for n in range(1, SIGN_IN_ROWS + 1)]
        assert all(c.text == "" for r in rows[1:] for c in r.cells[1:])  # blank to sign

    record = _docx(catalog, "jilu")
    assert sum(1 for t in record.tables if t.rows[0].cells[0].text == "心得体会") == len(sessions)
    questions = _docx(catalog, "yantao")
    text = "\n".join(p.text for p in questions.paragraphs)
    for s in sessions:
        for q in s.get("questions", []):
            assert q in text


def test_pdf_has_title_and_every_session(catalog: Catalog, tmp_path: Path) -> None:
    doc = plan_document(catalog, PLAN, "quanbu")
    path = tmp_path / "plan.pdf"
    path.write_bytes(export_document(doc, "pdf").data)
    text = squash(subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                                 capture_output=True, text=True, check=True).stdout)
    assert squash(catalog.records[PLAN].title) in text
    for s in catalog.records[PLAN].data["sessions"]:
        assert text.count(squash(s["title"])) >= 4  # 日程表 (twice), 签到表, 学习记录
    for part in ("签到表", "学习记录", "研讨题"):
        assert part in text
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                           check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= 4  # type: ignore[union-attr]


def test_markdown_schedule_is_a_table_and_escaped(catalog: Catalog) -> None:
    md = export_document(plan_document(catalog, PLAN, "richeng"), "md").data.decode()
    assert "| 次序 | 时间 | 形式 | 内容 | 时长 |" in md
    assert md.count("\n| ") >= 6
    assert set(PARTS) == {"richeng", "qiandao", "jilu", "yantao", "quanbu"}


# --- in Chromium ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def editable_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, str]]:
    """A copy of site_data built and served, so a test can change a plan and rebuild."""
    work = tmp_path_factory.mktemp("plans")
    data = work / "site_data"
    shutil.copytree(REPO / "site_data", data)
    config = site_config(work, data, search=False, downloads=False)
    out = work / "site"
    done = build_site(config, out)
    assert done.returncode == 0, done.stderr[-3000:]
    server, url = serve(out)
    yield data, config, url
    server.shutdown()


def _bar(page: Any) -> tuple[int, int]:
    value = page.eval_on_selector(".sc-studyplan progress", "p => [p.value, p.max]")
    return int(value[0]), int(value[1])


def test_without_javascript_the_schedule_is_all_there(
        browser: Any, editable_site: tuple[Path, Path, str], catalog: Catalog) -> None:
    context = browser.new_context(**PHONE_CONTEXT, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{editable_site[2]}studyplans/{PLAN}/")
        shown = squash(page.locator(".sc-schedule").inner_text())
        for s in catalog.records[PLAN].data["sessions"]:
            assert squash(s["title"]) in shown
        assert page.locator(".sc-tick").first.is_hidden()
        assert page.locator(".sc-progress").first.is_hidden()
    finally:
        context.close()


def test_ticks_survive_a_reload_and_a_rebuild_flags_changed_sessions(
        browser: Any, editable_site: tuple[Path, Path, str], artifacts: Path) -> None:
    data, config, base = editable_site
    # Ticks live in localStorage; the service worker (tested on its own) is kept out, so a
    # new worker taking over after the rebuild cannot hold a reload up.
    context = browser.new_context(**PHONE_CONTEXT, service_workers="block")
    page = context.new_page()
    outside = requests_leaving(page, base)
    try:
        page.goto(f"{base}studyplans/{PLAN}/")
        first = page.locator("#session-1 input[data-sc-item='done']")
        third = page.locator("#session-3 input[data-sc-item='r1']")
        assert first.is_visible() and third.is_visible()
        assert page.locator(".sc-privacy").first.is_visible()
        total = _bar(page)[1]
        first.check()
        third.check()
        assert _bar(page) == (2, total)
        page.reload()
        assert first.is_checked() and third.is_checked()
        assert _bar(page) == (2, total)
        assert "已完成 2 / " in page.locator(".sc-studyplan .sc-progress__text").inner_text()

        # The reading page of session 3's first reading shows the same progress.
        page.goto(f"{base}readings/qiushi-2021-10-hongse-ziyuan/")
        bar = page.locator(f"[data-sc-plan-id='{PLAN}']")
        assert bar.is_visible() and "已完成 2 / " in bar.inner_text()

        # The editors change session 3 and rebuild the site.
        plan_file = data / "studyplans" / f"{PLAN}.yml"
        text = plan_file.read_text("utf-8")
        plan_file.write_text(text.replace("title: 专题党课：用好红色资源 赓续红色血脉",
                                          "title: 专题党课：用好红色资源 赓续红色血脉（调整）"),
                             "utf-8")
        done = build_site(config, config.parent / "site")
        assert done.returncode == 0, done.stderr[-3000:]
        page.goto(f"{base}studyplans/{PLAN}/")
        assert "（调整）" in page.locator("#session-3 h4").inner_text()
        assert page.locator("#session-1 input[data-sc-item='done']").is_checked()
        assert not page.locator("#session-3 input[data-sc-item='r1']").is_checked()
        assert page.locator("#session-3 .sc-changed").is_visible()
        assert not page.locator("#session-1 .sc-changed").is_visible()
        assert _bar(page) == (1, total)
        page.screenshot(path=str(artifacts / "studyplan-changed.png"), full_page=True)
        # Ticking the changed session again clears the flag and keeps the new tick.
        page.locator("#session-3 input[data-sc-item='done']").check()
        page.reload()
        assert not page.locator("#session-3 .sc-changed").is_visible()
        assert _bar(page) == (2, total)
        stored = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('sc-plan'))")
        assert len(stored) == 3  # the index and the two sessions' ticks, old ones dropped
    finally:
        context.close()
        shutil.copy(REPO / "site_data" / "studyplans" / f"{PLAN}.yml",
                    data / "studyplans" / f"{PLAN}.yml")
    assert outside == []


def test_save_plan_offline_and_reopen(browser: Any, gzip_site: Any, catalog: Catalog) -> None:
    base = gzip_site.url
    context = browser.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    outside = requests_leaving(page, base)
    try:
        page.goto(f"{base}studyplans/{PLAN}/")
        wait_for_service_worker(page)
        button = page.locator("[data-sc-save-plan] button")
        assert button.inner_text() == "离线保存本读书班"
        button.click()
        status = page.locator("[data-sc-save-plan] [role=status]", has_text="已离线保存")
        status.wait_for(timeout=60_000)
        linked = set(page.eval_on_selector_all(
            ".sc-schedule a[href]", "as => as.map(a => a.href.split('#')[0])"
            ".filter(u => u.startsWith(location.origin + '/') && u.endsWith('/'))"))
        assert f"{len(linked) + 1} 个页面" in status.inner_text()
        page.locator("#session-2 input[data-sc-item='r1']").check()

        context.set_offline(True)
        page.goto(f"{base}studyplans/{PLAN}/")
        assert page.locator("h1").first.inner_text() == catalog.records[PLAN].title
        assert page.locator("#session-2 input[data-sc-item='r1']").is_checked()
        for url in sorted(linked):  # never opened, saved with the plan
            page.goto(url)
            assert page.title() != "离线页面 - 第二课堂", url
            assert page.locator(".sc-record h1").count() == 1
    finally:
        context.set_offline(False)
        context.close()
    assert outside == []
