"""A warm build: a clean `mkdocs build` after an edit redoes only what the edit touches.

A cold build at 10,000 records renders every record page, and publishing it deletes the
previous site's tens of thousands of files; an editor who changed one record pays for all
of it. So a build that publishes a site also leaves, under `.cache/build/warm/`, what the
site was made from (`incremental.Snapshot`: the data files' stamps, the check's findings
per file, the catalog, the listing pages), pickled, with the digest of the pickle and a
fingerprint of the published record folders (every file's stamp) beside it.

The next clean build of the same site plans the change as the preview's quick rebuild
does (`incremental.plan_update`), provided that:
- the engine's inputs (everything but the data folder: code, templates, configuration,
  options, package versions, the working folder) have the same fingerprint;
- the day and the data's date are the same, the vocabulary and media unchanged, and the
  data passes the check;
- the snapshot matches its digest, and the site's record folders are as the build left
  them (no file added, removed, rewritten or replaced since).

Otherwise the build is cold. A warm build is still a whole build into a staging folder:
the engine renders its own pages, the search index and open data are written afresh; only
the folders of records whose pages do not change are taken over from the old site by
renaming (`build.Reuse`), and moved back if the build fails. Its output is the cold
build's, byte for byte (tests/test_warm.py).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import os
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from . import cachefile
from .build import BuildOptions, Reuse, SiteBuild
from .forked import ForkedJob
from .incremental import Snapshot, Stamp, Update, apply, plan_update, stamp, stamps
from .models import Record
from .opendata import record_data_uri
from .pictures import PictureSet
from .render import Page

STATE_DIR = ".cache/build/warm"  # under the project
PRINT_AHEAD_MIN = 2000  # records from which `print_ahead` has a forked copy take the print
PRINT_AHEAD_MAX = 20_000  # … and up to which (build.SPLIT_MAX's reason: see print_ahead)


@dataclass
class Warm:
    """A warm build's plan: the update, and the snapshot it leaves for the next build."""

    build: SiteBuild  # with `reuse` set
    update: Update
    snapshot: Snapshot  # after the update: what the new site is made of


def _state(project: Path, site: Path) -> tuple[Path, Path]:
    """Return where the snapshot of `site` and its record are kept."""
    key = hashlib.sha256(os.fsencode(site.absolute())).hexdigest()[:16]
    folder = project / STATE_DIR
    return folder / f"{key}.pickle", folder / f"{key}.json"


def folders_print(site: Path, urls: list[str], files: Iterable[str] = (),
                  split: bool = False) -> str:
    """Return a fingerprint of the files in the record folders `urls` and of the `files`
    of `site`: path, modification time, size and inode of each (a changed byte changes
    the time; a file put in place by renaming changes the inode).

    With `split` (and PRINT_AHEAD_MIN folders or more, two cores), a forked copy of this
    process stats half of the folders meanwhile (the same print: ~0.3 s of the build's
    end at 10,000 records, most of it a system call per file)."""
    ordered = sorted(urls)
    half = len(ordered) // 2
    if split and len(ordered) >= PRINT_AHEAD_MIN and (os.cpu_count() or 1) > 1:
        theirs = ForkedJob(lambda: _folder_stamps(site, ordered[half:]))
        try:
            found = _folder_stamps(site, ordered[:half])
        except BaseException:
            theirs.cancel()
            raise
        found += theirs.result()
    else:
        found = _folder_stamps(site, ordered)
    digest = hashlib.sha256()
    for url, stamped in found:
        digest.update(url.encode("utf-8") + b"\0" + str(len(stamped)).encode() + b"\0")
        for path in sorted(stamped):
            digest.update(f"{path}\0{stamped[path]}\0".encode())
    for uri in sorted(files):
        digest.update(f"{uri}\0{stamp(site / uri)}\0".encode())
    return digest.hexdigest()


def _folder_stamps(site: Path, urls: list[str]) -> list[tuple[str, dict[str, Stamp]]]:
    return [(url, stamps(site / url)) for url in urls]


