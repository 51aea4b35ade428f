"""The preview (`mkdocs serve`) tells the truth: drafts shown with a 草稿 banner, data
errors shown on every page, and a site that keeps answering while the data is broken.

`mkdocs build` never goes through here: drafts stay out of it and a data error stops it.

While an editor's data has errors, the preview keeps the last build of this data folder
that passed (so the open page still exists and reloads), or, when there was none, builds
from the records that pass and every record that refers only to those. Either way every
page carries a panel listing each problem as `file:line:col: 消息`, escaped; the panel
goes as soon as the data passes again. The preview has no service worker, which could show
a saved copy of a page instead of the fresh one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import html
import logging
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from .build import BuildOptions, SiteBuild
from .catalog import Catalog, build_catalog
from .check import check_tree
from .forked import ForkedJob, reap_stopped
from .incremental import (
    FOLLOW_GRACE,
    Pending,
    Snapshot,
    Update,
    apply,
    plan_update,
    stamps,
    start_search,
)
from .models import Record, Vocab
from .offline import SW_URI
from .problems import Problem
from .render import Page
from .search import LiveIndex

log = logging.getLogger("mkdocs.second_classroom.preview")

PANEL_LIMIT = 50  # problems listed on a page; the rest are counted


def passing_catalog(records: Iterable[Record], problems: Iterable[Problem],
                    vocab: Vocab) -> Catalog:
    """Return the catalog of the records that have no error and refer only to such
    records (repeatedly: a record that names a dropped record is dropped too); drafts in."""
    broken = {p.path for p in problems if p.severity == "error"}
    kept = {r.id: r for r in records if r.path not in broken}
    changed = True
    while changed:
        changed = False
        for rid, record in list(kept.items()):
            if any(ref.id not in kept or kept[ref.id].kind != ref.kind for ref in record.refs):
                del kept[rid]
                changed = True
    return build_catalog(list(kept.values()), vocab, drafts=True)


class _Session:
    """What a preview process keeps from one rebuild to the next, here because MkDocs loads
    the hook module afresh for every rebuild: the command this process runs (`mkdocs
    serve`, `mkdocs build`…, told only once, at startup), the snapshot of the last build
    that passed (for quick rebuilds), the engine's quick rebuild, and the search index and
    open data a quick rebuild left writing."""

    command = ""
    snapshot: Snapshot | None = None
    quick: Callable[[], bool] | None = None  # the engine's: True if it could do without a full build
    pending: list[Pending] = []
    search_swapped = threading.Event()  # set: no quick rebuild's index is being written


session = _Session()
session.search_swapped.set()


def serving() -> bool:
    """Return whether this process serves a preview (`mkdocs serve`)."""
    return session.command.startswith("serve")


# The last preview build that passed, per data folder. A preview server process rebuilds
# on every save (and MkDocs loads the hook module afresh each time): when the data breaks,
# this build is shown again, with the problems on every page, instead of no page at all.
_last_good: dict[Path, SiteBuild] = {}


def preview_build(project: Path, options: BuildOptions, site_url: str = "",
                  site_name: str = "第二课堂") -> tuple[SiteBuild, list[Problem], bool]:
    """Return the build the preview serves, the data errors to show on every page, and
    whether the build is an earlier one (the last that passed).

    Drafts are in it. Without errors, it is the data's build (and remembered). With errors,
    it is the last build of this data folder that passed, or, when there was none, the
    build of the records that pass. Never raises problems.DataError.
    """
    data = (project / options.data).resolve()
    settle(wait=False)
    reap_stopped()
    if session.snapshot is not None and session.snapshot.search is not None:
        session.snapshot.search.ready()  # no thread of it runs while the build forks
    session.snapshot = None
    before = stamps(project / options.data)  # a save during the check is seen next time
    result = check_tree(project / options.data, parallel=True)  # half on the second core
    if not result.errors:
        catalog = build_catalog(result.records, result.vocab, drafts=True)
        build = SiteBuild.from_catalog(project, options, catalog, result.warnings, site_url,
                                       site_name)
        build.keep_search = True  # its quick rebuilds update the index from it
        _last_good[data] = build
        session.snapshot = Snapshot(project / options.data, before, result, build,
                                    dt.date.today())
        return build, [], False
    last = _last_good.get(data)
    if last is not None:
        last.search_job = last.output = last.compressor = None  # fresh per build
        return last, result.errors, True
    catalog = passing_catalog(result.records, result.problems, result.vocab)
    return SiteBuild.from_catalog(project, options, catalog, result.warnings, site_url,
                                  site_name), result.errors, False


def remember(listing: Iterable[Page]) -> None:
    """Keep the listing pages the last build wrote (the engine calls this once it wrote
    them without a problems panel), so that a quick rebuild can tell what changed."""
    if session.snapshot is not None:
        session.snapshot.listing = {page.uri: page for page in listing}
        build = session.snapshot.build
        if build.options.search:
            session.snapshot.search = LiveIndex(build.catalog, build.search_state)


def quick_rebuild() -> bool:
    """Let the engine's quick rebuild show the saved data; return False when a full build
    is needed (no snapshot, or the rebuild found it cannot follow the change)."""
    settle(wait=False)
    if session.quick is None or session.snapshot is None:
        return False
    # The collector would walk every object of the loaded catalog (millions) now and
    # then while the rebuild allocates: up to 0.8 s of a 2 s rebuild at 10,000 records.
    # The rebuild makes no cycles that must go at once.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return session.quick()
    except Exception as exc:  # noqa: BLE001 - a full build is always right; say why
        log.warning("快速更新失败（%s: %s），改为完整重建", type(exc).__name__, exc)
        session.snapshot = None
        settle(wait=False)  # the search index it may have started
        return False
    finally:
        if collecting:
            gc.enable()


def quick_update(site_dir: Path,
                 first: Callable[[SiteBuild, list[Record], list[Record]], None] | None = None
                 ) -> Update | None:
    """Return what to write into the preview's `site_dir` for the data as it is now, or
    None when a full build is needed (see incremental.plan_update). `first(build, saved,
    removed)` is called as soon as the saved records are known, before the listings are
    planned: the engine writes their own pages (`saved`, those still there) and removes
    those of `removed`, which are what the editor looks at first."""
    snapshot = session.snapshot
    if snapshot is None:
        return None
    started: list[ForkedJob[None]] = []

    def checked(records: list[Record]) -> None:
        # The search index, on the second core while the catalog is updated and the
        # pages are planned and made: it is what the editor waits for longest.
        if (job := start_search(snapshot.search, snapshot.build, site_dir, records,
                                snapshot.drafts)) is not None:
            started.append(job)
            session.pending.append(job)  # stopped if the rebuild fails or is a full one

    def early(build: SiteBuild, changed: set[str]) -> None:
        reap_stopped()  # what the last save left writing is gone before pages are written
        if first is not None:
            now, before = build.catalog.records, snapshot.build.catalog.records
            first(build, [now[i] for i in sorted(changed) if i in now],
                  [before[i] for i in sorted(changed) if i in before and i not in now])

    update = plan_update(snapshot, site_dir, early=early, checked=checked)
    if update is not None and started:
        update.search_job = started[0]
    return update


# Seconds at most that a request for the search's manifest waits for the index a quick
# rebuild left writing (`search_written`): the pages need not wait for it.
SEARCH_WAIT = 3.0


def quick_done(update: Update, pending: list[Pending]) -> None:
    """Record that `update` was written; `pending` is what it left writing meanwhile.

    Returns at once: the engine then tells the browsers to reload (and holds every
    request until then), and the pages are written. The search child may still be
    writing the index for a few tenths of a second; a search page that reloads meanwhile
    waits only when it asks for the manifest (`search_written`), so that it reads the
    new index, while its page and scripts load."""
    if session.snapshot is not None:
        root = session.snapshot.root.resolve()
        replaced = [session.snapshot.stamps, session.snapshot.check, session.snapshot.build,
                    _last_good.get(root)]
        apply(session.snapshot, update)
        _last_good[root] = update.build  # shown if data breaks
        release_later(replaced)
    session.pending = pending
    if update.search_job is not None:  # swapped in once it hands over (before it exits)
        session.search_swapped = update.search_job.handed_event(timeout=SEARCH_WAIT)
    if update.search is not None:  # the browsers reload now: the state's update waits
        update.search.hold(FOLLOW_GRACE)


# Seconds after a quick rebuild before what its snapshot held until then is let go.
RELEASE_AFTER = FOLLOW_GRACE


def release_later(held: list[object]) -> None:
    """Let go of `held` (the last catalog, check and build a quick rebuild replaced) in a
    thread RELEASE_AFTER seconds from now, once the browsers have reloaded: freeing them
    there took 0.04–0.12 s at 10,000 records, just before the browsers were told to."""
    timer = threading.Timer(RELEASE_AFTER, held.clear)
    timer.daemon = True
    timer.start()


def search_written(timeout: float = SEARCH_WAIT) -> None:
    """Wait until the search index that the last quick rebuild left writing is swapped
    in (or stopped, or `timeout` seconds): the preview's server calls this before it
    answers a request for the index's manifest. Returns at once when none is pending."""
    session.search_swapped.wait(timeout)


