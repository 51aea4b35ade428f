"""CPU seconds of the preview's search index state per save (IndexState.update, files,
write), at N synthetic records, without a server: the search child's work alone.

    python bench/state_bench.py --n 10000

Saves as edit_bench does (a site's name edited, a site added first in its listings, the
same site deleted) and prints, per save, the seconds of the update, of `files()` and of
writing into a site folder under TMPDIR.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import write_synthetic  # noqa: E402


def bench(n: int, rounds: int) -> None:
    from second_classroom.catalog import build_catalog
    from second_classroom.check import check_tree
    from second_classroom.search import IndexState

    work = Path(tempfile.mkdtemp(prefix=f"state-bench-{n}-"))
    try:
        data = work / "site_data"
        write_synthetic(data, n, seed=1)
        result = check_tree(data)
        records, vocab = result.records, result.vocab
        catalog = build_catalog(records, vocab, drafts=True)
        site = work / "site"
        site.mkdir()
        state = IndexState.of(catalog)
        state.write(site)
        record = next(r for r in records if r.id == "site-00001")
        added = dataclasses.replace(record, id="site-00000-bench",
                                    data={**record.data, "name": "编辑基准新增纪念馆"})
        for r in range(rounds):
            edited = dataclasses.replace(record, data={**record.data,
                                                       "name": f"编辑基准改名纪念馆{r}"})
            now = [edited if x is record else x for x in records]  # the edit stays
            saves = [("edit", now), ("add", [*now, added]), ("delete", now)]
            for what, now in saves:
                catalog = build_catalog(now, vocab, drafts=True)
                t0, c0 = time.perf_counter(), time.process_time()
                state.update(catalog)
                t1 = time.perf_counter()
                state.files()
                t2 = time.perf_counter()
                written, kept = state.write(site)
                t3 = time.perf_counter()
                print(f"{what:7} update {t1 - t0:5.2f} s, files {t2 - t1:5.2f} s, write "
                      f"{t3 - t2:5.2f} s ({written} written, {kept} kept); "
                      f"CPU {time.process_time() - c0:5.2f} s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000, help="records")
    parser.add_argument("--rounds", type=int, default=2, help="edit, add, delete this often")
    args = parser.parse_args()
    bench(args.n, args.rounds)


if __name__ == "__main__":
    main()
