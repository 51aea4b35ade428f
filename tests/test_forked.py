"""Work in a forked copy of this process (second_classroom.forked.ForkedJob)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from second_classroom import forked
from second_classroom.forked import ForkedJob, reap_stopped


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


_PARENT_GONE = """
import os, time
from second_classroom.forked import ForkedJob, reap_stopped

def work():
    time.sleep(0.5)  # the parent has closed its end by then: the result cannot go back
    return "x" * 1_000_000

for attempt in range(1):  # like a server's loop, which logs an error and goes on
    try:
        job = ForkedJob(work)
        os.close(job._read)
    except Exception:
        pass
    print("went on", flush=True)
"""


def test_a_child_whose_parent_is_gone_ends_and_never_runs_the_parents_code() -> None:
    """A forked child that cannot hand its result back ends there: before, the broken
    pipe's exception carried it back into the parent's code, and under `mkdocs serve`
    (whose loop catches errors) the server went on running twice."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _PARENT_GONE], capture_output=True,
                          text=True, timeout=60)
    # The output pipe closes only when the child has ended too.
    assert done.stdout.count("went on") == 1, done.stdout


_PROBE = """
import multiprocessing, sys
from concurrent.futures import ProcessPoolExecutor
from second_classroom.forked import WORKER_MODULES, start_fork_server
if sys.argv[1] == "early":
    start_fork_server()
with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as pool:
    loaded = pool.submit(eval, "sorted(__import__('sys').modules)").result()
print(sum(name in loaded for name in WORKER_MODULES), len(WORKER_MODULES))
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no early fork server")
def test_an_early_fork_server_gives_every_worker_its_modules() -> None:
    """Started by the build, the fork server has imported what the workers run, so a
    worker forked from it starts with those modules; by default it has none of them."""
    def probe(mode: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True,
                              text=True, timeout=120, check=True)
        return done.stdout.split()

    count = str(len(forked.WORKER_MODULES))
    assert probe("early") == [count, count]
    assert probe("default") == ["0", count]


def test_waiting_for_a_job_to_end_leaves_its_result() -> None:
    """The preview's copy of the index update waits until the search child has ended
    (LiveIndex.follow), without taking the result the next save collects."""
    job = ForkedJob(lambda: time.sleep(0.3) or 7)
    start = time.monotonic()
    job.wait_ended()
    assert time.monotonic() - start >= 0.3
    assert job.result() == 7
    stopped = ForkedJob(lambda: time.sleep(30))
    stopped.cancel()
    start = time.monotonic()
    stopped.wait_ended()  # stopped and reaped: returns at once
    assert time.monotonic() - start < 1


def test_waiting_for_a_job_can_give_up_and_wakes_when_it_ends() -> None:
    """A bounded wait for a child (the preview's search child: LiveIndex.follow waits
    for it to end) gives up in time, and the child's end wakes it at once, not at the
    next look (`poll`)."""
    slow = ForkedJob(lambda: time.sleep(3) or 1)
    start = time.monotonic()
    assert slow.wait_ended(timeout=0.3) is False
    assert 0.25 <= time.monotonic() - start < 1.5
    slow.cancel()
    quick = ForkedJob(lambda: time.sleep(0.3) or 2)
    start = time.monotonic()
    assert quick.wait_ended(poll=5, timeout=10) is True
    assert time.monotonic() - start < 2
    assert quick.result() == 2


def test_a_stopped_job_is_reaped_before_the_next_one_starts() -> None:
    """The preview stops what the last save left writing without waiting for it to go
    (preview.settle): it is reaped before the next forked job, which may write the same
    files, starts."""
    stopped = ForkedJob(lambda: time.sleep(30))
    pid = stopped._pid
    stopped.cancel(reap=False)
    assert forked._stopped == [pid]
    assert ForkedJob(lambda: 3).result() == 3
    assert forked._stopped == []
    with pytest.raises(ChildProcessError):  # reaped: no longer a child of this process
        os.waitpid(pid, os.WNOHANG)


def test_a_thread_watches_for_the_hand_over() -> None:
    """The preview's server waits for the search child in a request thread
    (preview.search_written), not in the rebuild: the event is set when the child hands
    over, when it is stopped (even with its pipe closed by cancel meanwhile), or after
    the timeout, and not before."""
    quick = ForkedJob(lambda: 5)
    assert quick.handed_event(timeout=60).wait(10)
    assert quick.result() == 5
    slow = ForkedJob(lambda: time.sleep(30))
    stopped = slow.handed_event(timeout=60)
    assert not stopped.wait(0.3)
    slow.cancel(reap=False)
    assert stopped.wait(5)
    reap_stopped()
    late = ForkedJob(lambda: time.sleep(30))
    start = time.monotonic()
    assert late.handed_event(timeout=0.3).wait(10)
    assert 0.25 <= time.monotonic() - start < 5
    late.cancel()


_STOP = """
import multiprocessing, multiprocessing.forkserver, os
from concurrent.futures import ProcessPoolExecutor
from second_classroom.forked import start_fork_server, stop_fork_server

def run():
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as pool:
        return pool.submit(os.getppid).result()  # a worker's parent: the server

start_fork_server()
first = run()
os.kill(first, 0)  # running
stop_fork_server()
try:
    os.kill(first, 0)
    print("still running")
except ProcessLookupError:
    print("stopped")
second = run()  # the next worker starts a new one
stop_fork_server()
print("new server" if second != first else "same server")
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no early fork server")
def test_the_fork_server_stops_and_the_next_worker_starts_it_again() -> None:
    """At the end of a build the fork server is stopped (its memory is no longer shared
    with any worker); a later worker (the preview's next build) starts a new one."""
    done = subprocess.run([sys.executable, "-c", _STOP], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.split("\n")[:2] == ["stopped", "new server"], done.stdout


def test_the_build_s_own_process_loads_no_pinyin_tables() -> None:
    """pypinyin's tables (~0.15 s to load) are the workers' (their fork server imports
    them): importing what the build and the hooks use leaves them out; spelling loads
    them when it first reads a name."""
    code = ("import sys, second_classroom.build, second_classroom.warm, "
            "second_classroom.preview, second_classroom.incremental, second_classroom.search\n"
            "before = 'pypinyin' in sys.modules\n"
            "from second_classroom.spelling import spell\n"
            "print(before, spell('遵义会议'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.split(maxsplit=1) == ["False", "[['zun', 'yi', 'hui', 'yi']]\n"]
    assert "pypinyin" in forked.WORKER_MODULES