def settle(wait: bool = True) -> None:
    """Wait for the search index, open data and downloads a quick rebuild left writing (a
    failure there shows in the next full build, which writes them again); or, not `wait`,
    stop what can be stopped (a rebuild is about to write them afresh)."""
    pending, session.pending = session.pending, []
    for job in pending:
        if not wait and isinstance(job, ForkedJob):
            job.cancel(reap=False)  # gone by the time the rebuild forks or writes pages
            continue
        with contextlib.suppress(Exception):
            job.result()


def problems_panel(problems: list[Problem], stale: bool) -> str:
    """Return the HTML panel that lists data problems on every preview page (escaped).
    `stale`: the pages are those of the last build that passed."""
    items = "".join(f"<li><code>{html.escape(p.format())}</code></li>"
                    for p in problems[:PANEL_LIMIT])
    more = len(problems) - PANEL_LIMIT
    rest = f"<li>还有 {more} 个问题，运行 classroom check 查看全部</li>" if more > 0 else ""
    shown = ("本页显示的是上次通过检查时的内容。" if stale else
             "有错误的记录及引用它们的记录暂不显示。")
    return ('<div class="sc-preview-errors" role="alert" id="sc-preview-errors">'
            f"<p><strong>数据检查未通过：{len(problems)} 个错误</strong>。{shown}"
            "改正并保存后，页面会自动刷新。</p>"
            f"<ul>{items}{rest}</ul></div>")


_BODY = re.compile(r"<body\b[^>]*>", re.I)
_CONTENT = re.compile(r'<article class="md-content__inner[^"]*"[^>]*>')


def with_panel(page_html: str, panel: str) -> str:
    """Return a page with `panel` at the top of its content (or of its body)."""
    for pattern in (_CONTENT, _BODY):
        if match := pattern.search(page_html):
            return page_html[:match.end()] + panel + page_html[match.end():]
    return panel + page_html



def drop_service_worker(site_dir: Path) -> None:
    """Remove the service worker from a preview: it would show saved copies of pages when
    the server is slow to answer (as it is while rebuilding), so its registration is left
    to fail (pages work the same without it)."""
    (site_dir / SW_URI).unlink(missing_ok=True)
