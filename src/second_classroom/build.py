"""The whole build, engine-neutral: check → catalog → pages → downloads, search index,
open data, offline files, feed → precompression → atomic output.

`SiteBuild` holds a build's state, typed. A site engine drives it in its own order: the
MkDocs hook (hooks/site_hooks.py) hands MkDocs the pages and lets MkDocs wrap them in
Material's chrome; `write_site` (the `classroom pages` command) writes the same pages as
Markdown with front matter, with everything else the MkDocs build has besides the theme:
posters, the feed, the downloads, the search index, record photos, sw.js and the
precompressed copies.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import functools
import gc
import glob
import itertools
import marshal
import mmap
import multiprocessing
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, BinaryIO

from .buildcache import PACKAGE, BuildCache, fingerprint
from .catalog import Catalog, load_catalog
from .check import CheckResult
from .chrome import Chrome, can_splice, place
from .diskerror import naming
from .export.batch import Exporting, ExportStats, download_links, export_all, prepare
from .forked import ForkedJob, ahead, freeze, start_fork_server
from .layout import DEFAULT_DATA, INDEX_DIR, OPEN_DATA_DIR
from .models import KINDS, Record
from .offline import offline_page, write_service_worker
from .opendata import DataStats, open_data_ahead, write_open_data, write_records_data
from .opendata import _write_from as write_open_data_from
from .output import (
    MIN_BYTES,
    AtomicOutput,
    PageCompressor,
    Precompressed,
    data_date,
    file_digest,
    page_dates,
    per_record,
    pid_alive,
    precompress,
    records_date,
    wants_copies,
    write_copies,
    write_file,
)
from .pictures import PictureSet
from .problems import Problem
from .render import (
    Asset,
    Page,
    RenderOptions,
    encode_checked_codes_ahead,
    encode_codes_ahead,
    listing_pages,
    poster_asset,
    qr,
    record_page,
    shared_assets,
    site_assets,
    site_pages,
)
from .render.provincegrid import CHARTS
from .search import (
    AHEAD_MIN,
    IndexResult,
    IndexState,
    facet_order,
    index_ahead,
    search_doc,
    write_docs,
    write_index,
)
from .search import _write_from as write_index_from
from .security import unlisted_inline_scripts
from .walk import files_under


class OptionsError(Exception):
    """A build option is unknown or of the wrong type; the message is in Chinese."""


class UnsafePageError(Exception):
    """A page carries an inline script the Content-Security-Policy would block."""

    def __init__(self, uri: str, hashes: list[str]) -> None:
        super().__init__(uri, hashes)  # as args: it crosses from a forked writer
        self.uri = uri
        self.hashes = hashes

    def __str__(self) -> str:
        return f"{self.uri}: {', '.join(self.hashes)}"


class _Shares:
    """The numbers 0 … `count` - 1 (pages to write), handed out a few at a time to this
    process and to a forked copy of it (`SiteBuild._fork_writer`), from one counter in
    memory they share: each takes the next ones whenever it is ready for more. A fixed
    split (every third page to the copy) ended the two at different times whenever
    their pace differed: the kinds' pages, the compressor that this process feeds, the
    machine's other load. Iterate it in one process only, once."""

    CHUNK = 8  # pages a take: a lock a take, and ends apart by a few pages at most

    def __init__(self, count: int) -> None:
        self.count = count
        self._next = mmap.mmap(-1, 8)  # anonymous and shared: a forked copy sees it
        self._lock = multiprocessing.get_context("fork").Lock()
        self.taken: list[int] = []  # the numbers this process took

    def __iter__(self) -> Iterator[int]:
        while True:
            with self._lock:
                start = int.from_bytes(self._next[:8], "little")
                end = min(start + self.CHUNK, self.count)
                self._next[:8] = end.to_bytes(8, "little")
            if start >= end:
                return
            self.taken.extend(range(start, end))
            yield from range(start, end)

    def stop(self) -> None:
        """Take every number left: the other process stops after the pages it has."""
        with self._lock:
            self._next[:8] = self.count.to_bytes(8, "little")


SPLIT_MIN = 500  # record pages from which a forked copy shares the writing (_Shares)
# From this many on, one process writes them all: a forked copy comes to hold a copy of
# most of the catalog (every object it reads is written to, by its reference count), about
# 7 MB per 1,000 records, while the second core is busy with the search index, the open
# data and the compressed copies anyway (bench/mem_profile.py, 20,000 and 40,000 records).
SPLIT_MAX = 20_000
REREAD_MIN = 20_000  # records from which the open data and index worker holds none (_Reread)
# Record files from which the fork server is started with the build (forked.start_fork_
# server): a site this large has the search and open data written by workers.
EARLY_SERVER_MIN = 2000


def _record_files(data: Path) -> int:
    """Return how many files the kinds' folders of `data` hold (without reading them)."""
    try:
        return sum(len(os.listdir(d)) for d in data.iterdir() if d.is_dir())
    except OSError:
        return 0  # the check names the problem


def start_workers(data: Path) -> None:
    """Start the fork server the build's workers come from (forked.start_fork_server), if
    a build of the data folder `data` has EARLY_SERVER_MIN record files or more: it
    imports what they run on the second core while this process goes on. Does nothing
    if it runs."""
    if _record_files(data) >= EARLY_SERVER_MIN:
        start_fork_server()


CHOICES: dict[str, tuple[str, ...]] = {"province_chart": CHARTS}  # options with set values


