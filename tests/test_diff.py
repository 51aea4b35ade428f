"""`classroom diff BASE HEAD`: records added, removed and changed, field by field, in Chinese."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from second_classroom.cli import main
from second_classroom.diff import diff_revisions, md_escape, to_markdown

VOCAB = Path(__file__).parent / "fixtures" / "vocab.yml"
DATA = "site_data"  # the data folder inside the test repositories

SITE = """\
name: 一大会址
kind: 纪念馆
region:
  province: 上海市
  city: 上海市
open_hours: "9:00-17:00"
summary: 中国共产党的诞生地。
themes: [建党]
body: |
  第一段。
  第二段。
sources:
  - title: 来源甲
    url: https://a.example/1
verified: 2026-11-01
"""

SITE_AFTER = """\
name: 一大会址
kind: 纪念馆
region:
  province: 上海市
  city: 上海市
  county: 黄浦区
open_hours: "9:00-16:30"
summary: 中国共产党的诞生地。
themes: [长征, 建党]
body: |
  第一段。
  第二段（已修订）。
  第三段。
sources:
  - title: 来源甲
    url: https://a.example/1
  - title: 来源乙
    publisher: 出版社乙
verified: 2026-11-20
"""

PERSON = """\
name: 李大钊
role: 中国共产党的主要创始人之一
summary: 简介。
sources: [{title: 来源}]
verified: 2026-11-01
"""

READING = """\
title: 中国共产党简史
kind: book
summary: 简介。
sources: [{title: 来源}]
verified: 2026-11-01
draft: true
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def write(repo: Path, files: dict[str, str | bytes | None]) -> None:
    for rel, content in files.items():
        target = repo / rel
        if content is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=测试", "-c", "user.email=t@example.org", "commit", "-q",
        "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with a small data folder committed once."""
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "site_data").mkdir()
    shutil.copy(VOCAB, tmp_path / "site_data" / "vocab.yml")
    write(tmp_path, {"site_data/sites/yida.yml": SITE,
                     "site_data/people/li-dazhao.yml": PERSON,
                     "README.md": "说明\n"})
    commit(tmp_path, "base")
    return tmp_path


