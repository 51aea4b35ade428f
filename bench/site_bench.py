"""Site build at scale: ours, cold and warm, against two vanilla Material baselines.

    python bench/site_bench.py --n 1000 --n 10000
    python bench/site_bench.py --n 10000 --plans 200   # 200 of them 读书班
    python bench/site_bench.py --n 10000 --no-same-pages --pairs 3   # plain/cold in turn

For each N it writes N synthetic records (bench/synth.py; never into site_data/), then
builds, in the same run on the same machine, one after the other:
  - plain:  what a new user would write by hand: one plain Markdown page per record (its
            name as the heading, the summary, the fields as a list, the body; 1–4 KB of
            Chinese) in a stock MkDocs + Material site, records not in the nav, with the
            built-in search plugin (`lang: zh`, which segments with jieba). The baseline.
  - same pages: our own rendered pages (SiteBuild.pages(), written as .md) in the same
            stock Material site: what Material costs for pages as rich as ours.
  - ours, cold: `mkdocs build` in a fresh copy of the project (the files git tracks, as
            a clone has them, so no .cache) with the synthetic records as its site_data:
            pages, search index, downloads, precompression.
  - ours, no change: the same build again in the same copy: its inputs are unchanged, so
            the build is skipped (build.skip_unchanged); the no-change rebuild figure.
  - ours, warm: then one record file edited, and the build again: a full build with .cache
            filled by the cold one.
For each it prints the seconds, the ratio to the plain baseline, the peak memory of the
build's process tree as PSS (each process's Pss from /proc/PID/smaps_rollup, added up:
what forked workers share with their parent counts once) and as summed RSS (counts shared
pages once per process), and the size of the largest record page. With `--pairs K`, the
plain baseline and ours cold are then built in turn K - 1 times more, and every pair's
ratio and their median are printed.

Targets at 10,000 records: ours cold and warm ≤ 0.5× plain, peak PSS < 1 GB, record
page < 60 KB.

Outlines: synth.py makes 3% of the records 宣讲提纲 (300 at 10,000), and each outline's
five downloads take seconds to export (PDF font subsetting): a cold build would measure
little but that. Lecturers write outlines, not one per site: by default the data has as
many as the sample (8), like the issue's measurement; `--outlines` changes it
(bench/export_bench.py measures the exports alone). `--lectures 2000 --tasks 2000` makes
4,000 of the N 宣讲 and ledger records.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from measure import largest_file, measure  # noqa: E402
from synth import write_synthetic  # noqa: E402

from second_classroom.build import BuildOptions, SiteBuild  # noqa: E402

NAV = [{"首页": "index.md"}, {"红色地标": "sites/index.md"}, {"英烈人物": "people/index.md"},
       {"文物史料": "relics/index.md"}, {"学习书目": "readings/index.md"},
       {"宣讲提纲": "outlines/index.md"}, {"红色线路": "routes/index.md"},
       {"宣讲安排": "lectures/index.md"}, {"办实事台账": "tasks/index.md"},
       {"读书班": "studyplans/index.md"}]
ENV = {"NO_MKDOCS_2_WARNING": "1"}
SAMPLE_OUTLINES = 8  # outlines in site_data/ (the 10,000-record measurement)


@dataclass(frozen=True)
class Result:
    """One build's figures."""

    name: str
    seconds: float
    pss_mb: float
    rss_mb: float


# --- the plain baseline: what a user would write by hand -------------------------------

TITLE_KEYS = ("name", "title")
TEXT_KEYS = ("summary",)
BODY_KEYS = ("body", "description", "text")


def _plain(value: Any) -> str:
    """Return a field's value as one line of text."""
    if isinstance(value, dict):
        return "；".join(f"{k}：{_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value)
    return str(value)


def plain_markdown(record: dict[str, Any]) -> str:
    """Return one record as the plain Markdown page a user would write: the name as the
    heading, the summary, the other fields as a list (lists of mappings as sub-lists),
    then the body."""
    title = next((str(record[k]) for k in TITLE_KEYS if k in record), "无题")
    lines = [f"# {title}", ""]
    for key in TEXT_KEYS:
        if key in record:
            lines += [str(record[key]).strip(), ""]
    for key, value in record.items():
        if key in TITLE_KEYS or key in TEXT_KEYS or key in BODY_KEYS:
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"- **{key}**：")
            lines += [f"    - {_plain(item)}" for item in value]
        else:
            lines.append(f"- **{key}**：{_plain(value)}")
    lines.append("")
    for key in BODY_KEYS:
        if key in record:
            lines += [str(record[key]).strip(), ""]
    return "\n".join(lines)


