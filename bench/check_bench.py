"""How long `classroom check` takes on N synthetic records (target: 10,000 in under 5 s),
and `classroom check FILES…` on the files one commit changes (target: under 1 s).

    python bench/check_bench.py            # 10,000 records
    python bench/check_bench.py --n 36000  # the size of the national list of relics

Writes N records of all kinds into a temporary folder (bench/synth.py; never into
site_data/), then times `check_tree` in this process and the full `classroom check`
command as a child process, printing seconds, records per second and peak memory.

Then it plays a commit that edits five records, one of them now naming a person who does
not exist, and times `classroom check` on just those five files as pre-commit runs it: the
first time (the index of the other records' ids is built), and after a second edit (the
index is reused, each entry after its file's digest matched). The broken reference must
be reported both times: references to unchanged records are still checked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import measure  # noqa: E402
from synth import write_synthetic  # noqa: E402

from second_classroom.check import check_tree  # noqa: E402

TODAY = "2026-11-25"  # the synthetic records are verified shortly before this date
TARGET_SECONDS = 5.0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def bench(n: int, seed: int, keep: Path | None) -> bool:
    """Run the benchmark for `n` records; return whether both timings met the target."""
    with tempfile.TemporaryDirectory(prefix="check-bench-") as tmp:
        root = keep or Path(tmp) / "site_data"
        start = time.perf_counter()
        write_synthetic(root, n, seed)
        print(f"生成 {n} 条合成记录：{time.perf_counter() - start:.1f} 秒（{root}）")

        before = _peak_mb()
        start, cpu = time.perf_counter(), time.process_time()
        result = check_tree(root, dt.date.fromisoformat(TODAY))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        read = len(result.records)
        print(f"check_tree：{seconds:.2f} 秒（CPU {cpu:.2f} 秒），{read / seconds:,.0f} 条/秒，"
              f"峰值内存 {_peak_mb():.0f} MB（调用前 {before:.0f} MB），"
              f"{len(result.errors)} 个错误、{len(result.warnings)} 个警告")
        if result.errors:
            print("合成数据不应有错误：", *(p.format() for p in result.errors[:5]), sep="\n  ")

        run = measure([sys.executable, "-m", "second_classroom.cli", "check", str(root),
                       "--today", TODAY])
        print(f"classroom check（子进程）：{run.seconds:.2f} 秒，{n / run.seconds:,.0f} 条/秒，"
              f"峰值内存 {run.peak_mb:.0f} MB，退出码 {run.returncode}")
        print(f"  {run.output.strip().splitlines()[-1]}")
        ok = seconds < TARGET_SECONDS and run.seconds < TARGET_SECONDS and run.returncode == 0
        print(f"目标 {n} 条 < {TARGET_SECONDS:.0f} 秒：{'达到' if ok else '未达到'}")
        files_ok = bench_files(root)  # measured whatever the full check gave
        return ok and not result.errors and files_ok


FILES_TARGET_SECONDS = 1.0


def _commit_edit(root: Path, round_: int) -> list[Path]:
    """Edit five records as one commit would; the first site now names a missing person."""
    files = [root / "sites" / "site-00010.yml", root / "sites" / "site-00500.yml",
             root / "sites" / "site-01000.yml", root / "people" / "person-00003.yml",
             root / "readings" / "reading-00001.yml"]
    for i, file in enumerate(files):
        text = file.read_text(encoding="utf-8")
        text = text.replace("summary: ", f"summary: 第{round_}次修改。", 1)
        if i == 0 and "person-no-such-one" not in text:
            text = text.replace("people: [", "people: [person-no-such-one, ", 1)
        file.write_text(text, encoding="utf-8")
    return files


def bench_files(root: Path) -> bool:
    """Time `classroom check FILES…` on a commit's five files; return whether it met the
    target with the index in place and found the broken reference each time."""
    ok = True
    for round_, label in ((1, "首次（建立编号索引）"), (2, "再次修改后（索引逐个核对摘要后复用）")):
        files = _commit_edit(root, round_)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        run = measure([sys.executable, "-m", "second_classroom.cli", "check",
                       *map(str, files), "--today", TODAY], cwd=root.parent)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        found = "person-no-such-one" in run.output and run.returncode == 1
        # CPU time too: on a shared machine the wall time mostly measures the neighbours.
        print(f"classroom check 5 个文件，{label}：{run.seconds:.2f} 秒（CPU {cpu:.2f} 秒），"
              f"退出码 {run.returncode}，"
              f"{'报告了' if found else '没有报告'}对未改动记录的错误引用")
        print(f"  {run.output.strip().splitlines()[-1]}")
        ok = ok and found
        if round_ == 2:
            met = run.seconds < FILES_TARGET_SECONDS
            print(f"目标 5 个文件 < {FILES_TARGET_SECONDS:.0f} 秒：{'达到' if met else '未达到'}")
            ok = ok and met
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description="classroom check 的性能基准")
    parser.add_argument("--n", type=int, default=10_000, help="记录条数（默认 10000）")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="把合成数据写到这里并保留（不能是 site_data）")
    args = parser.parse_args()
    if args.keep and args.keep.resolve() == (HERE.parent / "site_data").resolve():
        parser.error("不能写入 site_data/")
    sys.exit(0 if bench(args.n, args.seed, args.keep) else 1)


if __name__ == "__main__":
    main()
