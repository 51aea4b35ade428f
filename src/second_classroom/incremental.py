"""The preview's quick rebuild: after an editor saves record files, redo only what
depends on them.

A full build at 10,000 records takes half a minute; an editor wants to see a saved change
at once. `plan_update` compares the data folder with the snapshot of the last preview
build (each file's stamp), checks only the files that changed (references are checked
afresh for all), updates the catalog around them (catalog.update_catalog) and works out
which pages show them:

- record pages: the changed records', those of records they name or that name them (before
  and after the change: their related lists show titles), those whose nearest sites or
  downloads changed;
- listing pages: the home page, boards, updates, 党史上的今天 and the data page are made
  again; the listings of the changed records' kinds (and of kinds that count a facet value
  a record joined or left); of a facet value a record joined or left, all its pages, of
  one it stayed in, the page that lists it. Each is written only if it differs;
- posters of the changed records, and the files shared by many records (feed, near-me,
  calendars, 党史上的今天) when they differ from what is on disk.

The downloads of the outlines and 读书班 among those pages are exported again (they take
seconds: `write_rest` starts them in the background, with the search index and the open data).

Whatever the plan cannot follow falls back to a full build (None): vocabulary or media
changed, a new day, data errors (the full build shows them on every page), or the data's
date moved (every board says 统计截至). tests/test_quick_preview.py proves the result is
the full preview build's, byte for byte, after a sequence of edits.

Nothing here knows about MkDocs: the hook wraps the planned pages in the theme.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .build import SiteBuild, write_assets
from .catalog import Catalog, facet_values, update_catalog
from .check import CheckResult, check_tree
from .export.batch import EXPORTS, export_all
from .forked import ForkedJob
from .layout import OPEN_DATA_DIR
from .models import FACETS, KINDS, Record
from .opendata import DATA_DIR, GEOJSON_URI, INDEX_URI, record_data_uri, write_open_data
from .output import data_date
from .problems import Problem
from .render import Asset, Page, facet_prefix, poster_asset, shared_assets
from .render.nearme import located_kinds
from .search import LiveIndex, records_of

Stamp = tuple[int, int, int]  # mtime (ns), size, inode: a save by rename changes the inode


def stamp(path: Path) -> Stamp | None:
    """Return the stamp of one file, or None if it is not there."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def stamps(root: Path) -> dict[str, Stamp]:
    """Return the stamp of every file under a folder by its path (hidden ones left out;
    paths as text: 10,000 Path objects would cost more than the scan)."""
    found: dict[str, Stamp] = {}
    folders = [str(root)]
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except OSError:
            continue  # removed while we looked: the next scan sees it gone
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                    continue
                st = entry.stat()
            except OSError:
                continue
            found[entry.path] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return found


@dataclass
class Snapshot:
    """What the last build was made from, and the listing pages it wrote: the preview's
    (kept in memory) or a site's (kept on disk by warm.py)."""

    root: Path  # the data folder
    stamps: dict[str, Stamp]
    check: CheckResult
    build: SiteBuild
    today: dt.date
    listing: dict[str, Page] = field(default_factory=dict)  # uri -> page as written
    drafts: bool = True  # the preview's catalog has them; a build's (warm.py) has not
    search: LiveIndex | None = None  # the search index's state, kept from save to save


@dataclass
class Update:
    """What a quick rebuild writes, from the new build's catalog."""

    build: SiteBuild
    check: CheckResult
    stamps: dict[str, Stamp]
    changed: set[str]  # ids of records edited, added or removed
    records: list[Record]  # record pages to write
    removed: list[Record]  # records whose pages (and posters) go
    pages: list[Page]  # listing pages new or changed
    gone: list[str]  # listing page uris no longer made
    assets: list[Asset]  # files written as they are, new or changed
    exports: list[str]  # ids of the records whose downloads to export again
    stale: list[str]  # files no longer made (paths under the site)
    search: LiveIndex | None = None  # the snapshot's search index state
    search_job: ForkedJob[None] | None = None  # writing the index (start_search)

    @property
    def warnings(self) -> list[Problem]:
        """Return the check's warnings (the errors made it a full build)."""
        return self.check.warnings


