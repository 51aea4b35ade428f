"""Importing a 1,000-row ledger sheet: `classroom import` end to end, as a user runs it.

    python bench/ledger_bench.py [--rows 1000]

Writes a sheet of ROWS valid 办实事 items (xlsx and CSV, the columns `classroom table`
writes) into a copy of site_data/, then times the `classroom import` command in a fresh
process (start-up included) for each, plus a --dry-run. Target: under 5 s for 1,000 rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TARGET_S = 5.0


def write_sheet(path: Path, rows: int) -> None:
    """Write `rows` ledger items as xlsx or csv (by suffix) with `classroom table`'s columns."""
    from second_classroom.models import KINDS, Record
    from second_classroom.sheets import write_csv, write_xlsx

    records = []
    for i in range(rows):
        start = dt.date(2026, 3, 1) + dt.timedelta(days=i % 200)
        data = {"title": f"示例事项第{i + 1}项：为群众修缮道路、路灯和活动场所",
                "unit": f"示例区第{i % 40 + 1}局", "category": "基础设施",
                "start": start, "deadline": start + dt.timedelta(days=365),
                "status": "推进中",
                "progress": [{"date": start, "text": "入户征求意见，确定实施方案"},
                             {"date": start + dt.timedelta(days=30), "text": "完成招标"}],
                "beneficiaries": i, "sample": True}
        records.append(Record("tasks", f"bench-task-{i:05d}", "", data))
    (write_xlsx if path.suffix == ".xlsx" else write_csv)(KINDS["tasks"], records, path)


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "second_classroom.cli", *args],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"import failed:\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    try:
        for suffix in (".xlsx", ".csv"):
            data = work / f"site_data{suffix}"
            shutil.copytree(REPO / "site_data", data)
            sheet = work / f"tasks{suffix}"
            write_sheet(sheet, args.rows)
            base = ["import", str(sheet), "--kind", "tasks", "--data", str(data)]
            dry = timed([*base, "--dry-run"])
            real = timed(base)
            written = len(list((data / "tasks").glob("bench-task-*.yml")))
            assert written == args.rows, written
            print(f"{suffix[1:]:4}: {args.rows} rows  dry-run {dry:5.2f} s  "
                  f"import {real:5.2f} s  (target < {TARGET_S:.0f} s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
