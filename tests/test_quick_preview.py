"""The preview's quick rebuild (second_classroom.incremental and the hook's
`_quick_rebuild`): after each save it writes only what the change touches, and the
preview's site is then, file for file and byte for byte, what a full preview build of the
same data writes. Builds run in this process the way `mkdocs serve` runs them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, site_config
from hypothesis import HealthCheck, given, settings
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from test_incremental import EDIT_STEPS

from second_classroom import preview
from second_classroom.incremental import plan_update

SERVE_URL = "http://127.0.0.1:8000/"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A project with a copy of the sample data, served (the preview session restored
    afterwards: it is this process's)."""
    shutil.copytree(REPO / "site_data", tmp_path / "site_data")
    site_config(tmp_path, tmp_path / "site_data", downloads=False)
    session = preview.session
    saved = (session.command, session.snapshot, session.quick, session.pending)
    yield tmp_path
    preview.settle()
    session.command, session.snapshot, session.quick, session.pending = saved


_SERVE_BUILD = """
import sys
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config
project, site, url = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
site.mkdir(exist_ok=True)
config = load_config(str(project / "mkdocs.yml"), site_dir=str(site))
config.plugins.on_startup(command="serve", dirty=False)
config.site_url = url
build(config, serve_url=url, dirty=False)
"""


def _serve_build(project: Path, site: Path, elsewhere: bool = False) -> None:
    """Build `project` into `site` as `mkdocs serve`'s builder does (into a folder it
    made first): here, or `elsewhere` (another process, whose hook state is its own)."""
    if elsewhere:
        subprocess.run([sys.executable, "-c", _SERVE_BUILD, str(project), str(site),
                        SERVE_URL], check=True, capture_output=True)
        return
    site.mkdir(exist_ok=True)
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(site))
    config.plugins.on_startup(command="serve", dirty=False)
    config.site_url = SERVE_URL
    mkdocs_build(config, serve_url=SERVE_URL, dirty=False)


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted(site.rglob("*")) if p.is_file()}


def _assert_same_as_full_build(project: Path, site: Path, name: str) -> None:
    """The quick-rebuilt `site` equals a full preview build of the data, byte for byte."""
    preview.settle()  # the search index and open data it left writing
    full = project / f"full-{name}"
    _serve_build(project, full, elsewhere=True)
    quick, fresh = _tree(site), _tree(full)
    assert sorted(quick.keys() - fresh.keys()) == [], f"{name}: left over"
    assert sorted(fresh.keys() - quick.keys()) == [], f"{name}: missing"
    differing = [path for path in quick if quick[path] != fresh[path]]
    assert differing == [], f"{name}: differ"


def _edit(file: Path, pattern: str, replacement: str) -> None:
    text = file.read_text(encoding="utf-8")
    changed, count = re.subn(pattern, replacement, text, count=1, flags=re.M)
    assert count == 1, (file, pattern)
    file.write_text(changed, encoding="utf-8")


def test_quick_rebuilds_equal_full_builds(project: Path) -> None:
    site = project / "site"
    _serve_build(project, site)
    data = project / "site_data"
    assert preview.session.snapshot is not None and preview.session.quick is not None
    records = len(preview.session.snapshot.build.records)
    zunyi = data / "sites" / "zunyi-huiyi-huizhi.yml"
    steps = [
        # a title shown on the pages of the people, relics, readings and outlines it names
        ("title", lambda: _edit(zunyi, r"^name: 遵义会议会址$", "name: 遵义会议会址（改）")),
        # a facet value: the theme's pages gain it, another theme's pages lose it
        ("theme", lambda: _edit(zunyi, r"^  - 长征$", "  - 改革开放")),
        # a new site next to it: listings, nearby lists, the map files, the sitemap
        ("add", lambda: (data / "sites" / "zunyi-ceshi-xinzhi.yml").write_text(
            zunyi.read_text(encoding="utf-8").replace("name: 遵义会议会址（改）",
                                                      "name: 遵义测试新址"),
            encoding="utf-8")),
        # a person's name: on sites, relics, quotes and outlines that name him
        ("person", lambda: _edit(data / "people" / "zhu-de.yml", r"^name: 朱德$",
                                 "name: 朱德同志")),
        # the record added above goes again
        ("delete", lambda: (data / "sites" / "zunyi-ceshi-xinzhi.yml").unlink()),
        # an event: 党史上的今天's day page and file, the site's page
        ("event", lambda: _edit(zunyi, r"开幕，1月17日结束$", "开幕（1月17日结束）")),
        # a lecture: the schedule's pages and calendar, its outline's page
        ("lecture", lambda: _edit(
            data / "lectures" / "xuanjiang-20261203-zhenyi-cunsan.yml",
            r"^venue: 村委会会议室$", "venue: 村委会二楼会议室")),
        # a quotation's title: on its speaker's page
        ("quote", lambda: _edit(data / "quotes" / "mao-baqi-huiyi-qiangganzi.yml",
                                r"^title: 政权是由枪杆子中取得的$", "title: 枪杆子里面出政权")),
        # a story: 经验做法's listing by category and unit
        ("story", lambda: _edit(
            data / "stories" / "longzhou-duoyangshi-ketang.yml",
            r"^title: 龙州县", "title: 广西龙州县")),
        # a 读书班 (its downloads are off here)
        ("plan", lambda: _edit(
            data / "studyplans" / "qingshaonian-hongse-jiyin-yanxueban.yml",
            r"^title: ", "title: （改）")),
    ]
    for name, step in steps:
        step()
        update = plan_update(preview.session.snapshot, site)
        assert update is not None, name
        assert 0 < len(update.records) < records / 2, (name, len(update.records))
        assert preview.quick_rebuild(), name
        _assert_same_as_full_build(project, site, name)