def _record_file(path: Path, root: Path) -> bool:
    return path.suffix == ".yml" and path.parent.parent == root and path.parent.name in KINDS


def _related(catalog: Catalog, ids: set[str]) -> set[str]:
    """Return the ids of the records that `ids` name or that name them, in `catalog`."""
    found: set[str] = set()
    for rid in ids:
        if (record := catalog.records.get(rid)) is not None:
            found.update(ref.id for ref in record.refs)
        for named_by in catalog.backlinks.get(rid, {}).values():
            found.update(named_by)
    return found


def pages_to_redo(old: Catalog, new: Catalog, changed: set[str],
                  old_build: SiteBuild, new_build: SiteBuild) -> set[str]:
    """Return the ids of the records of `new` whose pages may differ after `changed`."""
    ids = set(changed) | _related(old, changed) | _related(new, changed)
    for sid, near in new.nearby.items():
        if near != old.nearby.get(sid) or any(i in changed for i, _ in near):
            ids.add(sid)
    before, after = old_build.render.downloads, new_build.render.downloads
    ids.update(i for i in after.keys() | before.keys() if after.get(i) != before.get(i))
    return ids & new.records.keys()


def _facet_groups(records: list[Record | None]) -> set[tuple[str, str]]:
    return {(slug, value) for r in records if r is not None
            for slug, values in facet_values(r).items() for value in values}


def _faceted(uri: str) -> bool:
    return any(uri.startswith(f"{f.slug}/") for f in FACETS if f.pages)


_KIND_FOLDERS = tuple(f"{k}/" for k in KINDS)


def _changed_on_disk(site_dir: Path, asset: Asset) -> bool:
    try:
        return (site_dir / asset.uri).read_text(encoding="utf-8") != asset.content
    except OSError:
        return True


def plan_update(snapshot: Snapshot, site_dir: Path, today: dt.date | None = None,
                early: Callable[[SiteBuild, set[str]], None] | None = None,
                checked: Callable[[list[Record]], None] | None = None,
                retries: int = 2) -> Update | None:
    """Return what to write into `site_dir` (the preview's site, as the snapshot's build
    left it) to show the data folder as it is now, or None when only a full build will do.
    `early(build, changed)` is called with the new build and the ids of the records
    edited, added or removed as soon as the catalog is made, before the pages are planned
    (the preview writes those records' own pages there); once it has been called, the
    update is not None. `checked(records)` is called before that, as soon as the records
    have passed the check (the preview starts the search index there): the update may
    still be None, and what it started must then be stopped. A check that fails on a file
    changed since it was stamped is taken again, up to `retries` times.
    """
    today = today or dt.date.today()
    root = snapshot.root
    now = stamps(root)
    edited = {Path(p) for p in now.keys() | snapshot.stamps.keys()
              if now.get(p) != snapshot.stamps.get(p)}
    if today != snapshot.today or not edited or \
            not all(_record_file(p, root) for p in edited):
        return None
    unchanged = {p: c for p, c in snapshot.check.by_file.items() if p not in edited}
    check = check_tree(root, today, unchanged, earlier=snapshot.check)
    if check.errors:
        # An editor's save may still be writing the file the check just read (seen as an
        # empty or cut record, then a full build of a site the quick one would have
        # shown): if a file changed meanwhile, plan again with what is there now.
        if retries > 0 and any(stamp(p) != now.get(str(p)) for p in edited):
            return plan_update(snapshot, site_dir, today, early, checked, retries - 1)
        return None
    if checked is not None:
        checked(check.records)
    old_build = snapshot.build
    old = old_build.catalog
    catalog, changed = update_catalog(old, check.records, check.vocab, snapshot.drafts)
    if data_date(catalog) != data_date(old):
        return None
    build = old_build.updated(catalog, check.warnings)
    if early is not None:
        early(build, changed)
    redo = pages_to_redo(old, catalog, changed, old_build, build)
    removed = [old.records[i] for i in changed if i not in catalog.records]
    versions = [old.records.get(i) for i in changed] + [catalog.records.get(i) for i in changed]
    before = {i: _facet_groups([old.records.get(i)]) for i in changed}
    after = {i: _facet_groups([catalog.records.get(i)]) for i in changed}
    # Facet values a record joined or left: all their pages shift. Those it stays in:
    # only the page that lists it changes.
    moved = {g for i in changed for g in before[i] ^ after[i]}
    showing: dict[tuple[str, str], set[str]] = {}
    for i in changed:
        for group in (before[i] & after[i]) - moved:
            showing.setdefault(group, set()).add(i)
    # A kind's listing shows how many records each value of its listing facets has.
    counted = {slug for slug, _ in moved}
    kinds = {r.kind for r in versions if r is not None} | {
        k for k, spec in KINDS.items() if counted & set(spec.listing_facets)}
    fresh = {page.uri: page for page in build.listing_pages(moved | showing.keys(), kinds,
                                                            showing)}
    # Listing pages no longer made: among those made again (the others are as they were).
    remade = (*(facet_prefix(slug, value) for slug, value in moved),
              *(f"{k}/" for k, spec in KINDS.items() if k in kinds or spec.board))
    gone = [uri for uri in snapshot.listing if uri not in fresh and (
        uri.startswith(remade) or not (_faceted(uri) or uri.startswith(_KIND_FOLDERS)))]
    pages = [page for uri, page in fresh.items() if snapshot.listing.get(uri) != page]
    assets = [poster_asset(catalog.records[i], build.render) for i in sorted(changed)
              if i in catalog.records and catalog.records[i].spec.qr]
    nearme = any(r is not None and r.kind in located_kinds() for r in versions)
    shared = list(shared_assets(catalog, build.render, nearme=nearme))
    assets += [a for a in shared if _changed_on_disk(site_dir, a)]
    exports = sorted(i for i in redo if catalog.records[i].kind in EXPORTS)
    return Update(build, check, now, changed, [catalog.records[i] for i in sorted(redo)],
                  removed, pages, gone, assets, exports, _stale(site_dir, shared),
                  snapshot.search)


