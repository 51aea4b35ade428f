"""Preview while editing: how long until `mkdocs serve` shows a saved change in the browser.

    python bench/edit_bench.py --n 10000
    python bench/edit_bench.py --n 1000 --timeout 120
    python bench/edit_bench.py --n 10000 --timeline   # per save: the server's steps

Writes N synthetic records (bench/synth.py) into a temporary folder, starts `mkdocs serve`
on them with the project's hooks, waits for the first build, and opens a record page in
Debian's Chromium (Playwright, 390x844). Then, one at a time:
  - edit:   changes a site's name in its YAML file; times until its page, its province's
            facet page, a page of a record that cites it, and the search page (`?q=` the
            new name) each show the new name;
  - add:    writes a new site record; times its page, the facet page and search;
  - delete: removes that record again; times its page (404), the facet page and search
            no longer showing it;
  - then:   for each of its page, the facet page and search, each change once more
            (`--rounds` times), polling only that target: above, each target is polled
            after the ones before it, so those figures are upper bounds by their loads.
Pages are reloaded by the benchmark rather than by MkDocs' live-reload script, so the
figures do not depend on the script (its requests are refused: its reload raced the
benchmark's own navigation, and won). A load starts 0.25 s after the last one began, or
as soon as it ended if it took longer (a page served just before the rebuild began has
its scripts held by the server until the rebuild ends, and shows the old text: the
live-reload script would load the page again at that moment); the poll adds up to
0.25 s. Target: 2 s each at 10,000 records. A search page asks for the index's manifest
once its scripts run; the server answers it once the search child has swapped the new
index in (preview.search_written).
With `--timeline`, the server runs under bench/serve_timeline.py and each save's steps
are printed at the end, with the polls, in seconds from the save.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from site_bench import SAMPLE_OUTLINES, our_config  # noqa: E402
from synth import write_synthetic  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PHONE = {"width": 390, "height": 844}
POLL = 0.25  # seconds between reloads


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def wait_for(check: Callable[[], bool], timeout: float) -> float | None:
    """Return seconds until `check()` holds (polled every POLL s), or None on timeout."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if check():
            return time.perf_counter() - start
        time.sleep(POLL)
    return None


def shows(page: object, url: str, text: str, present: bool = True,
          selector: str = "body") -> Callable[[], bool]:
    """Return a check: `url`, loaded afresh, shows `text` in `selector` (or, with
    `present` False, does not: a 404 counts as not showing it)."""
    def check() -> bool:
        try:
            response = page.goto(url, wait_until="domcontentloaded")  # type: ignore[attr-defined]
            if selector != "body":  # filled by a script: give it a moment
                page.wait_for_selector(selector, timeout=3000)  # type: ignore[attr-defined]
            found = bool(response and response.ok
                         and text in page.inner_text(selector))  # type: ignore[attr-defined]
            return found if present else not found
        except Exception:  # noqa: BLE001 - the server may be mid-rebuild
            return False
    return check


def gone(url: str) -> Callable[[], bool]:
    return lambda: status(url) == 404


class Timeline:
    """With `--timeline`: the server's log lines (stamped by serve_timeline.py) and the
    benchmark's polls, printed per save in seconds from the save."""

    def __init__(self, log: Path | None) -> None:
        self.log = log
        self.polls: list[tuple[float, float, bool]] = []  # epoch start, end, held
        self.saves: list[tuple[str, float, list[tuple[float, float, bool]]]] = []

    def poll(self, check: Callable[[], bool]) -> bool:
        begun = time.time()
        held = check()
        if self.log is not None:
            self.polls.append((begun, time.time(), held))
        return held

    def saved(self, name: str, saved: float) -> None:
        """Keep the polls of the save `name` made at `saved` (epoch seconds)."""
        if self.log is not None:
            self.saves.append((name, saved, self.polls))
        self.polls = []

    def show(self) -> None:
        """Print each save's timeline: until the next save (or 5 s)."""
        if self.log is None:
            return
        lines: list[tuple[float, str]] = []
        for line in self.log.read_text("utf-8", "replace").splitlines():
            stamp, _, rest = line.partition(" ")
            with contextlib.suppress(ValueError):
                lines.append((float(stamp), rest))
        for k, (name, saved, polls) in enumerate(self.saves):
            until = self.saves[k + 1][1] if k + 1 < len(self.saves) else saved + 5
            rows = [(when, text) for when, text in lines if saved - 0.05 <= when < until]
            rows += [(b, f"poll {b - saved:5.2f}–{e - saved:5.2f} "
                      f"{'held' if h else 'not yet'}") for b, e, h in polls]
            print(f"--- timeline of {name} (s from the save)")
            for when, text in sorted(rows):
                print(f"  {when - saved:6.3f}  {text}")


