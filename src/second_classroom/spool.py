"""Texts kept on disk until they are needed again, instead of in memory: the QR codes a
worker makes ahead wait here for their pages and posters (about 3 KB a site, 230 MB at
100,000 records)."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import IO


class Spool:
    """Texts by key in one unnamed temporary file (made at the first `put`; gone when
    cleared, or when the process ends however it ends).

    A forked copy of the process reads what was kept before the fork; what it keeps
    itself stays in its own memory, so the two never write the same part of the file.
    Threads may keep texts at the same time.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._file: IO[bytes] | None = None
        self._at: dict[str, tuple[int, int]] = {}
        self._end = 0
        self._pid = os.getpid()
        self._own: dict[str, str] = {}  # kept by a forked copy
        self._lock = threading.Lock()

    def put(self, key: str, text: str) -> None:
        """Keep `text` under `key` (a later put of the same key replaces it)."""
        if os.getpid() != self._pid:
            self._own[key] = text
            return
        data = text.encode("utf-8", errors="surrogatepass")
        with self._lock:
            if self._file is None:
                self._file = tempfile.TemporaryFile(dir=self._folder)  # noqa: SIM115 - see clear
            os.pwrite(self._file.fileno(), data, self._end)
            self._at[key] = (self._end, len(data))
            self._end += len(data)

    def get(self, key: str) -> str:
        """Return the text kept under `key`; raise KeyError if there is none."""
        if key in self._own:
            return self._own[key]
        start, size = self._at[key]
        assert self._file is not None
        data = os.pread(self._file.fileno(), size, start)
        return data.decode("utf-8", errors="surrogatepass")

    def __contains__(self, key: object) -> bool:
        return key in self._at or key in self._own

    def __len__(self) -> int:
        return len(self._at.keys() | self._own.keys())

    def clear(self) -> None:
        """Drop every text and the file."""
        with self._lock:
            self._at.clear()
            self._own.clear()
            self._end = 0
            if self._file is not None:
                self._file.close()
                self._file = None
