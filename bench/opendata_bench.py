"""Open data at scale: what /data/ adds to a whole MkDocs build, and how big its files are.

    python bench/opendata_bench.py --n 10000 [--rounds 2]

Writes N synthetic records (bench/synth.py; never into site_data/) and gives every
published site one or two fully dated events (so 党史上的今天's 366 day pages, day files and
anniversary calendar are real work too), then builds the same data with the project's
mkdocs.yml twice per round, `open_data: false` and `open_data: true`, alternating so that
load on the machine falls on both alike. Prints each time and peak memory (the build's
process tree added up), the median ratio (target: open data adds at most 10%), the time the
open data worker took on the second core and how long the build then waited for it (the
hook's log), and the size of the files under data/ and
today/, raw and gzipped (the .gz copy, or for files without one what nginx's on-the-fly
gzip at level 6 sends).
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import measure  # noqa: E402
from site_bench import ENV, our_config  # noqa: E402
from synth import add_events, write_synthetic  # noqa: E402

TARGET = 1.10  # open data may add at most 10% to the build


def config_with(work: Path, data: Path, open_data: bool) -> Path:
    base = our_config(work, data, search=True)
    config = yaml.safe_load(base.read_text("utf-8"))
    config["extra"]["second_classroom"]["open_data"] = open_data
    path = work / f"ours-{'with' if open_data else 'without'}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return path


def sizes(root: Path, pattern: str) -> tuple[int, int, int]:
    """Return (files, raw bytes, .gz bytes) of the files matching `pattern` under `root`."""
    files = [p for p in root.glob(pattern) if p.is_file()
             and not p.name.endswith((".gz", ".br")) and p.suffix != ".html"]
    raw = sum(p.stat().st_size for p in files)
    gz = sum(p.with_name(p.name + ".gz").stat().st_size if p.with_name(p.name + ".gz").exists()
             else len(gzip.compress(p.read_bytes(), 6)) for p in files)  # nginx's on the fly
    return len(files), raw, gz


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000, help="records")
    parser.add_argument("--rounds", type=int, default=2, help="builds of each kind")
    parser.add_argument("--keep", type=Path, help="copy the last built site here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix=f"opendata-bench-{args.n}-"))
    try:
        data = work / "site_data"
        write_synthetic(data, args.n, seed=1)
        events = add_events(data, seed=2)
        print(f"{args.n} records, {events} dated events on the sites")
        times: dict[bool, list[float]] = {False: [], True: []}
        peaks: dict[bool, list[float]] = {False: [], True: []}
        step: list[float] = []  # the open data worker's own time
        waited: list[float] = []  # what the build waited for it after the pages
        for _ in range(args.rounds):
            for open_data in (False, True):
                out = work / f"site-{open_data}"
                shutil.rmtree(out, ignore_errors=True)
                run = measure([sys.executable, "-m", "mkdocs", "build", "-f",
                               str(config_with(work, data, open_data)), "-d", str(out)],
                              cwd=work, env=ENV)
                if run.returncode != 0:
                    raise SystemExit(f"build failed:\n{run.output[-3000:]}")
                times[open_data].append(run.seconds)
                peaks[open_data].append(run.peak_mb)
                found = re.search(r"开放数据：.*?写出用时 ([\d.]+) 秒.*?另等待 ([\d.]+) 秒",
                                  run.output)
                if open_data and found:
                    step.append(float(found.group(1)))
                    waited.append(float(found.group(2)))
                print(f"  open_data={str(open_data):5}: {run.seconds:6.1f} s"
                      f"  peak {run.peak_mb:6.0f} MB")
        without, with_ = statistics.median(times[False]), statistics.median(times[True])
        print(f"\n== {args.n} records ==")
        print(f"without open data: {without:6.1f} s (median)  peak {max(peaks[False]):.0f} MB")
        print(f"with open data   : {with_:6.1f} s (median)  peak {max(peaks[True]):.0f} MB")
        print(f"ratio            : {with_ / without:.3f}  (target ≤ {TARGET:.2f})")
        if step:
            print(f"open data worker (hook log): {statistics.median(step):.1f} s, "
                  f"waited for after the pages: {statistics.median(waited):.1f} s")
        site = work / "site-True"
        for label, pattern in (("per-record JSON", "data/*/*.json"),
                               ("kind JSON", "data/*.json"), ("kind CSV", "data/*.csv"),
                               ("GeoJSON", "data/*.geojson"), ("all of data/", "data/**/*"),
                               ("today/days/*.json", "today/days/*.json"),
                               ("anniversaries.ics", "today/*.ics")):
            files, raw, gz = sizes(site, pattern)
            print(f"{label:20}: {files:6} files  {raw / 1e6:8.2f} MB  gzip {gz / 1e6:7.2f} MB")
        for name in ("sites.json", "sites.csv", "sites.geojson", "people.json"):
            path = site / "data" / name
            if path.exists():
                print(f"  data/{name:14}: {path.stat().st_size / 1e6:6.2f} MB")
        days = sorted(p.stat().st_size for p in (site / "today" / "days").glob("*.json"))
        if days:
            print(f"  a day's file: median {days[len(days) // 2]} B, largest {days[-1]} B")
        if args.keep:
            shutil.copytree(site, args.keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