TIMELINE = Timeline(None)


def follow(name: str, checks: dict[str, Callable[[], bool]], timeout: float,
           saved: float | None = None) -> dict[str, float]:
    """Poll the checks one after the other, each until it holds (every check loads a page,
    so polling all of them in turn would add the others' loads to each); print the
    seconds from the save until each held: an upper bound, by one page load, for all
    but the first. `saved`: the epoch second of the save (for the timeline). Return the
    seconds of those that held."""
    start = time.perf_counter()
    saved = saved if saved is not None else time.time()
    seen: dict[str, float] = {}
    for what, check in checks.items():
        while time.perf_counter() - start < timeout:
            begun = time.perf_counter()
            if TIMELINE.poll(check):
                seen[what] = time.perf_counter() - start
                break
            # The next load POLL s after this one began, or at once if this one took
            # longer: a page served just before the rebuild waits for its scripts until
            # the rebuild ends (the server holds requests meanwhile) and shows the old
            # text; a browser's live-reload loads the page again at that moment.
            time.sleep(max(0.0, POLL - (time.perf_counter() - begun)))
    for what in checks:
        figure = f"{seen[what]:6.2f} s" if what in seen else "  timeout"
        print(f"{name:7} {what:28}: {figure}  (target ≤ 2 s)", flush=True)
    TIMELINE.saved(name, saved)
    if SERVE_LOG and any(seen.get(what, SLOW) >= SLOW for what in checks):
        _why_slow(SERVE_LOG[0], start)
    return seen


SERVE_LOG: list[Path] = []  # the server's log
SLOW = 10.0  # seconds: a save this slow to show was built in full; the log says why


def _why_slow(log: Path, since: float) -> None:
    """Print what the server logged about its builds since `since` (the perf_counter
    second of the save): a full build instead of a quick one, and its cause when logged."""
    told = ("Detected", "Building", "Reloading", "快速更新", "数据检查", "ERROR", "WARNING")
    lines = log.read_text("utf-8", "replace").splitlines()
    print(f"  server log, last lines about builds (save {time.perf_counter() - since:.1f} s ago):")
    for line in [x for x in lines if any(t in x for t in told)][-12:]:
        print(f"    {line[:200]}")