def kept_files(records: Iterable[Record]) -> list[str]:
    """Return the files besides record folders that a warm build may take over: the
    records' open data files (a record's depends on that record alone)."""
    return [record_data_uri(r.kind, r.id) for r in records]


def snapshot_of(build: SiteBuild, data_stamps: dict[str, Stamp],
                today: dt.date, listing: list[Page]) -> Snapshot | None:
    """Return what a build was made from (None if it kept no check: see SiteBuild.check)."""
    if build.check is None:
        return None
    # What the build still writes (`written`, the jobs) is left out: the snapshot is the
    # same taken before `finish` as after it (save_forked takes it before).
    kept = replace(build, output=None, compressor=None, search_job=None, data_job=None,
                   prepared=None, packing=None, written={}, shells={}, reuse=None,
                   check=None, render=replace(build.render, pictures=None))
    return Snapshot(build.project / build.options.data, data_stamps, build.check, kept,
                    today, {page.uri: page for page in listing}, drafts=False)


class _Hashing:
    """A file that hashes what is written to it."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        """Write `data` and hash it."""
        self.digest.update(data)
        return self.handle.write(data)


def _places(project: Path, site: Path) -> tuple[Path, Path]:
    """Return where the snapshot of `site` goes and the file it is first written to."""
    target, _ = _state(project, site)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target, target.with_name(target.name + f".{os.getpid()}.tmp")


def _pickle_into(tmp: Path, snapshot: Snapshot) -> str:
    """Pickle `snapshot` into the file `tmp`, streamed (at 100,000 records it is hundreds
    of MB); return the pickle's digest. Removes `tmp` if it fails."""
    collecting = gc.isenabled()
    gc.disable()  # millions of objects: the collector would rescan them as they come
    try:
        with open(tmp, "wb") as handle:
            out = _Hashing(handle)
            pickle.dump(snapshot, out, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if collecting:
            gc.enable()
    return out.digest.hexdigest()


def save(project: Path, site: Path, snapshot: Snapshot) -> str:
    """Keep `snapshot` for the next build of `site`; return the pickle's digest. Streamed
    to disk and renamed into place."""
    target, tmp = _places(project, site)
    digest = _pickle_into(tmp, snapshot)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest


class ForkedSave:
    """`save` done by a forked copy of this process (`save_forked`)."""

    def __init__(self, project: Path, site: Path, snapshot: Snapshot) -> None:
        self.target, self.tmp = _places(project, site)
        tmp = self.tmp
        self.job = ForkedJob(lambda: _pickle_into(tmp, snapshot))

    def result(self) -> str:
        """Wait for the pickle, put it in place and return its digest (as `save`)."""
        try:
            digest = self.job.result()
            os.replace(self.tmp, self.target)
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise
        return digest

    def cancel(self) -> None:
        """Drop the pickle (the build failed): stop the copy, remove what it wrote."""
        self.job.cancel()
        self.tmp.unlink(missing_ok=True)


def save_forked(project: Path, site: Path, snapshot: Snapshot, records: int
                ) -> ForkedSave | None:
    """Start `save` in a forked copy of this process, for a build of PRINT_AHEAD_MIN to
    PRINT_AHEAD_MAX `records` with two cores (else return None: `save` it later, here).

    The snapshot does not change once the pages are written (snapshot_of), so a copy
    forked then pickles it on the second core while this process finishes the site
    (copies, sw.js): at 10,000 records the pickle took ~0.5 s of the build's single-core
    end. Pickling touches every object, so the copy comes to hold a copy of each page of
    them: above PRINT_AHEAD_MAX records (print_ahead's reason) that is too much memory."""
    if not PRINT_AHEAD_MIN <= records <= PRINT_AHEAD_MAX or (os.cpu_count() or 1) < 2:
        return None
    return ForkedSave(project, site, snapshot)


def print_ahead(site: Path, records: Iterable[Record], least: int = PRINT_AHEAD_MIN,
                most: int = PRINT_AHEAD_MAX, fork: bool = True) -> Callable[[], str]:
    """Start taking the print of the record folders and kept files of `records` in `site`
    (what `record` keeps); return a function that returns it (call it exactly once).

    From `least` records on, a forked copy of this process takes it on the second core
    while this one pickles the build's snapshot (warm.save): at the very end of a build,
    where the two took ~0.4 s each at 10,000 records one after the other. The copy only
    reads file stamps and touches few of the shared objects; but pickling touches every
    object of this one (their reference counts), so each page of them is copied while the
    copy lives. Above `most` records that is too much memory at the build's peak (the
    snapshot's pickling is the peak at 100,000 records): the print is taken here, after.
    Without `fork` (a forked copy pickles the snapshot: save_forked) it is taken here and
    now, with a forked copy taking half of it (folders_print's `split`)."""
    records = list(records)
    urls, files = [r.url for r in records], kept_files(records)
    if not fork:
        taken = folders_print(site, urls, files, split=True)
        return lambda: taken
    if not least <= len(urls) <= most or (os.cpu_count() or 1) < 2:
        return lambda: folders_print(site, urls, files)
    return ForkedJob(lambda: folders_print(site, urls, files)).result


def record(project: Path, site: Path, engine: str, digest: str, folders: str) -> None:
    """Remember that the published `site` was built by engine fingerprint `engine` from the
    snapshot of `digest`, with its record folders and kept files as `folders` (their print,
    taken by `print_ahead`) says."""
    _, target = _state(project, site)
    entry = {"engine": engine, "snapshot": digest, "folders": folders}
    cachefile.write_atomic(target, json.dumps(entry).encode("utf-8"))


def forget(project: Path, site: Path) -> None:
    """Drop what is kept for `site` (its next build is cold)."""
    for path in _state(project, site):
        path.unlink(missing_ok=True)


def _load(project: Path, site: Path, engine: str) -> Snapshot | None:
    pickled, recorded = _state(project, site)
    try:
        entry = json.loads(recorded.read_text("utf-8"))
        if entry.get("engine") != engine:
            return None
        with open(pickled, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError, AttributeError):
        return None
    if hashlib.sha256(data).hexdigest() != entry.get("snapshot"):
        return None  # a snapshot that does not match what the site was built from
    collecting = gc.isenabled()
    gc.disable()
    try:
        snapshot = pickle.loads(data)
    except Exception:  # noqa: BLE001 - an unreadable cache is no cache
        return None
    finally:
        if collecting:
            gc.enable()
    if not isinstance(snapshot, Snapshot):
        return None
    records = list(snapshot.build.records.values())
    if folders_print(site, [r.url for r in records], kept_files(records)) != \
            entry.get("folders"):
        return None
    return snapshot


def plan(project: Path, options: BuildOptions, site: Path, engine: str,
         today: dt.date | None = None) -> Warm | None:
    """Return the warm build of `site` for the data as it is now, or None for a cold one
    (see the module's docstring for when)."""
    snapshot = _load(project, site, engine)
    if snapshot is None or snapshot.root != project / options.data or \
            snapshot.build.options != options:
        return None
    snapshot.build.render = replace(snapshot.build.render,
                                    pictures=PictureSet(project / options.data))
    update = plan_update(snapshot, site, today)
    if update is None:
        return None
    build = update.build
    build.check = update.check
    redo = {r.id for r in update.records}
    unchanged = [r for r in build.records.values() if r.id not in update.changed]
    build.reuse = Reuse(site, [r for r in build.records.values() if r.id not in redo
                               and (site / r.url).is_dir()], redo,
                        frozenset(uri for uri in kept_files(unchanged) if (site / uri).is_file()))
    apply(snapshot, update)
    snapshot.build = replace(build, reuse=None, check=None,
                             render=replace(build.render, pictures=None))
    return Warm(build, update, snapshot)
