"""Warm builds (second_classroom.warm): a clean `mkdocs build` after an edit takes the
unchanged record folders over from the old site, and the result is, file for file and
byte for byte, what a cold build of the same data writes. Whatever makes the snapshot
untrustworthy (a record folder changed by hand, a damaged snapshot) makes the build cold;
a warm build that fails leaves the old site as it was."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, site_config
from hypothesis import HealthCheck, given, settings
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from test_incremental import EDIT_STEPS, _tree, edit_field

from second_classroom import preview, warm
from second_classroom.build import SiteBuild

WARM = "增量构建"


@pytest.fixture(autouse=True)
def _session() -> Iterator[None]:
    """`on_startup` tells the preview session the command: restore it afterwards."""
    command = preview.session.command
    yield
    preview.session.command = command


def _build(project: Path, site: Path, caplog: pytest.LogCaptureFixture) -> str | None:
    """Run `mkdocs build` of `project` into `site` in this process; return its log, or
    None if the data has errors."""
    caplog.clear()
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(site))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        with caplog.at_level(logging.INFO):
            mkdocs_build(config)
    except Exception as exc:  # noqa: BLE001 - the check's errors abort the build
        if "数据检查未通过" not in f"{exc} {exc.__context__}":
            raise
        return None
    finally:
        config.plugins.on_shutdown()
    return caplog.text


def _project(root: Path, data: Path) -> Path:
    shutil.copytree(data, root / "site_data")
    site_config(root, root / "site_data", downloads=False)
    return root


def _same_as_cold(project: Path, site: Path, name: str) -> None:
    cold = project / f"cold-{name}"  # another site folder: no snapshot of its own
    config = load_config(str(project / "mkdocs.yml"), site_dir=str(cold))
    config.plugins.on_startup(command="build", dirty=False)
    mkdocs_build(config)
    warm_tree, cold_tree = _tree(site), _tree(cold)
    assert sorted(warm_tree.keys() ^ cold_tree.keys()) == [], name
    assert [p for p in warm_tree if warm_tree[p] != cold_tree[p]] == [], name
    shutil.rmtree(cold)


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=EDIT_STEPS)
def test_warm_builds_after_any_edits_equal_cold_builds(
        small_tree: Path, tmp_path_factory: pytest.TempPathFactory,
        caplog: pytest.LogCaptureFixture, steps: list[tuple[object, int]]) -> None:
    project = _project(tmp_path_factory.mktemp("warm"), small_tree)
    data, site = project / "site_data", project / "site"
    assert _build(project, site, caplog) is not None
    for number, (edit, pick) in enumerate(steps):
        edit(data, pick)  # type: ignore[operator]
        log = _build(project, site, caplog)
        if log is None:
            continue  # the data has errors: the build stopped (test_incremental covers it)
        if edit is edit_field and "没有变化" not in log:  # not the same edit again
            assert WARM in log  # an edited summary is a warm build's job
        _same_as_cold(project, site, f"{number}")


@pytest.fixture(params=["here", "forked"])
def saving(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """How the build keeps its snapshot: pickled here after `finish` (a small or a very
    large site), or by a forked copy while `finish` runs (warm.save_forked)."""
    if request.param == "forked":
        monkeypatch.setattr(warm, "PRINT_AHEAD_MIN", 0)
    else:
        monkeypatch.setattr(warm, "save_forked", lambda *_: None)
    return str(request.param)


@pytest.mark.usefixtures("saving")
def test_a_warm_build_of_the_sample_equals_a_cold_build(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    project = _project(tmp_path, REPO / "site_data")
    site = project / "site"
    assert _build(project, site, caplog) is not None
    zunyi = project / "site_data" / "sites" / "zunyi-huiyi-huizhi.yml"
    zunyi.write_text(zunyi.read_text("utf-8").replace("name: 遵义会议会址",
                                                      "name: 遵义会议会址（改）"), "utf-8")
    log = _build(project, site, caplog)
    assert log is not None and WARM in log
    assert "遵义会议会址（改）" in (site / "sites" / "zunyi-huiyi-huizhi" /
                               "index.html").read_text("utf-8")
    _same_as_cold(project, site, "title")
    # A new site: pages move along listings, a new record folder
    (zunyi.parent / "zunyi-ceshi.yml").write_text(zunyi.read_text("utf-8").replace(
        "name: 遵义会议会址（改）", "name: 遵义测试新址"), "utf-8")
    log = _build(project, site, caplog)
    assert log is not None and WARM in log
    _same_as_cold(project, site, "add")
    (zunyi.parent / "zunyi-ceshi.yml").unlink()
    log = _build(project, site, caplog)
    assert log is not None and WARM in log
    assert not (site / "sites" / "zunyi-ceshi").exists()
    _same_as_cold(project, site, "delete")


def _edited(project: Path, pick: int = 7) -> None:
    edit_field(project / "site_data", pick)


@pytest.mark.parametrize("pattern", ["people/*/index.html", "data/people/*.json"])
def test_a_file_changed_by_hand_makes_the_build_cold(
        tmp_path: Path, small_tree: Path, caplog: pytest.LogCaptureFixture,
        pattern: str) -> None:
    """A record's page or open data file edited in the published site is not taken over."""
    project = _project(tmp_path, small_tree)
    site = project / "site"
    assert _build(project, site, caplog) is not None
    page = next(site.glob(pattern))
    page.write_text("changed by hand", "utf-8")
    _edited(project)
    log = _build(project, site, caplog)
    assert log is not None and WARM not in log
    assert "changed by hand" not in page.read_text("utf-8")
    _same_as_cold(project, site, "hand")


