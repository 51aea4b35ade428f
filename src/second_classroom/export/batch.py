"""Export every outline and 读书班 for the site's download links, reusing unchanged files.

Each file is cached under a key made of: the exporter version and a hash of this
package's source, the format, the SHA-256 of the outline's `Document` (which holds
everything the outline and the records it references contribute to the file, and
nothing else), and for PDF the exact font files. So an outline is exported again only
when its own text, a referenced record's text or the exporter changes, and a large site
rebuilds in the time it takes to copy files. Misses are exported in a worker process
(`Exporting`); a build starts them first (`prepare`) and goes on with its pages while they
run, and places the files at the end.

Each cached file has the SHA-256 of its bytes stored beside it (second_classroom.cachefile)
and is checked before it is used: a truncated or altered entry is exported again, never
shipped.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .. import cachefile
from ..catalog import Catalog
from ..models import OUTLINES, STUDYPLANS, Record
from ..render import Download
from . import EXPORTER_VERSION, export_document
from .document import Document, outline_document, used_records
from .fonts import fonts_fingerprint, used_faces

PACK_SUFFIX = "-jiangjiebao"


@dataclass(frozen=True)
class Variant:
    """One download offered on a record's page (an outline's, a 读书班's)."""

    fmt: str
    pack: bool
    label: str
    part: str = ""  # which document of the record ("" = the record itself)

    def filename(self, record_id: str) -> str:
        """Return the file name, placed next to the record's page."""
        suffix = PACK_SUFFIX if self.pack else f"-{self.part}" if self.part else ""
        return f"{record_id}{suffix}.{self.fmt}"


VARIANTS = (
    Variant("docx", False, "Word 文档（可编辑）"),
    Variant("pdf", False, "PDF（打印）"),
    Variant("md", False, "Markdown（粘贴）"),
    Variant("docx", True, "讲解包 Word"),
    Variant("pdf", True, "讲解包 PDF"),
)


# An outline with questions also offers its quiz sheet (export/quiz.py): questions, and the
# answer key on a page of its own.
QUIZ_VARIANTS = (
    Variant("docx", False, "互动测验 Word", "ceyan"),
    Variant("pdf", False, "互动测验 PDF（打印）", "ceyan"),
)


def variants_for(catalog: Catalog, outline: Record) -> list[Variant]:
    """Return the downloads of an outline: the pack only if it uses some record, the quiz
    sheet only if it has questions."""
    has_pack = any(used_records(catalog, outline).values())
    quiz = list(QUIZ_VARIANTS) if outline.data.get("questions") else []
    return [v for v in VARIANTS if has_pack or not v.pack] + quiz


# A 读书班's documents (export/plan.py). PDFs take seconds each (font subsetting), so one
# PDF binds all four documents for printing; each also comes as DOCX to edit.
PLAN_VARIANTS = (
    Variant("docx", False, "日程表 Word", "richeng"),
    Variant("md", False, "日程表 Markdown", "richeng"),
    Variant("docx", False, "签到表 Word", "qiandao"),
    Variant("docx", False, "学习记录 Word", "jilu"),
    Variant("docx", False, "研讨题 Word", "yantao"),
    Variant("md", False, "研讨题 Markdown", "yantao"),
    Variant("pdf", False, "日程表、签到表、学习记录、研讨题 PDF（打印）", "quanbu"),
)


def plan_variants(catalog: Catalog, plan: Record) -> list[Variant]:
    """Return the downloads of a 读书班."""
    return list(PLAN_VARIANTS)


def _outline_doc(catalog: Catalog, record_id: str, variant: Variant, author: str) -> Document:
    if variant.part:
        from .quiz import quiz_document

        return quiz_document(catalog, record_id, author)
    return outline_document(catalog, record_id, variant.pack, author)


def _plan_doc(catalog: Catalog, record_id: str, variant: Variant, author: str) -> Document:
    from .plan import plan_document

    return plan_document(catalog, record_id, variant.part, author)


@dataclass(frozen=True)
class Exports:
    """The downloads of one kind of record: which files, and the document of each."""

    variants: Callable[[Catalog, Record], list[Variant]]
    document: Callable[[Catalog, str, Variant, str], Document]


EXPORTS: dict[str, Exports] = {
    OUTLINES.name: Exports(variants_for, _outline_doc),
    STUDYPLANS.name: Exports(plan_variants, _plan_doc),
}


def download_links(catalog: Catalog) -> dict[str, list[Download]]:
    """Return record id -> download links, with hrefs relative to the record's page."""
    return {record.id: [Download(v.label, v.filename(record.id))
                        for v in exports.variants(catalog, record)]
            for kind, exports in EXPORTS.items() for record in catalog.by_kind[kind]}


