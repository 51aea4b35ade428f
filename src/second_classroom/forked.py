"""Work on the second core: a job run by a forked copy of this process (`ForkedJob`: it
shares what is loaded, the catalog, without pickling it, and hands back only a small
result), or by a clean worker process given only what it needs (`ahead`)."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.forkserver
import os
import pickle
import select
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Generic, TypeVar

T = TypeVar("T")


_stopped: list[int] = []  # children killed by cancel(reap=False), not yet reaped
_frozen = False  # whether `freeze` was called in this process (or before it was forked)


def freeze() -> None:
    """Freeze every object the collector tracks now (gc.freeze) for good: a ForkedJob
    then leaves them frozen. Use this, not gc.freeze, for what must stay frozen: asking
    the collector (gc.get_freeze_count) walks every frozen object, ~30 ms at 10,000
    records, before each fork."""
    global _frozen
    gc.freeze()
    _frozen = True


def reap_stopped() -> None:
    """Wait for the children stopped without reaping (`ForkedJob.cancel(reap=False)`)
    to be gone: none of them writes anything after this."""
    while _stopped:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(_stopped.pop(), 0)


class ForkedJob(Generic[T]):
    """Run `work()` in a forked child at once; `result()` waits and returns what it
    returned, or raises what it raised.

    The child leaves with os._exit: it runs no exit handlers and flushes nothing of the
    parent's. It must not use the parent's worker pools or threads (they do not exist
    in the child): settle what it needs from them before forking.
    """

    def __init__(self, work: Callable[[], T]) -> None:
        reap_stopped()  # no child stopped earlier still writes beside this one
        read, write = os.pipe()
        # Frozen objects are never visited by the child's collector, so the inherited
        # catalog stays shared instead of being copied page by page (copy-on-write).
        # What was frozen before (a build's catalog: SiteBuild.start, `freeze`) stays
        # frozen here.
        gc.freeze()
        self._pid = os.fork()
        if self._pid != 0 and not _frozen:
            gc.unfreeze()
        if self._pid == 0:  # pragma: no cover - runs in the child (coverage does not see it)
            # Whatever happens (the parent gone, the pipe broken), the child ends here: an
            # exception must never carry it back into the parent's code, where it would
            # go on as a second copy of the program (a second `mkdocs serve`).
            try:
                os.close(read)
                try:
                    payload = pickle.dumps((True, work()))
                except BaseException as exc:  # noqa: BLE001 - handed to the parent
                    try:
                        payload = pickle.dumps((False, exc))
                    except Exception:  # noqa: BLE001 - an exception that cannot be pickled
                        payload = pickle.dumps((False, RuntimeError(repr(exc))))
                with os.fdopen(write, "wb") as out:
                    out.write(payload)
            finally:
                os._exit(0)
        os.close(write)
        self._read = read
        self._done = False

    def wait_ended(self, poll: float = 0.02, timeout: float | None = None) -> bool:
        """Return True once the child has ended (or was stopped or waited for), without
        taking its result: `result()` still gives it. With `timeout` (seconds), return
        False if it still runs by then. The child's handing over its result wakes the
        wait at once; `poll` is how often it looks whether it was stopped meanwhile."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._done:
            try:
                ended = os.waitid(os.P_PID, self._pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:  # reaped meanwhile by result() or cancel()
                return True
            if ended is not None:
                return True
            wait = poll if deadline is None else min(poll, deadline - time.monotonic())
            if wait <= 0:
                return False
            try:  # readable once the child has written its result (it then exits)
                handed, _, _ = select.select([self._read], [], [], wait)
            except (OSError, ValueError):  # closed meanwhile by cancel()
                continue
            if handed:
                time.sleep(0.001)  # the child is exiting: no busy loop meanwhile
        return True

    def handed_event(self, timeout: float) -> threading.Event:
        """Return an event set once the child has handed over its result (or ended, was
        stopped, or `timeout` seconds passed), waited for by a thread of its own on a
        copy of the pipe: `cancel()` may close the pipe from another thread meanwhile
        (its number could then be another file's), and a stopped child's end of the
        pipe closes with it, which wakes the wait."""
        event = threading.Event()
        if self._done:
            event.set()
            return event
        copy = os.dup(self._read)

        def wait() -> None:
            try:
                select.select([copy], [], [], timeout)
            finally:
                os.close(copy)
                event.set()

        threading.Thread(target=wait, name="search-handover", daemon=True).start()
        return event

    def cancel(self, reap: bool = True) -> None:
        """Stop the child if it still runs (its work is no longer wanted) and reap it;
        not `reap`: leave it to go meanwhile (a large child takes tenths of a second),
        reaped by `reap_stopped()`, which the next ForkedJob calls first."""
        if self._done:
            return
        self._done = True
        os.close(self._read)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        if reap:
            os.waitpid(self._pid, 0)
        else:
            _stopped.append(self._pid)

    def result(self) -> T:
        """Wait for the child; return its result or raise its exception."""
        if self._done:
            raise RuntimeError("ForkedJob.result() called twice")
        self._done = True
        with os.fdopen(self._read, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        if not payload:
            raise RuntimeError(f"worker process ended without a result (status {status})")
        ok, value = pickle.loads(payload)
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]


def ahead(work: Callable[..., T], *args: Any, inline: bool) -> Future[T]:
    """Start `work(*args)`; return its pending result.

    Unless `inline` (a small site, where a worker costs more than it saves) or there is
    one core only, a worker process runs it on the second core while this one goes on.
    The worker starts from forkserver, clean, not as a copy of a process with threads, so
    `args` must hold all it needs. Either way an exception comes out of `result()`.
    """
    if inline or (os.cpu_count() or 1) < 2:
        done: Future[T] = Future()
        try:
            done.set_result(work(*args))
        except Exception as exc:  # noqa: BLE001 - handed over like a worker's
            done.set_exception(exc)
        return done
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver"))
    future = pool.submit(work, *args)
    pool.shutdown(wait=False)  # the worker exits once the work is done
    return future


# What the build's clean workers run: the page compressor, the QR codes, the search index,
# the open data and the downloads' exporters (with their PDF and DOCX writers).
WORKER_MODULES = ("second_classroom.output", "second_classroom.render.qr",
                  "second_classroom.search", "pypinyin", "second_classroom.opendata",
                  "second_classroom.export.batch", "second_classroom.export.to_pdf",
                  "second_classroom.export.to_docx",
                  "second_classroom._frozen")  # last: gc.freeze() what is loaded


def start_fork_server() -> None:
    """Start multiprocessing's fork server now, importing `WORKER_MODULES` into it.

    Every worker of `ahead` and of the build's other pools is forked from that server.
    By default the server imports nothing of ours, so each worker imported what it runs
    itself: 0.2–0.9 s of CPU a worker, six or seven workers a large build. Imported once
    by the server, they come with every worker. Started at the beginning of a build, the
    server imports them on the second core while this process loads and checks the data
    (which uses one). Does nothing on one core, or if the server already runs (its
    imports are then whatever it was started with; the workers import the rest).
    """
    if (os.cpu_count() or 1) < 2:
        return
    # "__main__" is multiprocessing's default: the program's main module.
    multiprocessing.forkserver.set_forkserver_preload(["__main__", *WORKER_MODULES])
    multiprocessing.forkserver.ensure_running()


def stop_fork_server() -> None:
    """Stop multiprocessing's fork server if it runs (the next worker starts it again).

    At the end of a `mkdocs build`, once its workers are gone: the server's memory (~0.1
    GB, the modules it imported for them) is no longer shared with any worker, and the
    warm build's snapshot, pickled then, is the build's peak at 100,000 records.
    multiprocessing stops it only at exit (its `_stop`, for its own tests, is used when
    there; otherwise nothing is done).
    """
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    stop = getattr(server, "_stop", None)
    if callable(stop):
        stop()