def test_added_removed_and_changed_records(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    write(repo, {"site_data/sites/yida.yml": SITE_AFTER,
                 "site_data/people/li-dazhao.yml": None,
                 "site_data/readings/jianshi.yml": READING,
                 "site_data/media/yida/front.jpg": b"\xff\xd8" + b"0" * 3000,
                 "README.md": "说明已改\n"})
    head = commit(repo, "change")
    summary = diff_revisions(repo, base, head, DATA)
    assert [(r.status, r.kind, r.id) for r in summary.records] == [
        ("added", "readings", "jianshi"),
        ("removed", "people", "li-dazhao"),
        ("changed", "sites", "yida"),
    ]
    assert summary.media == [("added", "site_data/media/yida/front.jpg", 3002)]
    assert summary.other == []  # README.md is outside the data folder

    text = to_markdown(summary)
    expected_head = f"""\
## 数据变更摘要（`{base}` → `{head}`）

记录：新增 1 条，删除 1 条，修改 1 条。

### 新增的记录

- 学习书目 **中国共产党简史**（草稿，不发布） `site_data/readings/jianshi.yml`

### 删除的记录

- 英烈人物 **李大钊** `site_data/people/li-dazhao.yml`

### 修改的记录

#### 红色地标 **一大会址** `site_data/sites/yida.yml`

- 新增 所在地区（region） · 县（市、区、旗）（county）：“黄浦区”
- 修改 开放时间（open\\_hours）：由“9:00-17:00”改为“9:00-16:30”
- 修改 详细介绍（body）：
  <details><summary>查看改动（增加 2 行，删除 1 行）</summary>

  ```diff
  @@ -1,2 +1,3 @@
   第一段。
  -第二段。
  +第二段（已修订）。
  +第三段。
  ```

  </details>
- 新增 主题（themes）：“长征”
- 新增 来源（sources） 第 2 项：“标题: 来源乙，发布者: 出版社乙”
- 修改 核实日期（verified）：由“2026-11-01”改为“2026-11-20”

### 图片与媒体文件

- 新增 `site_data/media/yida/front.jpg`（3 KB）
"""
    assert text == expected_head


def test_list_changes_removed_terms_and_items(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    changed = (SITE.replace("themes: [建党]", "themes: [长征]")
               .replace("  - title: 来源甲\n    url: https://a.example/1\n",
                        "  - title: 来源丙\n    url: https://a.example/1\n"))
    write(repo, {"site_data/sites/yida.yml": changed})
    head = commit(repo, "lists")
    (record,) = diff_revisions(repo, base, head, DATA).records
    lines = to_markdown(diff_revisions(repo, base, head, DATA)).splitlines()
    assert record.status == "changed"
    assert "- 修改 主题（themes）：删除“建党”，增加“长征”" in lines
    assert "- 修改 来源（sources） 第 1 项 · 标题（title）：由“来源甲”改为“来源丙”" in lines


def test_order_and_formatting_only_changes_are_named(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    reordered = PERSON.replace("role:", "# 注释\nrole:")
    site = SITE.replace("themes: [建党]", "themes:\n  - 建党")
    write(repo, {"site_data/people/li-dazhao.yml": reordered, "site_data/sites/yida.yml": site})
    head = commit(repo, "format")
    text = to_markdown(diff_revisions(repo, base, head, DATA))
    assert text.count("- 只改动了格式（空白、注释或引号），内容不变") == 2


def test_vocabulary_changes_are_listed(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    vocab = (repo / "site_data" / "vocab.yml").read_text("utf-8")
    write(repo, {"site_data/vocab.yml": vocab.replace("themes: [建党, 长征]",
                                                      "themes: [建党, 长征, 抗日战争]")})
    head = commit(repo, "vocab")
    text = to_markdown(diff_revisions(repo, base, head, DATA))
    assert "### 词表 vocab.yml\n\n- 新增 词表（themes）：“抗日战争”\n" in text


def test_a_record_that_no_longer_parses_is_reported(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    write(repo, {"site_data/people/li-dazhao.yml": PERSON + "name: 重复\n"})
    head = commit(repo, "broken")
    (record,) = diff_revisions(repo, base, head, DATA).records
    assert record.status == "changed"
    # The loader keeps the first of two duplicate keys (`classroom check` reports the
    # second), so the content is unchanged.
    assert [c.label for c in record.changes] == ["格式（空白、注释或引号）"]
    write(repo, {"site_data/people/li-dazhao.yml": "name: [未闭合\n"})
    head2 = commit(repo, "unparseable")
    text = to_markdown(diff_revisions(repo, base, head2, DATA))
    assert "- ⚠ YAML 语法错误" in text


def test_record_text_cannot_become_markup_or_mentions(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    write(repo, {"site_data/people/li-dazhao.yml":
                 PERSON.replace("name: 李大钊", "name: '<img src=x> @someone #12 [链接](http://x)'")})
    head = commit(repo, "markup")
    text = to_markdown(diff_revisions(repo, base, head, DATA))
    for raw in ("<img", "@someone", "#12", "](http"):  # each only ever after a backslash
        assert re.search(r"(?<!\\)" + re.escape(raw), text) is None, raw
    assert "\\<img src=x\\> \\@someone \\#12 \\[链接\\](http://x)" in text


def test_no_changes(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    write(repo, {"README.md": "只改了说明\n"})
    head = commit(repo, "docs")
    assert to_markdown(diff_revisions(repo, base, head, DATA)).endswith("没有记录、词表或图片的变化。\n")


def test_cli_prints_markdown_and_defaults_head(repo: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    base = git(repo, "rev-parse", "HEAD")
    write(repo, {"site_data/people/li-dazhao.yml": None})
    commit(repo, "remove")
    assert main(["diff", base, "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"## 数据变更摘要（`{base}` → `HEAD`）")
    assert "记录：新增 0 条，删除 1 条，修改 0 条。" in out


def test_cli_writes_a_file(repo: Path, tmp_path: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    out = tmp_path / "changes.md"
    assert main(["diff", base, "HEAD", "--repo", str(repo), "--output", str(out)]) == 0
    assert "没有记录、词表或图片的变化" in out.read_text("utf-8")


def test_cli_unknown_revision(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "no-such-branch", "HEAD", "--repo", str(repo)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "classroom: 用法错误：找不到版本“no-such-branch”（应为提交号、分支名或标签）\n"


def test_md_escape_flattens_and_escapes() -> None:
    assert md_escape("a*b_c\n  d|e") == "a\\*b\\_c d\\|e"


def test_uncommitted_and_untracked_records_are_included_by_default(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = git(repo, "rev-parse", "HEAD")
    person = repo / "site_data" / "people" / "li-dazhao.yml"
    person.write_text(person.read_text("utf-8").replace("name: 李大钊", "name: 李大钊（改）"),
                      "utf-8")  # uncommitted
    new = repo / "site_data" / "people" / "chen-duxiu.yml"  # untracked
    new.write_text(person.read_text("utf-8").replace("name: 李大钊（改）", "name: 新人物"),
                   "utf-8")
    assert main(["diff", base, "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"## 数据变更摘要（`{base}` → `工作区（HEAD 加未提交的改动）`）"), out
    assert "记录：新增 1 条，删除 0 条，修改 1 条。" in out
    assert "新人物" in out and "李大钊（改）" in out

    # Between two commits, what was left out is said plainly.
    assert main(["diff", base, "HEAD", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "没有记录、词表或图片的变化" in out
    assert "工作区还有 2 个数据文件的改动未提交" in out and "chen-duxiu.yml" in out