def bench(n: int, timeout: float, keep: Path | None, timeline: bool = False,
          rounds: int = 1) -> None:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix=f"edit-bench-{n}-"))
    server = None
    try:
        data = work / "site_data"
        write_synthetic(data, n, seed=1, outlines=SAMPLE_OUTLINES)  # as site_bench
        config = our_config(work, data, search=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        log = (work / "serve.log").open("w")
        runner = [str(HERE / "serve_timeline.py")] if timeline else ["-m", "mkdocs"]
        SERVE_LOG[:] = [work / "serve.log"]
        TIMELINE.log = work / "serve.log" if timeline else None
        server = subprocess.Popen(
            [sys.executable, *runner, "serve", "-f", str(config), "-a",
             f"127.0.0.1:{port}"], cwd=work, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        rid = "site-00001"
        record = data / "sites" / f"{rid}.yml"
        url = base + f"sites/{rid}/"
        text = record.read_text("utf-8")
        province = next(line.split(":", 1)[1].strip() for line in text.splitlines()
                        if line.strip().startswith("province:"))
        facet = base + f"province/{urllib.parse.quote(province)}/"
        citing = next((f for f in sorted(data.glob("*/*.yml"))
                       if f.parent.name != "sites" and rid in f.read_text("utf-8")), None)
        first = wait_for(lambda: status(url) == 200, 900)
        if first is None:
            raise SystemExit(f"mkdocs serve did not come up:\n{(work / 'serve.log').read_text()}")
        print(f"\n== {n} records: first build served after {first:.1f} s ==")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
            # The benchmark reloads pages itself; MkDocs' live-reload script must not: its
            # reload at the end of a rebuild raced the benchmark's navigation to the next
            # page, which Chromium then dropped, and Playwright waited out its 30 s
            # timeout (the "30 s" outliers of earlier runs). Refused, the script retries
            # every 3 s and never reloads.
            page.route("**/livereload/**", lambda route: route.abort())
            page.goto(url)
            time.sleep(2)  # let the watcher settle

            def search(query: str, present: bool = True) -> Callable[[], bool]:
                return shows(page, base + f"search/?q={urllib.parse.quote(query)}", query,
                             present, ".sc-search__results")

            # Edit the name: it shows on the page, the facet pages, the pages that cite
            # the record or list it nearby, and in search results.
            name = text.splitlines()[0]
            marker = "编辑基准改名纪念馆"
            record.write_text(text.replace(name, f"name: {marker}"), "utf-8")
            checks = {"its page": shows(page, url, marker),
                      "province facet page": shows(page, facet, marker)}
            if citing is not None:
                checks["a page citing it"] = shows(
                    page, base + f"{citing.parent.name}/{citing.stem}/", marker)
            checks["search"] = search(marker)  # last: written after the pages
            follow("edit", checks, timeout)

            added = data / "sites" / "site-00000-bench.yml"  # sorts first: on page 1 of listings
            new = "编辑基准新增纪念馆"
            added.write_text(text.replace(name, f"name: {new}"), "utf-8")
            added_url = base + "sites/site-00000-bench/"
            follow("add", {"its page": shows(page, added_url, new),
                           "province facet page": shows(page, facet, new),
                           "search": search(new)}, timeout)

            added.unlink()
            follow("delete", {"its page (404)": gone(added_url),
                              "province facet page": shows(page, facet, new, present=False),
                              "search": search(new, present=False)}, timeout)

            # Above, each target is polled after the ones before it (an upper bound by
            # their page loads). Here each change is saved again for each target, and only
            # that target is polled: what an editor looking at that page sees.
            renames = ["编辑基准再改纪念馆", "编辑基准三改纪念馆"]
            targets: dict[str, tuple[Callable[[str], Callable[[], bool]],
                                     Callable[[], bool], Callable[[], bool]]] = {
                "its page": (lambda shown: shows(page, url, shown), shows(page, added_url, new),
                             gone(added_url)),
                "province facet page": (lambda shown: shows(page, facet, shown),
                                        shows(page, facet, new),
                                        shows(page, facet, new, present=False)),
                "search": (search, search(new), search(new, present=False)),
            }
            alone: dict[tuple[str, str], list[float | None]] = {}
            edits = 0
            for _ in range(rounds):
                for target, (edited, add_check, delete_check) in targets.items():
                    edits += 1
                    renamed = renames[edits % 2]
                    for what, change, check in (
                            ("edit", lambda r=renamed: record.write_text(
                                text.replace(name, f"name: {r}"), "utf-8"), edited(renamed)),
                            ("add", lambda: added.write_text(text.replace(name, f"name: {new}"),
                                                             "utf-8"), add_check),
                            ("delete", added.unlink, delete_check)):
                        time.sleep(3)  # the previous save's work is done
                        saved = time.time()
                        change()
                        seen = follow(what, {f"{target}, alone": check}, timeout, saved)
                        alone.setdefault((what, target), []).append(
                            seen.get(f"{target}, alone"))
            print(f"\n== each target polled alone, {rounds} round(s): seconds from the save ==")
            for (what, target), figures in alone.items():
                shown = " ".join(f"{f:5.2f}" if f is not None else "timeout" for f in figures)
                worst = max((f if f is not None else float("inf")) for f in figures)
                print(f"{what:7} {target:22}: {shown}   worst {worst:5.2f} s  (target ≤ 2 s)",
                      flush=True)
            browser.close()
        TIMELINE.show()
        if keep:
            shutil.copytree(work, keep / f"edit-bench-{n}", dirs_exist_ok=True)
    finally:
        if server is not None:  # as Ctrl-C: MkDocs then removes its site folder (400 MB)
            server.send_signal(signal.SIGINT)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="records (repeatable)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per change")
    parser.add_argument("--keep", type=Path, help="copy the work tree here")
    parser.add_argument("--rounds", type=int, default=1,
                        help="times each change is saved again for each target polled alone")
    parser.add_argument("--timeline", action="store_true",
                        help="per save, the server's steps and the polls (serve_timeline.py)")
    args = parser.parse_args()
    for n in args.n or [10000]:
        bench(n, args.timeout, args.keep, args.timeline, args.rounds)


if __name__ == "__main__":
    main()
