"""The preview's search index is updated in place (search._write_in_place): the folder of
the index on disk becomes the new index's folder, only changed files are written and
result files whose number moved are renamed. The result must be, file for file, the index
that `write_index` writes from scratch; an update stopped half way must not leave a
wrong index behind."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_search import _SAMPLE, _edit_step, _sample_records

from second_classroom import search
from second_classroom.catalog import build_catalog
from second_classroom.layout import INDEX_DIR
from second_classroom.models import KINDS
from second_classroom.search import IndexState, write_index


def _apply(old: dict[str, bytes], changes: tuple[list[tuple[str, str]], dict[str, bytes],
                                                  list[str]]) -> dict[str, bytes]:
    """Carry out `changes` on a folder modelled as a dict, as the file system would: a
    rename replaces its target, a rename of a missing file fails."""
    renames, writes, removes = changes
    folder = dict(old)
    for source, target in renames:
        folder[target] = folder.pop(source)  # KeyError: its file was replaced or moved
    folder.update(writes)
    for name in removes:
        del folder[name]
    return folder


@st.composite
def _folders(draw: st.DrawFn) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """An index folder before and after a save: result files shifted by records added or
    removed anywhere, some files changed, swapped (a cycle of renames) or gone, and
    repeated contents."""
    count = draw(st.integers(0, 30))
    contents = draw(st.lists(st.binary(max_size=2), min_size=count, max_size=count))
    old = {f"d{i}.json": data for i, data in enumerate(contents)}
    old.update({"t0.txt": b"shard", "t1.txt": b"shard 1"})
    docs = list(contents)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(docs)))
        if draw(st.booleans()) and docs:
            del docs[min(at, len(docs) - 1)]
        else:
            docs.insert(at, draw(st.binary(max_size=2)))
    if len(docs) >= 2 and draw(st.booleans()):
        i, j = draw(st.integers(0, len(docs) - 1)), draw(st.integers(0, len(docs) - 1))
        docs[i], docs[j] = docs[j], docs[i]
    new = {f"d{i}.json": data for i, data in enumerate(docs)}
    new.update({"t0.txt": draw(st.sampled_from([b"shard", b"shard 1", b"changed"]))})
    if draw(st.booleans()):
        new["t1.txt"] = b"shard 1"
    return old, new


@settings(max_examples=300, deadline=None)
@given(folders=_folders())
def test_the_changes_turn_the_old_folder_into_the_new(
        folders: tuple[dict[str, bytes], dict[str, bytes]]) -> None:
    old, new = folders
    changes = search._changes(old, new)
    assert _apply(old, changes) == new
    renames, writes, _ = changes
    # Nothing that could be kept or renamed is written: only bytes no old file had, or
    # files of a cycle of renames, or a second copy of the same bytes.
    for name, data in writes.items():
        assert old.get(name) != data


def test_a_record_added_first_renames_every_result_file_and_writes_one() -> None:
    old = {f"d{i}.json": f"record {i}".encode() for i in range(100)}
    new = {"d0.json": b"new record", **{f"d{i + 1}.json": f"record {i}".encode()
                                         for i in range(100)}}
    renames, writes, removes = search._changes(old, new)
    assert writes == {"d0.json": b"new record"} and removes == []
    assert renames[0] == ("d99.json", "d100.json") and len(renames) == 100
    assert _apply(old, (renames, writes, removes)) == new


def _tree(site: Path) -> dict[str, bytes]:
    index = site / INDEX_DIR
    found = {}
    for path in sorted(index.rglob("*")):
        assert not path.is_symlink(), path
        if path.is_file():
            found[path.relative_to(index).as_posix()] = path.read_bytes()
    return found


def _fresh(catalog: Any, site: Path) -> dict[str, bytes]:
    site.mkdir()
    write_index(catalog, site)
    return _tree(site)


def _folder(site: Path) -> Path:
    index = site / INDEX_DIR
    return index / json.loads((index / "manifest.json").read_bytes())["dir"]


def _sample_index(tmp_path: Path) -> tuple[Any, Any, Path, IndexState]:
    """The sample's records and vocabulary, and their index written into tmp_path/site."""
    if not _SAMPLE:
        _SAMPLE.append(_sample_records())
    records, vocab = _SAMPLE[0]
    site = tmp_path / "site"
    site.mkdir()
    state = IndexState.of(build_catalog(records, vocab, drafts=True))
    state.write(site)
    return records, vocab, site, state


def test_updates_in_place_equal_a_fresh_index_and_rename_instead_of_writing(
        tmp_path: Path) -> None:
    records, vocab, site, state = _sample_index(tmp_path)
    for step, (op, pick) in enumerate([("add", 0), ("name", 3), ("remove", 1), ("add", 7),
                                       ("summary", 2), ("remove", 0), ("theme", 4)]):
        before = {p.read_bytes() for p in _folder(site).iterdir()}
        records = _edit_step(records, op, pick)
        catalog = build_catalog(records, vocab, drafts=True)
        state.update(catalog)
        written, kept = state.write(site)
        assert _tree(site) == _fresh(catalog, tmp_path / f"fresh{step}"), (op, pick)
        # Only files with bytes the old folder did not have were written; the others
        # were kept or renamed.
        new = {p.name for p in _folder(site).iterdir() if p.read_bytes() not in before}
        assert written == len(new) < kept, (op, written, kept)
        if op == "add":
            number = [r.id for k in KINDS for r in catalog.by_kind[k]].index(
                records[-1].id)
            assert f"d{number}.json" in new


