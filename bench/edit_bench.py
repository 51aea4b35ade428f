"""Preview while editing: how long until `mkdocs serve` shows a saved change in the browser.

    python bench/edit_bench.py --n 10000
    python bench/edit_bench.py --n 1000 --timeout 120

Writes N synthetic records (bench/synth.py) into a temporary folder, starts `mkdocs serve`
on them with the project's hooks, waits for the first build, and opens a record page in
Debian's Chromium (Playwright, 390x844). Then, one at a time:
  - edit:   changes the record's summary in its YAML file; waits until its page, reloaded
            every 0.25 s, shows the new text;
  - add:    writes a new site record; waits until its page shows its name;
  - delete: removes that record again; waits until its page no longer shows it (404).
It prints each latency (target: 2 s each at 10,000 records) and whether the listing and
the search index followed. The page is reloaded by the benchmark rather than by MkDocs'
live-reload script, so the figures do not depend on the script being allowed by the CSP.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from site_bench import our_config  # noqa: E402
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


def shows(page: object, url: str, text: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            response = page.goto(url, wait_until="domcontentloaded")  # type: ignore[attr-defined]
            return bool(response and response.ok and text in page.content())  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - the server may be mid-rebuild
            return False
    return check


def gone(url: str) -> Callable[[], bool]:
    return lambda: status(url) == 404


def report(name: str, seconds: float | None) -> None:
    figure = f"{seconds:6.2f} s" if seconds is not None else "  timeout"
    print(f"{name:8}: {figure}  (target ≤ 2 s)", flush=True)


def bench(n: int, timeout: float, keep: Path | None) -> None:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix=f"edit-bench-{n}-"))
    server = None
    try:
        data = work / "site_data"
        write_synthetic(data, n, seed=1)
        config = our_config(work, data, search=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        log = (work / "serve.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "-a",
             f"127.0.0.1:{port}"], cwd=work, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        record = data / "sites" / "site-00001.yml"
        url = base + "sites/site-00001/"
        first = wait_for(lambda: status(url) == 200, 900)
        if first is None:
            raise SystemExit(f"mkdocs serve did not come up:\n{(work / 'serve.log').read_text()}")
        print(f"\n== {n} records: first build served after {first:.1f} s ==")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
            page.goto(url)
            time.sleep(2)  # let the watcher settle

            marker = "编辑基准新摘要"
            text = record.read_text("utf-8")
            summary = next(line for line in text.splitlines() if line.startswith("summary:"))
            record.write_text(text.replace(summary, f"summary: {marker}。"), "utf-8")
            report("edit", wait_for(shows(page, url, marker), timeout))

            added = data / "sites" / "site-bench-added.yml"
            name = "编辑基准新增纪念馆"
            added.write_text(text.replace(text.splitlines()[0], f"name: {name}"), "utf-8")
            added_url = base + "sites/site-bench-added/"
            report("add", wait_for(shows(page, added_url, name), timeout))
            listed = status(base + "sites/") == 200
            print(f"          listing answers: {listed}")

            added.unlink()
            report("delete", wait_for(gone(added_url), timeout))
            browser.close()
        if keep:
            shutil.copytree(work, keep / f"edit-bench-{n}", dirs_exist_ok=True)
    finally:
        if server is not None:
            server.terminate()
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
    args = parser.parse_args()
    for n in args.n or [10000]:
        bench(n, args.timeout, args.keep)


if __name__ == "__main__":
    main()
