"""The spool keeps texts on disk and gives them back unchanged, also across a fork."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from second_classroom.forked import ForkedJob
from second_classroom.spool import Spool


@given(st.dictionaries(st.text(), st.text(), max_size=20), st.text())
def test_texts_come_back_as_kept(texts: dict[str, str], replaced: str) -> None:
    spool = Spool()
    try:
        for key, text in texts.items():
            spool.put(key, text)
        for key, text in texts.items():
            assert key in spool
            assert spool.get(key) == text
        for key in texts:
            spool.put(key, replaced)
            assert spool.get(key) == replaced
        assert len(spool) == len(texts)
    finally:
        spool.clear()
    assert len(spool) == 0 and "x" not in spool


def _open_under(folder: Path) -> int:
    """Return how many files this process has open under `folder`."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith(str(folder))
        except OSError:
            continue  # the listing's own descriptor, closed meanwhile
    return count


def test_texts_are_on_disk_not_in_memory(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    page = "<p>纪念馆</p>" * 10_000
    spool.put("a/index.md", page)
    assert spool._own == {}  # noqa: SLF001 - what the process holds itself
    assert _open_under(tmp_path) == 1  # an unnamed file there
    assert list(tmp_path.iterdir()) == []  # that no one else sees
    assert spool.get("a/index.md") == page
    spool.clear()
    assert _open_under(tmp_path) == 0


def test_a_forked_copy_reads_what_was_kept_and_never_overwrites_it() -> None:
    spool = Spool()
    spool.put("before", "父进程写的")
    read, write = os.pipe()

    def child() -> tuple[str, str]:
        spool.put("child", "子进程写的" * 100)
        os.read(read, 1)  # the parent has written more since: the child's text is intact
        return spool.get("before"), spool.get("child")

    job = ForkedJob(child)
    spool.put("after", "之后写的" * 100)  # where a shared file's next text would go
    os.write(write, b"x")
    assert job.result() == ("父进程写的", "子进程写的" * 100)
    assert spool.get("before") == "父进程写的"
    assert spool.get("after") == "之后写的" * 100
    assert "child" not in spool
    spool.clear()
    os.close(read)
    os.close(write)
