"""Where a cold `mkdocs build` spends its time: a timeline of its phases and its processes.

    python bench/cold_profile.py --n 10000 --work /tmp/cold          # timeline
    python bench/cold_profile.py --n 10000 --work /tmp/cold --profile /tmp/cold/main.prof

Writes N synthetic records (bench/synth.py, 8 outlines, as site_bench) into WORK/site_data
once, then builds a fresh copy of the project (the files git tracks, so no .cache) in this
process, with timers around the build's phases: MkDocs' plugin events, the core's steps
(load and check, catalog, exports, listing pages, record pages, posters, the waits for
the search and open-data workers, placing downloads, precompression) and MkDocs' own page
builds. Meanwhile a thread samples /proc every 50 ms for every process of the build: its
CPU time (user and system) and when it ran. It prints, per phase, the wall time and this
process's user and system CPU, then each other process with what started it.

With --profile, cProfile records this process (the children are not profiled): the
dump's top functions by own time are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import pstats
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import tree_of  # noqa: E402
from site_bench import fresh_project  # noqa: E402
from synth import write_synthetic  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Span:
    """One timed call of this process."""

    name: str
    depth: int
    start: float
    end: float = 0.0
    user: float = 0.0
    system: float = 0.0
    queued: float = 0.0  # waiting for a CPU (runnable, not running)


def _run_delay() -> float:
    """Return the seconds this thread has spent runnable but waiting for a CPU."""
    with open("/proc/thread-self/schedstat") as f:
        return int(f.read().split()[1]) / 1e9


@dataclass
class Proc:
    """Another process of the build, as sampled."""

    pid: int
    label: str
    first: float
    last: float
    cpu: tuple[float, float] = (0.0, 0.0)  # user, system seconds
    queued: float = 0.0  # runnable but waiting for a CPU (its main thread)


@dataclass
class Timeline:
    """The spans and processes of one build."""

    t0: float = field(default_factory=time.perf_counter)
    spans: list[Span] = field(default_factory=list)
    procs: dict[int, Proc] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)  # pid -> what started it
    depth: int = 0
    # Per sample: (time, pid -> (CPU seconds, queued seconds)), this process included.
    samples: list[tuple[float, dict[int, tuple[float, float]]]] = field(default_factory=list)

    def now(self) -> float:
        return time.perf_counter() - self.t0

    def current(self) -> str:
        """Return the innermost open span's name."""
        open_ = [s for s in self.spans if not s.end]
        return open_[-1].name if open_ else "-"


TL = Timeline()


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap `fn` so each call is a span named `name`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        times = os.times()
        delay = _run_delay()
        span = Span(name, TL.depth, TL.now())
        TL.spans.append(span)
        TL.depth += 1
        try:
            return fn(*args, **kwargs)
        finally:
            TL.depth -= 1
            after = os.times()
            span.end = TL.now()
            span.user, span.system = after.user - times.user, after.system - times.system
            span.queued = _run_delay() - delay

    return wrapper


def patch(owner: Any, attr: str, name: str | None = None) -> None:
    setattr(owner, attr, timed(name or attr, getattr(owner, attr)))


