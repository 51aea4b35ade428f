"""Site build at scale: our hook-generated site against vanilla Material, same pages.

    python bench/site_bench.py --n 1000 --n 10000
    python bench/site_bench.py --n 10000 --plans 200   # 200 of them 读书班

For each N it writes N synthetic records (bench/synth.py; never into site_data/), then
builds, in the same run on the same machine:
  - ours:    mkdocs build with the project's hooks (records rendered straight to HTML,
             not in the navigation), search index included unless --no-search;
  - vanilla: the same pages written as Markdown files (SiteBuild.pages(), written as .md)
             in a plain Material site, records not in nav, with the built-in search plugin
             (lang zh uses jieba when it is installed).
It prints both times, the ratio, peak memory (the build's process tree added up: worker
processes count) and the size of the largest record page.
Targets at 10,000: ours at most half of vanilla's time, under 1 GB, record page < 60 KB.
`--lectures 2000 --tasks 2000` makes 4,000 of the N 宣讲 and ledger records.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

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


def our_config(work: Path, data: Path, search: bool) -> Path:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    config["docs_dir"] = str(REPO / "docs")
    config["theme"]["custom_dir"] = str(REPO / "overrides")
    config["hooks"] = [str(REPO / h) for h in config["hooks"]]
    config["extra"]["second_classroom"]["data"] = str(data)
    config["extra"]["second_classroom"]["search"] = search
    # Exports are cached by content hash and measured by bench/export_bench.py.
    config["extra"]["second_classroom"]["downloads"] = False
    config["strict"] = False  # synthetic data may raise warnings that are not the point here
    path = work / "ours.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return path


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


def build(config: Path, out: Path) -> tuple[float, float]:
    run = measure([sys.executable, "-m", "mkdocs", "build", "-f", str(config),
                   "-d", str(out)], cwd=config.parent, env=ENV)
    if run.returncode != 0:
        raise SystemExit(f"build failed ({config.name}):\n{run.output[-3000:]}")
    for line in run.output.splitlines():  # our hook's own timings (search index, ...)
        if "搜索索引" in line or "预压缩" in line:
            print(f"  [{config.stem}] {line.split('-  ', 1)[-1]}")
    return run.seconds, run.peak_mb


def bench(n: int, search: bool, keep: Path | None, lectures: int = 0, tasks: int = 0,
          plans: int = 0) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"site-bench-{n}-"))
    try:
        data = work / "site_data"
        write_synthetic(data, n, seed=1, lectures=lectures, tasks=tasks, plans=plans)
        ours_s, ours_mb = build(our_config(work, data, search), work / "ours-site")
        vanilla_s, vanilla_mb = build(vanilla_config(work, data), work / "vanilla-site")
        page_bytes, page = largest_file(work / "ours-site", "sites/*/index.html")
        index = work / "vanilla-site" / "search" / "search_index.json"
        print(f"\n== {n} records ({lectures} lectures, {tasks} tasks) ==")
        print(f"ours    : {ours_s:7.1f} s  peak {ours_mb:7.0f} MB"
              f"  ({'with' if search else 'without'} search indexing)")
        print(f"vanilla : {vanilla_s:7.1f} s  peak {vanilla_mb:7.0f} MB  (built-in search)")
        print(f"ratio   : ours/vanilla = {ours_s / vanilla_s:.2f}  (target ≤ 0.50)")
        print(f"largest record page: {page_bytes / 1024:.1f} KB ({page})  (target < 60 KB)")
        if plans:
            for pattern in ("studyplans/*/index.html", "readings/*/index.html"):
                size, where = largest_file(work / "ours-site", pattern)
                print(f"largest {pattern.split('/')[0]} page: {size / 1024:.1f} KB ({where})")
        if index.exists():
            print(f"vanilla search_index.json: {index.stat().st_size / 1e6:.1f} MB")
        if keep:
            shutil.copytree(work, keep / f"site-bench-{n}", dirs_exist_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="records (repeatable)")
    parser.add_argument("--no-search", action="store_true", help="skip the search index in ours")
    parser.add_argument("--plans", type=int, default=0, help="how many of the N are 读书班")
    parser.add_argument("--keep", type=Path, help="copy the work trees here")
    parser.add_argument("--lectures", type=int, default=0, help="of the N, 宣讲 records")
    parser.add_argument("--tasks", type=int, default=0, help="of the N, ledger items")
    args = parser.parse_args()
    for n in args.n or [1000]:
        bench(n, not args.no_search, args.keep, args.lectures, args.tasks, args.plans)


if __name__ == "__main__":
    main()
