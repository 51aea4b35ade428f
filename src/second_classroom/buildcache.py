"""Skip a build whose inputs have not changed: a fingerprint of everything a build reads.

The fingerprint is a SHA-256 over the bytes of every input file (the data folder, this
package's code, templates and assets, and whatever the engine adds: its config file,
overrides, docs folder, theme version), the build's options and the build date. A build
that finishes records its fingerprint for the site folder it published, with the digest
of that site's sw.js (whose version hashes every other file of the site). The next build
of the same site with the same fingerprint leaves the site as it is, provided its sw.js
still has that digest; any other build runs in full, so its output is always the bytes
of a cold build.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from .offline import SW_URI

PACKAGE = Path(__file__).resolve().parent
_SKIP_DIRS = {"__pycache__", ".git"}
_RECORD = "builds.json"


def fingerprint(inputs: Iterable[Path], values: Iterable[str] = ()) -> str:
    """Return the hex SHA-256 of `values` and of every file under `inputs` (files or
    folders, walked in sorted order; `_SKIP_DIRS` left out)."""
    digest = hashlib.sha256()
    for value in values:
        digest.update(value.encode("utf-8") + b"\0")
    for root in inputs:
        root = Path(root)
        digest.update(b"root\0" + os.fsencode(root.resolve()) + b"\0")
        if root.is_file():
            files = [(root.name, str(root))]
        elif root.is_dir():
            files = _files_under(str(root))
        else:
            digest.update(b"missing\0")
            continue
        for rel, path in files:
            with open(path, "rb") as handle:
                data = handle.read()
            digest.update(os.fsencode(rel) + b"\0" + data + b"\0")
    return digest.hexdigest()


def _files_under(root: str) -> list[tuple[str, str]]:
    """Return (path relative to `root`, path) of every file under the folder `root`, in
    the order of `sorted(Path(root).rglob("*"))` (by path parts), leaving out what has a
    `_SKIP_DIRS` name anywhere in its relative path: the files `Path.rglob` and
    `Path.is_file` find (links to files followed, links to folders not entered).

    Strings and os.scandir, not Path objects: a build fingerprints its data folder before
    it checks it, and at 10,000 records the Path objects' sorting and relative paths took
    three quarters of that (0.4 s of the build's single-core start)."""
    found: list[tuple[str, str]] = []
    folders = [("", root)]
    while folders:
        rel_folder, folder = folders.pop()
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except PermissionError:  # as rglob: an unreadable folder is left out
            continue
        for entry in entries:
            if entry.name in _SKIP_DIRS:
                continue
            rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
            try:
                is_dir = entry.is_dir()
                if is_dir and not entry.is_symlink():
                    folders.append((rel, entry.path))
                elif not is_dir and entry.is_file():
                    found.append((rel, entry.path))
            except OSError:  # gone meanwhile, or a loop of links: not a file to read
                continue
    found.sort(key=lambda item: item[0].split("/"))
    return found


def _sw_digest(site: Path) -> str | None:
    try:
        return hashlib.sha256((site / SW_URI).read_bytes()).hexdigest()
    except OSError:
        return None


class BuildCache:
    """Which fingerprint each site folder was last built from (in `folder`/builds.json)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / _RECORD

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            loaded = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def knows(self, site: Path) -> bool:
        """Return whether a build of `site` is recorded (else it cannot be `unchanged`)."""
        return str(site.absolute()) in self._load()

    def unchanged(self, site: Path, print_: str) -> bool:
        """Return whether `site` holds the build of fingerprint `print_`, untouched since."""
        entry = self._load().get(str(site.absolute()))
        return (isinstance(entry, dict) and entry.get("fingerprint") == print_
                and entry.get("sw") is not None and entry.get("sw") == _sw_digest(site))

    def record(self, site: Path, print_: str) -> None:
        """Remember that `site` now holds the build of fingerprint `print_`."""
        builds = self._load()
        builds[str(site.absolute())] = {"fingerprint": print_, "sw": _sw_digest(site) or ""}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(_RECORD + ".tmp")
        tmp.write_text(json.dumps(builds, ensure_ascii=False, indent=1, sort_keys=True),
                       "utf-8")
        tmp.replace(self.path)