def test_changed_files_are_written_over_in_the_same_files(tmp_path: Path) -> None:
    """A file whose bytes change keeps its file (inode): no file is made and none freed
    for it, and one that gets shorter ends where its new bytes do (search._overwrite)."""
    records, vocab, site, state = _sample_index(tmp_path)
    for step, (op, pick) in enumerate([("add", 0), ("remove", 0), ("name", 3)]):
        folder = _folder(site)
        before = {p.name: (p.stat().st_ino, p.read_bytes()) for p in folder.iterdir()}
        records = _edit_step(records, op, pick)
        catalog = build_catalog(records, vocab, drafts=True)
        state.update(catalog)
        state.write(site)
        assert _tree(site) == _fresh(catalog, tmp_path / f"fresh{step}"), op
        rewritten = [p for p in _folder(site).iterdir() if p.name.startswith("t")
                     and p.name in before and p.read_bytes() != before[p.name][1]]
        assert rewritten, op  # the shards holding the record's terms, at least
        for path in rewritten:
            assert path.stat().st_ino == before[path.name][0], (op, path.name)


def test_an_update_stopped_half_way_is_written_afresh(tmp_path: Path) -> None:
    """An update killed between renaming the folder and replacing the manifest leaves a
    link under the old folder's name (and maybe files half renamed): the next update
    writes the whole index again instead of trusting the folder."""
    records, vocab, site, state = _sample_index(tmp_path)
    index = site / INDEX_DIR
    folder = _folder(site)
    # As a stopped update leaves it: the folder renamed, its files shuffled, a link.
    os.rename(folder, index / "000000000000")
    os.symlink("000000000000", folder)
    names = sorted(p.name for p in (index / "000000000000").iterdir()
                   if p.name.startswith("d"))
    os.rename(index / "000000000000" / names[0], index / "000000000000" / "spare")
    os.rename(index / "000000000000" / names[1], index / "000000000000" / names[0])
    records = _edit_step(records, "name", 5)
    catalog = build_catalog(records, vocab, drafts=True)
    state.update(catalog)
    state.write(site)
    assert _tree(site) == _fresh(catalog, tmp_path / "fresh")
    assert sorted(os.listdir(index)) == sorted(["manifest.json", _folder(site).name])


def test_an_index_written_by_someone_else_is_replaced_whole(tmp_path: Path) -> None:
    """A folder this state did not write (a full build's) is never changed in place."""
    if not _SAMPLE:
        _SAMPLE.append(_sample_records())
    records, vocab = _SAMPLE[0]
    site = tmp_path / "site"
    site.mkdir()
    catalog = build_catalog(records, vocab, drafts=True)
    write_index(catalog, site)
    state = IndexState.of(catalog)  # has not written: knows no folder on disk
    old_folder = _folder(site)
    records = _edit_step(records, "add", 2)
    catalog = build_catalog(records, vocab, drafts=True)
    state.update(catalog)
    state.write(site)
    assert _tree(site) == _fresh(catalog, tmp_path / "fresh")
    assert not old_folder.exists()


def test_the_servers_update_waits_its_grace_unless_the_next_save_needs_it() -> None:
    """The preview's own update of the index state (LiveIndex.follow) waits `grace`
    seconds, and again from each `hold` (the browsers reload meanwhile); the next save's
    `ready()` does not wait for the grace, only for the update."""
    from second_classroom.search import LiveIndex

    if not _SAMPLE:
        _SAMPLE.append(_sample_records())
    records, vocab = _SAMPLE[0]
    live = LiveIndex(build_catalog(records, vocab, drafts=True))
    state = live.ready()
    assert state is not None
    added = _edit_step(records, "add", 1)
    start = time.monotonic()
    live.follow(build_catalog(added, vocab, drafts=True), grace=1.0)
    time.sleep(0.3)
    live.hold(1.0)  # from now on: no update before 1.3 s after follow
    while len(state.records) != len(added) and time.monotonic() - start < 20:
        time.sleep(0.01)
    landed = time.monotonic() - start
    assert 1.3 <= landed < 20  # waited as long as it was told, and no forever
    assert live.ready() is state
    live.follow(build_catalog(records, vocab, drafts=True), grace=30)
    start = time.monotonic()
    assert live.ready() is state and len(state.records) == len(records)
    assert time.monotonic() - start < 10


def test_the_servers_update_lets_the_serving_threads_in_often(monkeypatch: Any) -> None:
    """While the preview's own update of the index state runs (LiveIndex.follow), threads
    switch every FOLLOW_SWITCH seconds, so that those answering the browsers do not wait
    5 ms for the interpreter lock after each system call; the interval is put back."""
    import sys

    from second_classroom.search import LiveIndex

    if not _SAMPLE:
        _SAMPLE.append(_sample_records())
    records, vocab = _SAMPLE[0]
    live = LiveIndex(build_catalog(records, vocab, drafts=True))
    assert live.ready() is not None
    seen: list[float] = []
    update = search.IndexState.update

    def spied(self: search.IndexState, catalog: Any) -> Any:
        seen.append(sys.getswitchinterval())
        return update(self, catalog)

    monkeypatch.setattr(search.IndexState, "update", spied)
    before = sys.getswitchinterval()
    live.follow(build_catalog(_edit_step(records, "add", 1), vocab, drafts=True))
    live.ready()
    assert seen == [search.FOLLOW_SWITCH] and before > search.FOLLOW_SWITCH
    assert sys.getswitchinterval() == before