def test_what_a_quick_rebuild_replaced_is_let_go_after_the_reload(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Freeing the last catalog, check and build took a tenth of a second of the
    rebuild, just before the browsers reload: a quick rebuild hands them to a thread that
    lets them go a little later (preview.release_later), and they do go."""
    import time
    import weakref

    monkeypatch.setattr(preview, "RELEASE_AFTER", 0.5)
    site = project / "site"
    _serve_build(project, site)
    assert preview.session.snapshot is not None
    last = weakref.ref(preview.session.snapshot.build)
    _edit(project / "site_data" / "sites" / "zunyi-huiyi-huizhi.yml", r"^name: 遵义会议会址$",
          "name: 遵义会议会址（改）")
    assert preview.quick_rebuild()
    assert preview.session.snapshot.build is not last()
    assert last() is not None  # held for now: not freed during the rebuild
    deadline = time.monotonic() + 10
    while last() is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert last() is None


def test_open_data_is_written_in_place_or_whole_when_in_doubt(project: Path) -> None:
    """A save's open data is written in place (the saved records' files and those of all
    records); the folder is written whole when an earlier update of it was stopped half
    way (the next save stops it: the marker beside the site says so), or when a kind's
    last record went (its files must go)."""
    site = project / "site"
    _serve_build(project, site)
    data = project / "site_data"
    zunyi = data / "sites" / "zunyi-huiyi-huizhi.yml"
    zhu_de = site / "data" / "people" / "zhu-de.json"
    _edit(zunyi, r"^name: 遵义会议会址$", "name: 遵义会议会址（改）")
    assert preview.quick_rebuild()
    preview.settle()
    untouched = zhu_de.stat().st_ino  # not written again: no other save wrote it
    _edit(zunyi, r"^name: 遵义会议会址（改）$", "name: 遵义会议会址")
    assert preview.quick_rebuild()
    _assert_same_as_full_build(project, site, "in place")
    assert zhu_de.stat().st_ino == untouched
    marker = site.parent / f".{site.name}.data-writing"
    marker.touch()  # as an update stopped half way leaves it, with a file not yet right
    zhu_de.write_bytes(b"{}")
    _edit(zunyi, r"^name: 遵义会议会址$", "name: 遵义会议会址（再改）")
    assert preview.quick_rebuild()
    _assert_same_as_full_build(project, site, "stopped half way")
    assert not marker.exists()
    for story in (data / "stories").glob("*.yml"):  # the last records of a kind
        story.unlink()
    assert preview.quick_rebuild()
    _assert_same_as_full_build(project, site, "a kind gone")
    assert not (site / "data" / "stories.json").exists()


def test_the_search_child_starts_before_the_catalog_is_updated(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview forks the search child as soon as the saved records pass the check
    (`checked`), before the catalog is updated: the records it is given, in the index's
    order (search.records_of), are the new catalog's, the same objects."""
    from second_classroom import incremental
    from second_classroom.models import KINDS
    from second_classroom.search import records_of

    site = project / "site"
    _serve_build(project, site)
    data = project / "site_data"
    zunyi = data / "sites" / "zunyi-huiyi-huizhi.yml"
    (data / "sites" / "zunyi-ceshi-xinzhi.yml").write_text(
        zunyi.read_text(encoding="utf-8").replace("name: 遵义会议会址", "name: 遵义测试新址"),
        encoding="utf-8")
    calls: list[str] = []
    given: list[Any] = []
    update_catalog = incremental.update_catalog

    def spied(*args: Any, **kwargs: Any) -> Any:
        calls.append("catalog")
        return update_catalog(*args, **kwargs)

    monkeypatch.setattr(incremental, "update_catalog", spied)
    snapshot = preview.session.snapshot
    assert snapshot is not None
    update = plan_update(snapshot, site, checked=lambda records: (
        calls.append("checked"), given.append(records)))
    assert update is not None and calls == ["checked", "catalog"]
    catalog = update.build.catalog
    ordered = records_of(given[0], snapshot.drafts)
    assert [id(r) for r in ordered] == [id(r) for k in KINDS for r in catalog.by_kind[k]]


