"""`classroom check FILES…` and `--changed`: an editor's own files, checked against the whole
catalog, in a copy of the sample data (and a temporary git repository for `--changed`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from second_classroom.checkindex import check_files, index_path
from second_classroom.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "site_data"
TODAY = "2026-12-01"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the sample data in a project folder that is the working folder."""
    shutil.copytree(SAMPLE, tmp_path / "site_data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    status = main(["check", *args, "--today", TODAY])
    return status, capsys.readouterr().out.splitlines()


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, (file, old)
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


SITE = Path("site_data/sites/baise-qiyi-jinianguan.yml")


def test_one_file_is_checked_against_the_whole_catalog(project: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    status, out = check(capsys, str(SITE))
    assert status == 0
    # The sample's warnings about other records are not this editor's business.
    assert all(line.startswith(str(SITE)) for line in out[:-1]), out
    assert out[-1].startswith("检查通过") and "指定的 1 个文件" in out[-1]

    text = SITE.read_text(encoding="utf-8")
    people = next(line for line in text.splitlines() if line.startswith("people:"))
    edit(SITE, people, people.replace("[", "[deng-xiaopin, "))
    status, out = check(capsys, str(SITE))
    assert status == 1
    assert any("找不到编号为“deng-xiaopin”的人物" in line and "是否指“deng-xiaoping”" in line
               for line in out), out


def test_the_index_checks_each_digest_before_use(project: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """An unchanged file's entry comes from the index; a changed one is read again, so a
    record turned into a draft behind the editor's back is seen at once."""
    root = project / "site_data"
    status, _ = check(capsys, str(SITE))
    assert status == 0 and index_path(root).is_file()
    person = root / "people" / "deng-xiaoping.yml"
    assert "deng-xiaoping" in SITE.read_text(encoding="utf-8")
    person.write_text(person.read_text(encoding="utf-8") + "draft: true\n", encoding="utf-8")
    status, out = check(capsys, str(SITE))
    assert status == 1
    assert any("“deng-xiaoping”是草稿" in line for line in out), out

    # A forged entry (digest of other bytes) is never used.
    index = json.loads(index_path(root).read_text(encoding="utf-8"))
    entry = index["entries"]["people/deng-xiaoping.yml"]
    entry["target"][2] = False  # "not a draft", but the digest is still of the draft's bytes
    entry["digest"] = "0" * 32
    index_path(root).write_text(json.dumps(index), encoding="utf-8")
    result, converted = check_files(root, [SITE])
    assert converted == 1  # only the forged entry was read again
    assert any(p.code == "ref-to-draft" for p in result.problems)


def test_errors_come_before_warnings_and_drafts_are_notes(project: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    edit(SITE, "verified: ", "verified: 2019-01-01\nold_verified: ")  # stale + unknown field
    status, out = check(capsys, str(SITE))
    assert status == 1
    severities = ["警告" if "警告：" in line else "提示" if "提示：" in line else "错误"
                  for line in out[:-1]]
    assert severities == sorted(severities, key=["错误", "警告", "提示"].index), out
    assert "错误" in severities and "警告" in severities

    draft = Path("site_data/people/deng-xiaoping.yml")
    draft.write_text(draft.read_text(encoding="utf-8") + "draft: true\n", encoding="utf-8")
    status, out = check(capsys, str(draft))
    notes = [line for line in out if "提示：" in line]
    assert len(notes) == 1 and "草稿" in notes[0] and "draft: false" in notes[0]
    assert "草稿 1 条不发布" in out[-1]


def test_a_file_outside_the_kinds_folders(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stray = Path("site_data/site/new-place.yml")
    stray.parent.mkdir()
    stray.write_text("name: 某地\n", encoding="utf-8")
    status, out = check(capsys, str(stray))
    assert status == 1
    assert any("不在任何一类记录的目录中" in line or "是否指“sites/”" in line for line in out), out
    status, out = check(capsys)  # the whole tree names the folder, with a did-you-mean
    assert any(line.startswith("site_data/site:1:1:") and "是否指“sites/”" in line
               for line in out), out


def test_a_vocabulary_change_checks_every_record(project: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    status, out = check(capsys, "site_data/vocab.yml")
    assert "指定的" not in out[-1] and "旧址 40 条" in out[-1]


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout


def test_changed_checks_what_changed_since_the_merge_base(project: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "site_data")
    git(project, "commit", "-q", "-m", "sample")
    git(project, "checkout", "-q", "-b", "editor")
    status, out = check(capsys, "--changed")
    assert status == 0 and out[0].startswith("没有改动的记录文件（与 main 的分叉点")

    edit(SITE, "summary: ", "summary: 修改后的简介。")  # uncommitted
    committed = Path("site_data/people/deng-xiaoping.yml")
    edit(committed, "name: ", "name: 邓小平\nnmae: ")  # committed on the branch
    git(project, "commit", "-q", "-am", "edit")
    new = Path("site_data/sites/xin-jiuzhi.yml")  # untracked
    new.write_text("name：新旧址\n", encoding="utf-8")
    status, out = check(capsys, "--changed")
    assert status == 1
    named = {line.split(":", 1)[0] for line in out[:-1]}
    assert named == {str(committed), str(new)}, out  # SITE changed but has no problem
    assert "与 main 的分叉点" in out[-1] and "改动的 3 个文件" in out[-1]
    assert any("全角冒号" in line for line in out)

    git(project, "rm", "-q", "site_data/people/li-mingrui.yml")  # deleted, still cited
    status, out = check(capsys, "--changed")
    assert any(line.startswith(str(SITE)) and "找不到编号为“li-mingrui”的人物" in line
               for line in out), out


def test_precommit_runs_without_an_activated_environment(tmp_path: Path) -> None:
    """The hook finds the project's own environment; PATH holds no `classroom`."""
    hook = REPO / "scripts" / "classroom-hook"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    done = subprocess.run([str(hook), "check", "site_data/sites/baise-qiyi-jinianguan.yml",
                           "--today", TODAY], cwd=REPO, env=env, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "检查通过" in done.stdout
    config = (REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "scripts/classroom-hook check" in config and "language: system" not in config


def test_a_change_that_breaks_the_records_citing_it_is_reported(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Checking only the changed file still finds what it breaks elsewhere: a record made
    a draft, or deleted, while published records cite it."""
    person = Path("site_data/people/wei-baqun.yml")
    status, _ = check(capsys, str(person))
    assert status == 0
    person.write_text(person.read_text(encoding="utf-8") + "draft: true\n", encoding="utf-8")
    status, out = check(capsys, str(person))
    assert status == 1
    assert any(line.startswith(str(SITE)) and "“wei-baqun”是草稿" in line for line in out), out

    person.unlink()  # deleted: named as the change, the citing records are checked
    status, out = check(capsys, str(person))
    assert status == 1
    assert any(line.startswith(str(SITE)) and "找不到编号为“wei-baqun”的人物" in line
               for line in out), out
