"""`classroom check` on bad input: one fixture folder per case, expected output beside it.

Each folder under tests/fixtures/check/ is a tiny self-contained data tree (vocab.yml plus
one or two record files) with `expected.txt` holding the exact lines the check prints for
it, paths relative to the folder. To see a case by hand:

    cd tests/fixtures/check/<case> && classroom check . --today 2026-11-25
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from second_classroom import privacy
from second_classroom.check import CheckResult, check_tree
from second_classroom.load import MAX_FILE_BYTES
from second_classroom.models import Record

FIXTURES = Path(__file__).parent / "fixtures"
CASES_DIR = FIXTURES / "check"
TODAY = dt.date(2026, 11, 25)
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "expected.txt").is_file())


def run_check(folder: Path, monkeypatch: pytest.MonkeyPatch) -> CheckResult:
    """Check `folder` the way an editor would: from inside it, as `classroom check .`."""
    monkeypatch.chdir(folder)
    return check_tree(Path("."), TODAY)


def lines_of(result: CheckResult) -> list[str]:
    return [p.format() for p in result.problems]


def test_cases_were_found() -> None:
    assert len(CASES) >= 50


@pytest.mark.parametrize("case", CASES)
def test_check_case(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = CASES_DIR / case
    expected = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
    result = run_check(folder, monkeypatch)
    assert lines_of(result) == expected


def test_expected_files_name_real_files() -> None:
    """Every expected line points at a file of its case, so a renamed file cannot hide."""
    for case in CASES:
        folder = CASES_DIR / case
        for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines():
            path = line.split(":", 1)[0]
            assert (folder / path).exists() or path == "vocab.yml", (case, line)


# --- scalars keep the text the editor typed ------------------------------------------

def test_typed_scalars_stay_text(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_check(CASES_DIR / "ok-typed-scalars", monkeypatch)
    assert result.problems == []
    data = {r.id: r.data for r in result.records}
    site = data["yida"]
    assert site["open_hours"] == "9:00"  # not 540
    assert site["address"] == "010010"  # not 4104
    assert site["booking"] == "no"  # not False
    assert site["summary"] == "1:30:00"  # not 5400
    assert site["body"] == "0x1F"  # not 31
    person = data["li-dazhao"]
    assert person["born"] == "1889"
    assert person["died"] == "1927-04-28"
    assert person["native_place"] == "yes"
    reading = data["jianshi"]
    assert reading["year"] == 2021  # an integer field does become a number
    assert reading["isbn"] == "9787010000000"
    assert reading["issue"] == "1e3"
    assert reading["verified"] == dt.date(2026, 11, 1)


def test_bom_file_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_check(CASES_DIR / "ok-bom", monkeypatch)
    assert [r.data["name"] for r in result.records] == ["李大钊"]


def test_duplicate_key_keeps_first_value(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_check(CASES_DIR / "duplicate-key", monkeypatch)
    (record,) = result.records
    assert record.data["name"] == "李大钊"
    assert record.data["sources"] == [{"title": "李大钊纪念馆"}]


def test_warnings_are_warnings_and_errors_are_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_check(CASES_DIR / "warning-stale", monkeypatch)
    assert [p.code for p in result.warnings] == ["stale"] and result.errors == []
    result = run_check(CASES_DIR / "verified-in-future", monkeypatch)
    assert [p.code for p in result.errors] == ["verified-in-future"]


def test_media_symlink_escaping_media_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    link = CASES_DIR / "media-paths" / "media" / "escape.png"
    assert link.is_symlink() and link.resolve().is_file()  # the fixture is what it claims


# --- oversized input, generated in tmp_path to keep the fixtures small ---------------

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    shutil.copy(FIXTURES / "vocab.yml", tmp_path / "vocab.yml")
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


PERSON = ("name: 李大钊\nrole: 中国共产党的主要创始人之一\nsummary: 传播者。\n"
          "sources:\n  - title: 李大钊纪念馆\nverified: 2026-11-01\n")


def test_one_megabyte_value_is_a_file_too_large(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path, {"people/li-dazhao.yml": PERSON + "body: " + "党" * 350_000 + "\n"})
    assert lines_of(run_check(tmp_path, monkeypatch)) == [
        "people/li-dazhao.yml:1:1: 文件过大（1025 KB），一条记录不应超过 256 KB"]


def test_file_just_over_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = PERSON + "# " + "x" * (MAX_FILE_BYTES - len(PERSON.encode()) - 2) + "\n"
    _tree(tmp_path, {"people/li-dazhao.yml": text})
    assert (tmp_path / "people/li-dazhao.yml").stat().st_size == MAX_FILE_BYTES + 1
    assert lines_of(run_check(tmp_path, monkeypatch)) == [
        "people/li-dazhao.yml:1:1: 文件过大（256 KB），一条记录不应超过 256 KB"]


def test_file_at_the_limit_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = PERSON + "# " + "x" * (MAX_FILE_BYTES - len(PERSON.encode()) - 3) + "\n"
    _tree(tmp_path, {"people/li-dazhao.yml": text})
    assert lines_of(run_check(tmp_path, monkeypatch)) == []


def test_long_value_under_the_file_limit_is_too_long(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path, {"people/li-dazhao.yml": PERSON + "body: " + "党" * 80_000 + "\n"})
    assert lines_of(run_check(tmp_path, monkeypatch)) == [
        "people/li-dazhao.yml:7:7: 字段 body 过长（80000 字），最多 20000 字"]


def test_long_media_name_is_a_problem_not_a_crash(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    name = "media/" + "a" * 300 + ".png"
    _tree(tmp_path, {"people/li-dazhao.yml": PERSON + "images:\n  - {src: " + name
                     + ", caption: 图, credit: 自摄, license: CC BY 4.0}\n"})
    assert lines_of(run_check(tmp_path, monkeypatch)) == [
        f"people/li-dazhao.yml:8:11: 字段 images[1].src：找不到文件 {name}"]


def test_every_problem_in_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Problems in many files and many fields all come out together, sorted."""
    _tree(tmp_path, {
        "people/a.yml": PERSON.replace("name: 李大钊", "name:") + "draft: no\n",
        "people/b.yml": "- x\n",
        "people/c.yml": PERSON.replace("2026-11-01", "2026-02-30"),
        "sites/d.yml": "name: [x]\n",
    })
    assert lines_of(run_check(tmp_path, monkeypatch)) == [
        "people/a.yml:1:6: 字段 name（姓名）必填，请填写",
        "people/a.yml:7:8: 字段 draft 只能写 true 或 false，实际是“no”",
        "people/b.yml:1:1: 应为映射（字段: 值），实际是列表",
        "people/c.yml:6:11: 字段 verified 应为真实存在的日期，格式 YYYY-MM-DD，实际是“2026-02-30”",
        "sites/d.yml:1:1: 缺少必填字段“kind”（类型）",
        "sites/d.yml:1:1: 缺少必填字段“region”（所在地区）",
        "sites/d.yml:1:1: 缺少必填字段“sources”（来源）",
        "sites/d.yml:1:1: 缺少必填字段“summary”（简介）",
        "sites/d.yml:1:1: 缺少必填字段“verified”（核实日期）",
        "sites/d.yml:1:1: 警告：这处旧址还没有关联学习书目（readings）",
        "sites/d.yml:1:7: 字段 name 应为文字，实际是列表",
    ]


