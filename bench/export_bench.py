"""Outline exports: time to export every outline's downloads, cold and from the cache.

    python bench/export_bench.py                 # sample data, then 1,000 synthetic records
    python bench/export_bench.py --n 3000 --no-sample

For each data set (site_data/, and synthetic data from bench/synth.py written to a temp
folder, never into site_data/) it prints: the number of outlines and files; the cold
export time with a fresh cache (the baseline), the same in one process, and a second
export with the cache warm, as seconds and as a ratio of the baseline; and the sizes of
the files per format (median and largest; a PDF must stay under 1 MB). Output files go
to bench/out/exports/.

The one-process run also prints its CPU seconds: on a shared machine the wall-clock
seconds follow the load, the CPU seconds much less. (The parallel run's workers are
children of multiprocessing's forkserver, whose CPU time this process cannot read.)
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
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from second_classroom.catalog import Catalog, load_catalog  # noqa: E402
from second_classroom.export import export_outline  # noqa: E402
from second_classroom.export.batch import export_all  # noqa: E402

OUT = HERE / "out" / "exports"


def _sizes(folder: Path) -> str:
    lines = []
    for suffix in (".docx", ".pdf", ".md"):
        for pack in (False, True):
            files = [p for p in folder.rglob(f"*{suffix}") if ("jiangjiebao" in p.name) == pack]
            if not files:
                continue
            sizes = sorted(p.stat().st_size for p in files)
            label = f"{'pack ' if pack else ''}{suffix[1:]}"
            lines.append(f"    {label:<9} {len(files):>5} files  median {statistics.median(sizes)/1024:7.1f} KB"
                         f"  max {sizes[-1]/1024:7.1f} KB")
    return "\n".join(lines)


def bench(name: str, catalog: Catalog) -> None:
    """Export all outlines of `catalog` cold (parallel and serial) and warm; print figures."""
    outlines = catalog.by_kind["outlines"]
    print(f"\n== {name}: {len(catalog.records)} records, {len(outlines)} outlines ==")
    if not outlines:
        print("  no outlines")
        return
    first = outlines[0].id
    for fmt in ("md", "docx", "pdf"):
        start = time.perf_counter()
        data = export_outline(catalog, first, fmt, pack=True).data
        print(f"  one pack as {fmt:<4}: {time.perf_counter() - start:6.2f} s, "
              f"{len(data) / 1024:7.1f} KB")
    with tempfile.TemporaryDirectory() as tmp:
        out = OUT / name
        shutil.rmtree(out, ignore_errors=True)
        cold = export_all(catalog, out, Path(tmp) / "cache")
        print(f"  cold, parallel : {cold.seconds:7.2f} s  ({cold.exported} files exported, "
              f"{cold.bytes / 1024 / 1024:.1f} MB, "
              f"{cold.seconds / max(1, cold.exported):.2f} s/file) [baseline]")
        warm = export_all(catalog, out, Path(tmp) / "cache")
        print(f"  warm cache     : {warm.seconds:7.2f} s  ({warm.exported} exported, "
              f"{warm.reused} reused)  ratio {warm.seconds / cold.seconds:.3f}")
        cpu = time.process_time()
        serial = export_all(catalog, Path(tmp) / "serial", Path(tmp) / "cache-serial", workers=1)
        print(f"  cold, 1 process: {serial.seconds:7.2f} s  ratio {serial.seconds / cold.seconds:.2f}"
              f"  (CPU {time.process_time() - cpu:.1f} s; this process had exported before)")
        if cold.missing:
            print(f"  characters without any font: {cold.missing}")
        print("  sizes:")
        print(_sizes(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="synthetic records (repeatable)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-sample", action="store_true", help="skip site_data/")
    args = parser.parse_args()
    if not args.no_sample:
        bench("sample", load_catalog(REPO / "site_data")[0])
    from synth import write_synthetic

    for n in args.n or [1000]:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "site_data"
            write_synthetic(root, n, args.seed)
            bench(f"synthetic-{n}", load_catalog(root)[0])


if __name__ == "__main__":
    main()
