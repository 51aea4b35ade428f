"""离我最近 at scale: the near-me files' bytes, and the time to the first list on a phone.

    python bench/near_bench.py                     # 10,000 sites: about three minutes on 2 cores
    python bench/near_bench.py --sites 1000 --runs 3   # quick check
    python bench/near_bench.py --site DIR --data DATA   # reuse a built site and its data

On synthetic records holding 10,000 published sites (--sites; bench/synth.py writes about
70% sites among all kinds, so that is about 14,400 records; never into site_data/):
  1. bytes: every file `second_classroom.render.nearme` writes (the index and one file per
     province), raw and gzip-compressed (level 6, as nginx would send them);
  2. time to the first list: the site is built for real (MkDocs, search and downloads off)
     and served as deploy/nginx.conf serves it (gzip; bench/gzip_server.py). Chromium at
     390x844 opens the 红色地标 landing page with the geolocation permission granted and the
     position fixed, CPU throttled ×4 (CDP Emulation.setCPUThrottlingRate: a mid-range
     phone), and taps 用我的位置查找. Timed from the tap to the frame after the list is in
     the page (performance.now() in the page), which includes fetching the index and the
     provinces it needs. Each run is a fresh context (empty cache, no service worker). The
     bytes the server sent for the list are counted too.
  Runs once over loopback, and once more with the network also throttled to Lighthouse's
  mobile "slow 4G" (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up).
Target: the first list in under 300 ms with CPU ×4 (loopback).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, PHONE_CONTEXT  # noqa: E402
from gzip_server import start  # noqa: E402

from second_classroom.catalog import Catalog, load_catalog  # noqa: E402
from second_classroom.render.nearme import INDEX, nearme_files  # noqa: E402

TARGET_MS = 300
THROTTLE = 4
POSITIONS = {  # where the visitor stands
    "桂林": (25.2736, 110.2900),
    "北京": (39.9042, 116.4074),
    "拉萨": (29.6525, 91.1721),
}
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8,
           "uploadThroughput": 750e3 / 8}

# Tap the button, resolve with the milliseconds until the frame after the list appears.
TIME_TO_LIST = """() => new Promise((resolve, reject) => {
  const list = document.querySelector('[data-sc-near-list]');
  const t0 = performance.now();
  new MutationObserver((_, observer) => {
    if (!list.children.length) return;
    observer.disconnect();
    requestAnimationFrame(() => resolve(performance.now() - t0));
  }).observe(list, { childList: true });
  setTimeout(() => reject(new Error('no list after 60 s')), 60000);
  document.querySelector('[data-sc-near-locate]').click();
})"""


def records_for_sites(sites: int) -> int:
    """Return the fewest synthetic records (all kinds) holding at least `sites` published
    sites (synth.py makes one site in a hundred a draft)."""
    from synth import _counts

    n = math.ceil(sites / 0.7)
    while (total := _counts(n)["sites"]) - total // 100 < sites:
        n += 1
    return n


def _kb(n: float) -> str:
    return f"{n / 1024:7.1f} KB"


def file_sizes(catalog: Catalog) -> dict[str, tuple[int, int]]:
    """Return path -> (raw bytes, gzip bytes) of every near-me file."""
    return {path: (len(data := text.encode()), len(gzip.compress(data, 6, mtime=0)))
            for path, text in nearme_files(catalog).items()}


def report_bytes(catalog: Catalog) -> dict[str, Any]:
    sizes = file_sizes(catalog)
    sites = catalog.by_kind["sites"]
    located = sum(1 for s in sites if "location" in s.data)
    provinces = [v for k, v in sizes.items() if k != INDEX]
    raw, gz = sum(v[0] for v in sizes.values()), sum(v[1] for v in sizes.values())
    print(f"\n== near-me files: {len(sites)} sites ({located} with coordinates), "
          f"{len(sizes)} files")
    print(f"  index.json            {_kb(sizes[INDEX][0])} raw  {_kb(sizes[INDEX][1])} gzip")
    print(f"  one province, median  {_kb(statistics.median(v[0] for v in provinces))} raw  "
          f"{_kb(statistics.median(v[1] for v in provinces))} gzip")
    print(f"  one province, largest {_kb(max(v[0] for v in provinces))} raw  "
          f"{_kb(max(v[1] for v in provinces))} gzip")
    print(f"  all files together    {_kb(raw)} raw  {_kb(gz)} gzip  "
          f"({raw / len(sites):.0f} / {gz / len(sites):.0f} bytes a site)")
    return {"sites": len(sites), "located": located, "index": sizes[INDEX],
            "total_raw": raw, "total_gzip": gz,
            "province_max": (max(v[0] for v in provinces), max(v[1] for v in provinces))}


def _run(browser: Any, server: Any, position: tuple[float, float],
         network: dict[str, Any] | None) -> tuple[float, int, int, int]:
    """One visitor: return (ms to the first list, bytes sent for it, province files read,
    items listed)."""
    context = browser.new_context(**PHONE_CONTEXT, service_workers="block",
                                  permissions=["geolocation"],
                                  geolocation={"latitude": position[0],
                                               "longitude": position[1]})
    try:
        page = context.new_page()
        fetched: list[str] = []
        page.on("request", lambda r: fetched.append(r.url) if "/nearme/" in r.url else None)
        page.goto(server.url + "sites/", wait_until="networkidle")
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
        if network:
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", network)
        before = server.bytes_sent
        ms = float(page.evaluate(TIME_TO_LIST))
        page.wait_for_load_state("networkidle")
        items = page.locator("[data-sc-near-list] > li").count()
        return ms, server.bytes_sent - before, sum("/nearme/p" in u for u in fetched), items
    finally:
        context.close()


def time_to_list(site: Path, runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    server = start(site)
    results: dict[str, Any] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                _run(browser, server, POSITIONS["桂林"], None)  # warm the disk cache
                for label, network in (("loopback", None), ("slow 4G", SLOW_4G)):
                    print(f"\n== time to the first list, CPU ×{THROTTLE}, {label}, "
                          f"{runs} runs each")
                    for place, position in POSITIONS.items():
                        done = [_run(browser, server, position, network) for _ in range(runs)]
                        times = sorted(d[0] for d in done)
                        sent, files, items = done[0][1], done[0][2], done[0][3]
                        flag = "" if label != "loopback" or times[len(times) // 2] < TARGET_MS \
                            else "  ← over target"
                        print(f"  {place}: median {statistics.median(times):6.0f} ms, "
                              f"max {times[-1]:6.0f} ms; {items} listed; {files} province "
                              f"files, {_kb(sent)} sent (gzip, with headers){flag}")
                        results[f"{label}/{place}"] = {"ms": times, "sent": sent,
                                                        "province_files": files}
            finally:
                browser.close()
    finally:
        server.shutdown()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="离我最近：文件大小与首个列表的用时")
    parser.add_argument("--sites", type=int, default=10_000, help="published synthetic sites")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--site", type=Path, help="a built site to reuse (with --data)")
    parser.add_argument("--data", type=Path, help="the data that site was built from")
    parser.add_argument("--keep", type=Path, help="keep the data and the built site here")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix=f"near-bench-{args.sites}-"))
    try:
        if args.site:
            data, site = args.data, args.site
            if data is None:
                parser.error("--site needs --data")
        else:
            from site_bench import build, our_config
            from synth import write_synthetic

            data, site = work / "site_data", work / "site"
            records = records_for_sites(args.sites)
            write_synthetic(data, records, seed=1)
            built = build("ours", our_config(work, data, search=False), site)
            print(f"built {records} records in {built.seconds:.1f} s "
                  f"(peak PSS {built.pss_mb:.0f} MB)")
        catalog, _ = load_catalog(data)
        figures = {"bytes": report_bytes(catalog), "time": time_to_list(site, args.runs)}
        if args.json:
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), "utf-8")
        if args.keep and not args.site:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