def test_missing_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = check_tree(Path("nowhere"), TODAY)
    assert lines_of(result) == ["nowhere:1:1: 找不到数据目录"]


# --- the privacy scan's quick pre-check never hides a number ---------------------------

NUMBERISH = st.lists(st.one_of(
    st.sampled_from(["+86", "86", "-", " ", "－", "年", "号", "电话", "/", "X", "。", "http://a/"]),
    st.text(alphabet="0123456789０１２３４５６７８９", min_size=1, max_size=18),
    st.from_regex(r"\A1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}\Z"),
    st.from_regex(r"\A[1-9][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])[0-2][1-9][0-9]{3}[0-9X]\Z"),
), max_size=6).map("".join)


@settings(max_examples=200, deadline=None)
@given(NUMBERISH)
def test_privacy_precheck_never_hides_a_number(text: str) -> None:
    class Always:
        @staticmethod
        def search(_: str) -> bool:
            return True

    quick = privacy.personal_data_in(text)
    saved = privacy._MAYBE
    privacy._MAYBE = Always  # type: ignore[assignment]
    try:
        assert privacy.personal_data_in(text) == quick
    finally:
        privacy._MAYBE = saved


@pytest.mark.parametrize(("text", "found"), [
    ("电话13812345678", [(2, "手机号码")]),
    ("电话 138 1234 5678", [(3, "手机号码")]),
    ("电话１３８１２３４５６７８", [(2, "手机号码")]),
    ("身份证11010519491231002X", [(3, "居民身份证号码")]),
    ("1921年7月至1949年10月", []),
])
def test_personal_data_examples(text: str, found: list[tuple[int, str]]) -> None:
    assert privacy.personal_data_in(text) == found


# --- Chinese text: soft line breaks ---------------------------------------------------

def test_soft_breaks_between_chinese_characters_are_dropped() -> None:
    from second_classroom.cnformat import join_cjk_lines
    from second_classroom.render.richtext import markdown_to_html

    body = "邓小平等在百色举行起义，集会，\n宣告成立红七军。\nSoft break\nstays a space.\n\n# 标题\n正文"
    joined = join_cjk_lines(body)
    assert "集会，宣告成立" in joined
    assert "Soft break\nstays" in joined  # English keeps its space
    assert "# 标题\n正文" in joined  # a heading keeps its own line
    assert "集会，宣告成立红七军。" in markdown_to_html(joined)
    assert "集会，宣告" not in markdown_to_html(body)  # the break would render as a space
    assert join_cjk_lines("第一行  \n第二行") == "第一行  \n第二行"  # a hard break stays


