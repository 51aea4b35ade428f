"""Write the built site atomically and deterministically.

Atomic: the build writes into a staging directory next to the target (same file system,
so a rename is enough) and the finished tree takes the target's place in one step. A
build that fails, is killed or is interrupted leaves the previous site as it was; the
staging directory it leaves behind is removed by the next build.

Deterministic: the same data gives the same bytes. Page dates (the sitemap's `lastmod`,
and the timestamp inside `sitemap.xml.gz`) come from the records' `verified` dates (for
宣讲 and ledger records, the dates they record as done), never from the clock.

Precompressed: every text file gets `.gz` and `.br` siblings (`precompress`), so the web
server sends compressed bytes without compressing per request (see deploy/nginx.conf).
"""

from __future__ import annotations

import collections
import ctypes
import ctypes.util
import datetime as dt
import functools
import gzip
import hashlib
import logging
import multiprocessing
import os
import re
import shutil
from collections.abc import Collection, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .catalog import Catalog
from .diskerror import naming
from .layout import INDEX_DIR, NEARME_DIR, OPEN_DATA_DIR
from .models import Record
from .walk import files_under

try:  # optional: without it only .gz copies are written
    import brotli
except ImportError:  # pragma: no cover - brotli is in the [site] extra
    brotli = None

_STAGING = ".{name}.building-{pid}"
_RETIRED = ".{name}.old-{pid}"
_RENAME_EXCHANGE = 2  # linux/fs.h: swap two paths in one step


class WarningCounter(logging.Handler):
    """Count log records at WARNING and above (a strict build fails on any)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count one record."""
        self.count += 1


