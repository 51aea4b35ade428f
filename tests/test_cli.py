"""The `classroom` command: exit codes, output formats, `new` templates and `schema`."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from second_classroom.check import check_tree, load_vocab
from second_classroom.cli import main
from second_classroom.models import (
    KINDS,
    Boolean,
    Choice,
    Date,
    Duration,
    FieldType,
    Integer,
    ListOf,
    MediaPath,
    Number,
    PartialDate,
    ReadingKind,
    Ref,
    Struct,
    Term,
    Text,
    Url,
    Vocab,
)

FIXTURES = Path(__file__).parent / "fixtures"
CASES = FIXTURES / "check"
REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-25"
SUMMARY_TALLY = "（共读取 人物 {} 条）。"  # kinds with no records are not listed
JSON_KEYS = {"path", "line", "column", "code", "message", "severity"}


def classroom(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real command in a child process."""
    return subprocess.run([sys.executable, "-m", "second_classroom.cli", *args], cwd=cwd,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    """Run `main` in process; return the exit status, stdout lines and stderr."""
    try:
        status = main(args)
    except SystemExit as exc:  # argparse's own usage errors
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def expected_lines(case: str) -> list[str]:
    return (CASES / case / "expected.txt").read_text(encoding="utf-8").splitlines()


# --- exit codes and text output -----------------------------------------------------

def test_clean_tree_exits_0_with_one_summary_line() -> None:
    proc = classroom("check", ".", "--today", TODAY, cwd=CASES / "ok-bom")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == ["检查通过：没有发现问题" + SUMMARY_TALLY.format(1)]
    assert proc.stderr == ""


def test_errors_exit_1_with_every_problem_then_summary() -> None:
    proc = classroom("check", ".", "--today", TODAY, cwd=CASES / "duplicate-key")
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        *expected_lines("duplicate-key"),
        "检查未通过：发现 2 个错误、0 个警告" + SUMMARY_TALLY.format(1),
    ]


def test_default_data_folder_is_site_data(tmp_path: Path) -> None:
    shutil.copytree(CASES / "duplicate-key", tmp_path / "site_data")
    proc = classroom("check", "--today", TODAY, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0] == (
        "site_data/people/li-dazhao.yml:3:1: 字段“name”重复出现（第一次在第 1 行），请只保留一个")