def _stale(site_dir: Path, shared: list[Asset]) -> list[str]:
    """Return the files, in the folders of `shared`, of the kinds written there, that are
    not among them any more (a province's near-me file after its last site went)."""
    made = {a.uri for a in shared}
    kinds: dict[str, set[str]] = {}  # folder -> suffixes of the assets written there
    for uri in made:
        if "/" in uri:
            folder, name = uri.rsplit("/", 1)
            kinds.setdefault(folder, set()).add(Path(name).suffix)
    return sorted(f"{folder}/{p.name}" for folder, suffixes in kinds.items()
                  if (site_dir / folder).is_dir() for p in (site_dir / folder).iterdir()
                  if p.is_file() and p.suffix in suffixes and f"{folder}/{p.name}" not in made)


def remove_records(site_dir: Path, records: list[Record]) -> None:
    """Remove what a site holds of records that are gone: their page folders (page,
    poster, downloads) and their open data files."""
    for record in records:
        shutil.rmtree(site_dir / record.url, ignore_errors=True)
        (site_dir / record_data_uri(record.kind, record.id)).unlink(missing_ok=True)


_exporter = ThreadPoolExecutor(max_workers=1)  # a quick rebuild's downloads, one at a time


def start_search(search: LiveIndex | None, build: SiteBuild, site_dir: Path,
                 records: list[Record], drafts: bool) -> ForkedJob[None] | None:
    """Start writing the search index of a quick rebuild's `records` (those that passed
    the check; drafts in with `drafts`) now, before the catalog is updated and the pages
    are planned and written: a forked copy of this process updates the index's state
    (`search`, kept by the snapshot) and writes it, on the second core while the pages
    are made. It needs only the records in the index's order, which the child sorts
    itself. `write_rest` then leaves it running with the rest. Without a state (search off
    in `build`'s options, or an update of the state failed) the index is left to
    `write_rest` (None)."""
    index = search.ready() if search is not None else None
    if index is None or not build.options.search:
        return None
    return ForkedJob(lambda: index.rewrite(records_of(records, drafts), site_dir))