@cache
def _source_hash() -> str:
    digest = hashlib.sha256(EXPORTER_VERSION.encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def export_key(doc: Document, fmt: str) -> str:
    """Return the cache key of `doc` exported as `fmt`."""
    parts = [_source_hash(), fmt, doc.digest()]
    if fmt == "pdf":
        parts.append(fonts_fingerprint(used_faces(doc.text())))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@dataclass
class ExportStats:
    """What a batch export did."""

    exported: int = 0  # files written by an exporter
    reused: int = 0  # files copied from the cache
    pruned: int = 0  # cached files deleted: no outline needs them and unused for long
    bytes: int = 0  # total size of the files placed
    seconds: float = 0.0  # this process's: finding the downloads, waiting, placing
    missing: dict[str, list[str]] = field(default_factory=dict)  # file -> chars shown as 〓

    @property
    def files(self) -> int:
        """Return how many files were placed."""
        return self.exported + self.reused


def _run(job: tuple[Document, str]) -> tuple[bytes, list[str]]:
    doc, fmt = job
    result = export_document(doc, fmt)
    return result.data, result.missing


def _run_batch(jobs: list[tuple[Document, str]]) -> list[tuple[bytes, list[str]]]:
    """Export `jobs` one after the other, in a worker process (see `Exporting`)."""
    results = []
    frozen = False
    for job in jobs:
        results.append(_run(job))
        if job[1] == "pdf":
            # Return at once what a PDF leaves in reference cycles (fpdf2's and
            # fontTools' objects), instead of letting the worker grow until the
            # collector's rare full run. After the first, what is left is the fonts,
            # kept to the end: frozen, later collections do not go through them again.
            gc.collect()
            if not frozen:
                gc.freeze()
                frozen = True
    return results


# A worker parses the CJK faces once (about a second), then writes a PDF in a tenth of a
# second or less: one worker for a build's downloads, a second one only when there are
# many. (The build's other work keeps the other core busy meanwhile.)
JOBS_PER_WORKER = 200


@dataclass
class _Place:
    """One download: its cache entry, its path in the site, and how it is made."""

    cached: Path
    site_path: Path  # relative to the built site
    name: str  # file name (the flat layout)
    job: tuple[Document, str]


class Exporting:
    """A batch of downloads being exported (see `start`): `place` waits for the exports and
    puts the files in a site.

    The exports that miss the cache run in worker processes started from a clean
    interpreter (multiprocessing's forkserver), not as forks of the build: a fork would
    inherit the loaded catalog and MkDocs' pages, and the child's garbage collector,
    touching every inherited object, turns those shared pages into private copies (at
    10,000 records, hundreds of MB per worker). A worker receives only the `Document`s it
    exports: the text of one outline and the records it uses.
    """

    def __init__(self, cache_dir: Path, places: list[_Place],
                 jobs: dict[Path, tuple[Document, str]], processes: int, full: bool,
                 began: float) -> None:
        self.cache_dir = cache_dir
        self.places = places
        self.full = full  # every record's downloads: the cache can be pruned
        self.stats = ExportStats(reused=len(places) - len(jobs))
        self._data: dict[Path, bytes] = {}  # cache entry -> bytes, exported by this batch
        self._missing: dict[Path, list[str]] = {}
        # PDFs take longest: spread them over the workers first, so they finish together.
        order = sorted(jobs, key=lambda cached: jobs[cached][1] != "pdf")
        self._batches: list[tuple[list[Path], Future[list[tuple[bytes, list[str]]]]]] = []
        if not processes:  # here and now
            done: Future[list[tuple[bytes, list[str]]]] = Future()
            done.set_result([_run(jobs[cached]) for cached in order])
            self._batches.append((order, done))
            self.stats.seconds = time.perf_counter() - began
            return
        batches = [order[n::processes] for n in range(processes)]
        context = multiprocessing.get_context("forkserver")  # see the class docstring
        pool = ProcessPoolExecutor(max_workers=processes, mp_context=context)
        for batch in batches:
            self._batches.append((batch, pool.submit(_run_batch,
                                                     [jobs[cached] for cached in batch])))
        pool.shutdown(wait=False)  # each worker exits once its batch is done
        self.stats.seconds = time.perf_counter() - began  # the rest runs meanwhile

    def done(self) -> bool:
        """Return whether every export has finished (placing them will not wait)."""
        return all(future.done() for _, future in self._batches)

    def wait(self) -> None:
        """Wait for the exports and put them in the cache (each with its digest)."""
        for batch, future in self._batches:
            for cached, (data, missing) in zip(batch, future.result(), strict=True):
                cachefile.store(cached, data)
                self._data[cached] = data
                self.stats.exported += 1
                if missing:
                    self._missing[cached] = missing
        self._batches = []

    def place(self, out_dir: Path | None, layout: str = "site") -> ExportStats:
        """Wait for the exports; put every download under `out_dir` (see `export_all`) or,
        if None, only in the cache; return what the batch did."""
        began = time.perf_counter()
        self.wait()
        stats = self.stats
        for place in self.places:
            if place.cached in self._missing:
                stats.missing[place.name] = self._missing[place.cached]
        if out_dir is not None:
            for place in self.places:
                data = self._data.get(place.cached) or cachefile.load(place.cached)
                if data is None:  # damaged since it was checked: export it again, here
                    data = _run(place.job)[0]
                    cachefile.store(place.cached, data)
                target = out_dir / (place.name if layout == "flat" else place.site_path)
                cachefile.write_atomic(target, data)
                stats.bytes += len(data)
            if self.full:  # a full run knows every file the data needs today
                stats.pruned = prune_cache(self.cache_dir,
                                           {place.cached for place in self.places})
        stats.seconds += time.perf_counter() - began
        return stats


def start(catalog: Catalog, cache_dir: Path, author: str = "第二课堂",
          workers: int | None = None, outline_ids: Iterable[str] | None = None) -> Exporting:
    """Find every outline's and 读书班's downloads, and start exporting those missing
    from the cache; return the batch, whose `place` waits for them.

    Args:
        catalog: the published records.
        cache_dir: where exported files are kept by content key between builds.
        author: the site name, shown as the documents' author.
        workers: processes for exports that miss the cache (default: one, or more for
            a large batch, at most the CPU count; none on one core); 1: none, the
            exports are made here, before this returns.
        outline_ids: only the records with these ids (default: all).
    """
    began = time.perf_counter()
    wanted = set(outline_ids) if outline_ids is not None else None
    places: list[_Place] = []
    jobs: dict[Path, tuple[Document, str]] = {}
    checked: set[Path] = set()  # cache entries found to match their digest
    records = [(r, e) for kind, e in EXPORTS.items() for r in catalog.by_kind[kind]]
    for record, exports in records:
        if wanted is not None and record.id not in wanted:
            continue
        docs: dict[tuple[bool, str], Document] = {}
        for variant in exports.variants(catalog, record):
            which = (variant.pack, variant.part)
            if which not in docs:
                docs[which] = exports.document(catalog, record.id, variant, author)
            doc = docs[which]
            key = export_key(doc, variant.fmt)
            cached = cache_dir / key[:2] / f"{key}.{variant.fmt}"
            name = variant.filename(record.id)
            places.append(_Place(cached, Path(record.url) / name, name, (doc, variant.fmt)))
            if cached in jobs or cached in checked or cachefile.valid(cached):
                checked.add(cached)
                continue
            jobs[cached] = (doc, variant.fmt)
    cpus = os.cpu_count() or 1
    if workers is None:  # in the background, unless there is one core only
        processes = min(cpus, 1 + len(jobs) // JOBS_PER_WORKER) if cpus > 1 else 0
    else:
        processes = workers if workers > 1 else 0
    processes = min(processes, len(jobs))
    return Exporting(cache_dir, places, jobs, processes, wanted is None, began)


def export_all(catalog: Catalog, out_dir: Path | None, cache_dir: Path,
               author: str = "第二课堂", workers: int | None = None,
               outline_ids: Iterable[str] | None = None, layout: str = "site") -> ExportStats:
    """Export every outline's and 读书班's downloads under `out_dir`, reusing cached files.

    Args:
        catalog: the published records.
        out_dir: the built site (files go to <kind>/<id>/<file>, next to the page) or,
            with layout="flat", a folder that receives all files directly; None: only
            fill the cache, placing nothing and pruning nothing.
        cache_dir: where exported files are kept by content key between builds.
        author: the site name, shown as the documents' author.
        workers: processes for exports that miss the cache (see `start`).
        outline_ids: only the records with these ids (default: all).
        layout: "site" or "flat".
    """
    return start(catalog, cache_dir, author, workers, outline_ids).place(out_dir, layout)


def prepare(catalog: Catalog, cache_dir: Path, author: str = "第二课堂") -> Exporting:
    """Start exporting every download missing from the cache, in the background; the
    build places them with `Exporting.place` once it has written its pages.

    A build calls this first, while it holds only the catalog: the export worker is
    a clean process (see `Exporting`) that gets only the documents, and it runs on the
    second core while the build goes on with its pages.
    """
    return start(catalog, cache_dir, author)


CACHE_DAYS = 30


def prune_cache(cache_dir: Path, used: set[Path], days: int = CACHE_DAYS) -> int:
    """Delete cached exports not in `used` and unused for `days`; return how many.

    Files in `used` are marked as used now (their modification time), so an outline that
    is edited back and forth, or built from another branch, keeps its files for a while.
    A file's digest goes with it.
    """
    now = time.time()
    for path in used:
        os.utime(path, (now, now))
    removed = 0
    for path in cache_dir.glob("*/*.*"):
        if cachefile.is_digest(path) or path.name.startswith(".tmp-"):
            continue
        if path not in used and path.stat().st_mtime < now - days * 86400:
            cachefile.discard(path)
            removed += 1
    return removed
