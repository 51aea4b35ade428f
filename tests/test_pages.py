"""`classroom pages`: the engine-neutral output, Markdown files any engine can build."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest
import yaml
from conftest import REPO

from second_classroom.catalog import load_catalog
from second_classroom.cli import main


def test_pages_are_written_for_every_record_and_listing(tmp_path: Path) -> None:
    out = tmp_path / "pages"
    assert main(["pages", str(out), "--data", str(REPO / "site_data"),
                 "--site-url", "https://example.invalid/"]) == 0
    catalog, _ = load_catalog(REPO / "site_data")
    for record in catalog.records.values():
        text = (out / record.kind / f"{record.id}.md").read_text("utf-8")
        _, front, body = text.split("---\n", 2)
        assert yaml.safe_load(front)["title"] == record.title
        # Plain Python-Markdown passes the HTML block through untouched.
        converted = markdown.markdown(body)
        assert converted.strip().startswith(f'<div class="sc-record sc-{_css(record.kind)}"')
    for listing in ("index.md", "sites/index.md", "people/index.md", "outlines/index.md"):
        assert (out / listing).is_file()
    for site in catalog.by_kind["sites"]:
        assert (out / "sites" / site.id / "poster.html").is_file()


def _css(kind: str) -> str:
    return {"sites": "site", "people": "person", "relics": "relic", "readings": "reading",
            "outlines": "outline", "routes": "route", "quotes": "quote", "lectures": "lecture",
            "tasks": "task", "studyplans": "studyplan", "stories": "story"}[kind]


def test_pages_refuses_data_with_errors(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    (data / "sites").mkdir(parents=True)
    (data / "vocab.yml").write_text((REPO / "site_data" / "vocab.yml").read_text("utf-8"),
                                    encoding="utf-8")
    (data / "sites" / "x.yml").write_text("name: 测试\n", encoding="utf-8")
    assert main(["pages", str(tmp_path / "out"), "--data", str(data)]) == 1
    assert not (tmp_path / "out").exists()
    out, err = capsys.readouterr()  # the problems explain the failure: stderr
    assert out == ""
    assert err.splitlines()[0].startswith(f"{data / 'sites' / 'x.yml'}:")
    assert err.splitlines()[-1].endswith("未生成页面。请先运行 classroom check 修正。")
