"""How a cold build grows with the number of records: 1,000 → 10,000 → 100,000.

    nohup python bench/scale_bench.py --n 1000 --n 10000 --n 100000 > scale.log &

For each N (sites, people, relics and the rest mixed as bench/synth.py makes them, with
as many outlines as the sample): a fresh copy of the project with the synthetic records
as its site_data and no .cache, built cold with `mkdocs build` (seconds, peak PSS and
summed RSS of the process tree); then the built site is served on loopback and opened in
Chromium at 390x844, and each kind of query a visitor types is searched by a fresh
visitor: the bytes fetched from opening search to the first result (the worst of the
query types is the figure; target under 300 KB as served).

Targets at 100,000: under 5 minutes, under 2 GB PSS, first query under 300 KB.

    python bench/scale_bench.py --n 100000 --index-only

measures the first query alone, much cheaper than a 100,000-record site build: the sample
site is built, its search index replaced by that of the N synthetic records (written by
`second_classroom.search.write_index` in this process, timed), and the same visits are
made from one of the sample's pages.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from search_bench import FIRST_QUERY_TARGET, _visit, typed_queries  # noqa: E402
from site_bench import SAMPLE_OUTLINES, build, fresh_project  # noqa: E402
from synth import write_synthetic  # noqa: E402

from second_classroom.catalog import load_catalog  # noqa: E402

OUT = HERE / "out"


def _what(url: str) -> str:
    """Name the part of the search a fetched file is (for the byte breakdown)."""
    name = url.rsplit("/", 1)[-1].split("?")[0]
    for prefix, part in (("t", "shards"), ("w", "common terms"), ("d", "result files")):
        if name[:1] == prefix and name[1:2].isdigit():
            return part
    return name


def first_query_bytes(site: Path, data: Path, start_page: str = ""
                      ) -> list[tuple[str, str, int, float]]:
    """Return (type, query, bytes as served, ms to the first result) per query type, and
    print where each query's bytes went. Visits start at `start_page` (default: the
    first site of `data`)."""
    from conftest import CHROMIUM, CHROMIUM_ARGS, serve
    from playwright.sync_api import sync_playwright

    catalog, _ = load_catalog(data)
    start_page = start_page or catalog.by_kind["sites"][0].url
    typed = typed_queries(catalog)
    del catalog
    server, url = serve(site)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            out = []
            for kind, query in typed:
                visit = _visit(browser, url + start_page, query, "[data-sc-search]",
                               ".sc-search__input", ".sc-search__results li",
                               ".sc-search__status")
                out.append((kind, query, visit.search.raw, visit.first_result_ms))
                parts: dict[str, list[int]] = {}
                for fetched, size in visit.search.files:
                    parts.setdefault(_what(fetched), []).append(size)
                print(f"    {kind}: gzip {visit.search.gzip / 1024:.0f} KB; " + "，".join(
                    f"{part} {sum(sizes) / 1024:.1f} KB" + (f" ×{len(sizes)}" if len(sizes) > 1
                                                           else "")
                    for part, sizes in sorted(parts.items(), key=lambda p: -sum(p[1]))),
                    flush=True)
            browser.close()
    finally:
        server.shutdown()
    return out


def bench(n: int, outlines: int, search_visit: bool) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix=f"scale-bench-{n}-"))
    try:
        data = work / "site_data"
        write_synthetic(data, n, seed=1, outlines=outlines)
        config = fresh_project(work, data, search=True)
        print(f"\n== {n:,} records ==", flush=True)
        cold = build("ours, cold", config, work / "site")
        sizes = {p: p.stat().st_size for p in (work / "site").rglob("*") if p.is_file()}
        pages = {p: size for p, size in sizes.items() if p.suffix == ".html"}
        largest = max(pages, key=pages.__getitem__)
        sitemaps = sorted((work / "site").glob("sitemap*.xml"))
        sitemap = sum(p.read_text("utf-8").count("<url>") for p in sitemaps)
        figures: dict[str, object] = {
            "records": n, "seconds": cold.seconds, "pss_mb": cold.pss_mb,
            "rss_mb": cold.rss_mb, "files": len(sizes), "site_mb": sum(sizes.values()) / 1e6,
            "largest_page_kb": pages[largest] / 1024,
            "largest_page": largest.relative_to(work / "site").as_posix(),
            "sitemap_urls": sitemap, "sitemap_files": len(sitemaps)}
        if search_visit:
            queries = first_query_bytes(work / "site", config.parent / "site_data")
            for kind, query, raw, ms in queries:
                print(f"  search “{query}” ({kind}): {raw / 1024:.0f} KB, first result after "
                      f"{ms:.0f} ms", flush=True)
            figures["first_query_kb_worst"] = max(q[2] for q in queries) / 1024
        print(json.dumps(figures, ensure_ascii=False), flush=True)
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


def index_only(n: int, outlines: int) -> dict[str, object]:
    """Measure the first query's bytes with the index of `n` synthetic records put into
    the sample site (see the module docstring)."""
    import time

    from second_classroom.search import write_index

    work = Path(tempfile.mkdtemp(prefix=f"scale-index-{n}-"))
    try:
        data = work / "site_data"
        write_synthetic(data, n, seed=1, outlines=outlines)
        config = fresh_project(work, REPO / "site_data", search=True)
        print(f"\n== {n:,} records, index only (in the sample site) ==", flush=True)
        build("sample site", config, work / "site")
        start_page = "sites/zunyi-huiyi-huizhi/"
        catalog, _ = load_catalog(data)
        began = time.perf_counter()
        result = write_index(catalog, work / "site")
        print(f"  index of {n:,} records: {result.seconds:.0f} s (with the catalog's "
              f"{time.perf_counter() - began - result.seconds:.0f} s of documents), "
              f"{result.bytes / 1e6:.0f} MB, {result.shards} shards", flush=True)
        del catalog
        queries = first_query_bytes(work / "site", data, start_page)
        for kind, query, raw, ms in queries:
            print(f"  search “{query}” ({kind}): {raw / 1024:.0f} KB, first result after "
                  f"{ms:.0f} ms", flush=True)
        worst = max(q[2] for q in queries) / 1024
        print(f"  worst first query: {worst:.0f} KB (target < {FIRST_QUERY_TARGET // 1024})")
        return {"records": n, "first_query_kb_worst": worst}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="records (repeatable)")
    parser.add_argument("--outlines", type=int, default=SAMPLE_OUTLINES)
    parser.add_argument("--no-search-visit", action="store_true")
    parser.add_argument("--index-only", action="store_true",
                        help="the first query only: N records' index in the sample site")
    args = parser.parse_args()
    if args.index_only:
        for n in args.n or [1000]:
            index_only(n, args.outlines)
        return
    rows = [bench(n, args.outlines, not args.no_search_visit) for n in args.n or [1000]]
    print("\n| records | cold build (s) | s per 1,000 | peak PSS (MB) | peak summed RSS (MB) "
          "| files | largest page (KB) | sitemap URLs | first query, worst (KB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        n = int(r["records"])  # type: ignore[call-overload]
        seconds = float(r["seconds"])  # type: ignore[arg-type]
        fq = r.get("first_query_kb_worst")
        print(f"| {n:,} | {seconds:.0f} | {seconds / n * 1000:.1f} | {r['pss_mb']:.0f} "
              f"| {r['rss_mb']:.0f} | {r['files']:,} | {r['largest_page_kb']:.0f} "
              f"({r['largest_page']}) | {r['sitemap_urls']:,} in {r.get('sitemap_files', 1)} | "
              f"{'–' if fq is None else f'{fq:.0f}'} |")
    print(f"(first-query target < {FIRST_QUERY_TARGET // 1024} KB; 100,000 target: < 300 s, "
          "< 2048 MB PSS)")
    OUT.mkdir(exist_ok=True)
    (OUT / "scale.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