@pytest.mark.parametrize("args", [
    ["check", "nowhere"],
    ["new", "heroes", "li-dazhao"],
    ["new", "people", "Li_Dazhao"],
    ["check", "--format", "xml"],
    ["check", "--no-such-option"],
    ["no-such-command"],
    [],
])
def test_usage_errors_exit_2(args: list[str], tmp_path: Path) -> None:
    proc = classroom(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "用法错误" in proc.stderr
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing was written


def test_check_takes_the_data_folder_either_way(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)
    wanted = [*expected_lines("duplicate-key"),
              "检查未通过：发现 2 个错误、0 个警告" + SUMMARY_TALLY.format(1)]
    for args in (["duplicate-key"], ["--data", "duplicate-key"],
                 ["duplicate-key", "--data", "./duplicate-key/"]):  # the same folder twice
        status, out, err = run_main(["check", *args, "--today", TODAY], capsys)
        assert (status, err) == (1, ""), args
        assert [line.replace("duplicate-key/", "", 1) for line in out] == wanted, args


def test_check_refuses_two_different_data_folders(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)
    status, out, err = run_main(["check", "ok-bom", "--data", "duplicate-key"], capsys)
    assert (status, out) == (2, [])
    assert err == ("classroom: 用法错误：数据目录给了两个：ok-bom 与 --data duplicate-key，"
                   "请只给一个\n")


# Each command called wrongly: by argparse (a missing or unknown argument) and by the
# command itself (a folder or file that is not there, a bad value).
USAGE_ERRORS = {
    "check": [["check", "--bogus"], ["check", "nowhere"], ["check", "--data", "nowhere"]],
    "schema": [["schema", "--bogus"], ["schema", "--data", "nowhere"]],
    "new": [["new", "people"], ["new", "heroes", "x"], ["new", "people", "Li_Dazhao"]],
    "pages": [["pages"], ["pages", "out", "--data", "nowhere"]],
    "fieldref": [["fieldref", "--bogus"], ["fieldref", "--file", "nowhere.md"]],
    "diff": [["diff"], ["diff", "HEAD", "--repo", "."]],  # the folder is not a repository
    "search-index": [["search-index"], ["search-index", "nowhere"],
                     ["search-index", ".", "--data", "nowhere"]],
    "export": [["export", "--format", "xml"], ["export", "--data", "nowhere", "x"],
               ["export", "--data", str(REPO / "site_data")]],
    "sources": [["sources", "--bogus"], ["sources", "--data", "nowhere"]],
    "import": [["import", "x.xlsx"], ["import", "x.xlsx", "--kind", "outlines"],
               ["import", "x.xlsx", "--kind", "tasks", "--data", str(REPO / "site_data")],
               ["import", "x.xlsx", "--kind", "tasks", "--data", "nowhere"]],
    "table": [["table", "out.xlsx"], ["table", "out.xlsx", "--kind", "tasks", "--data",
                                      "nowhere"]],
}


@pytest.mark.parametrize("args", [a for cases in USAGE_ERRORS.values() for a in cases],
                         ids=lambda args: " ".join(a.replace(str(REPO), "REPO") for a in args))
def test_each_command_reports_usage_errors_on_stderr_with_2(
        args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run_main(args, capsys)
    assert status == 2, err
    assert out == []
    assert "用法错误：" in err
    assert list(tmp_path.iterdir()) == []  # nothing was written


def test_usage_errors_cover_every_command() -> None:
    from second_classroom.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(USAGE_ERRORS) == set(sub.choices or ())


def test_usage_error_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_main(["check", "nowhere"], capsys)[::2] == (
        2, "classroom: 用法错误：找不到数据目录 nowhere\n")
    status, _, err = run_main(["new", "heroes", "x"], capsys)
    assert (status, err) == (2, "classroom: 用法错误：未知记录类型“heroes”，可用："
                                + "、".join(KINDS) + "\n")


def test_warnings_exit_0_unless_strict(capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES / "warning-stale")
    warning = expected_lines("warning-stale")
    status, out, _ = run_main(["check", ".", "--today", TODAY], capsys)
    assert status == 0
    assert out == [*warning, "检查通过：1 个警告" + SUMMARY_TALLY.format(2)]
    status, out, _ = run_main(["check", ".", "--today", TODAY, "--strict"], capsys)
    assert status == 1
    assert out == [*warning, "检查未通过（--strict 下警告也算错误）：1 个警告"
                   + SUMMARY_TALLY.format(2)]
    status, _, _ = run_main(["check", ".", "--today", TODAY, "--strict", "--format", "json"],
                            capsys)
    assert status == 1


def test_strict_on_clean_tree_exits_0() -> None:
    proc = classroom("check", ".", "--today", TODAY, "--strict", cwd=CASES / "ok-bom")
    assert proc.returncode == 0


# --- what `check` loads -----------------------------------------------------------------

HEAVY = ("jinja2", "segno", "markdown")
PROBE = f"""
import json, sys
from second_classroom.cli import main
for name in sys.argv[1:-1]:
    __import__(name)
status = main(json.loads(sys.argv[-1]))
loaded = [m for m in {HEAVY!r} if m in sys.modules]
sys.stderr.write(json.dumps([status, loaded]))
"""


def loaded_after(args: list[str], *imports: str) -> tuple[int, list[str]]:
    """Run `main(args)` in a fresh interpreter; return its status and which of HEAVY it loaded."""
    proc = subprocess.run([sys.executable, "-c", PROBE, *imports, json.dumps(args)],
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    status, loaded = json.loads(proc.stderr.splitlines()[-1])
    return status, loaded


@pytest.mark.parametrize("args", [
    ["check", str(REPO / "site_data")],
    ["check", "--data", str(CASES / "unknown-ref"), "--format", "json"],
    ["check", str(CASES / "duplicate-key"), "--strict"],
])
def test_check_loads_no_page_rendering_libraries(args: list[str]) -> None:
    """`classroom check` runs on every commit (pre-commit, CI): no Jinja2, segno, Markdown."""
    status, loaded = loaded_after(args)
    assert status in (0, 1)
    assert loaded == []


def test_the_probe_sees_rendering_libraries() -> None:
    """The probe above can fail: once the renderer is imported, it reports all three."""
    status, loaded = loaded_after(["check", str(REPO / "site_data")], "second_classroom.render")
    assert (status, loaded) == (0, list(HEAVY))


# --- JSON output and ordering --------------------------------------------------------

def test_json_output_is_the_same_list(capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES / "unknown-ref")
    status, out, _ = run_main(["check", ".", "--today", TODAY, "--format", "json"], capsys)
    assert status == 1
    problems = json.loads("\n".join(out))
    assert isinstance(problems, list) and len(problems) == 2
    assert all(set(p) == JSON_KEYS for p in problems)
    assert problems[1] == {
        "path": "sites/yida.yml", "line": 6, "column": 10, "code": "unknown-ref",
        "message": "字段 people[1]：找不到编号为“li-dazao”的人物（people/li-dazao.yml），"
                   "是否指“li-dazhao”？",
        "severity": "error"}
    text = [f"{p['path']}:{p['line']}:{p['column']}: {p['message']}" for p in problems]
    assert text == expected_lines("unknown-ref")


def test_json_marks_warnings_and_clean_is_empty_list(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES / "warning-no-readings")
    status, out, _ = run_main(["check", ".", "--today", TODAY, "--format", "json"], capsys)
    assert status == 0
    assert [p["severity"] for p in json.loads("\n".join(out))] == ["warning", "warning"]
    monkeypatch.chdir(CASES / "ok-bom")
    status, out, _ = run_main(["check", ".", "--today", TODAY, "--format", "json"], capsys)
    assert (status, json.loads("\n".join(out))) == (0, [])


def test_output_sorted_by_path_then_line(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "vocab.yml", tmp_path / "vocab.yml")
    bad = "name: [x]\nrole:\nsummary: 简介\nsources: []\nverified: 2021-02-30\n"
    for name in ("zz", "aa", "mm", "a-b"):
        (tmp_path / "people").mkdir(exist_ok=True)
        (tmp_path / "people" / f"{name}.yml").write_text(bad, encoding="utf-8")
    (tmp_path / "readings").mkdir()
    (tmp_path / "readings" / "b.yml").write_text("title: x\n", encoding="utf-8")
    proc = classroom("check", ".", "--today", TODAY, cwd=tmp_path)
    lines = proc.stdout.splitlines()[:-1]
    assert len(lines) == 4 * 4 + 4
    keys = [(p, int(line), int(col)) for p, line, col, _ in (x.split(":", 3) for x in lines)]
    assert keys == sorted(keys)
    assert [k[0] for k in keys][::4] == ["people/a-b.yml", "people/aa.yml", "people/mm.yml",
                                         "people/zz.yml", "readings/b.yml"]
    proc = classroom("check", ".", "--today", TODAY, "--format", "json", cwd=tmp_path)
    as_json = [(p["path"], p["line"], p["column"]) for p in json.loads(proc.stdout)]
    assert as_json == keys


# --- classroom new -------------------------------------------------------------------

LINE = re.compile(r"^(?P<indent> *)(?P<bullet>- )?(?P<key>[a-z_]+):(?P<value>[^#]*?)\s*(#.*)?$")


def sample_value(kind: FieldType, refs: dict[str, str], vocab: Vocab) -> str:
    """Return a valid YAML value for a field of type `kind`."""
    if isinstance(kind, ListOf):
        return "[" + sample_value(kind.item, refs, vocab) + "]"
    if isinstance(kind, ReadingKind):
        return "book"
    if isinstance(kind, Choice):
        return kind.choices[0]
    if isinstance(kind, Text):
        return '"9787010000000"' if kind.pattern else "示例文字"
    if isinstance(kind, Integer):
        return str(kind.minimum if kind.minimum is not None else 1)
    if isinstance(kind, Number):
        return "30.5"
    if isinstance(kind, Date):
        return "2026-11-01"
    if isinstance(kind, Duration):
        return "3小时"
    if isinstance(kind, PartialDate):
        return '"1900"'
    if isinstance(kind, Boolean):
        return "false"
    if isinstance(kind, Url):
        return "https://example.org/"
    if isinstance(kind, Ref):
        return refs[kind.kind]
    if isinstance(kind, Term):
        return vocab.terms(kind.vocabulary)[0]
    if isinstance(kind, MediaPath):
        return "media/demo.png"
    raise AssertionError(f"no sample for {kind!r}")


def fill_template(text: str, kind: str, refs: dict[str, str], vocab: Vocab) -> str:
    """Fill every empty required value of a `classroom new` template, leaving the rest."""
    stack: list[tuple[int, Struct]] = [(0, KINDS[kind].schema)]
    one_of = {name for group in KINDS[kind].one_of for name in group}
    out = []
    for line in text.splitlines():
        match = LINE.match(line)
        if not match:  # comments, commented-out optional fields
            out.append(line)
            continue
        column = len(match["indent"]) + (2 if match["bullet"] else 0)
        while stack[-1][0] > column:
            stack.pop()
        field = stack[-1][1].by_name()[match["key"]]
        inner = field.type.item if isinstance(field.type, ListOf) else field.type
        if isinstance(inner, Struct):
            stack.append((column + (4 if isinstance(field.type, ListOf) else 2), inner))
        elif (field.required or field.name in one_of) and match["value"].strip() in ("", "[]"):
            line = (f"{match['indent']}{match['bullet'] or ''}{match['key']}: "
                    f"{sample_value(field.type, refs, vocab)}")
        out.append(line)
    return "\n".join(out) + "\n"


def test_new_templates_fail_until_filled_then_pass(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "site_data"
    data.mkdir()
    shutil.copy(FIXTURES / "vocab.yml", data / "vocab.yml")
    vocab, _ = load_vocab(data)
    refs = {kind: f"demo-{kind}" for kind in KINDS}
    for kind in KINDS:
        status, out, _ = run_main(["new", kind, refs[kind], "--data", str(data)], capsys)
        assert status == 0
        assert out == [f"已创建 {data / kind / refs[kind]}.yml，填写后运行 classroom check 检查"]

    unfilled = check_tree(data)
    failing = {p.path.rsplit("/", 2)[-2] for p in unfilled.errors}
    assert failing == set(KINDS), [p.format() for p in unfilled.problems]
    # Blank required values, empty lists, and a quotation with neither publication nor url.
    assert {p.code for p in unfilled.errors} <= {"empty-value", "empty-required", "too-few",
                                                 "missing-one-of"}
    assert main(["check", str(data)]) == 1
    capsys.readouterr()

    for kind in KINDS:
        file = data / kind / f"{refs[kind]}.yml"
        file.write_text(fill_template(file.read_text("utf-8"), kind, refs, vocab), "utf-8")
    filled = check_tree(data)
    assert filled.errors == [], [p.format() for p in filled.errors]
    assert {r.kind for r in filled.records} == set(KINDS)
    assert all(r.draft for r in filled.records)  # a new record starts as a draft

    for kind in KINDS:  # published, they still pass: every reference resolves
        file = data / kind / f"{refs[kind]}.yml"
        file.write_text(file.read_text("utf-8").replace("draft: true", "draft: false"), "utf-8")
    published = check_tree(data)
    assert published.errors == [], [p.format() for p in published.errors]
    assert not any(r.draft for r in published.records)
    assert main(["check", str(data)]) == 0


def test_new_does_not_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "people" / "li-dazhao.yml"
    file.parent.mkdir()
    file.write_text("name: 李大钊\n", encoding="utf-8")
    status, _, err = run_main(["new", "people", "li-dazhao", "--data", str(tmp_path)], capsys)
    assert status == 1
    assert err == f"{file}: 文件已存在，未做任何修改\n"
    assert file.read_text(encoding="utf-8") == "name: 李大钊\n"


def test_route_template_has_enough_stops() -> None:
    from second_classroom.scaffold import record_template

    assert record_template("routes").count("  - site:") == 2  # a route needs two stops


# --- classroom schema ----------------------------------------------------------------

def plain_data(value: Any) -> Any:
    """What an editor's YAML plugin hands the schema: dates as strings."""
    if isinstance(value, dict):
        return {k: plain_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_data(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("schema")
    proc = classroom("schema", "--data", str(FIXTURES), "--out", str(out), cwd=out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == f"已写入 {len(KINDS)} 个 JSON Schema 到 {out}/\n"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{k}.schema.json" for k in KINDS)
    return {k: json.loads((out / f"{k}.schema.json").read_text("utf-8")) for k in KINDS}


def test_schema_with_a_broken_vocabulary_writes_nothing(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "vocab.yml").write_text("themes: [\n", encoding="utf-8")
    out_dir = tmp_path / "schema"
    status, out, err = run_main(["schema", "--data", str(tmp_path), "--out", str(out_dir)],
                                capsys)
    assert (status, out) == (1, [])
    assert err.splitlines() == [f"{tmp_path / 'vocab.yml'}:2:1: YAML 语法错误：这里缺少值",
                                "词表有 1 个错误，未写入 JSON Schema。"]
    assert not out_dir.exists()


def validator(schema: dict[str, Any]) -> Any:
    import jsonschema
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def fixture_record(case: str, rel: str) -> Any:
    return plain_data(yaml.safe_load((CASES / case / rel).read_text("utf-8")))


@pytest.mark.parametrize(("kind", "case", "rel"), [
    ("sites", "ok-typed-scalars", "sites/yida.yml"),
    ("sites", "coordinates-swapped", "sites/yida.yml"),
    ("people", "ok-bom", "people/li-dazhao.yml"),
    ("readings", "ok-typed-scalars", "readings/jianshi.yml"),
])
def test_valid_record_validates(schemas: dict[str, dict[str, Any]], kind: str, case: str,
                                rel: str) -> None:
    record = fixture_record(case, rel)
    if case == "ok-typed-scalars":  # YAML 1.1 turns `booking: no` into False; editors do not
        record.pop("booking", None)
    errors = [e.message for e in validator(schemas[kind]).iter_errors(record)]
    assert errors == []


@pytest.mark.parametrize(("change", "complaint"), [
    ({"nmae": "李大钊"}, "Additional properties are not allowed ('nmae' was unexpected)"),
    ({"name": ["李大钊", "守常"]}, "['李大钊', '守常'] is not of type 'string', 'number'"),
    ({"sites": {"yida": 1}}, "{'yida': 1} is not of type 'array'"),
    ({"themes": ["长正"]}, "'长正' is not one of ['建党', '长征']"),
    ({"draft": "no"}, "'no' is not of type 'boolean'"),
    ({"born": "1889-13-45-1"}, "'1889-13-45-1' does not match"),
    ({"sources": []}, "[] should be non-empty"),
])
def test_invalid_record_does_not_validate(schemas: dict[str, dict[str, Any]],
                                          change: dict[str, Any], complaint: str) -> None:
    record = {**fixture_record("ok-bom", "people/li-dazhao.yml"), **change}
    messages = [e.message for e in validator(schemas["people"]).iter_errors(record)]
    assert any(m.startswith(complaint) for m in messages), messages


def test_missing_required_field_does_not_validate(schemas: dict[str, dict[str, Any]]) -> None:
    record = fixture_record("ok-bom", "people/li-dazhao.yml")
    del record["role"]
    messages = [e.message for e in validator(schemas["people"]).iter_errors(record)]
    assert messages == ["'role' is a required property"]


def _sample_files() -> list[tuple[str, Path]]:
    """Every record under site_data/ at the time the tests run (sample data grows)."""
    return [(kind, file) for kind in KINDS
            for file in sorted((REPO / "site_data" / kind).glob("*.yml"))]


@pytest.fixture(scope="module")
def sample_schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("sample-schema")
    vocab, problems = load_vocab(REPO / "site_data")
    assert problems == []
    assert main(["schema", "--data", str(REPO / "site_data"), "--out", str(out)]) == 0
    return {k: json.loads((out / f"{k}.schema.json").read_text("utf-8")) for k in KINDS}


@pytest.mark.parametrize(("kind", "file"), _sample_files(),
                         ids=[f"{k}/{f.name}" for k, f in _sample_files()])
def test_sample_record_validates_against_its_schema(sample_schemas: dict[str, dict[str, Any]],
                                                    kind: str, file: Path) -> None:
    record = plain_data(yaml.safe_load(file.read_text("utf-8")))
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator(sample_schemas[kind]).iter_errors(record)]
    assert errors == []


def test_there_is_sample_data() -> None:
    assert len(_sample_files()) >= 10


def test_new_template_lists_the_values_a_vocabulary_field_allows(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "site_data"
    shutil.copytree(REPO / "site_data", data)
    status, _, _ = run_main(["new", "sites", "lanzhou-balujun-banshichu", "--data", str(data)],
                            capsys)
    assert status == 0
    text = (data / "sites" / "lanzhou-balujun-banshichu.yml").read_text("utf-8")
    kind_line = next(line for line in text.splitlines() if line.startswith("kind:"))
    vocab, _ = load_vocab(data)
    assert all(f"“{term}”" in kind_line for term in vocab.terms("kinds")), kind_line
    assert "vocab.yml 的 provinces（共 34 个" in text


def test_docs_examples_use_ids_that_do_not_exist_yet() -> None:
    """An editor who follows README or CONTRIBUTING must not collide with a sample record."""
    ids = {f.stem for f in (REPO / "site_data").glob("*/*.yml")}
    for doc in ("README.md", "CONTRIBUTING.md"):
        text = (REPO / doc).read_text("utf-8")
        examples = re.findall(r"classroom new (\w+) ([a-z0-9-]+)", text)
        assert examples, doc
        assert not [i for _, i in examples if i in ids], (doc, examples)