@dataclass(frozen=True)
class BuildOptions:
    """The build's options (`extra.second_classroom` in mkdocs.yml), declared and checked."""

    data: str = DEFAULT_DATA  # data folder, relative to the project
    local_province: str = ""  # the province the home page features
    downloads: bool = True  # DOCX/PDF/Markdown downloads on outline pages
    search: bool = True  # write the search index
    shared_nav: bool = True  # reuse one rendering of the theme's navigation per folder
    splice_records: bool = True  # record (and other non-nav) pages: one theme rendering per folder
    skip_unchanged: bool = True  # leave the site as it is when no input has changed
    export_cache: str = ".cache/exports"  # cached downloads, relative to the project
    province_chart: str = "grid"  # 红色地标 page: "grid" (province tiles) or "bars"
    open_data: bool = True  # write /data/ (JSON, CSV, GeoJSON, schemas) and 数据下载
    licence: str = ""  # content licence stated on 数据下载, e.g. "CC BY 4.0"; "" = none
    sitemap_urls: int = 50_000  # more pages: sitemap.xml indexes sitemap-1.xml, …

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None, where: str) -> BuildOptions:
        """Return the options in `values`; raise OptionsError naming `where` (e.g.
        "mkdocs.yml: extra.second_classroom") for an unknown key or a wrong type."""
        declared = {f.name: f for f in fields(cls)}
        defaults = cls()
        if values is None:
            return defaults
        if not isinstance(values, Mapping):
            raise OptionsError(f"{where} 应为映射（选项: 值）")
        kept: dict[str, Any] = {}
        for key, value in values.items():
            if key not in declared:
                close = difflib.get_close_matches(str(key), list(declared), n=1, cutoff=0.6)
                hint = f"，是否指“{close[0]}”？" if close else \
                    "，可用选项：" + "、".join(declared)
                raise OptionsError(f"{where}：未知选项“{key}”{hint}")
            expected = type(getattr(defaults, key))
            if not isinstance(value, expected) or (expected is not bool
                                                   and isinstance(value, bool)):
                kind = "true 或 false" if expected is bool else \
                    "正整数" if expected is int else "文字"
                raise OptionsError(f"{where}.{key} 应为{kind}，实际是“{value}”")
            if expected is int and value < 1:
                raise OptionsError(f"{where}.{key} 应为正整数，实际是“{value}”")
            if key in CHOICES and value not in CHOICES[key]:
                raise OptionsError(f"{where}.{key} 只能是 {' 或 '.join(CHOICES[key])}，"
                                   f"实际是“{value}”")
            kept[key] = value
        return cls(**kept)


@dataclass
class BuildReport:
    """What the steps after the pages wrote, for the log."""

    exports: ExportStats | None = None
    search: IndexResult | None = None
    pictures: int = 0
    open_data: DataStats | None = None
    open_data_seconds: float = 0.0
    packed: Precompressed = field(default_factory=Precompressed)
    pack_seconds: float = 0.0


@dataclass
class Reuse:
    """What a warm build (second_classroom.warm) takes from the site it replaces: the
    folders of records whose pages are as they were (page, its copies, poster, downloads),
    moved over by renaming instead of written again."""

    site: Path  # the published site
    kept: list[Record]  # records whose folders move over
    posters: set[str]  # ids of the other records: their posters are written afresh
    data: frozenset[str] = frozenset()  # open data files of unchanged records, moved too
    moved: list[str] = field(default_factory=list)  # paths moved so far (under the sites)