def test_record_body_is_stored_without_cjk_soft_breaks(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    case = tmp_path / "case"
    shutil.copytree(CASES_DIR / "empty-required-text", case)
    (case / "people" / "li-dazhao.yml").write_text(
        "name: 李大钊\nrole: 中国共产党的主要创始人之一\nsummary: 传播者。\nsources:\n"
        "  - title: 李大钊纪念馆\nverified: 2026-11-01\nbody: |\n  他在北京，\n  宣传马克思主义。\n",
        encoding="utf-8")
    result = run_check(case, monkeypatch)
    assert result.problems == []
    assert result.records[0].data["body"] == "他在北京，宣传马克思主义。"


def test_parallel_check_finds_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """check_tree(parallel=True) reads half the files in a forked child and gives the same
    records and findings, errors in either half included, in the same order."""
    import sys

    from second_classroom import check

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from synth import write_synthetic

    write_synthetic(tmp_path, check.PARALLEL_MIN + 200, seed=5)
    sites = sorted((tmp_path / "sites").glob("*.yml"))
    sites[0].write_text("name: [unclosed\n", encoding="utf-8")  # the parent's half
    late = sites[1].read_text(encoding="utf-8")  # the child's half: an unknown reference
    sites[1].write_text(late.replace("summary:", "peple: [no-such-person]\nsummary:", 1),
                        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    today = dt.date(2026, 12, 2)
    serial = check_tree(Path("."), today)
    calls: list[Path] = []
    real = check.check_file

    def counted(file: Path, *args: object) -> object:
        calls.append(file)  # the child's calls are counted in its own copy of this list
        return real(file, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(check, "check_file", counted)
    parallel = check_tree(Path("."), today, parallel=True)
    assert 0 < len(calls) < len(serial.by_file) * 3 // 4  # the child did its half
    assert [p.format() for p in parallel.problems] == [p.format() for p in serial.problems]
    assert any(p.code == "yaml-syntax" for p in serial.errors)
    assert any(p.code == "unknown-field" and p.path.endswith(sites[1].name)
               for p in serial.errors)
    assert list(parallel.by_file) == list(serial.by_file)
    assert [(r.id, r.data, r.marks, r.refs) for r in parallel.records] == \
        [(r.id, r.data, r.marks, r.refs) for r in serial.records]


def test_read_gets_the_records_this_process_checked(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """check_tree's `read` is given, once, the records of the files this process read
    itself: with parallel=True a part of them (the child reads the rest), else all."""
    import sys

    from second_classroom import check

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from synth import write_synthetic

    write_synthetic(tmp_path, check.PARALLEL_MIN + 200, seed=6)
    monkeypatch.chdir(tmp_path)
    today = dt.date(2026, 12, 2)
    for parallel in (False, True):
        read: list[list[Record]] = []
        result = check_tree(Path("."), today, parallel=parallel, read=read.append)
        assert len(read) == 1
        ids = [(r.kind, r.id) for r in read[0]]
        every = [(r.kind, r.id) for r in result.records]
        assert len(set(ids)) == len(ids) and set(ids) <= set(every)
        if parallel:
            assert 0 < len(ids) < len(every) * 3 // 4
        else:
            assert sorted(ids) == sorted(every)


def test_a_check_taking_over_earlier_findings_finds_what_a_fresh_one_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """check_tree(earlier=) (the preview's quick rebuilds) takes over the reference and
    staleness findings of records that did not change and name none that did: the same
    problems as a fresh check, whichever record is removed, made a draft or put back,
    with fewer records checked again."""
    import second_classroom.check as check

    root = tmp_path / "site_data"
    shutil.copytree(Path(__file__).parent.parent / "site_data", root)
    today = dt.date.today()  # the sample holds records verified lately
    earlier = check_tree(root, today)
    assert not earlier.errors
    named = {ref.id for r in earlier.records for ref in r.refs}
    target = next(r for r in earlier.records if r.id in named and not r.draft)
    file = next(p for p, c in earlier.by_file.items() if c.record is target)
    text = file.read_text("utf-8")
    calls = []
    real = check.ref_problems
    monkeypatch.setattr(check, "ref_problems", lambda *a: calls.append(1) or real(*a))
    for change in ("remove", "put back", "draft", "put back"):
        if change == "remove":
            file.unlink()
        elif change == "draft":
            file.write_text(text + "draft: true\n", "utf-8")
        else:
            file.write_text(text, "utf-8")
        unchanged = {p: c for p, c in earlier.by_file.items() if p != file}
        calls.clear()
        taken = check_tree(root, today, unchanged, earlier=earlier)
        assert 0 < len(calls) < len(taken.records) / 2
        fresh = check_tree(root, today)
        assert taken.problems == fresh.problems
        assert bool(taken.errors) == (change != "put back")
        earlier = taken
