"""A job run by a forked copy of this process: it shares what is loaded (the catalog)
without pickling it, and hands back only a small result."""

from __future__ import annotations

import gc
import os
import pickle
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ForkedJob(Generic[T]):
    """Run `work()` in a forked child at once; `result()` waits and returns what it
    returned, or raises what it raised.

    The child leaves with os._exit: it runs no exit handlers and flushes nothing of the
    parent's. It must not use the parent's worker pools or threads (they do not exist
    in the child): settle what it needs from them before forking.
    """

    def __init__(self, work: Callable[[], T]) -> None:
        read, write = os.pipe()
        # Frozen objects are never visited by the child's collector, so the inherited
        # catalog stays shared instead of being copied page by page (copy-on-write).
        gc.freeze()
        self._pid = os.fork()
        if self._pid != 0:
            gc.unfreeze()
        if self._pid == 0:  # pragma: no cover - runs in the child (coverage does not see it)
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
            os._exit(0)
        os.close(write)
        self._read = read
        self._done = False

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
