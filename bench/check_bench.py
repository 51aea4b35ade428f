"""How long `classroom check` takes on N synthetic records (target: 10,000 in under 5 s).

    python bench/check_bench.py            # 10,000 records
    python bench/check_bench.py --n 36000  # the size of the national list of relics

Writes N records of all kinds into a temporary folder (bench/synth.py; never into
site_data/), then times `check_tree` in this process and the full `classroom check`
command as a child process, printing seconds, records per second and peak memory.
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
        return ok and not result.errors


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
