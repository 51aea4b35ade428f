"""A large site's open data and search index: one worker, the records handed over once."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import second_classroom.build as build
from second_classroom.catalog import Catalog
from second_classroom.opendata import write_open_data
from second_classroom.search import write_index

SITE_URL = "https://example.org/"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_one_worker_writes_what_the_index_and_the_open_data_write_alone(
        tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    alone, both = tmp_path / "alone", tmp_path / "both"
    alone.mkdir()
    both.mkdir()
    write_index(catalog, alone)
    write_open_data(catalog, alone, SITE_URL, "")
    texts = [s for r in catalog.records.values() for s in _strings(r.data) if not s.isascii()]
    sizes = [sys.getsizeof(s) for s in texts]
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(build, "AHEAD_MIN", 1)  # a sample-sized site takes the worker path
    index, data = build.index_and_data_ahead(catalog, both, SITE_URL, "")
    assert index.result(timeout=300).records == len(catalog.records)
    assert data.result(timeout=300).files > len(catalog.records)
    assert _tree(both) == _tree(alone)
    # Handing the values over left no UTF-8 copy inside this process's strings (Python
    # keeps one in a string it pickled), and no file behind.
    assert texts and [sys.getsizeof(s) for s in texts] == sizes
    assert list(scratch.glob("second-classroom-records-*")) == []


@pytest.mark.parametrize("reread", [False, True])
def test_the_worker_reading_records_again_writes_the_same_bytes(
        tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch,
        reread: bool) -> None:
    """From REREAD_MIN records the worker holds none (it reads them again from the file
    at each pass); below it, it holds them all. Same files either way, as written alone."""
    alone, both = tmp_path / "alone", tmp_path / "both"
    alone.mkdir()
    both.mkdir()
    write_index(catalog, alone)
    write_open_data(catalog, alone, SITE_URL, "")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(build, "AHEAD_MIN", 1)
    monkeypatch.setattr(build, "_HAND_OVER_BATCH", 3)  # many batches, some cut by kind
    monkeypatch.setattr(build, "REREAD_MIN", 1 if reread else 10**9)
    taken: list[int] = []
    real = build._taken_over  # noqa: SLF001

    def counted(path: Path) -> list[tuple[str, str, dict[str, Any]]]:
        taken.append(1)
        return real(path)

    monkeypatch.setattr(build, "_taken_over", counted)
    handed: list[Path] = []
    real_hand_over = build._hand_over  # noqa: SLF001

    def hand_over(records: list[tuple[str, str, dict[str, Any]]]) -> Path:
        handed.append(real_hand_over(records))
        return handed[-1]

    monkeypatch.setattr(build, "_hand_over", hand_over)
    # The worker runs here (inline), so that what it called is seen.
    monkeypatch.setattr(build, "ahead", lambda work, *args, inline: _done(work(*args)))
    index, data = build.index_and_data_ahead(catalog, both, SITE_URL, "")
    assert index.result().records == len(catalog.records)
    assert _tree(both) == _tree(alone)
    assert taken == ([] if reread else [1])  # held all at once only below REREAD_MIN
    assert handed and not handed[0].exists()


def _done(value: Any) -> Any:
    from concurrent.futures import Future
    done: Future[Any] = Future()
    done.set_result(value)
    return done


def test_records_read_again_are_those_handed_over_kind_by_kind(
        tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(build, "_HAND_OVER_BATCH", 4)
    records = [(r.kind, r.id, r.data) for k in build.KINDS for r in catalog.by_kind[k]]
    path = build._hand_over(records)  # noqa: SLF001
    again = build._Reread(path)  # noqa: SLF001
    for _ in range(2):  # each pass reads them again, in the order handed over
        assert [(r.kind, r.id, r.data) for r in again] == records
    for kind, of_kind in again.by_kind().items():
        expected = [(r.kind, r.id, r.data) for r in catalog.by_kind[kind]]
        assert len(of_kind) == len(expected)
        assert [(r.kind, r.id, r.data) for r in of_kind] == expected
    # No batch holds two kinds: a pass over one kind reads only its own batches.
    assert len(again.frames) == sum(-(-len(catalog.by_kind[k]) // 4) for k in build.KINDS)
    path.unlink()


@pytest.mark.parametrize("reread", [False, True])
def test_a_failing_worker_fails_both_results_and_leaves_no_file(
        tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch,
        reread: bool) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(build, "AHEAD_MIN", 1)
    monkeypatch.setattr(build, "REREAD_MIN", 1 if reread else 10**9)
    site = tmp_path / "site"
    site.write_text("a file where the site folder should be", "utf-8")
    index, data = build.index_and_data_ahead(catalog, site, SITE_URL, "")
    for pending in (index, data):
        with pytest.raises(OSError):
            pending.result(timeout=300)
    assert list(scratch.glob("second-classroom-records-*")) == []


def test_fresh_copies_are_equal_and_new() -> None:
    value = {"name": "旧址", "id": "site-1", "list": ["纪念馆", 3, ("碑", None)]}
    copy = build._fresh(value)  # noqa: SLF001
    assert copy == value
    assert copy["name"] is not value["name"] and copy["id"] is value["id"]
    assert copy["list"][2][0] is not value["list"][2][0]


def test_records_come_back_as_they_were_handed_over(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Through marshal (dates as ordinals and back), or pickled when a value is
    of another kind; either way the worker gets equal values of the same types."""
    import datetime as dt

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    plain = [("sites", f"s-{i}", {"name": "旧址", "verified": dt.date(2026, 1, i + 1),
                                  "location": {"lat": 31.5, "lng": 121.25}, "n": i,
                                  "ok": True, "none": None, "list": ["碑", ("甲", 1)]})
             for i in range(3)]
    path = build._hand_over(plain)  # noqa: SLF001
    assert path.suffix == ".marshal"
    back = build._taken_over(path)  # noqa: SLF001
    assert back == plain and not path.exists()
    assert [type(r[2]["verified"]) for r in back] == [dt.date] * 3
    assert type(back[0][2]["list"][1]) is tuple
    odd = [*plain, ("sites", "s-9", {"when": dt.datetime(2026, 1, 1, 8, 30)})]
    path = build._hand_over(odd)  # noqa: SLF001
    assert path.suffix == ".pickle"  # a datetime is no plain date: pickled instead
    back = build._taken_over(path)  # noqa: SLF001
    assert back == odd and type(back[-1][2]["when"]) is dt.datetime
    assert list(tmp_path.iterdir()) == []