@dataclass
class SiteBuild:
    """One build's state, from the checked catalog to the published site."""

    project: Path  # folder the options' relative paths start from
    options: BuildOptions
    catalog: Catalog
    render: RenderOptions
    warnings: list[Problem]
    records: dict[str, Record] = field(default_factory=dict)  # record page uri -> record
    output: AtomicOutput | None = None
    compressor: PageCompressor | None = None
    search_job: Future[IndexResult] | None = None
    keep_search: bool = False  # keep the search index's state (the preview's)
    search_state: IndexState | None = None  # the index's, kept when keep_search
    data_job: Future[DataStats] | None = None
    prepared: Exporting | None = None  # downloads being exported since the start
    # The engine's page around the placeholders, per (record folder, has a description):
    # asked once per build, and kept by `updated` copies (the preview's quick rebuilds).
    shells: dict[tuple[str, bool], Chrome] = field(default_factory=dict)
    reuse: Reuse | None = None  # a warm build's folders from the previous site
    check: CheckResult | None = None  # the check this build's catalog came from
    # Path (str) -> digest of the bytes this build wrote there (pages, posters, the feed…):
    # sw.js's version takes these instead of reading the files back (offline.build_hash).
    written: dict[str, bytes] = field(default_factory=dict)
    packing: Future[Precompressed] | None = None  # the open data's copies, being made
    # Ids of the records whose QR posters the page writers wrote beside their pages
    # (write_record_pages with `posters`): `finish` writes the others.
    posters_written: set[str] = field(default_factory=set)
    shared_written: bool = False  # `write_shared` wrote the shared files before the pages

    @classmethod
    def start(cls, project: Path, options: BuildOptions, site_url: str = "",
              site_name: str = "第二课堂") -> SiteBuild:
        """Check the data and build the catalog. Raises problems.DataError on errors."""
        data = project / options.data
        start_workers(data)  # if not yet
        # The catalog lives as long as the build and holds no reference cycles (records
        # are trees): made with the cycle collector paused and then frozen, the
        # collector never walks it (at 10,000 records: 0.1-0.2 s each time, some five
        # times a build, mostly where one core works alone).
        collecting = gc.isenabled()
        gc.disable()
        try:
            # The check half on the second core; then the QR codes there (begun with
            # the records this process read, while the rest of the check ends here).
            codes = functools.partial(encode_checked_codes_ahead, site_url=site_url)
            catalog, result = load_catalog(data, parallel=True, checked=codes, read=codes)
            build = cls.from_catalog(project, options, catalog, result.warnings, site_url,
                                     site_name)
        finally:
            freeze()
            if collecting:
                gc.enable()
        build.check = result
        return build

    @classmethod
    def from_catalog(cls, project: Path, options: BuildOptions, catalog: Catalog,
                     warnings: list[Problem], site_url: str = "",
                     site_name: str = "第二课堂") -> SiteBuild:
        """Start a build of a catalog made elsewhere (the preview's, with drafts)."""
        data = project / options.data
        render = RenderOptions(site_url=site_url, site_name=site_name,
                               local_province=options.local_province,
                               province_chart=options.province_chart,
                               open_data=options.open_data, licence=options.licence,
                               pictures=PictureSet(data))
        if options.downloads:
            render.downloads = download_links(catalog)
        records = {r.uri: r for r in catalog.records.values()}
        build = cls(project, options, catalog, render, warnings, records)
        encode_codes_ahead(catalog, render)  # while the engine does what comes next
        if options.downloads:
            # Now, in the background (see export.batch.prepare): placed by `finish`.
            build.prepared = prepare(catalog, project / options.export_cache, site_name)
        return build

    def updated(self, catalog: Catalog, warnings: list[Problem]) -> SiteBuild:
        """Return this build for another version of its catalog (same vocabulary, options
        and engine): the preview's quick rebuild. Downloads are not exported here."""
        render = replace(self.render, downloads=download_links(catalog)
                         if self.options.downloads else {})
        return SiteBuild(self.project, self.options, catalog, render, warnings,
                         {r.uri: r for r in catalog.records.values()}, shells=self.shells)

    # --- pages -------------------------------------------------------------------------

    def listing_pages(self, facet_values: Collection[tuple[str, str]] | None = None,
                      kinds: Collection[str] | None = None,
                      showing: Mapping[tuple[str, str], Collection[str]] | None = None
                      ) -> Iterator[Page]:
        """Yield every page but the records': home, listings, facet pages, updates,
        offline (or, for a quick rebuild, only the listings of `kinds` and the facet pages
        of the (slug, value) pairs in `facet_values`, with every other page; see
        render.facet_pages for `showing`)."""
        if facet_values is None and kinds is None:
            yield from site_pages(self.catalog, self.render, records=False)
        else:
            yield from listing_pages(self.catalog, self.render, facet_values, kinds,
                                     showing)
        yield offline_page()  # shown by the service worker for pages not saved offline

    def write_search_and_data(self, site_dir: Path, index: IndexState | None = None) -> None:
        """Rewrite the search index and the open data of `site_dir`, here and now (the
        preview's quick rebuild has a forked copy of its process do it). Each folder is
        written beside the old one and swapped in whole: no file of the old data stays.
        With `index` (the state of an earlier version's index), the index is updated
        from it and the files it already has are linked, not written."""
        self.write_search(site_dir, index)
        self.write_data(site_dir)

    def write_search(self, site_dir: Path, index: IndexState | None = None) -> None:
        """Rewrite the search index of `site_dir` (see `write_search_and_data`)."""
        if self.options.search:
            if index is not None:
                index.rewrite(self.catalog, site_dir)
            else:
                write_index(self.catalog, site_dir)

    def write_data(self, site_dir: Path) -> None:
        """Rewrite the open data of `site_dir` (see `write_search_and_data`)."""
        if self.options.open_data:
            scratch = site_dir.parent / f".{site_dir.name}.data-{os.getpid()}"
            for left in _scratch_of_ended(site_dir):
                shutil.rmtree(left, ignore_errors=True)
            shutil.rmtree(scratch, ignore_errors=True)
            try:
                write_open_data(self.catalog, scratch, self.render.site_url,
                                self.options.licence)
                for page in (site_dir / OPEN_DATA_DIR).rglob("*.html"):  # 数据下载 itself
                    kept = scratch / page.relative_to(site_dir)
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(page, kept)
                out = AtomicOutput(site_dir / OPEN_DATA_DIR)
                out.begin().rmdir()
                os.replace(scratch / OPEN_DATA_DIR, out.staging)
                out.commit()
            finally:
                shutil.rmtree(scratch, ignore_errors=True)

    def record_stub(self, uri: str) -> Page:
        """Return a record page without its HTML (title and description only)."""
        record = self.records[uri]
        return Page(uri, record.title, "", record.description)

    def record_page(self, uri: str) -> Page:
        """Return the record page at `uri`, rendered now."""
        return record_page(self.catalog, self.records[uri], self.render)

    def pages(self) -> Iterator[Page]:
        """Yield every page, records last."""
        yield from self.listing_pages()
        for uri in self.records:
            yield self.record_page(uri)

    def write_record_pages(self, site_dir: Path,
                           chrome: Callable[[str, bool], Chrome],
                           fallback: Callable[[Page], str], workers: int = 2,
                           split_min: int = SPLIT_MIN, split_max: int = SPLIT_MAX,
                           only: list[Record] | None = None, posters: bool = False,
                           spliced: Sequence[Page] = ()) -> int:
        """Write every record page (or those of `only`) into `site_dir` as
        `kind/id/index.html`, and the generated pages `spliced` as `write_spliced_pages`
        does; return how many record pages. With `posters`, each page's QR poster
        that `finish` would write (site_assets) is written with it instead: by whichever
        process renders the page, which has its QR code at hand, and while both cores
        are busy rather than in the build's last, single-core steps.

        `chrome(folder, described)` returns the engine's page for the placeholders of
        second_classroom.chrome (asked once per folder and for whether the record has a
        description); `fallback(page)` renders a page the chrome does not fit. Pages go to
        disk (and to the compressor) one by one: none is held. With `workers` > 1 and
        `split_min` to `split_max` record pages, a forked copy of this process writes
        pages (with their copies) on the second core meanwhile: each of the two takes the
        next few pages whenever it is ready for more (`_Shares`), so both end together.
        Raises UnsafePageError for a page with an inline script the policy would block.
        """
        records = list(self.records.values()) if only is None else only
        count = len(records)
        if only is None:  # a whole build asks the engine afresh (the preview's panel may
            self.shells = {}  # have come or gone); a quick rebuild reuses its shells
        shells = self.shells
        for record in records:
            self._shell((record.kind, bool(record.description)), record.uri, chrome)
        # Generated pages: their shells asked for here too (a forked writer has them
        # then); those the chrome does not fit are rendered whole by this process.
        fitting, whole = self._plan_spliced(spliced, chrome)
        items = len(records) + len(fitting)
        shares = _Shares(items) if workers > 1 and split_min <= len(records) <= split_max \
            and (os.cpu_count() or 1) > 1 else None
        helper = self._fork_writer(records, fitting, shares, shells, site_dir, posters) \
            if shares is not None else None
        try:
            unfit = self._write_records(records, fitting, shares or range(items), shells,
                                        site_dir, self.compressor, posters)
        except BaseException:
            if shares is not None:
                shares.stop()  # the copy ends after the pages it has
            raise
        finally:
            if helper is not None:
                stats, more, digests, theirs = helper.result()
                if self.compressor is not None:
                    self.compressor.stats += stats
                unfit += more
                self.written.update(digests)
                if posters:
                    self.posters_written.update(
                        records[i].id for i in theirs
                        if i < len(records) and self._poster(records[i]))
        # Pages the chrome does not fit: the engine renders them whole.
        self._write_whole(site_dir, itertools.chain(map(self.record_page, unfit), whole),
                          fallback)
        return count

    def write_spliced_pages(self, site_dir: Path, pages: Iterable[Page],
                            chrome: Callable[[str, bool], Chrome],
                            fallback: Callable[[Page], str]) -> int:
        """Write generated pages outside the navigation (chrome.place) as record pages are
        written: each into the engine's page for its folder (`chrome`, asked once per
        folder), or whole (`fallback`) if it does not fit. Returns how many. Raises
        UnsafePageError for a page with an inline script the policy would block."""
        fitting, whole = self._plan_spliced(pages, chrome)
        self._write_records([], fitting, range(len(fitting)), self.shells, site_dir,
                            self.compressor)
        self._write_whole(site_dir, whole, fallback)
        return len(fitting) + len(whole)

    def _write_whole(self, site_dir: Path, pages: Iterable[Page],
                     fallback: Callable[[Page], str]) -> None:
        """Write `pages` as the engine renders them whole (`fallback`)."""
        for page in pages:
            self._write_page(site_dir / page.url / "index.html", fallback(page),
                             self.compressor)

    def _shell(self, key: tuple[str, bool], uri: str,
               chrome: Callable[[str, bool], Chrome]) -> Chrome:
        """Return the engine's page for `key` (folder, described), asked of `chrome` the
        first time. Raises UnsafePageError (naming `uri`) for an inline script in it."""
        if key not in self.shells:
            shell = self.shells[key] = chrome(*key)
            if unlisted := unlisted_inline_scripts(shell.text):
                raise UnsafePageError(uri, unlisted)
        return self.shells[key]

    def _plan_spliced(self, pages: Iterable[Page], chrome: Callable[[str, bool], Chrome]
                      ) -> tuple[list[tuple[Page, tuple[str, bool], str]], list[Page]]:
        """Split generated pages outside the navigation into those that fit the chrome
        (each with its chrome's key and its id; their shells asked for now) and those
        rendered whole. Raises UnsafePageError for a page with an inline script."""
        fitting: list[tuple[Page, tuple[str, bool], str]] = []
        whole: list[Page] = []
        for page in pages:
            found = place(page.uri)
            assert found is not None, page.uri
            if unlisted := unlisted_inline_scripts(page.html):
                raise UnsafePageError(page.uri, unlisted)
            if not can_splice(page.html):
                whole.append(page)
                continue
            key = (found[0], bool(page.description))
            self._shell(key, page.uri, chrome)
            fitting.append((page, key, found[1]))
        return fitting, whole

    def _poster(self, record: Record) -> bool:
        """Return whether `finish` would write the QR poster of `record` (site_assets)."""
        return record.spec.qr and (self.reuse is None or record.id in self.reuse.posters)

    def _write_records(self, records: list[Record],
                       spliced: list[tuple[Page, tuple[str, bool], str]],
                       items: Iterable[int], shells: dict[tuple[str, bool], Chrome],
                       site_dir: Path, copies: PageCompressor | None | Precompressed,
                       posters: bool = False) -> list[str]:
        """Write the spliced pages `items` (numbers: of `records`, then of the generated
        pages `spliced`, each with its chrome's key) and, with `posters`, the records' QR
        posters (see write_record_pages); return the uris of the records the chrome does
        not fit. Raises UnsafePageError."""
        unfit = []
        first = len(records)
        for item in items:
            if item >= first:
                page, key, page_id = spliced[item - first]
                text = shells[key].fill(page.title, page.description, page_id, page.html)
                self._write_page(site_dir / page.url / "index.html", text, copies)
                continue
            record = records[item]
            if posters and self._poster(record):
                write_assets(site_dir, [poster_asset(record, self.render)], self.written)
                self.posters_written.add(record.id)
            page = self.record_page(record.uri)
            if unlisted := unlisted_inline_scripts(page.html):
                raise UnsafePageError(record.uri, unlisted)
            if not can_splice(page.html):
                unfit.append(record.uri)
                continue
            text = shells[record.kind, bool(page.description)].fill(
                page.title, page.description, record.id, page.html)
            self._write_page(site_dir / record.url / "index.html", text, copies)
        return unfit

    def _write_page(self, target: Path, text: str,
                    copies: PageCompressor | None | Precompressed) -> None:
        data = text.encode("utf-8", errors="xmlcharrefreplace")
        write_file(target, data)  # makes a record's (new) folder; an error names the page
        self.written[str(target)] = file_digest(data)
        if isinstance(copies, PageCompressor):
            copies.add(target, data)
        elif isinstance(copies, Precompressed):
            copies.add(write_copies(target, data, True))

    def _fork_writer(self, records: list[Record],
                     spliced: list[tuple[Page, tuple[str, bool], str]], shares: _Shares,
                     shells: dict[tuple[str, bool], Chrome], site_dir: Path,
                     posters: bool = False
                     ) -> ForkedJob[tuple[Precompressed, list[str], dict[str, bytes],
                                          list[int]]]:
        """Start a copy of this process (fork: it shares the loaded catalog) writing the
        pages it takes of `shares` (see `_write_records`), and their compressed copies
        when this build makes them; it returns the copies' counts, the pages the chrome
        does not fit, the digests of what it wrote and the numbers of the pages it took."""
        # What rendering plans or reads from helpers of this process happens here first:
        # the QR codes encoded ahead (their pool is ours) and the photos' copies (written
        # by `finish` from this process's plan), for every record: either may write it.
        qr.settle()
        if self.render.pictures is not None:
            for record in records:
                self.render.pictures.pictures(record.data.get("images"))
        compress = self.compressor is not None

        def work() -> tuple[Precompressed, list[str], dict[str, bytes], list[int]]:
            stats = Precompressed()
            self.written = {}  # this copy's: only what it writes goes back
            unfit = self._write_records(records, spliced, shares, shells, site_dir,
                                        stats if compress else None, posters)
            return stats, unfit, self.written, shares.taken

        return ForkedJob(work)

    def take_over(self, site_dir: Path) -> int:
        """Move the folders of the records `reuse` keeps from the previous site into
        `site_dir` (a rename each: no page rendered, copied or deleted); return how many.
        `abort` moves them back."""
        if (reuse := self.reuse) is None:
            return 0
        made: set[Path] = set()
        for uri in [r.url for r in reuse.kept] + sorted(reuse.data):
            target = site_dir / uri
            with naming(target):
                if target.parent not in made:  # the open data writer may make it too
                    target.parent.mkdir(parents=True, exist_ok=True)
                    made.add(target.parent)
                os.rename(reuse.site / uri, target)
            reuse.moved.append(uri)
        if self.render.pictures is not None:  # their photos are copied like the others'
            for record in reuse.kept:
                self.render.pictures.pictures(record.data.get("images"))
        return len(reuse.kept)

    def _give_back(self, site_dir: Path) -> None:
        """Move the folders `take_over` moved back into the previous site."""
        if (reuse := self.reuse) is None:
            return
        while reuse.moved:
            url = reuse.moved.pop()
            with contextlib.suppress(OSError):
                os.rename(site_dir / url, reuse.site / url)

    def page_dates(self) -> tuple[dict[str, str], str | None]:
        """Return each record page's date (ISO) and the data's date: never the clock's."""
        latest = data_date(self.catalog)
        return page_dates(self.catalog), latest.isoformat() if latest else None

    # --- output ------------------------------------------------------------------------

    def begin(self, site_dir: Path, atomic: bool = True, compress: bool = True) -> Path:
        """Return the folder to write the site into: a staging folder swapped in by
        `publish` when `atomic`. With `compress`, pages' copies are made as they come."""
        if atomic:
            self.output = AtomicOutput(site_dir)
            site_dir = self.output.begin()
        if compress:
            self.compressor = PageCompressor()
        return site_dir

    def start_search(self, site_dir: Path) -> None:
        """Start writing the search index and the open data into `site_dir` (on the
        second core if large)."""
        # One worker for both on a large site; not in the preview, whose index worker
        # hands back the index's state (keep_search) and whose memory matters less.
        if self.options.search and self.options.open_data and not self.keep_search \
                and len(self.catalog.records) >= AHEAD_MIN:
            self.search_job, self.data_job = index_and_data_ahead(
                self.catalog, site_dir, self.render.site_url, self.options.licence,
                self.reuse.data if self.reuse is not None else ())
            return
        if self.options.search:
            self.search_job = index_ahead(self.catalog, site_dir, self.keep_search)
        if self.options.open_data:
            self.data_job = open_data_ahead(
                self.catalog, site_dir, self.render.site_url, self.options.licence,
                self.reuse.data if self.reuse is not None else ())

    def write_shared(self, site_dir: Path) -> None:
        """Write now, before the record pages, the files `finish` would write that draw on
        many records (the feed, near-me files, the schedule's calendar, 党史上的今天's
        day files), and queue their copies and those of the other files already in
        `site_dir` that stay as they are (the theme's and the project's assets) with the
        pages': made on the second core while pages are written, not in the build's last,
        single-core steps (where the densest levels of these took a second at 10,000
        records). The search index and the open data, being written meanwhile, are left
        to `finish`, and so are pages (each page's copies come with it)."""
        write_assets(site_dir, shared_assets(self.catalog, self.render), self.written)
        self.shared_written = True
        if self.compressor is None:
            return
        busy = {INDEX_DIR, OPEN_DATA_DIR}
        names: list[str] = []
        with os.scandir(site_dir) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in busy:
                        names += [f"{entry.name}/{rel}" for rel in files_under(Path(entry.path))]
                elif entry.is_file():
                    names.append(entry.name)
        present = set(names)
        for rel in sorted(names):
            if rel.endswith(".html") or not wants_copies(rel) or rel + ".gz" in present:
                continue
            path = site_dir / rel
            data = path.read_bytes()
            if len(data) >= MIN_BYTES:
                self.written[str(path)] = file_digest(data)
                self.compressor.add(path, data, per_record(rel))

    def page_written(self, path: Path, data: bytes) -> None:
        """Queue the precompressed copies of a page just written at `path`."""
        self.written[str(path)] = file_digest(data)
        if self.compressor is not None:
            self.compressor.add(path, data)

    def finish(self, site_dir: Path) -> BuildReport:
        """Write what follows the pages into `site_dir`: posters and feed, open data, downloads, the
        search index (waited for), record photos, sw.js, then precompressed copies.

        Raises search.SearchIndexError if the index could not be written.
        """
        report = BuildReport()
        self.packing = self._compress_open_data(site_dir)
        write_assets(site_dir, site_assets(self.catalog, self.render, None if self.reuse is None
                                           else self.reuse.posters, self.posters_written,
                                           shared=not self.shared_written), self.written)
        if (data_job := self.data_job) is not None:  # /data/, written on the second core
            self.data_job = None
            start = time.perf_counter()
            report.open_data = data_job.result()
            report.open_data_seconds = time.perf_counter() - start  # waited for it
            self.written.update(report.open_data.take_files()[1])  # sw.js reads none back
        if self.options.downloads:  # reused from the cache when unchanged
            exporting, self.prepared = self.prepared, None
            report.exports = exporting.place(site_dir) if exporting is not None else export_all(
                self.catalog, site_dir, self.project / self.options.export_cache,
                author=self.render.site_name)
        if (job := self.search_job) is not None:
            self.search_job = None
            report.search = job.result()
            self.search_state = report.search.state
        if self.render.pictures is not None:  # resized copies only; originals stay out
            report.pictures = self.render.pictures.write(site_dir,
                                                         self.project / ".cache" / "images")
        if self.compressor is None:
            # sw.js last of all files: its cache names hash every other file.
            write_service_worker(site_dir, self.written)
            self.written = {}  # see below
            return report
        start = time.perf_counter()
        compressor = self.compressor  # still `abort`'s to wait for if what follows fails
        if (packing := self.packing) is not None:  # its copies are in the walk below
            self.packing = None
            report.packed += packing.result()
        # All this while the compressor makes the copies of the last pages (it writes
        # nothing else; the files it was given are left to it, and their digests are
        # known): one walk of the site for the other files' copies and for sw.js; the
        # files read for their copies are hashed for sw.js then.
        names = files_under(site_dir)
        report.packed += precompress(site_dir, names=names, digests=self.written,
                                     given=compressor.given)
        sw = write_service_worker(site_dir, self.written, names)
        # sw.js was their last user: at 100,000 records they are ~0.1 GB (a path and a
        # digest for each of ~400,000 files), held while the warm build's snapshot is
        # pickled, and pickled into it for nothing (a build from it starts afresh).
        self.written = {}
        if len(text := sw.read_bytes()) >= MIN_BYTES:  # sw.js gets its copies last
            report.packed.add(write_copies(sw, text, False))
        self.compressor = None
        report.packed += compressor.wait()
        report.pack_seconds = time.perf_counter() - start
        return report

    def _compress_open_data(self, site_dir: Path) -> Future[Precompressed] | None:
        """Start making the copies of the open data's files in a thread, if the worker has
        written them: the posters are written meanwhile, which hold this process but not
        the second core (zlib and brotli let go of the interpreter lock)."""
        job = self.data_job
        if self.compressor is None or job is None or not job.done() or job.exception():
            return None  # made with the others then
        names, digests = job.result().take_files()  # what the worker wrote: no walk
        self.written.update(digests)
        thread = ThreadPoolExecutor(max_workers=1)
        try:  # data/index.html is a page: its copies come with the pages
            return thread.submit(precompress, site_dir, 1, (".html",), names, self.written)
        finally:
            thread.shutdown(wait=False)

    def publish(self) -> Path | None:
        """Swap the finished site in (atomic builds); return where it now is."""
        if self.output is None:
            return None
        output, self.output = self.output, None
        output.commit()
        return output.target

    def abort(self) -> None:
        """Stop after a failure: let workers finish writing, then drop the staging folder.
        The previous site stays as it was."""
        # Workers and threads still writing: the index and open data workers, the
        # compressors and the open data's copies write into the staging dir, the exports
        # into the cache (for the next build). Each is let finish; its failure is moot.
        pending = (self.search_job, self.data_job, self.compressor, self.packing,
                   self.prepared)
        self.search_job = self.data_job = self.compressor = self.packing = None
        self.prepared = None
        for job in pending:
            if job is not None:
                with contextlib.suppress(Exception):
                    job.wait() if isinstance(job, PageCompressor | Exporting) else job.result()
        if (output := self.output) is not None:
            self.output = None
            self._give_back(output.staging)
            output.discard()


