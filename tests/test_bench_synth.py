"""bench/synth.py, which every benchmark builds on, writes valid, deterministic data."""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from synth import write_synthetic  # noqa: E402

from second_classroom.catalog import build_catalog  # noqa: E402
from second_classroom.check import check_tree  # noqa: E402


def test_synthetic_tree_is_valid_and_proportioned(tmp_path: Path) -> None:
    write_synthetic(tmp_path, 300, seed=3)
    result = check_tree(tmp_path, dt.date(2026, 11, 25))
    assert result.problems == [], [p.format() for p in result.problems[:5]]
    assert Counter(r.kind for r in result.records) == {
        "sites": 207, "people": 30, "relics": 30, "readings": 12, "outlines": 9, "routes": 9,
        "quotes": 3}
    catalog = build_catalog(result.records, result.vocab)
    assert len(catalog.by_kind["sites"]) == 205  # one site in a hundred is a draft
    assert sum(1 for near in catalog.nearby.values() if near) > 100  # sites have neighbours
    sizes = [len(Path(r.path).read_bytes()) for r in result.records if r.kind == "sites"]
    assert 900 < sum(sizes) / len(sizes) < 2500  # about a kilobyte of Chinese text


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    write_synthetic(tmp_path / "a", 60, seed=7)
    write_synthetic(tmp_path / "b", 60, seed=7)
    write_synthetic(tmp_path / "c", 60, seed=8)

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.yml")}

    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert files(tmp_path / "a") != files(tmp_path / "c")


def test_tiny_tree_has_no_errors(tmp_path: Path) -> None:
    write_synthetic(tmp_path, 10, seed=1)
    result = check_tree(tmp_path, dt.date(2026, 11, 25))
    assert result.errors == []
    assert len(result.records) == 10


def test_local_work_is_valid_and_part_of_n(tmp_path: Path) -> None:
    write_synthetic(tmp_path, 400, seed=3, lectures=60, tasks=50)
    result = check_tree(tmp_path, dt.date(2026, 11, 25))
    assert result.errors == [], [p.format() for p in result.errors[:5]]
    kinds = Counter(r.kind for r in result.records)
    assert (kinds["lectures"], kinds["tasks"], sum(kinds.values())) == (60, 50, 400)
    statuses = Counter(r.data["status"] for r in result.records if r.kind == "tasks")
    assert set(statuses) == {"未启动", "推进中", "已完成", "已销号"}


def test_stories_and_events_are_valid(tmp_path: Path) -> None:
    from synth import add_events

    write_synthetic(tmp_path / "more", 300, seed=3, stories=6)
    events = add_events(tmp_path / "more", seed=3)
    result = check_tree(tmp_path / "more", dt.date(2026, 11, 25))
    assert result.problems == [], [p.format() for p in result.problems[:5]]
    kinds = Counter(r.kind for r in result.records)
    assert kinds["stories"] == 6 and kinds["sites"] == 207 - 6
    assert events >= 200 and sum(len(r.data.get("events", [])) for r in result.records) == events
