"""Where a preview save's time goes, in CPU seconds (which load on the machine changes
less than wall seconds): the hook's quick rebuild in the server's process and the forked
children it leaves writing (search index, open data).

    python bench/quick_profile.py --n 10000
    python bench/quick_profile.py --n 10000 --profile /tmp/prof   # cProfile files too

Writes N synthetic records (bench/synth.py, as edit_bench), makes the preview's full build
in this process the way `mkdocs serve` does, then saves as edit_bench does (a site's name
edited, a site added first in its listings, the same site deleted), `--rounds` times. For
each save it prints the quick rebuild's wall and CPU seconds (this process) and, once the
children are done, their CPU seconds and the wall seconds until the search index was
swapped in. With `--profile DIR`, the quick rebuild (parent) and the search child's work
are profiled into DIR (`<save>-parent.prof`, `<save>-search.prof`).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import logging
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from site_bench import SAMPLE_OUTLINES, our_config  # noqa: E402
from synth import write_synthetic  # noqa: E402

SERVE_URL = "http://127.0.0.1:8000/"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def _profiled(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        profile.dump_stats(path)


def _profile_search_child(folder: Path, label: list[str]) -> None:
    """Have the search child (IndexState.rewrite, run in a forked child) profile itself."""
    from second_classroom import search

    rewrite = search.IndexState.rewrite

    def profiled(self: search.IndexState, catalog: object, site_dir: Path) -> None:
        with _profiled(folder / f"{label[0]}-search.prof"):
            rewrite(self, catalog, site_dir)  # type: ignore[arg-type]

    search.IndexState.rewrite = profiled  # type: ignore[method-assign]


class _Collector:
    """Seconds the cyclic garbage collector ran in this process (gc.callbacks)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start


def _index_mtime(site: Path) -> float:
    try:
        return (site / "searchindex" / "manifest.json").stat().st_mtime
    except OSError:
        return 0.0


def _note_fork(forked: list[float]) -> None:
    """Note when the quick rebuild forks the search child (preview.start_search)."""
    from second_classroom import preview

    start = preview.start_search

    def noted(*args: Any) -> Any:
        job = start(*args)
        forked.append(time.time())
        return job

    preview.start_search = noted  # type: ignore[assignment]


def bench(n: int, rounds: int, profile: Path | None) -> None:
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from second_classroom import preview

    work = Path(tempfile.mkdtemp(prefix=f"quick-profile-{n}-"))
    label = [""]
    forked: list[float] = []
    _note_fork(forked)
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        _profile_search_child(profile, label)
    try:
        data = work / "site_data"
        write_synthetic(data, n, seed=1, outlines=SAMPLE_OUTLINES)
        config_path = our_config(work, data, search=True)
        site = work / "site"
        site.mkdir()
        start = time.perf_counter()
        config = load_config(str(config_path), site_dir=str(site))
        config.plugins.on_startup(command="serve", dirty=False)
        config.site_url = SERVE_URL
        mkdocs_build(config, serve_url=SERVE_URL, dirty=False)
        print(f"\n== {n} records: full preview build {time.perf_counter() - start:.1f} s ==")
        preview.session.snapshot.search.ready()  # type: ignore[union-attr]
        record = data / "sites" / "site-00001.yml"
        text = record.read_text("utf-8")
        name = text.splitlines()[0]
        added = data / "sites" / "site-00000-bench.yml"
        collector = _Collector()
        for r in range(rounds):
            saves: list[tuple[str, Callable[[], object]]] = [
                ("edit", lambda r=r: record.write_text(  # type: ignore[misc]
                    text.replace(name, f"name: 编辑基准改名纪念馆{r}"), "utf-8")),
                ("add", lambda r=r: added.write_text(  # type: ignore[misc]
                    text.replace(name, f"name: 编辑基准新增纪念馆{r}"), "utf-8")),
                ("delete", added.unlink),
            ]
            for what, save in saves:
                label[0] = f"{what}{r}"
                time.sleep(0.3)  # a new mtime
                saved_at = time.time()
                save()
                cpu, children = _own_cpu(), _children_cpu()
                began = time.perf_counter()
                collector.seconds = 0.0
                with _profiled(profile / f"{what}{r}-parent.prof" if profile else None):
                    ok = preview.quick_rebuild()
                quick = time.perf_counter() - began
                quick_cpu = _own_cpu() - cpu
                collected = collector.seconds
                preview.settle()
                done = time.perf_counter() - began
                fork = f"{forked[-1] - saved_at:5.2f}" if forked else "  -  "
                forked.clear()
                print(f"{what:7} quick={ok!s:5} rebuild {quick:5.2f} s wall {quick_cpu:5.2f} "
                      f"CPU-s (gc {collected:4.2f} s); search forked {fork} s and index "
                      f"swapped in {_index_mtime(site) - saved_at:5.2f} s after "
                      f"the save; children done {done:5.2f} s "
                      f"({_children_cpu() - children:5.2f} CPU-s)", flush=True)
            preview.session.snapshot.search.ready()  # type: ignore[union-attr]
    finally:
        preview.settle()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000, help="records")
    parser.add_argument("--rounds", type=int, default=2, help="edit, add, delete this often")
    parser.add_argument("--profile", type=Path, help="write cProfile files here")
    args = parser.parse_args()
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    handler = logging.StreamHandler(sys.stdout)  # the hook's and the search child's timings
    handler.addFilter(lambda record: "快速更新" in record.getMessage())
    logging.getLogger("mkdocs").addHandler(handler)
    logging.getLogger("mkdocs").setLevel(logging.INFO)
    bench(args.n, args.rounds, args.profile)


if __name__ == "__main__":
    main()