def _scratch_of_ended(site_dir: Path) -> list[Path]:
    """Return the open-data scratch folders beside `site_dir` whose writer has ended
    without removing its own: the preview kills a child that writes the data when the
    editor saves again, and a killed process runs no `finally` (10,000 files each)."""
    left = []
    for path in site_dir.parent.glob(f".{glob.escape(site_dir.name)}.data-*"):
        pid = path.name.rpartition("-")[2]
        if pid.isdigit() and not pid_alive(int(pid)):
            left.append(path)
    return left


def index_and_data_ahead(catalog: Catalog, site_dir: Path, site_url: str, licence: str,
                         kept: Collection[str] = ()
                         ) -> tuple[Future[IndexResult], Future[DataStats]]:
    """Start writing the open data (but the per-record files `kept`) and then the search
    index of a large site into `site_dir` in one worker process (search.index_ahead and
    opendata.open_data_ahead each in turn); return their pending results.

    One worker, not one each: the records' values are handed over once, and the two never
    hold their working sets at the same time (at 40,000 records, 370 and 500 MB).
    """
    records = [(r.kind, r.id, r.data) for kind in KINDS for r in catalog.by_kind[kind]]
    handed = _hand_over(records) if len(records) >= AHEAD_MIN and (os.cpu_count() or 1) > 1 \
        else records
    both = ahead(_data_then_index, handed, facet_order(catalog), Path(site_dir), site_url,
                 licence, kept, len(records) >= REREAD_MIN, inline=False)
    index: Future[IndexResult] = Future()
    data: Future[DataStats] = Future()

    def split(done: Future[tuple[IndexResult, DataStats]]) -> None:
        if isinstance(handed, Path):  # the worker removes it, unless it never started
            handed.unlink(missing_ok=True)
        try:
            index_result, data_result = done.result()
        except BaseException as exc:  # noqa: BLE001 - each waiter gets it
            index.set_exception(exc)
            data.set_exception(exc)
        else:
            index.set_result(index_result)
            data.set_result(data_result)

    both.add_done_callback(split)
    return index, data


