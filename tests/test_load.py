"""The strict loader never raises: whatever an editor saves, the answer is a list of problems."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from second_classroom.check import check_tree
from second_classroom.load import Mapping, Scalar, Sequence, load_yaml_file, parse_yaml
from second_classroom.models import (
    KINDS,
    Boolean,
    Date,
    FieldType,
    Integer,
    ListOf,
    MediaPath,
    Number,
    PartialDate,
    Ref,
    Struct,
    Term,
    Text,
    Url,
)
from second_classroom.problems import Problem

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2026, 11, 25)

# Text that looks like YAML often enough to reach past the first character: keys, colons,
# indicators, quotes, indentation, Chinese, control characters and lone surrogates.
YAML_BITS = st.sampled_from([
    "name", "sites", "location", "lat", "- ", ": ", ":", "\n", "  ", "\t", "#", "&a", "*a",
    "!!str", "!x", "{", "}", "[", "]", ",", "'", '"', "|", ">", "---", "...", "? ", "%YAML 1.2",
    "9:00", "010010", "no", "1:30:00", "2021-02-30", "李大钊", "\ufeff", "\x00", "\x07", "\\",
    "\ud800", "\r\n", "\x85", "\u2028", "%", "@", "`", "~", "null",
])
YAMLISH = st.lists(YAML_BITS | st.text(max_size=5), max_size=40).map("".join)
ANY_TEXT = st.text() | YAMLISH | st.text(alphabet=st.characters(codec=None), max_size=50)

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check_problems(problems: list[Problem], path: str) -> None:
    assert isinstance(problems, list)
    for p in problems:
        assert isinstance(p, Problem)
        assert p.path == path
        assert p.line >= 1 and p.column >= 1
        assert p.message and p.code


def _check_node(node: object) -> None:
    if isinstance(node, Scalar):
        assert isinstance(node.text, str)
    elif isinstance(node, Mapping):
        for key, value in node.items:
            assert isinstance(key, Scalar)
            _check_node(value)
    else:
        assert isinstance(node, Sequence)
        for item in node.items:
            _check_node(item)


@SETTINGS
@given(ANY_TEXT)
def test_parse_yaml_never_raises(text: str) -> None:
    node, problems = parse_yaml(text, "x.yml")
    _check_problems(problems, "x.yml")
    if node is None:
        assert problems, "a file that did not parse must say why"
    else:
        _check_node(node)


@SETTINGS
@given(st.binary(max_size=300) | ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))
       | ANY_TEXT.map(lambda t: t.encode("gbk", "replace")))
def test_load_yaml_file_never_raises(tmp_path: Path, data: bytes) -> None:
    file = tmp_path / "x.yml"
    file.write_bytes(data)
    node, problems = load_yaml_file(file, "people/x.yml")
    _check_problems(problems, "people/x.yml")
    assert node is not None or problems


SCALARS = st.sampled_from([
    "", "~", "x", "李大钊", "9:00", "no", "true", "false", "030", "1e3", "31.2", "121.47", "-200",
    "95", "0", "2021-02-30", "2026-11-01", "2099-01-01", "1889", "1889-13", "javascript:x",
    "http://[x", "https://a.b/", "media/x.png", "../x.png", "/etc/passwd", "media/" + "a" * 300,
    "上海市", "纪念馆", "建党", "党员干部", "book", "x" * 400, "[]", "{}", "[a, b]", "{a: b}",
    "yida", "li-dazhao", "jianshi", "Bad_Id", "13812345678", "<b>x</b>", '"\\0"', "media/\\x",
    '"1921"',
])


LEAVES: list[tuple[type[FieldType], list[str]]] = [  # likely values, good and bad, per type
    (Number, ["31.2", "121.47", "-200", "95", "39.9", '"31.2"']),
    (Integer, ["1", "30", "030", '"3"', "2021"]),
    (Date, ["2026-11-01", "2021-02-30", "2099-01-01"]),
    (PartialDate, ["1889", "1889-13", '"1927-04-28"']),
    (Boolean, ["true", "false", "no"]),
    (Url, ["https://a.b/", "http://[x", "javascript:x", "https:///x"]),
    (Ref, ["yida", "li-dazhao", "jianshi", "Bad_Id"]),
    (Term, ["上海市", "纪念馆", "建党", "党员干部", "建党时期", "长正"]),
    (MediaPath, ["media/x.png", "../x.png", "media/" + "a" * 300, "/etc/passwd"]),
    (Text, ["李大钊", "9:00", "13812345678", "x" * 400, "<b>x</b>", "book", "图书"]),
]


def _value(kind: FieldType, depth: int = 0) -> st.SearchStrategy[str]:
    """YAML flow text for a field of `kind`: shaped like the schema, filled with junk."""
    if isinstance(kind, Struct) and depth < 3:
        entry = st.sampled_from(kind.fields).flatmap(
            lambda f: _value(f.type, depth + 1).map(lambda v, f=f: f"{f.name}: {v}"))
        shaped = st.lists(entry, max_size=5).map(lambda xs: "{" + ", ".join(xs) + "}")
        return st.one_of(shaped, shaped, SCALARS)
    if isinstance(kind, ListOf) and depth < 3:
        shaped = st.lists(_value(kind.item, depth + 1), max_size=3).map(
            lambda xs: "[" + ", ".join(xs) + "]")
        return st.one_of(shaped, shaped, SCALARS)
    likely = next((v for t, v in LEAVES if isinstance(kind, t)), ["x"])
    return st.one_of(st.sampled_from(likely), st.sampled_from(likely), SCALARS)


def _record(kind: str) -> st.SearchStrategy[str]:
    """A record of `kind` whose fields are real field names with schema-shaped values."""
    entry = st.sampled_from([*KINDS[kind].fields, *KINDS[kind].fields[:1]]).flatmap(
        lambda f: _value(f.type, 1).map(lambda v, f=f: f"{f.name}: {v}\n"))
    return st.lists(entry, max_size=14).map("".join)


RECORD_FILES = st.sampled_from([(k, f"{k}/{name}.yml") for k in KINDS
                                for name in ("yida", "li-dazhao", "jianshi")])
FILE = RECORD_FILES.flatmap(lambda kf: st.tuples(st.just(kf[1]), st.one_of(
    _record(kf[0]), _record(kf[0]), _record(kf[0]), _record(kf[0]), ANY_TEXT,
    st.binary(max_size=100))))


@SETTINGS
@given(st.lists(FILE, max_size=6))
def test_check_tree_never_raises(files: list[tuple[str, str | bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copy(FIXTURES / "vocab.yml", root / "vocab.yml")
        (root / "media").mkdir()
        (root / "media" / "x.png").write_bytes(b"\x89PNG\r\n")
        for rel, content in files:
            (root / rel).parent.mkdir(exist_ok=True)
            data = content if isinstance(content, bytes) else content.encode(
                "utf-8", "surrogatepass")
            (root / rel).write_bytes(data)
        result = check_tree(root, TODAY)
        for p in result.problems:
            assert p.line >= 1 and p.column >= 1 and p.message
            assert p.severity in ("error", "warning")
        assert result.problems == sorted(result.problems)


# --- specific loader behaviour --------------------------------------------------------

def test_scalars_keep_their_text() -> None:
    node, problems = parse_yaml("a: 9:00\nb: 010010\nc: no\nd: 1:30:00\ne: '07'\n", "x.yml")
    assert problems == []
    assert isinstance(node, Mapping)
    values = {k.text: v for k, v in node.items}
    assert {k: v.text for k, v in values.items() if isinstance(v, Scalar)} == {
        "a": "9:00", "b": "010010", "c": "no", "d": "1:30:00", "e": "07"}
    assert isinstance(values["e"], Scalar) and values["e"].plain is False
    assert isinstance(values["a"], Scalar) and values["a"].plain is True


def test_positions_are_one_based_and_count_characters() -> None:
    node, _ = parse_yaml("名称: 李大钊\nthemes: [建党, 长征]\n", "x.yml")
    assert isinstance(node, Mapping)
    (k1, v1), (k2, v2) = node.items
    assert (k1.mark.line, k1.mark.column) == (1, 1)
    assert (v1.mark.line, v1.mark.column) == (1, 5)
    assert isinstance(v2, Sequence)
    assert [(i.mark.line, i.mark.column) for i in v2.items] == [(2, 10), (2, 14)]


@pytest.mark.parametrize(("text", "expected"), [
    ("a: 李大钊\nb: x\x07", "x.yml:2:5: YAML 语法错误：文件中含有不可见的控制字符"),
    ("a: \ud800", "x.yml:1:1: 文本中含有无法编码的字符"),
    ("a: 1\nb: 'x\n", "x.yml:2:4: YAML 语法错误：文件意外结束：引号或括号没有闭合"),
    ("a: {b: 1\nc: 2\n", "x.yml:1:4: YAML 语法错误：花括号映射没有正确闭合，缺少“,”或“}”"),
    ("a: 1\n...\n", None),
    ("a: ! x\n", None),  # the non-specific tag only says "a string"; harmless
])
def test_parse_yaml_edge_cases(text: str, expected: str | None) -> None:
    node, problems = parse_yaml(text, "x.yml")
    assert [p.format() for p in problems] == ([expected] if expected else [])
    assert (node is None) == bool(expected)


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    folder = tmp_path / "x.yml"
    folder.mkdir()
    node, problems = load_yaml_file(folder, "x.yml")
    assert node is None
    assert [p.code for p in problems] == ["unreadable"]
