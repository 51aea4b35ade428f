"""CONTRIBUTING.md: its field reference is generated from models.py, its examples pass."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO

from second_classroom.check import check_tree
from second_classroom.cli import main
from second_classroom.fieldref import (
    BEGIN,
    END,
    field_reference,
    field_rows,
    replace_section,
    type_text,
)
from second_classroom.models import KINDS, Field, ListOf, Struct

CONTRIBUTING = REPO / "CONTRIBUTING.md"


def all_fields(struct: Struct, prefix: str = "") -> Iterator[tuple[str, Field]]:
    """Walk the declarations independently of fieldref.field_rows."""
    for spec in struct.fields:
        yield prefix + spec.name, spec
        if isinstance(spec.type, Struct):
            yield from all_fields(spec.type, prefix + spec.name + ".")
        if isinstance(spec.type, ListOf) and isinstance(spec.type.item, Struct):
            yield from all_fields(spec.type.item, prefix + spec.name + "[].")


def test_committed_contributing_equals_the_generated_text() -> None:
    text = CONTRIBUTING.read_text("utf-8")
    assert replace_section(text, field_reference()) == text, (
        "CONTRIBUTING.md 的字段说明已过期，请运行 classroom fieldref")


@pytest.mark.parametrize("kind", list(KINDS))
def test_reference_covers_every_field_of_every_kind(kind: str) -> None:
    spec = KINDS[kind]
    reference = field_reference()
    section = reference.split(f"### {spec.label}（{spec.noun}）")[1].split("\n### ")[0]
    rows = re.findall(r"^\| `([^`]+)` \| ([^|]+) \| (必填|可选) \|", section, re.MULTILINE)
    expected = [(path, f.label, "必填" if f.required else "可选")
                for path, f in all_fields(spec.schema)]
    assert [(p, label.strip(), need) for p, label, need in rows] == expected
    assert [p for p, _ in field_rows(spec.fields)] == [p for p, _, _ in expected]


def test_every_field_type_has_a_description() -> None:
    for kind in KINDS.values():
        for path, spec in all_fields(kind.schema):
            text = type_text(spec.type)
            assert text and text != "值", path
            if isinstance(spec.type, ListOf):
                assert text.startswith("列表"), path


def test_help_text_reaches_the_reference() -> None:
    reference = field_reference()
    for kind in KINDS.values():
        for _, spec in all_fields(kind.schema):
            if spec.help:
                assert spec.help.replace("|", "\\|") in reference


def test_cli_updates_and_checks_the_marked_section(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "CONTRIBUTING.md"
    doc.write_text(f"# 标题\n\n前言\n\n{BEGIN}\n旧内容\n{END}\n\n后记\n", "utf-8")
    assert main(["fieldref", "--file", str(doc), "--check"]) == 1
    assert "请运行 classroom fieldref 更新" in capsys.readouterr().err
    assert main(["fieldref", "--file", str(doc)]) == 0
    text = doc.read_text("utf-8")
    assert text.startswith("# 标题\n\n前言\n\n" + BEGIN + "\n\n")
    assert text.endswith("\n\n" + END + "\n\n后记\n")
    assert "旧内容" not in text and "| `images[].license` | 许可 | 必填 |" in text
    assert main(["fieldref", "--file", str(doc), "--check"]) == 0
    assert main(["fieldref", "--file", str(doc)]) == 0  # idempotent
    assert doc.read_text("utf-8") == text


def test_cli_refuses_a_file_without_markers(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "CONTRIBUTING.md"
    doc.write_text("没有标记\n", "utf-8")
    assert main(["fieldref", "--file", str(doc)]) == 1
    assert "找不到成对的标记" in capsys.readouterr().err
    assert doc.read_text("utf-8") == "没有标记\n"


def _examples() -> list[tuple[str, str]]:
    """Return (path, text) of each YAML example in CONTRIBUTING.md that names its file."""
    text = CONTRIBUTING.read_text("utf-8")
    blocks = re.findall(r"^```yaml\n(# (site_data/\S+\.yml)\n.*?)^```", text,
                        re.MULTILINE | re.DOTALL)
    return [(path, body) for body, path in blocks]


def test_contributing_has_an_example_of_every_kind() -> None:
    kinds = [path.split("/")[1] for path, _ in _examples()]
    assert sorted(kinds) == sorted(KINDS)


def test_contributing_examples_pass_the_check(tmp_path: Path) -> None:
    data = tmp_path / "site_data"
    shutil.copytree(REPO / "site_data", data)
    for path, body in _examples():
        (tmp_path / path).write_text(body, encoding="utf-8")
    result = check_tree(data, dt.date.today())  # the sample is verified up to today
    assert [p.format() for p in result.errors] == []
    written = {str(tmp_path / path) for path, _ in _examples()}
    assert len([r for r in result.records if r.path in written]) == len(KINDS)