def _data_then_index(handed: list[tuple[str, str, dict[str, Any]]] | Path, order: list[str],
                     site_dir: Path, site_url: str, licence: str, kept: Collection[str],
                     reread: bool = False) -> tuple[IndexResult, DataStats]:
    """The worker's job of `index_and_data_ahead`.

    With `reread` (a site of REREAD_MIN records or more) and records handed over through
    marshal, none is held: each pass (each kind's files, the GeoJSON, the data's date, the
    index) reads them again from the file (`_Reread`), and each goes once it has been used.
    Otherwise all are read once and held until the index has taken them.

    With the cycle collector paused: what it makes (records, documents, postings) holds
    no cycles, and each full collection walked every record again (~4 % of the job at
    10,000 records, more the more records there are). The worker ends with the job."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        if reread and isinstance(handed, Path) and handed.suffix == ".marshal":
            try:
                again = _Reread(handed)
                data = write_records_data(again.by_kind(), records_date(again), site_dir,
                                          site_url, licence, kept)
                return write_docs(map(search_doc, again), order, site_dir, spill=True), data
            finally:
                handed.unlink(missing_ok=True)
        records = _taken_over(handed) if isinstance(handed, Path) else handed
        data = write_open_data_from(records, site_dir, site_url, licence, kept)
        return write_index_from(records, order, site_dir), data
    finally:
        if collecting:
            gc.enable()


def _fresh(value: Any) -> Any:
    """Return `value` with a new copy of each non-ASCII string in it (see `_hand_over`)."""
    kind = type(value)
    if kind is str:
        return value if value.isascii() else \
            value.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")
    if kind is dict:
        return {key: _fresh(item) for key, item in value.items()}
    if kind is list:
        return [_fresh(item) for item in value]
    if kind is tuple:
        return tuple(_fresh(item) for item in value)
    return value


_HAND_OVER_BATCH = 1000  # records pickled at a time


class _NotPlain(Exception):
    """A value marshal cannot hand over (see `_hand_over`)."""


_SCALARS = frozenset((str, int, float, bool, type(None)))  # marshal writes these as they are


def _find_dates(value: Any, path: tuple[str | int, ...], found: list[tuple[str | int, ...]]
                ) -> None:
    """Add the path (keys and indexes) of every date inside `value` to `found`; raise
    _NotPlain for a value of a kind marshal does not write."""
    kind = type(value)
    if kind is dict:
        items: Iterable[tuple[Any, Any]] = value.items()
    elif kind is list or kind is tuple:
        items = enumerate(value)
    elif kind is dt.date:
        found.append(path)
        return
    else:
        raise _NotPlain(kind.__name__)
    for key, item in items:
        if type(item) not in _SCALARS:
            _find_dates(item, (*path, key), found)


def _replaced(container: Any, path: tuple[str | int, ...], leaf: Any) -> Any:
    """Return a copy of `container` with the value at `path` replaced by `leaf`: only the
    containers along the path are copied."""
    key, rest = path[0], path[1:]
    item = _replaced(container[key], rest, leaf) if rest else leaf
    if type(container) is tuple:
        assert isinstance(key, int)
        return (*container[:key], item, *container[key + 1:])
    copy = container.copy()
    copy[key] = item
    return copy


def _plain(records: list[tuple[str, str, dict[str, Any]]]
           ) -> list[tuple[str, str, dict[str, Any], list[tuple[str | int, ...]]]]:
    """Return `records` for marshal, each with the paths of its dates, which are replaced
    by their ordinals (the containers holding them copied; nothing else is)."""
    out = []
    for kind, record_id, data in records:
        paths: list[tuple[str | int, ...]] = []
        _find_dates(data, (), paths)
        for path in paths:
            data = _replaced(data, path, _value_at(data, path).toordinal())
        out.append((kind, record_id, data, paths))
    return out


def _value_at(value: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def _unplain(records: list[tuple[str, str, dict[str, Any], list[tuple[str | int, ...]]]]
             ) -> list[tuple[str, str, dict[str, Any]]]:
    """Return the records `_plain` was given."""
    out = []
    for kind, record_id, data, paths in records:
        for path in paths:
            data = _replaced(data, path, dt.date.fromordinal(_value_at(data, path)))
        out.append((kind, record_id, data))
    return out


def _hand_over(records: list[tuple[str, str, dict[str, Any]]]) -> Path:
    """Write `records` into a new file for a worker process (`_taken_over`); return it.

    Through marshal when every value is of a kind it writes (dates as their ordinals, with
    their paths: `_plain`): marshal encodes each string into its output without keeping a UTF-8 copy in
    it, so this process need not copy the strings first, and writes faster than pickle
    (0.75 → ~0.3 s of this process at 10,000 records). Otherwise pickled (below).
    """
    with tempfile.NamedTemporaryFile(prefix="second-classroom-records-", suffix=".marshal",
                                     delete=False) as out:
        try:
            for batch_records in _batches(records):
                batch = marshal.dumps(_plain(batch_records))
                kind = batch_records[0][0].encode()
                # marshal.load reads from a file a call at a time: the worker reads each
                # batch whole instead. Its kind and size lead, so that a pass over one
                # kind's records skips the others' batches unread (`_Reread`).
                out.write(len(batch).to_bytes(8, "little")
                          + len(batch_records).to_bytes(4, "little")
                          + bytes((len(kind),)) + kind + batch)
        except (_NotPlain, ValueError):
            os.unlink(out.name)
            return _hand_over_pickled(records)
        except BaseException:
            os.unlink(out.name)
            raise
    return Path(out.name)


def _hand_over_pickled(records: list[tuple[str, str, dict[str, Any]]]) -> Path:
    """Pickle `records` into a new file for a worker process (`_taken_over`); return it.

    Pickling a string makes Python keep its UTF-8 form inside it for as long as the string
    lives (PyUnicode_AsUTF8AndSize): handing the catalog's own values to a worker left this
    process a UTF-8 copy of every Chinese text (1.6 KB a record; tracemalloc at 5,000
    records). Fresh copies are pickled instead, a batch at a time, and the bytes go to a
    file rather than stay with the pending call until the worker is done.
    """
    with tempfile.NamedTemporaryFile(prefix="second-classroom-records-", suffix=".pickle",
                                     delete=False) as out:
        try:
            for start in range(0, len(records), _HAND_OVER_BATCH):
                pickle.dump(_fresh(records[start:start + _HAND_OVER_BATCH]), out,
                            protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            os.unlink(out.name)
            raise
    return Path(out.name)


def _batches(records: list[tuple[str, str, dict[str, Any]]]
             ) -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    """Yield `records` (grouped by kind) in batches of at most _HAND_OVER_BATCH, each of
    one kind."""
    start = 0
    while start < len(records):
        kind, end = records[start][0], start + 1
        while end < len(records) and end - start < _HAND_OVER_BATCH \
                and records[end][0] == kind:
            end += 1
        yield records[start:end]
        start = end


def _frames(handed: BinaryIO) -> Iterator[tuple[str, int, int, int]]:
    """Yield (kind, count, offset, size) of each batch `_hand_over` wrote, the file left
    at the batch; the caller reads it or not."""
    while size := int.from_bytes(handed.read(8), "little"):
        count = int.from_bytes(handed.read(4), "little")
        kind = handed.read(handed.read(1)[0]).decode()
        offset = handed.tell()
        yield kind, count, offset, size
        handed.seek(offset + size)


def _taken_over(path: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """Return the records `_hand_over` wrote into `path`, and remove the file."""
    records: list[tuple[str, str, dict[str, Any]]] = []
    marshalled = path.suffix == ".marshal"
    try:
        with path.open("rb") as handed:
            if marshalled:
                for _, _, _, size in _frames(handed):
                    records += _unplain(marshal.loads(handed.read(size)))
                return records
            while True:
                try:
                    records += pickle.load(handed)
                except EOFError:
                    break
    finally:
        path.unlink(missing_ok=True)
    return records


class _Reread:
    """The records `_hand_over` wrote into a file (through marshal), read again at each
    pass over them, a batch at a time: a worker going through 100,000 records several
    times (open data, index) holds none of them but the batch it is at (~0.35 GB held
    otherwise). Each pass costs a read of the file (~0.1 s per 10,000 records)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.counts: dict[str, int] = dict.fromkeys(KINDS, 0)
        self.frames: list[tuple[str, int, int]] = []
        with path.open("rb") as handed:
            for kind, count, offset, size in _frames(handed):  # the batches unread
                self.frames.append((kind, offset, size))
                self.counts[kind] += count

    def by_kind(self) -> dict[str, _RereadKind]:
        return {kind: _RereadKind(self, kind) for kind in KINDS}

    def records(self, kind: str | None = None) -> Iterator[Record]:
        """Yield the records (of `kind`, or all), in the order they were handed over."""
        with self.path.open("rb") as handed:
            for batch_kind, offset, size in self.frames:
                if kind is None or batch_kind == kind:
                    handed.seek(offset)
                    for record_kind, record_id, data in _unplain(marshal.loads(
                            handed.read(size))):
                        yield Record(record_kind, record_id, "", data)

    def __iter__(self) -> Iterator[Record]:
        return self.records()


