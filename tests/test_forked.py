"""Work in a forked copy of this process (second_classroom.forked.ForkedJob)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from second_classroom.forked import ForkedJob


def test_a_forked_job_returns_its_result_or_raises_its_error() -> None:
    assert ForkedJob(lambda: sum(range(10))).result() == 45

    def fails() -> None:
        raise ValueError("坏了")

    with pytest.raises(ValueError, match="坏了"):
        ForkedJob(fails).result()


def test_a_cancelled_job_stops_at_once_and_leaves_no_process(tmp_path: Path) -> None:
    """The preview's next save cancels the search index still being written for the
    previous one: the child is stopped and reaped, not waited for."""
    marker = tmp_path / "finished"

    def slow() -> None:
        time.sleep(30)
        marker.write_text("done")

    job = ForkedJob(slow)
    pid = job._pid
    start = time.monotonic()
    job.cancel()
    assert time.monotonic() - start < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left
    assert not marker.exists()
    job.cancel()  # twice is harmless
