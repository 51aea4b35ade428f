"""Cache entries that cannot lie: every cached file has the SHA-256 of its bytes beside it.

A cache under .cache/ outlives builds, so it meets everything a disk meets: a build killed
mid-write, a full disk, a copy that stopped short, a hand edit. A name that hashes the
inputs says what the file *should* hold, not what it holds. So each entry `x.pdf` has
`x.pdf.sha256` (the hex digest of the file's bytes, written after the file), and a read
checks the bytes against it: an entry whose digest is missing or does not match is
deleted and reported absent, and the caller makes it again. Both files are written
atomically (a temporary file renamed into place), so a reader never sees half of one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from .diskerror import naming

DIGEST_SUFFIX = ".sha256"


def digest_path(path: Path) -> Path:
    """Return where the digest of the cache entry `path` is kept."""
    return path.with_name(path.name + DIGEST_SUFFIX)


def is_digest(path: Path) -> bool:
    """Return whether `path` is a digest file rather than an entry."""
    return path.name.endswith(DIGEST_SUFFIX)


def write_atomic(target: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `data` to `target` through a temporary file renamed into place. An OSError
    names `target` (see second_classroom.diskerror)."""
    with naming(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, mode)  # mkstemp makes 0600; a web server may have to read the file
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def store(path: Path, data: bytes) -> None:
    """Put `data` in the cache at `path`, then its digest beside it."""
    write_atomic(path, data)
    write_atomic(digest_path(path), hashlib.sha256(data).hexdigest().encode() + b"\n")


def load(path: Path) -> bytes | None:
    """Return the bytes of the cache entry `path` if they match their digest; else delete
    the entry (and its digest) and return None."""
    try:
        expected = digest_path(path).read_bytes().strip()
        data = path.read_bytes()
    except FileNotFoundError:
        data = None
    if data is not None and hashlib.sha256(data).hexdigest().encode() == expected:
        return data
    discard(path)
    return None


def valid(path: Path) -> bool:
    """Return whether the cache entry `path` matches its digest (a bad one is deleted)."""
    return load(path) is not None


def discard(path: Path) -> None:
    """Delete a cache entry and its digest (either may be missing)."""
    path.unlink(missing_ok=True)
    digest_path(path).unlink(missing_ok=True)