class _RereadKind:
    """One kind's records of a `_Reread`: a collection read again each time it is gone
    through."""

    def __init__(self, handed: _Reread, kind: str) -> None:
        self.handed = handed
        self.kind = kind

    def __len__(self) -> int:
        return self.handed.counts[self.kind]

    def __iter__(self) -> Iterator[Record]:
        return self.handed.records(self.kind)

    def __contains__(self, item: object) -> bool:
        return any(item == record for record in self)


def write_assets(site_dir: Path, assets: Iterable[Asset],
                 written: dict[str, bytes] | None = None) -> None:
    """Write files that go out as they are (posters, feed, near-me, calendars) under
    `site_dir`; a full disk names the file. With `written`, note each file's digest there
    (SiteBuild.written)."""
    for asset in assets:  # most go into folders that exist (posters: their record's)
        target, data = site_dir / asset.uri, asset.content.encode("utf-8")
        write_file(target, data)
        if written is not None:
            written[str(target)] = file_digest(data)


BUILD_CACHE = ".cache/build"  # the fingerprints of the last builds, under the project


def input_fingerprint(project: Path, options: BuildOptions, inputs: Iterable[Path] = (),
                      values: Iterable[str] = ()) -> str:
    """Return the fingerprint of everything a build of `project` reads: its data folder,
    this package (code, templates, assets), the options, today's date (checks and dates
    may use it) and the engine's own `inputs` and `values`."""
    return fingerprint([project / options.data, PACKAGE, *inputs],
                       [repr(options), dt.date.today().isoformat(), *values])