def test_a_damaged_snapshot_makes_the_build_cold(
        tmp_path: Path, small_tree: Path, caplog: pytest.LogCaptureFixture) -> None:
    project = _project(tmp_path, small_tree)
    site = project / "site"
    assert _build(project, site, caplog) is not None
    pickled = next((project / warm.STATE_DIR).glob("*.pickle"))
    pickled.write_bytes(pickled.read_bytes()[:1000])  # a copy that stopped short
    _edited(project)
    log = _build(project, site, caplog)
    assert log is not None and WARM not in log
    _same_as_cold(project, site, "damaged")
    _edited(project, 8)  # the cold build left a good snapshot again
    log = _build(project, site, caplog)
    assert log is not None and WARM in log


def test_a_failing_warm_build_leaves_the_old_site_whole(
        tmp_path: Path, small_tree: Path, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch, saving: str) -> None:
    project = _project(tmp_path, small_tree)
    site = project / "site"
    assert _build(project, site, caplog) is not None
    before = _tree(site)
    kept = _tree(project / warm.STATE_DIR)

    def full_disk(self: SiteBuild, site_dir: Path) -> None:
        raise OSError(28, "No space left on device", str(site_dir / "feed.xml"))

    monkeypatch.setattr(SiteBuild, "finish", full_disk)  # after the folders moved over
    _edited(project)
    with pytest.raises(SystemExit) as stopped:  # mkdocs.exceptions.Abort: one Chinese line
        _build(project, site, caplog)
    assert "磁盘空间已满" in str(stopped.value) and "feed.xml" in str(stopped.value)
    assert _tree(site) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []
    assert _tree(project / warm.STATE_DIR) == kept  # no snapshot of the failed build


def _no_fork(*_: Any) -> Any:
    raise AssertionError("forked")


def test_the_snapshot_is_the_same_before_finish_as_after(tmp_path: Path) -> None:
    """warm.save_forked pickles the snapshot as soon as the pages are written, while
    `finish` writes the rest: what `finish` changes must not be in it."""
    import datetime as dt
    import pickle

    from second_classroom.build import BuildOptions

    build = SiteBuild.start(REPO, BuildOptions(downloads=False))
    site = build.begin(tmp_path / "site", atomic=False, compress=True)
    site.mkdir()
    build.start_search(site)
    build.write_shared(site)
    today = dt.date(2026, 12, 2)

    def pickled() -> bytes:
        snapshot = warm.snapshot_of(build, {}, today, [])
        assert snapshot is not None
        return pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL)

    before = pickled()
    assert build.written  # what finish uses, then drops
    build.finish(site)
    assert pickled() == before


