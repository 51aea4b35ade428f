"""Export every outline and 读书班 for the site's download links, reusing unchanged files.

Each file is cached under a key made of: the exporter version and a hash of this
package's source, the format, the SHA-256 of the outline's `Document` (which holds
everything the outline and the records it references contribute to the file, and
nothing else), and for PDF the exact font files. So an outline is exported again only
when its own text, a referenced record's text or the exporter changes, and a large site
rebuilds in the time it takes to copy files. Misses are exported in parallel processes.

Each cached file has the SHA-256 of its bytes stored beside it (second_classroom.cachefile)
and is checked before it is used: a truncated or altered entry is exported again, never
shipped.

The worker processes start from a clean interpreter (multiprocessing's forkserver), not
as forks of the build: a fork would inherit the loaded catalog and MkDocs' pages, and the
child's garbage collector, touching every inherited object, turns those shared pages into
private copies (at 10,000 records, hundreds of MB per worker). A worker receives only the
`Document` it exports: the text of one outline and the records it uses.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .. import cachefile
from ..catalog import Catalog
from ..models import OUTLINES, STUDYPLANS, Record
from ..render import Download
from . import EXPORTER_VERSION, export_document
from .document import Document, outline_document, used_records
from .fonts import fonts_fingerprint

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
        from .to_pdf import used_faces

        parts.append(fonts_fingerprint(used_faces(doc)))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@dataclass
class ExportStats:
    """What a batch export did."""

    exported: int = 0  # files written by an exporter
    reused: int = 0  # files copied from the cache
    pruned: int = 0  # cached files deleted: no outline needs them and unused for long
    bytes: int = 0  # total size of the files placed
    seconds: float = 0.0
    missing: dict[str, list[str]] = field(default_factory=dict)  # file -> chars shown as 〓

    @property
    def files(self) -> int:
        """Return how many files were placed."""
        return self.exported + self.reused


def _run(job: tuple[Document, str]) -> tuple[bytes, list[str]]:
    doc, fmt = job
    result = export_document(doc, fmt)
    if multiprocessing.parent_process() is not None:
        # An export worker holds little but its fonts, so a full collection is quick
        # there, and it returns at once the tens of MB a PDF's fonts leave in reference
        # cycles (fontTools' CFF objects), instead of letting the worker grow by them
        # until the collector's rare full run.
        gc.collect()
    return result.data, result.missing


def export_all(catalog: Catalog, out_dir: Path | None, cache_dir: Path,
               author: str = "第二课堂", workers: int | None = None,
               outline_ids: Iterable[str] | None = None, layout: str = "site") -> ExportStats:
    """Export every outline's and 读书班's downloads under `out_dir`, reusing cached files.

    Args:
        catalog: the published records.
        out_dir: the built site (files go to <kind>/<id>/<file>, next to the page) or,
            with layout="flat", a folder that receives all files directly; None: only
            fill the cache (see `prepare`), placing nothing and pruning nothing.
        cache_dir: where exported files are kept by content key between builds.
        author: the site name, shown as the documents' author.
        workers: processes for exports that miss the cache (default: CPU count).
        outline_ids: only the records with these ids (default: all).
        layout: "site" or "flat".
    """
    start = time.perf_counter()
    stats = ExportStats()
    wanted = set(outline_ids) if outline_ids is not None else None
    jobs: list[tuple[Document, str]] = []
    places: list[tuple[Path, Path, tuple[Document, str]]] = []  # cached file, target, job
    pending: dict[Path, int] = {}
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
            base = out_dir if out_dir is not None else Path()
            target = base / name if layout == "flat" else base / record.url / name
            places.append((cached, target, (doc, variant.fmt)))
            if cached in pending or cached in checked or cachefile.valid(cached):
                checked.add(cached)
                stats.reused += 1
                continue
            pending[cached] = len(jobs)
            jobs.append((doc, variant.fmt))
    # PDFs take longest: start them first so the processes finish together.
    order = sorted(pending.items(), key=lambda kv: jobs[kv[1]][1] != "pdf")
    count = min(workers or os.cpu_count() or 1, len(order))
    if count > 1:
        context = multiprocessing.get_context("forkserver")  # see the module docstring
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            results = list(pool.map(_run, [jobs[i] for _, i in order]))
    else:
        results = [_run(jobs[i]) for _, i in order]
    missing_of: dict[Path, list[str]] = {}
    for (cached, _), (exported, missing) in zip(order, results, strict=True):
        cachefile.store(cached, exported)
        stats.exported += 1
        if missing:
            missing_of[cached] = missing
    if out_dir is None:
        stats.missing = {target.name: missing_of[cached] for cached, target, _ in places
                         if cached in missing_of}
        stats.seconds = time.perf_counter() - start
        return stats
    for cached, target, job in places:
        data = cachefile.load(cached)
        if data is None:  # damaged since it was checked: export it again, here
            data = _run(job)[0]
            cachefile.store(cached, data)
        cachefile.write_atomic(target, data)
        stats.bytes += len(data)
        if cached in missing_of:
            stats.missing[target.name] = missing_of[cached]
    if wanted is None:  # a full run knows every file the data needs today
        stats.pruned = prune_cache(cache_dir, {cached for cached, _, _ in places})
    stats.seconds = time.perf_counter() - start
    return stats


def prepare(catalog: Catalog, cache_dir: Path, author: str = "第二课堂",
            workers: int | None = None) -> ExportStats:
    """Export every download missing from the cache into it, placing nothing.

    A build calls this first, while it holds only the catalog: the export workers (a few
    hundred MB each, for the CJK fonts) then add to the smallest the build process ever
    is, not to one holding every page. The `export_all` that places the files later
    finds them all cached.
    """
    return export_all(catalog, None, cache_dir, author, workers)


def merged(prepared: ExportStats | None, placed: ExportStats) -> ExportStats:
    """Return what `prepare` and the `export_all` after it did, as one batch's stats."""
    if prepared is None:
        return placed
    return ExportStats(exported=placed.exported + prepared.exported,
                       reused=placed.reused - prepared.exported, pruned=placed.pruned,
                       bytes=placed.bytes, seconds=placed.seconds + prepared.seconds,
                       missing={**prepared.missing, **placed.missing})


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