def plain_config(work: Path, data: Path) -> tuple[Path, int]:
    """Write the plain site (one page per record file under `data`); return its config
    and the median page size in bytes."""
    docs = work / "plain-docs"
    sizes = []
    for file in sorted(data.glob("*/*.yml")):
        record = yaml.safe_load(file.read_text("utf-8"))
        target = docs / file.parent.name / f"{file.stem}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        text = plain_markdown(record).encode("utf-8")
        target.write_bytes(text)
        sizes.append(len(text))
    (docs / "index.md").write_text("# 第二课堂\n\n红色教育资源学习指南。\n", "utf-8")
    config = {
        "site_name": "第二课堂", "site_url": "https://example.invalid/",
        "docs_dir": str(docs), "theme": {"name": "material", "language": "zh", "font": False},
        "plugins": [{"search": {"lang": "zh"}}], "nav": [{"首页": "index.md"}],
        "validation": {"nav": {"omitted_files": "ignore"}},
    }
    path = work / "plain.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    sizes.sort()
    return path, sizes[len(sizes) // 2] if sizes else 0


# --- the same-pages baseline: our pages in vanilla Material ----------------------------

def vanilla_config(work: Path, data: Path) -> Path:
    docs = work / "vanilla-docs"
    # The same pages as ours, written as Markdown (no search index, downloads or photos).
    build = SiteBuild.start(data.parent, BuildOptions(data=data.name, downloads=False,
                                                      search=False),
                            site_url="https://example.invalid/")
    for page in build.pages():
        target = docs / page.uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.as_markdown(), encoding="utf-8")
    shutil.copytree(REPO / "docs" / "assets", docs / "assets", dirs_exist_ok=True)
    config = {
        "site_name": "第二课堂", "site_url": "https://example.invalid/",
        "docs_dir": str(docs), "theme": {"name": "material", "language": "zh", "font": False},
        "extra_css": ["assets/extra.css"], "plugins": [{"search": {"lang": "zh"}}], "nav": NAV,
        "validation": {"nav": {"omitted_files": "ignore"}},
    }
    path = work / "vanilla.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return path


# --- ours: a fresh copy of the project ---------------------------------------------------

def our_config(work: Path, data: Path, search: bool) -> Path:
    """Write a config building `data` with the project's hooks in place (no downloads: the
    exports are measured by bench/export_bench.py); used by bench/search_bench.py."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    config["docs_dir"] = str(REPO / "docs")
    config["theme"]["custom_dir"] = str(REPO / "overrides")
    config["hooks"] = [str(REPO / h) for h in config["hooks"]]
    config["extra"]["second_classroom"]["data"] = str(data)
    config["extra"]["second_classroom"]["search"] = search
    config["extra"]["second_classroom"]["downloads"] = False
    config["strict"] = False  # synthetic data may raise warnings that are not the point here
    path = work / ("ours.yml" if search else "ours-nosearch.yml")
    path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return path


def fresh_project(work: Path, data: Path, search: bool) -> Path:
    """Copy the files git tracks (what a clone has: no .cache, no built site) into
    `work`/project, with `data` as its site_data; return the copy's mkdocs.yml."""
    project = work / "project"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True,
                             capture_output=True).stdout.decode().split("\0")
    for name in tracked:
        source = REPO / name
        if not name or name.startswith("site_data/") or not source.is_file():
            continue
        target = project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    shutil.copytree(data, project / "site_data")
    path = project / "mkdocs.yml"
    config = yaml.safe_load(path.read_text("utf-8"))
    config["extra"]["second_classroom"]["search"] = search
    config["strict"] = False  # synthetic data may raise warnings that are not the point here
    path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return path


def build(name: str, config: Path, out: Path) -> Result:
    # Each build starts with nothing of the last step's still being written out: the
    # kernel writes the files just made (20,000 inputs before the plain build) meanwhile,
    # on the cores a build needs (a loop-mounted scratch disk costs more of them).
    os.sync()
    run = measure([sys.executable, "-m", "mkdocs", "build", "-f", str(config),
                   "-d", str(out)], cwd=config.parent, env=ENV)
    if run.returncode != 0:
        raise SystemExit(f"build failed ({name}):\n{run.output[-3000:]}")
    for line in run.output.splitlines():  # our hook's own timings (search index, ...)
        if any(word in line for word in ("搜索索引", "预压缩", "提纲下载")):
            print(f"  [{name}] {line.split('-  ', 1)[-1]}", flush=True)
    print(f"  {name}: {run.seconds:.1f} s", flush=True)
    return Result(name, run.seconds, run.peak_pss_mb, run.peak_mb)


