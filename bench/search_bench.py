"""Search at scale: our chunked index against Material's built-in search, same pages.

    python bench/search_bench.py --n 10000        # a few minutes on 2 cores
    python bench/search_bench.py --n 500          # quick check

In one run, on N synthetic records (bench/synth.py; never into site_data/):
  - ours:    the index (second_classroom.search.write_index) written on its own, in this
             process, and timed: that is the figure compared with vanilla's plugin. The
             site is also built with the index and without; the difference (the index's
             share of the build's wall time) is printed too, but the index is written on
             the second core while pages render, so it is mostly noise around zero;
  - vanilla: the same pages as Markdown in a plain Material site, records not in nav,
             built with the built-in search plugin and again without it: the difference is
             the plugin's share of the build.
Then both sites are served on loopback and opened in Chromium at 390x844: a record page is
loaded, search is opened and a query typed, until the first result shows. Every response
is counted (page, scripts, workers' fetches): bytes as served here (no compression) and as
gzip would send them (what nginx with gzip on would transfer).
Queries of each type a visitor types (issue 17), each by a fresh visitor: a site's name, a
person's name, the site's name in full pinyin, in initials, in traditional characters, with
one character replaced by a homophone, and a word on nearly every page (the worst case);
bytes and time to the first result are printed per type.
Targets at 10,000: under 300 KB from opening search to the first result (ours), for every
query type; our index's share under a third of the built-in search plugin's share.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, serve  # noqa: E402
from site_bench import build, our_config, vanilla_config  # noqa: E402

from second_classroom.catalog import load_catalog  # noqa: E402
from second_classroom.search import write_index  # noqa: E402
from second_classroom.spelling import initials, readings, spell  # noqa: E402

OUT = HERE / "out"
FIRST_QUERY_TARGET = 300 * 1024


@dataclass
class Traffic:
    """Bytes received, as served and as gzip would send them, and the number of responses."""

    raw: int = 0
    gzip: int = 0
    responses: int = 0
    files: list[tuple[str, int]] = field(default_factory=list)  # (url, bytes as served)

    def add(self, url: str, body: bytes, headers: int) -> None:
        self.raw += len(body) + headers
        self.gzip += min(len(body), len(gzip.compress(body, 6))) + headers
        self.responses += 1
        self.files.append((url, len(body) + headers))


@dataclass
class Visit:
    """One visitor: page load, then search until the first result."""

    page: Traffic
    search: Traffic
    first_result_ms: float
    first_result: str


def _visit(browser: Any, url: str, query: str, open_search: str, typed_into: str,
           result: str, status: str) -> Visit:
    # A first visit: no service worker (it would also double-count every response it relays).
    context = browser.new_context(viewport=PHONE, locale="zh-CN", service_workers="block")
    page = context.new_page()
    phase = {"now": Traffic()}

    def finished(request: Any) -> None:
        response = request.response()
        if response is None:
            return
        try:
            body = response.body()
        except Exception:  # noqa: BLE001 - a redirect or aborted response has no body
            body = b""
        phase["now"].add(request.url, body, request.sizes()["responseHeadersSize"])

    context.on("requestfinished", finished)
    page.goto(url, wait_until="networkidle")
    loaded, phase["now"] = phase["now"], Traffic()
    start = time.perf_counter()
    page.locator(open_search).first.click()
    page.locator(typed_into).first.press_sequentially(query)
    page.keyboard.press("End")  # Material searches on keyup; typed Chinese sends none
    # Done when the first result shows, or the UI says it found nothing.
    page.wait_for_function(
        """([result, status]) => document.querySelector(result) || /没有|没找到|未找到/.test(
             (document.querySelector(status) || {}).textContent || "")""",
        arg=[result, status], timeout=600_000, polling=50)
    elapsed = (time.perf_counter() - start) * 1000
    first = page.locator(result).first
    text = first.inner_text().strip().splitlines()[0] if first.count() else "（无结果）"
    page.wait_for_load_state("networkidle")
    searched = phase["now"]
    context.close()
    return Visit(loaded, searched, elapsed, text)


def typed_queries(catalog: Any) -> list[tuple[str, str]]:
    """Return (type, query) pairs a visitor might type for a site and a person of `catalog`."""
    import opencc

    from second_classroom.spelling import _common

    sites = catalog.by_kind["sites"]
    people = catalog.by_kind["people"]
    name = sites[len(sites) // 2].title.split("（")[0]
    person = people[len(people) // 2].title
    runs = spell(name)
    s2t = opencc.OpenCC("s2t")
    traditional = s2t.convert(name)
    if traditional == name:
        traditional = s2t.convert(person)
    wrong = name
    for i in range(len(name) - 1, -1, -1):  # replace one character by a homophone
        same = sorted(c for c in _common() if c != name[i] and c not in name
                      and readings(c)[:1] == readings(name[i])[:1])
        if same:
            wrong = name[:i] + same[0] + name[i + 1:]
            break
    return [("名称", name), ("人名", person), ("全拼", "".join("".join(r) for r in runs)),
            ("首字母", "".join(initials(r) for r in runs)), ("繁体", traditional),
            ("错一字", wrong), ("常见词", "纪念馆")]


def _vanilla_without_search(config: Path) -> Path:
    data = yaml.safe_load(config.read_text("utf-8"))
    data["plugins"] = []
    path = config.with_name("vanilla-nosearch.yml")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def _kb(n: int) -> str:
    return f"{n / 1024:8.1f} KB"


def bench(n: int, asked: list[str], keep: Path | None) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright
    from synth import write_synthetic

    work = Path(tempfile.mkdtemp(prefix=f"search-bench-{n}-"))
    try:
        data = work / "site_data"
        write_synthetic(data, n, seed=1)
        catalog, _ = load_catalog(data)
        sites = catalog.by_kind["sites"]
        # What a visitor types: a site's name without its synthetic number, a person's
        # name, and a word found on nearly every synthetic page (the worst case).
        typed = [("指定", q) for q in asked] or typed_queries(catalog)
        queries = [q for _, q in typed]
        query = queries[0]
        start_page = sites[0].url

        o_plain_s = build("ours without search", our_config(work, data, search=False),
                          work / "ours-plain").seconds
        shutil.rmtree(work / "ours-plain")
        ours_s = build("ours", our_config(work, data, search=True), work / "ours-site").seconds
        share_s = ours_s - o_plain_s
        alone = work / "index-alone"
        alone.mkdir()
        indexed = write_index(catalog, alone)  # the same index, timed on its own
        vanilla = vanilla_config(work, data)
        v_search_s = build("vanilla", vanilla, work / "vanilla-site").seconds
        v_plain_s = build("vanilla without search", _vanilla_without_search(vanilla),
                          work / "vanilla-plain").seconds
        plugin_s = max(v_search_s - v_plain_s, 1e-9)
        index_json = work / "vanilla-site" / "search" / "search_index.json"

        ours_server, ours_url = serve(work / "ours-site")
        vanilla_server, vanilla_url = serve(work / "vanilla-site")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                visits = [_visit(browser, ours_url + start_page, q, "[data-sc-search]",
                                 ".sc-search__input", ".sc-search__results li", ".sc-search__status")
                          for q in queries]
                ours_visit = visits[0]
                theirs = _visit(browser, vanilla_url + start_page, query,
                                "label[for=__search]", ".md-search__input",
                                ".md-search-result__item", ".md-search-result__meta")
                browser.close()
        finally:
            ours_server.shutdown()
            vanilla_server.shutdown()

        figures = {
            "records": n, "query": query,
            "ours_build_s": ours_s, "ours_build_without_index_s": o_plain_s,
            "index_share_s": share_s, "index_alone_s": indexed.seconds,
            "index_records": indexed.records, "index_bytes": indexed.bytes,
            "vanilla_build_with_search_s": v_search_s, "vanilla_build_without_search_s": v_plain_s,
            "vanilla_search_plugin_s": plugin_s, "index_time_ratio": indexed.seconds / plugin_s,
            "vanilla_index_bytes": index_json.stat().st_size if index_json.exists() else 0,
            "ours": asdict(ours_visit),
            "ours_queries": {f"{t}:{q}": asdict(v) for (t, q), v in zip(typed, visits, strict=True)},
            "vanilla": asdict(theirs),
        }
        print(f"\n== {n} records, first query “{query}” ==")
        print("index time")
        print(f"  ours, share of the build : {share_s:7.1f} s  (build {ours_s:.1f} s with, "
              f"{o_plain_s:.1f} s without)")
        print(f"  ours, index alone        : {indexed.seconds:7.1f} s  ({indexed.records} records, "
              f"{indexed.bytes / 1e6:.1f} MB in {indexed.shards} shards + one file per record)")
        print(f"  built-in search plugin   : {plugin_s:7.1f} s  "
              f"(vanilla build {v_search_s:.1f} s with, {v_plain_s:.1f} s without)")
        print(f"  ratio ours/vanilla       : {indexed.seconds / plugin_s:7.2f}  "
              "(index alone / plugin's share; target < 0.33)")
        print(f"  vanilla search_index.json: {figures['vanilla_index_bytes'] / 1e6:7.1f} MB")
        print("bytes to the first result (as served | with gzip), after the page load")
        for name, visit in (("ours", ours_visit), ("vanilla", theirs)):
            print(f"  {name:8} page load {_kb(visit.page.raw)} | {_kb(visit.page.gzip)}   "
                  f"search {_kb(visit.search.raw)} | {_kb(visit.search.gzip)} "
                  f"in {visit.search.responses} responses, first result after "
                  f"{visit.first_result_ms:.0f} ms: {visit.first_result}")
        print("  ours, per query type (fresh visitor each; search only, as served | gzip):")
        for (kind, q), visit in zip(typed, visits, strict=True):
            print(f"    {kind:4} “{q}”: {_kb(visit.search.raw)} | {_kb(visit.search.gzip)} "
                  f"in {visit.search.responses} responses, first result after "
                  f"{visit.first_result_ms:.0f} ms: {visit.first_result}")
        worst = max(v.search.raw for v in visits)
        ok = "OK" if worst < FIRST_QUERY_TARGET else "OVER"
        print(f"  ours, search only, worst of {len(visits)}: {_kb(worst)} {ok} "
              "(target < 300 KB as served)")
        for name, visit in (("ours", ours_visit), ("vanilla", theirs)):
            print(f"  {name:8} page load + search: {_kb(visit.page.raw + visit.search.raw)} | "
                  f"{_kb(visit.page.gzip + visit.search.gzip)}")
        OUT.mkdir(exist_ok=True)
        (OUT / f"search-{n}.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1))
        if keep:
            shutil.copytree(work, keep / f"search-bench-{n}", dirs_exist_ok=True)
        return figures
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="records (repeatable)")
    parser.add_argument("--query", action="append", default=[],
                        help="query to type (repeatable; default: a site name, a person, 纪念馆)")
    parser.add_argument("--keep", type=Path, help="copy the work trees here")
    args = parser.parse_args()
    for n in args.n or [1000]:
        bench(n, args.query, args.keep)


if __name__ == "__main__":
    main()