def instrument() -> None:
    """Put timers around the build's phases."""
    from concurrent.futures import ProcessPoolExecutor

    import mkdocs.commands.build as mkbuild
    import mkdocs.plugins as mkplugins

    from second_classroom import build, catalog, chrome, forked, output, sitemap, warm
    from second_classroom.export import batch

    original_run_event = mkplugins.PluginCollection.run_event

    def run_event(self: Any, name: str, item: Any = None, **kwargs: Any) -> Any:
        if name in ("page_markdown", "page_content", "post_page", "page_context",
                    "pre_page", "page_read_source", "post_template", "pre_template",
                    "template_context"):
            return original_run_event(self, name, item, **kwargs)
        return timed(f"on_{name}", original_run_event)(self, name, item, **kwargs)

    mkplugins.PluginCollection.run_event = run_event  # type: ignore[method-assign]
    patch(catalog, "check_tree", "check (load+check)")
    patch(catalog, "build_catalog", "catalog")
    patch(build, "prepare", "exports: prepare")
    patch(build, "download_links")
    patch(build, "export_all", "exports: export_all")
    patch(batch.Exporting, "place", "exports: place (waits)")
    patch(build, "write_assets", "posters/feed/assets")
    patch(build, "site_assets", "site_assets (render)")
    patch(build, "precompress", "precompress (rest)")
    patch(build, "write_service_worker", "sw.js")
    patch(build.SiteBuild, "start_search")
    patch(build.SiteBuild, "write_record_pages", "record pages")
    patch(build.SiteBuild, "_write_records", "record pages: this process")
    patch(build.SiteBuild, "_fork_writer", "record pages: fork writer")
    patch(build.SiteBuild, "begin")
    patch(build.SiteBuild, "publish")
    patch(build.SiteBuild, "page_dates")
    patch(output.PageCompressor, "wait", "compressor wait")
    patch(sitemap, "write_split", "sitemap split")
    patch(build.SiteBuild, "finish")
    patch(build, "files_under", "walk the site")
    patch(warm, "snapshot_of", "warm: snapshot_of")
    patch(warm, "save", "warm: save (thread)")
    patch(warm, "record", "warm: record")
    patch(warm, "folders_print", "warm: folders' print")
    patch(warm, "save_forked", "warm: fork the save")
    patch(build.SiteBuild, "write_spliced_pages", "spliced pages")
    patch(warm.ForkedSave, "result", "warm: wait for the forked save")
    patch(output.AtomicOutput, "commit", "publish: commit")
    patch(forked, "stop_fork_server")
    patch(mkbuild, "_populate_page")
    patch(mkbuild, "_build_page")
    patch(mkbuild, "_build_theme_template")
    patch(mkbuild, "get_navigation")
    patch(chrome.Chrome, "parse", "chrome parse")
    from concurrent.futures import Future

    original_result = Future.result

    def result(self: Any, timeout: float | None = None) -> Any:
        return timed("wait: future", original_result)(self, timeout)

    Future.result = result  # type: ignore[method-assign]
    original_fork_result = forked.ForkedJob.result
    forked.ForkedJob.result = timed("wait: forked job", original_fork_result)  # type: ignore[method-assign]
    original_submit = ProcessPoolExecutor.submit

    def submit(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        future = original_submit(self, fn, *args, **kwargs)
        for pid in list(getattr(self, "_processes", {}) or {}):
            TL.labels.setdefault(pid, f"pool: {getattr(fn, '__module__', '')}."
                                 f"{getattr(fn, '__name__', fn)}")
        return future

    ProcessPoolExecutor.submit = submit  # type: ignore[method-assign]
    original_init = forked.ForkedJob.__init__

    def init(self: Any, work: Any) -> None:
        original_init(self, work)
        TL.labels[self._pid] = f"fork: {TL.current()}"

    forked.ForkedJob.__init__ = init  # type: ignore[method-assign]


def _no_early_server() -> None:
    from second_classroom import build

    build.start_fork_server = lambda: None  # type: ignore[attr-defined]


UNDO: dict[str, Callable[[], None]] = {"early-server": _no_early_server}


def sampler(stop: threading.Event) -> None:
    """Record every descendant's CPU time until `stop`."""
    me = os.getpid()
    while not stop.is_set():
        parents: dict[int, int] = {}
        stats: dict[int, tuple[str, float, float]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    raw = f.read()
            except OSError:
                continue
            comm = raw[raw.index(b"(") + 1:raw.rindex(b")")].decode(errors="replace")
            rest = raw.rsplit(b")", 1)[1].split()
            parents[int(entry)] = int(rest[1])
            stats[int(entry)] = (comm, int(rest[11]) / TICK, int(rest[12]) / TICK)
        tree = tree_of(me, parents)
        now = TL.now()
        sample: dict[int, tuple[float, float]] = {}
        for pid in tree:
            comm, user, system = stats[pid]
            try:
                with open(f"/proc/{pid}/schedstat") as f:
                    queued = int(f.read().split()[1]) / 1e9
            except (OSError, IndexError, ValueError):
                queued = 0.0
            sample[pid] = (user + system, queued)
        TL.samples.append((now, sample))
        for pid in tree - {me}:
            comm, user, system = stats[pid]
            proc = TL.procs.get(pid)
            if proc is None:
                proc = TL.procs[pid] = Proc(pid, f"{comm} (seen in {TL.current()})", now, now)
            proc.last = now
            proc.cpu = (user, system)
            proc.queued = sample[pid][1]
        time.sleep(0.05)


def timeline(step: float) -> None:
    """Print, per `step` seconds of wall time, how many cores the build's processes used
    and wanted (used + runnable but queued: on a machine shared with others, what it
    would have used alone), and which processes were busy."""
    print("\n| from s | cores used | cores wanted | busy processes (CPU s in the step) |")
    print("|---:|---:|---:|---|")
    me = os.getpid()
    last: dict[int, tuple[float, float]] = {}
    edge, used, wanted = step, 0.0, 0.0
    busy: dict[int, float] = {}

    def flush(start: float) -> None:
        names = ", ".join(f"{'main' if pid == me else TL.labels.get(pid, str(pid))[:40]}"
                          f" {cpu:.2f}" for pid, cpu in sorted(busy.items(),
                                                                 key=lambda b: -b[1])
                          if cpu >= 0.05 * step)
        print(f"| {start:.0f} | {used / step:.2f} | {wanted / step:.2f} | {names} |")

    for now, sample in TL.samples:
        while now > edge:
            flush(edge - step)
            edge, used, wanted, busy = edge + step, 0.0, 0.0, {}
        for pid, (cpu, queued) in sample.items():
            before = last.get(pid, (0.0, 0.0) if pid != me else (cpu, queued))
            used += cpu - before[0]
            wanted += cpu - before[0] + queued - before[1]
            busy[pid] = busy.get(pid, 0.0) + cpu - before[0]
        last.update(sample)
    flush(edge - step)


def report(total: float, cpu: os.times_result) -> None:
    print(f"\nwall {total:.1f} s; this process user {cpu.user:.1f} s, system "
          f"{cpu.system:.1f} s; waited children user {cpu.children_user:.1f} s, "
          f"system {cpu.children_system:.1f} s")
    print("\n| phase (this process) | start | wall s | user s | sys s | queued s | blocked s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    merged: dict[tuple[int, str], Span] = {}
    order: list[tuple[int, str]] = []
    for span in TL.spans:
        key = (span.depth, span.name)
        if key not in merged:
            merged[key] = Span(span.name, span.depth, span.start, 0.0)
            order.append(key)
        m = merged[key]
        m.end += span.end - span.start
        m.user += span.user
        m.system += span.system
        m.queued += span.queued
    counts: dict[tuple[int, str], int] = {}
    for span in TL.spans:
        counts[span.depth, span.name] = counts.get((span.depth, span.name), 0) + 1
    for key in order:
        m = merged[key]
        if m.end < 0.05 and key[0] > 0:
            continue
        n = counts[key]
        print(f"| {'  ' * m.depth}{m.name}{f' ×{n}' if n > 1 else ''} | {m.start:.1f} | "
              f"{m.end:.2f} | {m.user:.2f} | {m.system:.2f} | {m.queued:.2f} | "
              f"{m.end - m.user - m.system - m.queued:.2f} |")
    print("\n| other process | from | to | user s | sys s | queued s |")
    print("|---|---:|---:|---:|---:|---:|")
    total_user = total_sys = 0.0
    for proc in sorted(TL.procs.values(), key=lambda p: p.first):
        label = TL.labels.get(proc.pid, proc.label)
        print(f"| {proc.pid} {label} | {proc.first:.1f} | {proc.last:.1f} | "
              f"{proc.cpu[0]:.2f} | {proc.cpu[1]:.2f} | {proc.queued:.2f} |")
        total_user += proc.cpu[0]
        total_sys += proc.cpu[1]
    print(f"| all other processes | | | {total_user:.1f} | {total_sys:.1f} |")
    print(f"\nCPU of the whole build: {cpu.user + cpu.system + total_user + total_sys:.1f} s "
          f"in {total:.1f} s wall ({(cpu.user + cpu.system + total_user + total_sys) / total:.2f}"
          " cores busy on average)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/cold-profile"))
    parser.add_argument("--outlines", type=int, default=8)
    parser.add_argument("--lectures", type=int, default=0)
    parser.add_argument("--tasks", type=int, default=0)
    parser.add_argument("--profile", type=Path, help="cProfile this process into this file")
    parser.add_argument("--timeline", type=float, default=0.0, metavar="SECONDS",
                        help="also print the cores used and wanted per this many seconds")
    parser.add_argument("--without", action="append", default=[], metavar="NAME",
                        help="A/B: turn off one of this session's changes: "
                        + ", ".join(sorted(UNDO)))
    args = parser.parse_args()
    for name in args.without:
        UNDO[name]()
    data = args.work / "site_data"
    if not data.is_dir():
        write_synthetic(data, args.n, seed=1, lectures=args.lectures, tasks=args.tasks,
                        outlines=args.outlines)
    shutil.rmtree(args.work / "project", ignore_errors=True)
    config = fresh_project(args.work, data, search=True)
    site = args.work / "site"
    shutil.rmtree(site, ignore_errors=True)
    os.chdir(config.parent)
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    instrument()
    from mkdocs.__main__ import cli

    stop = threading.Event()
    thread = threading.Thread(target=sampler, args=(stop,), daemon=True)
    profiler = cProfile.Profile() if args.profile else None
    TL.t0 = time.perf_counter()
    before = os.times()
    thread.start()
    if profiler:
        profiler.enable()
    try:
        cli(["build", "-q", "-f", str(config), "-d", str(site)], standalone_mode=False)
    finally:
        if profiler:
            profiler.disable()
        total = TL.now()
        after = os.times()
        stop.set()
        thread.join()
    cpu = os.times_result((after.user - before.user, after.system - before.system,
                           after.children_user - before.children_user,
                           after.children_system - before.children_system, 0.0))
    report(total, cpu)
    if args.timeline:
        timeline(args.timeline)
    if profiler and args.profile:
        profiler.dump_stats(args.profile)
        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