def pid_alive(pid: int) -> bool:
    """Whether process `pid` exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: it exists
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux renameat2); return False if unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(done == 0)


class AtomicOutput:
    """A site directory that is replaced whole, only when the new build is complete.

    Usage: `staging = out.begin()`; build into `staging`; then `out.commit()` on
    success or `out.discard()` on failure.
    """

    def __init__(self, target: Path) -> None:
        self.target = target.absolute()
        self.staging = self.target.parent / _STAGING.format(name=self.target.name,
                                                            pid=os.getpid())

    def leftovers(self) -> list[Path]:
        """Return staging and retired directories of builds that are no longer running."""
        found: list[Path] = []
        parent, name = self.target.parent, self.target.name
        if not parent.is_dir():
            return found
        for path in sorted(parent.iterdir()):
            for pattern in (_STAGING, _RETIRED):
                prefix = pattern.format(name=name, pid="")
                if path.name.startswith(prefix):
                    pid = path.name[len(prefix):]
                    if pid.isdigit() and (int(pid) == os.getpid() or not pid_alive(int(pid))):
                        found.append(path)
        return found

    def begin(self) -> Path:
        """Remove what killed builds left behind and return a fresh, empty staging dir."""
        for path in self.leftovers():
            shutil.rmtree(path, ignore_errors=True)
        self.staging.mkdir(parents=True)
        return self.staging

    def commit(self) -> None:
        """Put the finished staging directory in the target's place, then drop the old site.

        On Linux the two directories are exchanged in one step, so a web server reading
        the target sees either the old site or the new one, never a missing directory.
        """
        if not self.staging.is_dir():
            raise FileNotFoundError(self.staging)
        if not self.target.exists():
            os.replace(self.staging, self.target)
            return
        if not self.target.is_dir():
            raise NotADirectoryError(self.target)
        if _exchange(self.staging, self.target):
            shutil.rmtree(self.staging)  # now holds the previous site
            return
        retired = self.target.parent / _RETIRED.format(name=self.target.name, pid=os.getpid())
        os.replace(self.target, retired)
        os.replace(self.staging, self.target)
        shutil.rmtree(retired)

    def discard(self) -> None:
        """Remove the staging directory of a build that did not finish."""
        shutil.rmtree(self.staging, ignore_errors=True)


def data_date(catalog: Catalog) -> dt.date | None:
    """Return the latest date any record was verified or recorded something done (a held
    lecture, a task's progress): the date the data as a whole has."""
    return catalog.derived(_data_date)


def _data_date(catalog: Catalog) -> dt.date | None:
    return records_date(catalog.records.values())


def records_date(records: Iterable[Record]) -> dt.date | None:
    """Return the latest date of `records` (see `data_date`)."""
    dates = [d for r in records for d in r.spec.recorded(r.data)]
    return max(dates) if dates else None


def page_dates(catalog: Catalog) -> dict[str, str]:
    """Return `kind/id.md` -> ISO date the record was last verified (or, for local work,
    last recorded), for every record that has one.

    These replace the build date in the sitemap, so rebuilding unchanged data on another
    day gives the same bytes.
    """
    out = {}
    for record in catalog.records.values():
        dates = record.spec.recorded(record.data)
        if dates:
            out[f"{record.kind}/{record.id}.md"] = max(dates).isoformat()
    return out


# --- Precompressed copies for the web server -----------------------------------------------

COMPRESSIBLE = (".html", ".css", ".js", ".mjs", ".json", ".svg", ".xml", ".txt", ".md",
                ".webmanifest", ".ics", ".csv", ".geojson")
MIN_BYTES = 512  # below this compression saves less than a packet (nginx: gzip_min_length)


@dataclass
class Precompressed:
    """What `precompress` (or a `PageCompressor`) wrote."""

    files: int = 0
    original_bytes: int = 0
    gzip_bytes: int = 0
    brotli_bytes: int = 0

    def add(self, sizes: tuple[int, int, int]) -> None:
        """Count one file's copies: (bytes, gzip bytes, brotli bytes); 0 bytes: none made."""
        if sizes[0]:
            self.files += 1
            self.original_bytes += sizes[0]
            self.gzip_bytes += sizes[1]
            self.brotli_bytes += sizes[2]

    def __add__(self, other: Precompressed) -> Precompressed:
        return Precompressed(self.files + other.files,
                             self.original_bytes + other.original_bytes,
                             self.gzip_bytes + other.gzip_bytes,
                             self.brotli_bytes + other.brotli_bytes)


# Written once per record (pages, the search index's files, the open data): there are
# 10,000s. The open data's kind files are large (20 MB of sites.json at 10,000 records)
# and fetched rarely: brotli 11 on them alone took longer than the rest of the build.
# The split sitemaps (sitemap-1.xml, … from 50,000 pages) list every record and are read
# by crawlers, not phones: brotli 11 takes ~1.5 CPU-s per MB of them (14 MB at 100,000).
# The near-me files (nearme/, one per province listing its sites: 0.34 MB at 10,000
# records) likewise grow with the records: brotli 11 took 0.45 CPU-s on them for 14 % fewer
# bytes than 5 (82 vs 96 KB in all; a phone fetches its province's, ~3 KB).
_PER_RECORD = re.compile(rf"\.html$|^{INDEX_DIR}/|^{OPEN_DATA_DIR}/|^sitemap-\d+\.xml$"
                         rf"|^{NEARME_DIR}/")
# Small files written once per record and rarely fetched: the search index's record files
# (~1 KB, ten per search) and the sites' A4 posters (~3 KB, printed from a desktop).
# Creating a file costs more than compressing one this small: their copies took a third
# of precompress at 10,000 records. nginx gzips them on the fly (gzip_min_length 512).
# The open data's per-record files (data/KIND/ID.json, ~2 KB) likewise: 10,000 pairs of
# copies took as long as writing the whole open data.
_NO_COPY = re.compile(rf"^{INDEX_DIR}/[^/]+/d\d+\.json$|/poster\.html$"
                      rf"|^{OPEN_DATA_DIR}/(?!schema/)[^/]+/[^/]+\.json$")


# Brotli 11 takes ~1.5 CPU-s a MB, quality 9 a fiftieth of that. A shared file above this
# size is made from many records, not an asset every phone fetches: the 宣讲 calendar
# (lectures.ics, 0.63 MB at 2,000 lectures, read by calendar apps) took 0.98 CPU-s at 11
# and 0.02 at 9, for 26.3 vs 29.9 KB (its gzip 9 copy: 42 KB). The theme's largest
# asset is 0.14 MB.
DENSE_MAX = 256 * 1024


def _compress_one(site: Path, path: Path,
                  digests: dict[str, bytes] | None = None) -> tuple[int, int, int]:
    many = per_record(path.relative_to(site).as_posix())
    data = path.read_bytes()
    if digests is not None:
        digests[str(path)] = file_digest(data)
    return write_copies(path, data, many)


def file_digest(data: bytes | bytearray) -> bytes:
    """Return the digest sw.js's version takes of a file with the bytes `data`
    (offline.build_hash)."""
    return hashlib.sha256(data).digest()


def write_copies(path: Path, data: bytes | bytearray, many: bool) -> tuple[int, int, int]:
    """Write `path`.gz and `path`.br for `data`; return (bytes, gzip bytes, brotli bytes)."""
    # Per-record files are many and small: fast levels (brotli 11 would take longer than
    # the rest of the build; gzip 4 is ~3.5x faster than 9, and 6 took a third longer than
    # 4 for 1.7% fewer bytes on a record page: 0.23 vs 0.17 ms, 5,834 vs 5,931 bytes; gzip
    # is what phones without brotli get). Shared assets are few, large and fetched by every
    # phone: the densest levels (brotli 11 up to DENSE_MAX bytes).
    gz = gzip.compress(data, compresslevel=4 if many else 9, mtime=0)  # no name, no time
    if len(gz) >= len(data):
        return 0, 0, 0
    write_file(f"{path}.gz", gz)  # makes the folder: a page's copies may come first
    br_size = 0
    if brotli is not None:
        br = brotli.compress(data, quality=5, lgwin=_window(len(data))) if many else \
            brotli.compress(data, quality=11 if len(data) <= DENSE_MAX else 9)
        write_file(f"{path}.br", br)
        br_size = len(br)
    return len(data), len(gz), br_size


def _window(size: int) -> int:
    """Return the smallest brotli window (log2, 10 up to brotli's default 22) that holds
    `size` bytes whole (larger files keep the default).

    A window larger than the file finds no more matches (the same sizes, to a few bytes)
    but costs more at quality 5: brotli clears tables sized by the window on every call.
    For a 20 KB page, the default 4 MB window made it a fifth slower (0.54 → 0.40 ms).
    (At quality 11, for the shared assets, it saved nothing: they keep the default.)
    """
    bits = 10
    while bits < 22 and (1 << bits) - 16 < size:  # the window is 2**bits - 16 bytes
        bits += 1
    return bits


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC


def write_file(path: Path | str, data: bytes | bytearray) -> None:
    """Write `data` to the file `path` (created or emptied first), making its folder only
    if it is missing. Raises OSError, with the file's name.

    The bytes and the file's mode are Path.write_bytes's. A build writes some 60,000
    files at 10,000 records, and on a busy disk each system call of a file's creation
    counts: Python's open() adds three to the three a write needs (it stats the file,
    asks whether it is a terminal and where it stands), and asking for a folder that
    exists (mkdir with exist_ok) adds one more that locks the folder. Here it is three.
    """
    with naming(path):
        try:
            fd = os.open(path, _CREATE, 0o666)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd = os.open(path, _CREATE, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)


def _write_batch(batch: list[tuple[Path, bytes, bool]]) -> list[tuple[int, int, int]]:
    return [write_copies(path, data, many) for path, data, many in batch]


class PageCompressor:
    """Write each page's `.gz`/`.br` copies in a worker process as the pages are rendered.

    Rendering holds one core; the copies are made on the other one instead of after the
    build (where they took 12 s of a 48 s build at 10,000 records). A process rather than a
    thread: the renderer never waits for the GIL. `precompress` then skips every file
    that has its copies.
    """

    _BATCH = 64  # pages per hand-over: fewer, larger messages to the worker
    _AHEAD = 8  # batches queued at most: a slow disk must not hold the site in memory

    def __init__(self) -> None:
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver"))
        self._batch: list[tuple[Path, bytes, bool]] = []
        self._queue: collections.deque[Future[list[tuple[int, int, int]]]] = collections.deque()
        self.stats = Precompressed()
        self.given: set[str] = set()  # the paths (as str) of the files given: see precompress

    def add(self, path: Path, data: bytes, many: bool = True) -> None:
        """Queue the copies of a page whose bytes `data` are about to be written at `path`
        (with `many` false: of a shared file, at the densest levels; see write_copies)."""
        self._batch.append((path, data, many))
        self.given.add(str(path))
        if len(self._batch) >= self._BATCH:
            self._send()
        while len(self._queue) > self._AHEAD:
            self._collect(self._queue.popleft())

    def wait(self) -> Precompressed:
        """Finish every queued copy; return what was written. Raises what a copy raised."""
        try:
            self._send()
            while self._queue:
                self._collect(self._queue.popleft())
        finally:
            self._pool.shutdown(cancel_futures=True)
        return self.stats

    def _send(self) -> None:
        if self._batch:
            self._queue.append(self._pool.submit(_write_batch, self._batch))
            self._batch = []

    def _collect(self, future: Future[list[tuple[int, int, int]]]) -> None:
        for sizes in future.result():
            self.stats.add(sizes)


def wants_copies(rel: str) -> bool:
    """Return whether `precompress` makes copies of the file `rel` (path relative to the
    site), if it has none yet and has `MIN_BYTES` at least."""
    return os.path.splitext(rel)[1] in COMPRESSIBLE and not _NO_COPY.search(rel)


def per_record(rel: str) -> bool:
    """Return whether the file `rel` gets the per-record (fast) levels (write_copies)."""
    return bool(_PER_RECORD.search(rel))


def precompress(site: Path, workers: int | None = None,
                skip_suffixes: tuple[str, ...] = (), names: list[str] | None = None,
                digests: dict[str, bytes] | None = None,
                given: Collection[str] = ()) -> Precompressed:
    """Write `.gz` (and, with the `brotli` package, `.br`) next to each text file in `site`.

    Output is deterministic. Files that already have a `.gz` sibling (MkDocs's
    sitemap.xml.gz), files under `MIN_BYTES`, the small per-record files in `_NO_COPY`
    and files ending in `skip_suffixes` are left alone. `names`: the files under `site`
    (walk.files_under), if the caller has them. With `digests`, the SHA-256 digest of
    each file read is put there under its path (str): what sw.js's version needs
    (offline.build_hash), so the file is not read twice. `given`: the paths (str) of files
    whose copies are made elsewhere (a PageCompressor's `given`, which may still be at
    them when `names` is taken): left alone too.
    """
    names = files_under(site) if names is None else names
    present = set(names)
    root = str(site)
    todo = [site / rel for rel in names
            if wants_copies(rel) and os.path.splitext(rel)[1] not in skip_suffixes
            and rel + ".gz" not in present and os.path.join(root, rel) not in given
            and os.path.getsize(site / rel) >= MIN_BYTES]
    stats = Precompressed()
    # zlib and brotli release the GIL: threads use every core.
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for sizes in pool.map(functools.partial(_compress_one, site, digests=digests), todo):
            stats.add(sizes)
    return stats
