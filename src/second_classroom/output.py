"""Write the built site atomically and deterministically.

Atomic: the build writes into a staging directory next to the target (same file system,
so a rename is enough) and the finished tree takes the target's place in one step. A
build that fails, is killed or is interrupted leaves the previous site as it was; the
staging directory it leaves behind is removed by the next build.

Deterministic: the same data gives the same bytes. Page dates (the sitemap's `lastmod`,
and the timestamp inside `sitemap.xml.gz`) come from the records' `verified` dates,
never from the clock; Pagefind's filter files, written in hash-map order that changes
from run to run, are put in a fixed order (`canonical_pagefind`).

Precompressed: every text file gets `.gz` and `.br` siblings (`precompress`), so the web
server sends compressed bytes without compressing per request (see deploy/nginx.conf).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import gzip
import hashlib
import json
import logging
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalog import Catalog

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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
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
                    if pid.isdigit() and (int(pid) == os.getpid() or not _pid_alive(int(pid))):
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
    """Return the latest `verified` date of any record: the date the data as a whole has."""
    dates = [d for d in (r.data.get("verified") for r in catalog.records.values())
             if isinstance(d, dt.date)]
    return max(dates) if dates else None


def page_dates(catalog: Catalog) -> dict[str, str]:
    """Return `kind/id.md` -> ISO date the record was last verified, for every record.

    These replace the build date in the sitemap, so rebuilding unchanged data on another
    day gives the same bytes.
    """
    out = {}
    for record in catalog.records.values():
        verified = record.data.get("verified")
        if isinstance(verified, dt.date):
            out[f"{record.kind}/{record.id}.md"] = verified.isoformat()
    return out


# --- Pagefind's filter files in a fixed order -------------------------------------------
# Pagefind (1.x) writes each filter's values in Rust hash-map order, which differs on every
# run, and names each file by a hash of its bytes; the language's metadata file lists the
# filter files by name and is itself named by hash in pagefind-entry.json. Sorting the
# values and the list, then renaming along the chain, makes the bundle reproducible.
# Files are "pagefind_dcd" + CBOR, gzipped. Only the CBOR subset Pagefind uses is handled;
# anything else leaves the bundle as it is.

_PF_MAGIC = b"pagefind_dcd"


class _CborError(ValueError):
    pass


def _cbor_decode(data: bytes, i: int = 0) -> tuple[Any, int]:
    head = data[i]
    major, info = head >> 5, head & 31
    i += 1
    if info < 24:
        n = info
    elif info <= 27:
        size = 1 << (info - 24)
        n = int.from_bytes(data[i:i + size], "big")
        i += size
    else:
        raise _CborError(f"unsupported CBOR item {head:#x}")
    if major == 0:
        return n, i
    if major == 1:
        return -1 - n, i
    if major == 3:
        return data[i:i + n].decode("utf-8"), i + n
    if major == 4:
        items = []
        for _ in range(n):
            item, i = _cbor_decode(data, i)
            items.append(item)
        return items, i
    raise _CborError(f"unsupported CBOR major type {major}")


def _cbor_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise _CborError("integer too large")


def _cbor_encode(value: Any) -> bytes:
    if isinstance(value, bool) or value is None:
        raise _CborError("unsupported value")
    if isinstance(value, int):
        return _cbor_head(0, value) if value >= 0 else _cbor_head(1, -1 - value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _cbor_head(3, len(raw)) + raw
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_cbor_encode(v) for v in value)
    raise _CborError(f"unsupported value {type(value).__name__}")


def _pf_read(path: Path) -> Any:
    raw = gzip.decompress(path.read_bytes())
    if not raw.startswith(_PF_MAGIC):
        raise _CborError(f"{path.name}: not a Pagefind file")
    body = raw[len(_PF_MAGIC):]
    value, end = _cbor_decode(body)
    if end != len(body) or _cbor_encode(value) != body:
        raise _CborError(f"{path.name}: does not round-trip")  # unknown encoding: hands off
    return value


def _pf_bytes(value: Any) -> bytes:
    return gzip.compress(_PF_MAGIC + _cbor_encode(value), compresslevel=9, mtime=0)


def _pf_name(lang: str, payload: bytes, digits: int) -> str:
    return f"{lang}_{hashlib.sha256(payload).hexdigest()[:digits]}"


def canonical_pagefind(bundle: Path) -> bool:
    """Rewrite a Pagefind bundle's filter files and metadata in a fixed order.

    Returns False (and changes nothing) when the bundle is absent or not in the
    expected format.
    """
    entry_path = bundle / "pagefind-entry.json"
    if not entry_path.is_file():
        return False
    entry = json.loads(entry_path.read_text("utf-8"))
    old_files: set[Path] = set()
    new_files: dict[Path, bytes] = {}
    try:
        for lang, info in entry["languages"].items():
            meta_path = bundle / f"pagefind.{info['hash']}.pf_meta"
            meta = _pf_read(meta_path)
            listed = []
            for name, old_hash in meta[3]:  # [filter name, file hash] pairs
                old = bundle / "filter" / f"{old_hash}.pf_filter"
                content = _pf_read(old)  # [filter name, [[value, [page numbers]], ...]]
                content[1] = sorted(([value, sorted(pages)] for value, pages in content[1]),
                                    key=lambda pair: str(pair[0]))
                data = _pf_bytes(content)
                new_hash = _pf_name(lang, data, 7)
                old_files.add(old)
                new_files[bundle / "filter" / f"{new_hash}.pf_filter"] = data
                listed.append([name, new_hash])
            meta[3] = sorted(listed)
            meta_bytes = _pf_bytes(meta)
            info["hash"] = _pf_name(lang, meta_bytes, 10)
            old_files.add(meta_path)
            new_files[bundle / f"pagefind.{info['hash']}.pf_meta"] = meta_bytes
    except (_CborError, KeyError, IndexError, TypeError, ValueError, OSError):
        return False
    for path in old_files - set(new_files):
        path.unlink()
    for path, data in new_files.items():
        path.write_bytes(data)
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")),
                          encoding="utf-8")
    return True


# --- Precompressed copies for the web server -----------------------------------------------

COMPRESSIBLE = (".html", ".css", ".js", ".mjs", ".json", ".svg", ".xml", ".txt", ".md",
                ".webmanifest")
MIN_BYTES = 512  # below this compression saves less than a packet (nginx: gzip_min_length)


@dataclass
class Precompressed:
    """What `precompress` wrote."""

    files: int = 0
    original_bytes: int = 0
    gzip_bytes: int = 0
    brotli_bytes: int = 0


def _compress_one(path: Path) -> tuple[int, int, int]:
    data = path.read_bytes()
    page = path.suffix == ".html"
    # Pages: level 6 is ~3x faster than 9 for ~1% more bytes; there are 10,000 of them.
    gz = gzip.compress(data, compresslevel=6 if page else 9, mtime=0)  # no name, no time
    if len(gz) >= len(data):
        return 0, 0, 0
    path.with_name(path.name + ".gz").write_bytes(gz)
    br_size = 0
    if brotli is not None:
        # Pages are many and small: a fast level. Shared assets are few, large and
        # fetched by every phone: the densest level.
        quality = 5 if page else 11
        br = brotli.compress(data, quality=quality)
        path.with_name(path.name + ".br").write_bytes(br)
        br_size = len(br)
    return len(data), len(gz), br_size


def precompress(site: Path, workers: int | None = None) -> Precompressed:
    """Write `.gz` (and, with the `brotli` package, `.br`) next to each text file in `site`.

    Output is deterministic. Files that already have a `.gz` sibling (MkDocs's
    sitemap.xml.gz) and files under `MIN_BYTES` are left alone.
    """
    todo = [p for p in sorted(site.rglob("*"))
            if p.suffix in COMPRESSIBLE and p.is_file() and p.stat().st_size >= MIN_BYTES
            and not p.with_name(p.name + ".gz").exists()]
    stats = Precompressed()
    # zlib and brotli release the GIL: threads use every core.
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for size, gz, br in pool.map(_compress_one, todo):
            if size:
                stats.files += 1
                stats.original_bytes += size
                stats.gzip_bytes += gz
                stats.brotli_bytes += br
    return stats