def test_a_forked_save_is_the_save_here(tmp_path: Path, catalog: Any) -> None:
    """Same bytes in the same place, the digest of those bytes; a cancelled one leaves
    nothing behind."""
    import datetime as dt
    import hashlib

    from second_classroom.build import BuildOptions
    from second_classroom.check import CheckResult
    from second_classroom.incremental import Snapshot
    from second_classroom.render import RenderOptions

    build = SiteBuild(tmp_path, BuildOptions(), catalog, RenderOptions(), [])
    snapshot = Snapshot(tmp_path / "site_data", {}, CheckResult(), build,
                        dt.date(2026, 12, 2), {}, drafts=False)
    site = tmp_path / "site"
    folder = tmp_path / warm.STATE_DIR
    digest = warm.save(tmp_path, site, snapshot)
    here = _tree(folder)
    shutil.rmtree(folder)
    saving = warm.ForkedSave(tmp_path, site, snapshot)
    assert saving.result() == digest
    assert _tree(folder) == here
    assert [hashlib.sha256(data).hexdigest() for data in here.values()] == [digest]
    shutil.rmtree(folder)
    warm.ForkedSave(tmp_path, site, snapshot).cancel()
    assert _tree(folder) == {}
    assert warm.save_forked(tmp_path, site, snapshot, warm.PRINT_AHEAD_MIN - 1) is None
    assert warm.save_forked(tmp_path, site, snapshot, warm.PRINT_AHEAD_MAX + 1) is None
    forked = warm.save_forked(tmp_path, site, snapshot, warm.PRINT_AHEAD_MIN)
    assert forked is not None and forked.result() == digest


def test_the_folders_print_taken_ahead_is_the_one_record_takes(
        tmp_path: Path, catalog: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a forked copy or here: the print of every record folder and kept file."""
    from second_classroom import warm as warm_module

    records = list(catalog.records.values())
    for record in records[::2]:
        (tmp_path / record.url).mkdir(parents=True)
        (tmp_path / record.url / "index.html").write_text(record.id, "utf-8")
    expected = warm_module.folders_print(tmp_path, [r.url for r in records],
                                         warm_module.kept_files(records))
    forked = warm_module.print_ahead(tmp_path, records, least=0)
    here = warm_module.print_ahead(tmp_path, records, least=len(records) + 1)
    assert forked() == here() == expected
    # Half taken by a forked copy, half here (while a forked copy pickles the snapshot).
    monkeypatch.setattr(warm_module, "PRINT_AHEAD_MIN", 2)
    urls = [r.url for r in records]
    assert warm_module.folders_print(tmp_path, urls, warm_module.kept_files(records),
                                     split=True) == expected
    assert warm_module.print_ahead(tmp_path, records, fork=False)() == expected
    with monkeypatch.context() as patched:
        patched.setattr(warm_module, "ForkedJob", _no_fork)
        with pytest.raises(AssertionError):
            warm_module.folders_print(tmp_path, urls, split=True)
    (tmp_path / records[0].url / "index.html").write_text("changed!", "utf-8")
    assert warm_module.print_ahead(tmp_path, records, least=0)() != expected
    # Above `most` records no copy is forked (its pages would be copied as the snapshot
    # is pickled): the print is taken here.
    monkeypatch.setattr(warm_module, "ForkedJob", _no_fork)
    changed = warm_module.print_ahead(tmp_path, records, least=0, most=len(records) - 1)
    assert changed() != expected
    with pytest.raises(AssertionError):
        warm_module.print_ahead(tmp_path, records, least=0, most=len(records))


def test_a_first_build_starts_its_workers_before_it_fingerprints_its_inputs(
        tmp_path: Path, small_tree: Path, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A site never built cannot be skipped as unchanged: the fork server (the workers'
    imports) starts before the inputs are read for their fingerprint, on the second core
    meanwhile. A site built before may be unchanged: nothing is started first."""
    from second_classroom import build as build_module

    project = _project(tmp_path, small_tree)
    order: list[str] = []
    monkeypatch.setattr(build_module, "EARLY_SERVER_MIN", 0)
    monkeypatch.setattr(build_module, "start_fork_server", lambda: order.append("workers"))
    fingerprint = build_module.fingerprint  # what input_fingerprint takes

    def printing(*args: Any, **kwargs: Any) -> str:
        order.append("print")
        return fingerprint(*args, **kwargs)

    # (MkDocs loads the hooks module once a process: what it imported by name stays.)
    monkeypatch.setattr(build_module, "fingerprint", printing)
    assert _build(project, project / "site", caplog) is not None
    assert order[:2] == ["workers", "print"]
    order.clear()
    _edited(project)
    assert _build(project, project / "site", caplog) is not None
    assert order[0] == "print"