def engine_fingerprint(options: BuildOptions, inputs: Iterable[Path] = (),
                       values: Iterable[str] = ()) -> str:
    """Return the fingerprint of what a build reads besides its data folder (see
    `input_fingerprint`), and of the working folder (messages name files relative to it):
    a warm build (second_classroom.warm) needs it unchanged."""
    return fingerprint([PACKAGE, *inputs], [repr(options), dt.date.today().isoformat(),
                                            os.getcwd(), *values])


def build_cache(project: Path) -> BuildCache:
    """Return the record of which inputs each site folder was built from."""
    return BuildCache(project / BUILD_CACHE)


def write_site_if_changed(project: Path, options: BuildOptions, out: Path,
                          site_url: str = "", site_name: str = "第二课堂"
                          ) -> tuple[int, BuildReport] | None:
    """Check the data and `write_site` into `out`, unless `out` holds what this function
    wrote from the same inputs (then return None and leave it as it is).

    Raises problems.DataError on errors in the data.
    """
    print_ = input_fingerprint(project, options, values=[site_url, site_name])
    cache = build_cache(project)
    if options.skip_unchanged and cache.unchanged(out, print_):
        return None
    written = write_site(SiteBuild.start(project, options, site_url, site_name), out)
    cache.record(out, print_)
    return written


def write_site(build: SiteBuild, out: Path) -> tuple[int, BuildReport]:
    """Write the whole site as Markdown pages (front matter + HTML) and every other file
    under `out`, atomically; return the page count and the report.

    This is the engine-neutral output: any static site engine that reads Markdown with
    raw HTML can build it (Zensical, which runs no project hooks, among them).
    """
    site_dir = build.begin(out, atomic=True, compress=False)
    try:
        build.start_search(site_dir)
        count = 0
        for page in build.pages():
            target = site_dir / page.uri
            with naming(target):
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(page.as_markdown(), encoding="utf-8")
            count += 1
        report = build.finish(site_dir)
        start = time.perf_counter()
        # Pages are sources for the engine; every file served as it is gets its copies.
        report.packed = precompress(site_dir, skip_suffixes=(".md",))
        report.pack_seconds = time.perf_counter() - start
    except BaseException:
        build.abort()
        raise
    build.publish()
    return count, report