def bench(n: int, search: bool, keep: Path | None, lectures: int = 0, tasks: int = 0,
          plans: int = 0, outlines: int = SAMPLE_OUTLINES, same_pages: bool = True,
          baselines: bool = True, pairs: int = 1) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"site-bench-{n}-"))
    try:
        data = work / "site_data"
        write_synthetic(data, n, seed=1, lectures=lectures, tasks=tasks, plans=plans,
                        outlines=outlines)
        print(f"\n== {n} records ({outlines} outlines, {plans} 读书班, {lectures} lectures, "
              f"{tasks} tasks) ==", flush=True)
        plain_yml, plain_median = plain_config(work, data)
        results = []
        if baselines:
            results.append(build("plain Markdown, vanilla Material + search (baseline)",
                                 plain_yml, work / "plain-site"))
        if same_pages and baselines:
            results.append(build("same pages, vanilla Material + search",
                                 vanilla_config(work, data), work / "vanilla-site"))
        ours = fresh_project(work, data, search)
        results.append(build("ours, cold (fresh copy, empty .cache)", ours,
                             work / "ours-site"))
        results.append(build("ours, no change (same inputs: build skipped)", ours,
                             work / "ours-site"))
        # A warm build is a real one: the same copy with .cache filled, after one record
        # changed (otherwise the unchanged-inputs check skips the build altogether).
        edited = sorted((ours.parent / "site_data" / "sites").glob("*.yml"))[0]
        with edited.open("a", encoding="utf-8") as out:
            out.write("# site_bench: one record edited before the warm build\n")
        results.append(build("ours, warm (.cache filled, one record edited)", ours,
                             work / "ours-site"))
        page_bytes, page = largest_file(work / "ours-site", "sites/*/index.html")
        base = results[0].seconds  # the plain baseline (ours cold with --only-ours)
        print(f"\n| {n:,} records | seconds | × plain | peak PSS (MB) | peak summed RSS (MB) |")
        print("|---|---:|---:|---:|---:|")
        for r in results:
            print(f"| {r.name} | {r.seconds:.1f} | {r.seconds / base:.2f} | {r.pss_mb:.0f} "
                  f"| {r.rss_mb:.0f} |")
        print(f"\ntargets: ours cold and warm ≤ 0.50 × plain, peak PSS < 1024 MB"
              f"{'' if search else '  (ours without search indexing)'}")
        print(f"plain page median: {plain_median / 1024:.1f} KB; "
              f"largest record page of ours: {page_bytes / 1024:.1f} KB ({page})"
              "  (target < 60 KB)")
        if plans:
            for pattern in ("studyplans/*/index.html", "readings/*/index.html"):
                size, where = largest_file(work / "ours-site", pattern)
                print(f"largest {pattern.split('/')[0]} page: {size / 1024:.1f} KB ({where})")
        index = work / "plain-site" / "search" / "search_index.json"
        if index.exists():
            print(f"plain search_index.json: {index.stat().st_size / 1e6:.1f} MB "
                  "(fetched whole by the first search)")
        if pairs > 1 and baselines:
            _more_pairs(work, data, plain_yml, search, pairs,
                        results[0].seconds, next(r for r in results if "cold" in r.name).seconds)
        if keep:
            shutil.copytree(work, keep / f"site-bench-{n}", dirs_exist_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _more_pairs(work: Path, data: Path, plain_yml: Path, search: bool, pairs: int,
                plain: float, cold: float) -> None:
    """Build the plain baseline and ours cold (a fresh copy) in turn, `pairs` - 1 times
    more, and print every pair's ratio and their median: one pair can fall on a noisy
    minute of a shared machine."""
    ratios = [cold / plain]
    for k in range(2, pairs + 1):
        for old in ("plain-site", "project", "ours-site"):
            shutil.rmtree(work / old, ignore_errors=True)
        plain = build(f"plain (pair {k})", plain_yml, work / "plain-site").seconds
        cold = build(f"ours, cold (pair {k})", fresh_project(work, data, search),
                     work / "ours-site").seconds
        ratios.append(cold / plain)
    print(f"ours cold / plain, {pairs} pairs built in turn: "
          + " ".join(f"{r:.2f}" for r in ratios)
          + f"; median {statistics.median(ratios):.2f}  (target ≤ 0.50)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="records (repeatable)")
    parser.add_argument("--no-search", action="store_true", help="skip the search index in ours")
    parser.add_argument("--no-same-pages", action="store_true",
                        help="skip the same-pages baseline (slow: ~95 s at 10,000)")
    parser.add_argument("--outlines", type=int, default=SAMPLE_OUTLINES,
                        help=f"how many of the N are 宣讲提纲 (default {SAMPLE_OUTLINES})")
    parser.add_argument("--plans", type=int, default=0, help="how many of the N are 读书班")
    parser.add_argument("--keep", type=Path, help="copy the work trees here")
    parser.add_argument("--lectures", type=int, default=0, help="of the N, 宣讲 records")
    parser.add_argument("--tasks", type=int, default=0, help="of the N, ledger items")
    parser.add_argument("--pairs", type=int, default=1,
                        help="build plain and ours cold in turn this many times (median ratio)")
    parser.add_argument("--only-ours", action="store_true",
                        help="no baselines (while profiling; ratios are then to ours cold)")
    args = parser.parse_args()
    for n in args.n or [1000]:
        bench(n, not args.no_search, args.keep, args.lectures, args.tasks, args.plans,
              args.outlines, not args.no_same_pages, not args.only_ours, args.pairs)


if __name__ == "__main__":
    main()
