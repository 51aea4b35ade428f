"""读书班 at scale: 200 synthetic plans in a 10,000-record site.

    python bench/studyplan_bench.py                 # 10,000 records, 200 of them plans
    python bench/studyplan_bench.py --n 2000 --plans 40

Writes synthetic data (bench/synth.py, never into site_data/) and prints, measured in this
process: the check with and without the plans' kind present (same number of records, so
the ratio is the plans' cost), rendering every plan page and every reading page that
links to plans (per-page time and the largest page; the target is the site benchmark's
< 60 KB per record page), and the plans' downloads exported cold and again from the
cache. The whole build at this size is bench/site_bench.py --n 10000 --plans 200.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import write_synthetic  # noqa: E402

from second_classroom.catalog import build_catalog  # noqa: E402
from second_classroom.check import check_tree  # noqa: E402
from second_classroom.export.batch import download_links, export_all  # noqa: E402
from second_classroom.models import READINGS, STUDYPLANS  # noqa: E402
from second_classroom.render import RenderOptions, record_page  # noqa: E402


def _timed_check(data: Path) -> tuple[float, int]:
    start = time.perf_counter()
    result = check_tree(data)
    seconds = time.perf_counter() - start
    if result.errors:
        raise SystemExit("\n".join(p.format() for p in result.errors[:10]))
    return seconds, len(result.records)


def bench(n: int, plans: int, workers: int | None) -> None:
    work = Path(tempfile.mkdtemp(prefix="studyplan-bench-"))
    try:
        base, data = work / "base", work / "plans"
        write_synthetic(base, n, seed=1)
        write_synthetic(data, n, seed=1, plans=plans)
        base_s, base_n = _timed_check(base)
        plan_s, plan_n = _timed_check(data)
        print(f"\n== {plan_n} records, {plans} 读书班 ==")
        print(f"check          : {plan_s:6.2f} s  (same N without plans {base_s:.2f} s, "
              f"ratio {plan_s / base_s:.2f})")

        result = check_tree(data)
        catalog = build_catalog(result.records, result.vocab)
        options = RenderOptions(downloads=download_links(catalog))
        plan_records = catalog.by_kind[STUDYPLANS.name]
        readings = [r for r in catalog.by_kind[READINGS.name]
                    if catalog.backlinks.get(r.id, {}).get(STUDYPLANS.name)]
        for label, records in (("plan pages", plan_records), ("reading pages", readings)):
            times, sizes = [], []
            for record in records:
                start = time.perf_counter()
                html = record_page(catalog, record, options).html
                times.append(time.perf_counter() - start)
                sizes.append(len(html.encode()))
            print(f"{label:<15}: {len(records):5d} pages, median {statistics.median(times) * 1000:5.1f} ms"
                  f", total {sum(times):5.2f} s; HTML median {statistics.median(sizes) / 1024:5.1f} KB"
                  f", largest {max(sizes) / 1024:5.1f} KB (target < 60 KB)")

        cache, out = work / "cache", work / "site"
        ids = [p.id for p in plan_records]
        cold = export_all(catalog, out, cache, outline_ids=ids, workers=workers)
        print(f"downloads cold : {cold.seconds:6.1f} s  ({cold.exported} files, "
              f"{cold.bytes / 1024 / 1024:.1f} MB, {cold.seconds / max(1, len(ids)):.2f} s/plan)")
        warm = export_all(catalog, out, cache, outline_ids=ids, workers=workers)
        print(f"downloads warm : {warm.seconds:6.1f} s  ({warm.reused} reused, "
              f"{warm.exported} exported)  ratio {warm.seconds / cold.seconds:.3f}")
        for suffix in (".docx", ".pdf", ".md"):
            files = sorted(p.stat().st_size for p in out.rglob(f"*{suffix}"))
            if files:
                print(f"  {suffix[1:]:<5} {len(files):5d} files  median "
                      f"{statistics.median(files) / 1024:6.1f} KB  max {files[-1] / 1024:6.1f} KB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="records in all")
    parser.add_argument("--plans", type=int, default=200, help="how many of them are plans")
    parser.add_argument("--workers", type=int, default=None, help="export processes")
    args = parser.parse_args()
    bench(args.n, args.plans, args.workers)


if __name__ == "__main__":
    main()