def write_rest(update: Update, site_dir: Path) -> list[Pending]:
    """Write what an update holds besides the pages the engine wraps in its theme: drop
    stale files, write posters and shared files and the records' photos; then start the
    search index and open data (a forked copy of this process writes them) and the
    downloads (a thread waits for their export workers). Call it once the pages are
    written: the open data folder keeps the 数据下载 page found in it. Returns what it
    left running."""
    for stale in update.stale:
        (site_dir / stale).unlink(missing_ok=True)
    write_assets(site_dir, update.assets)
    build = update.build
    if build.render.pictures is not None:
        build.render.pictures.write(site_dir, build.project / ".cache" / "images")
    changed = update.changed
    if (early := update.search_job) is not None:  # started by start_search
        running: list[Pending] = [early, ForkedJob(lambda: _behind(
            lambda site: write_data(build, site, changed), site_dir))]
    else:
        # The index is updated from the state of the last one, in the child (which has
        # the state as it is now).
        index = update.search.ready() if update.search is not None else None

        def both() -> None:
            build.write_search(site_dir, index)
            write_data(build, site_dir, changed)

        running = [ForkedJob(both)]
    if update.search is not None:  # for the next save: here, in a thread, after the fork
        update.search.follow(build.catalog, after=early, grace=FOLLOW_GRACE)
    if update.exports and build.options.downloads:  # seconds each
        running.append(_exporter.submit(
            export_all, build.catalog, site_dir, build.project / build.options.export_cache,
            author=build.render.site_name, outline_ids=update.exports))
    return running


# Seconds the server's own update of the index state waits after the search child ended
# (unless the next save needs it sooner): the browsers reload meanwhile, and the threads
# that answer them must not wait for the interpreter lock the update holds.
FOLLOW_GRACE = 1.0


def write_data(build: SiteBuild, site_dir: Path, changed: Collection[str]) -> None:
    """Bring the open data of the preview's `site_dir` to `build`'s catalog, whose records
    `changed` (ids) were edited, added or removed: in place, writing the files of those
    records and those of all records (a kind's JSON and CSV, the map, the index), not the
    10,000 others, each of which depends on its record alone (a removed record's file
    went with its page: `remove_records`). Each save made and deleted all of them before,
    seconds of a core (more on a disk without a journal, where a file made soon after
    many were deleted is slow), while the editor saves again.

    The folder is written whole, beside and swapped in (`SiteBuild.write_data`), when it
    is missing, when an earlier update of it was stopped half way (the next save stops
    what the last one left running), or when a kind or the map's file went."""
    if not build.options.open_data:
        return
    marker = site_dir.parent / f".{site_dir.name}.data-writing"  # while written in place
    if marker.exists() or not (site_dir / OPEN_DATA_DIR).is_dir():
        build.write_data(site_dir)
        marker.unlink(missing_ok=True)
        return
    marker.touch()
    for copy in [*(site_dir / DATA_DIR).glob("*.gz"), *(site_dir / DATA_DIR).glob("*.br")]:
        copy.unlink()  # a large file's copies: gone if it is no longer large (_BIG)
    kept = {record_data_uri(r.kind, r.id) for r in build.catalog.records.values()
            if r.id not in changed}
    write_open_data(build.catalog, site_dir, build.render.site_url, build.options.licence,
                    kept)
    index = json.loads((site_dir / INDEX_URI).read_bytes())
    listed = {entry["kind"] for entry in index["kinds"]}
    if any((site_dir / DATA_DIR / f"{k}.json").exists() for k in KINDS if k not in listed) \
            or (index["geojson"] is None and (site_dir / GEOJSON_URI).exists()):
        build.write_data(site_dir)
    marker.unlink()


BEHIND = 10  # niceness of a quick rebuild's work that nobody waits for (open data)


def _behind(work: Callable[[Path], None], site_dir: Path) -> None:
    """Run `work(site_dir)` at a lower priority (in a forked child): the open data must
    not take the core that the search index, which the editor waits for, is written on."""
    os.nice(BEHIND)
    work(site_dir)


class Pending(Protocol):
    """Work a quick rebuild left running: a future or a forked job."""

    def result(self) -> Any:
        """Wait for it; return its result or raise its exception."""


def apply(snapshot: Snapshot, update: Update) -> None:
    """Make `snapshot` describe the site after `update` was written."""
    snapshot.stamps = update.stamps
    snapshot.check = update.check
    snapshot.build = update.build
    for uri in update.gone:
        snapshot.listing.pop(uri, None)
    snapshot.listing.update((page.uri, page) for page in update.pages)