def test_what_a_quick_rebuild_cannot_follow_is_built_in_full(project: Path) -> None:
    site = project / "site"
    _serve_build(project, site)
    snapshot = preview.session.snapshot
    assert snapshot is not None
    assert plan_update(snapshot, site) is None  # nothing saved: nothing to do quickly
    data = project / "site_data"
    vocab = data / "vocab.yml"
    vocab.write_text(vocab.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert plan_update(snapshot, site) is None  # the vocabulary: everything may change
    _serve_build(project, site)
    snapshot = preview.session.snapshot
    assert snapshot is not None
    # A record saved with the configuration: the configuration needs a full build.
    _edit(data / "people" / "zhu-de.yml", r"^name: 朱德$", "name: 朱德同志")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "# 改动\n", encoding="utf-8")
    assert plan_update(snapshot, site) is not None  # the data alone would do
    assert preview.quick_rebuild() is False
    _serve_build(project, site)
    snapshot = preview.session.snapshot
    assert snapshot is not None
    _edit(data / "people" / "zhu-de.yml", r"^name: 朱德同志$", "name：朱德")
    assert plan_update(snapshot, site) is None  # an error: the full build shows it


def test_a_quick_rebuild_that_fails_gives_way_to_a_full_build(
        project: Path, caplog: pytest.LogCaptureFixture) -> None:
    site = project / "site"
    _serve_build(project, site)

    def broken() -> bool:
        raise KeyError("sites/x.md")

    preview.session.quick = broken
    assert preview.quick_rebuild() is False  # mkdocs serve then builds in full
    assert "快速更新失败" in caplog.text and "改为完整重建" in caplog.text
    assert preview.session.snapshot is None  # no quick rebuild from a state in doubt


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=EDIT_STEPS)
def test_quick_rebuilds_after_any_edits_equal_a_full_build(
        small_tree: Path, tmp_path_factory: pytest.TempPathFactory,
        steps: list[tuple[Callable[[Path, int], None], int]]) -> None:
    """The editors' edits of tests/test_incremental.py, in any order: each is either
    rebuilt quickly, giving the full build's site, or found to need a full build."""
    project = tmp_path_factory.mktemp("quick")
    data = project / "site_data"
    shutil.copytree(small_tree, data)
    site_config(project, data, downloads=False)
    site = project / "site"
    session = preview.session
    saved = (session.command, session.snapshot, session.quick, session.pending)
    try:
        _serve_build(project, site)
        for number, (edit, pick) in enumerate(steps):
            edit(data, pick)
            snapshot = session.snapshot
            if snapshot is None or plan_update(snapshot, site) is None:
                _serve_build(project, site)  # as mkdocs serve does then
                continue
            assert preview.quick_rebuild(), edit
            _assert_same_as_full_build(project, site, f"{number}-{edit.__name__}")
    finally:
        preview.settle()
        session.command, session.snapshot, session.quick, session.pending = saved


def test_a_save_still_being_written_is_checked_again(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A check that reads a record the editor's save has only half written fails; if the
    file changes during that check, the quick rebuild plans again with the whole file
    instead of giving way to a full build (30 s at 10,000 records)."""
    site = project / "site"
    _serve_build(project, site)
    snapshot = preview.session.snapshot
    assert snapshot is not None
    record = project / "site_data" / "people" / "zhu-de.yml"
    whole = re.sub(r"^name: 朱德$", "name: 朱德同志", record.read_text(encoding="utf-8"),
                   flags=re.M)
    record.write_text(whole[: whole.index("\n", 40)], encoding="utf-8")  # cut short
    from second_classroom import incremental
    real = incremental.check_tree
    calls: list[bool] = []

    def saving(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        calls.append(bool(result.errors))
        if len(calls) == 1:  # the rest of the save lands while the check runs
            record.write_text(whole, encoding="utf-8")
        return result

    monkeypatch.setattr(incremental, "check_tree", saving)
    update = plan_update(snapshot, site)
    assert calls == [True, False]  # the cut file failed; the whole one passed
    assert update is not None
    assert update.build.catalog.records["zhu-de"].data["name"] == "朱德同志"
    # A broken file that stays broken still needs the full build that shows the error.
    calls.clear()
    monkeypatch.setattr(incremental, "check_tree", real)
    record.write_text(whole.replace("name: 朱德同志", "name：朱德"), encoding="utf-8")
    assert plan_update(snapshot, site) is None
