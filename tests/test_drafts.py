"""`draft: true` records are checked like any other but never reach the built site."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import REPO, build_site

from second_classroom.catalog import build_catalog
from second_classroom.check import check_tree

FIXTURE = Path(__file__).parent / "fixtures" / "drafts"
TODAY = dt.date(2026, 11, 26)
# Text that appears only in the draft records (titles, role, summary) and their ids.
DRAFT_TEXT = ["草稿旧址甲乙丙", "丁戊己", "草稿人物庚辛", "壬癸", "caogao-jiuzhi", "caogao-renwu",
              "草稿大事子丑", "草稿经验寅卯", "辰巳", "caogao-jingyan"]


def _site_config(data: Path, folder: Path) -> Path:
    """Write a mkdocs.yml for `data` (project theme and hooks, no search or exports)."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    config["extra"]["second_classroom"].update(data=str(data), search=False, downloads=False,
                                               local_province="上海市")
    config["docs_dir"] = str(REPO / "docs")
    config["theme"]["custom_dir"] = str(REPO / "overrides")
    config["hooks"] = [str(REPO / h) for h in config["hooks"]]
    config["nav"] = [item for item in config["nav"] if "index.md" in str(item)]
    target = folder / "mkdocs.yml"
    target.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return target


@pytest.fixture(scope="module")
def draft_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small site built with MkDocs from the drafts fixture."""
    folder = tmp_path_factory.mktemp("drafts")
    data = folder / "site_data"
    shutil.copytree(FIXTURE, data)
    out = folder / "site"
    done = build_site(_site_config(data, folder), out, cwd=folder)
    assert done.returncode == 0, f"mkdocs build failed:\n{done.stdout}\n{done.stderr}"
    return out


def test_drafts_are_checked_and_kept_out_of_the_catalog() -> None:
    result = check_tree(FIXTURE, TODAY)
    assert result.problems == []
    assert sorted(r.id for r in result.records if r.draft) == ["caogao-jingyan", "caogao-jiuzhi",
                                                               "caogao-renwu"]
    catalog = build_catalog(result.records, result.vocab)
    assert sorted(catalog.records) == ["jianshi", "yida-huizhi"]
    assert "长征" not in catalog.facets.get("themes", {})  # used by a draft only
    assert catalog.backlinks.get("yida-huizhi", {}).get("people") is None
    assert catalog.backlinks.get("yida-huizhi", {}).get("stories") is None


def test_a_draft_with_a_mistake_still_fails_the_check(tmp_path: Path) -> None:
    data = tmp_path / "site_data"
    shutil.copytree(FIXTURE, data)
    draft = data / "sites" / "caogao-jiuzhi.yml"
    draft.write_text(draft.read_text("utf-8").replace("kind: 革命旧址", "kind: 旧居"), "utf-8")
    messages = [p.format() for p in check_tree(data, TODAY).errors]
    assert len(messages) == 1
    assert messages[0].endswith("caogao-jiuzhi.yml:2:7: 字段 kind 的值“旧居”不在词表 vocab.yml 的 kinds 中")


def test_a_published_record_may_not_cite_a_draft(tmp_path: Path) -> None:
    data = tmp_path / "site_data"
    shutil.copytree(FIXTURE, data)
    site = data / "sites" / "yida-huizhi.yml"
    site.write_text(site.read_text("utf-8") + "people: [caogao-renwu]\n", "utf-8")
    codes = [p.code for p in check_tree(data, TODAY).errors]
    assert codes == ["ref-to-draft"]


def test_draft_records_have_no_page(draft_site: Path) -> None:
    assert (draft_site / "sites" / "yida-huizhi" / "index.html").is_file()
    assert (draft_site / "readings" / "jianshi" / "index.html").is_file()
    assert not (draft_site / "sites" / "caogao-jiuzhi").exists()
    assert not (draft_site / "people" / "caogao-renwu").exists()
    assert not list(draft_site.rglob("*caogao*"))


def test_no_built_file_mentions_a_draft(draft_site: Path) -> None:
    checked = 0
    for file in draft_site.rglob("*"):
        if file.is_file() and file.suffix in {".html", ".xml", ".json", ".js", ".txt", ".md",
                                              ".csv", ".geojson", ".ics"}:
            text = file.read_text("utf-8", errors="replace")
            found = [t for t in DRAFT_TEXT if t in text]
            assert not found, f"{file.relative_to(draft_site)} 含有草稿内容 {found}"
            checked += 1
    assert checked > 10
    # The open data and 党史上的今天 were written, and hold the published records only.
    assert (draft_site / "data" / "sites" / "yida-huizhi.json").is_file()
    assert "中国共产党第一次全国代表大会开幕" in (draft_site / "today" / "07-23" /
                                                  "index.html").read_text("utf-8")
    assert not (draft_site / "data" / "stories").exists()
    # Facet values used only by drafts get no listing page either.
    assert not (draft_site / "province" / "北京市").exists()
    assert not (draft_site / "theme" / "长征").exists()
    assert (draft_site / "theme" / "建党" / "index.html").is_file()


def test_drafts_are_not_in_the_feed_or_updates_page(draft_site: Path) -> None:
    feed = (draft_site / "feed.xml").read_text("utf-8")
    updates = (draft_site / "updates" / "index.html").read_text("utf-8")
    assert feed.count("<entry>") == 2
    assert "已发布的一大会址" in feed and "已发布的一大会址" in updates
    assert not [t for t in DRAFT_TEXT if t in feed or t in updates]
