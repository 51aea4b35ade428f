"""Which process holds what during a cold build: a PSS timeline per process.

    python bench/mem_profile.py --n 20000 [--keep DIR] [--py-spy]

Builds N synthetic records cold (a fresh copy of the project, no .cache, as
bench/scale_bench.py does) with `mkdocs build`, and samples every process of the build's
tree twice a second: its PSS (`/proc/PID/smaps_rollup`), what it is (the build process,
a forked copy of it, the forkserver, a worker started from it) and, with `--py-spy`, the
innermost project function it was running when first seen (py-spy dump). Prints the
build's log lines with their times, a timeline every few seconds, and the processes at
the peak of the tree's summed PSS.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import _pss_kb, _tree  # noqa: E402
from site_bench import ENV, SAMPLE_OUTLINES, fresh_project  # noqa: E402
from synth import write_synthetic  # noqa: E402

PY_SPY = Path(sys.executable).parent / "py-spy"


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _ppid(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """Return the CPU seconds (user + system) `pid` has used so far (0 if it ended)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def _doing(pid: int) -> str:
    """Return the innermost frames of project code `pid` is running (py-spy)."""
    try:
        out = subprocess.run([str(PY_SPY), "dump", "--pid", str(pid)], capture_output=True,
                             text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    frames = [line.strip().split(" (")[0] for line in out.splitlines()
              if "second_classroom" in line or "site_hooks" in line]
    return " < ".join(frames[:3]) or "?"


def profile(n: int, keep: Path | None, spy: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"mem-profile-{n}-"))
    try:
        data = work / "site_data"
        write_synthetic(data, n, seed=1, outlines=SAMPLE_OUTLINES)
        config = fresh_project(work, data, search=True)
        cmd = [sys.executable, "-m", "mkdocs", "build", "-f", str(config), "-d",
               str(work / "site")]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=config.parent, env={**os.environ, **ENV},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        roles: dict[int, str] = {}
        samples: list[tuple[float, dict[int, int]]] = []
        cpu: dict[int, float] = {}
        running = threading.Event()
        running.set()

        def role(pid: int) -> str:
            if pid == proc.pid:
                return "build"
            cmd_ = _cmdline(pid)
            parent = _ppid(pid)
            if "forkserver" in cmd_ and parent == proc.pid:
                return "forkserver"
            if "forkserver" in cmd_ or "multiprocessing" in cmd_:
                return f"worker {pid}"
            return f"fork {pid} of {roles.get(parent, parent)}"

        def name(pid: int) -> None:
            time.sleep(0.3)
            roles[pid] += f" [{_doing(pid)}]"

        def sample() -> None:
            while running.is_set():
                pss = {}
                for pid in _tree(proc.pid):
                    if pid not in roles:
                        roles[pid] = role(pid)
                        if spy and roles[pid] not in ("build", "forkserver"):
                            threading.Thread(target=name, args=(pid,), daemon=True).start()
                    pss[pid] = _pss_kb(pid)
                    cpu[pid] = max(cpu.get(pid, 0.0), _cpu(pid))
                samples.append((time.perf_counter() - start, pss))
                time.sleep(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        for line in proc.stdout:
            print(f"{time.perf_counter() - start:7.1f}s | {line.rstrip()[:200]}", flush=True)
        proc.wait()
        running.clear()
        sampler.join()
        seconds = time.perf_counter() - start
        print(f"\n== {n:,} records: {seconds:.1f} s, rc {proc.returncode} ==")
        last = -10.0
        for t, pss in samples:
            if t - last >= 5:
                last = t
                parts = ", ".join(f"{roles.get(p, p).split(' [')[0]} {kb / 1024:.0f}"
                                  for p, kb in sorted(pss.items()) if kb)
                print(f"{t:7.1f}s  total {sum(pss.values()) / 1024:6.0f} MB: {parts}")
        t, peak = max(samples, key=lambda s: sum(s[1].values()))
        print(f"\npeak {sum(peak.values()) / 1024:.0f} MB PSS at {t:.1f}s:")
        for pid, kb in sorted(peak.items(), key=lambda p: -p[1]):
            print(f"  {kb / 1024:7.0f} MB  {roles.get(pid, pid)}")
        print("\nprocesses seen (CPU seconds as last sampled):")
        for pid, name in roles.items():
            top = max((s[1].get(pid, 0) for s in samples), default=0)
            seen = [s[0] for s in samples if s[1].get(pid)]
            span = f"{seen[0]:.0f}–{seen[-1]:.0f} s" if seen else "-"
            print(f"  {pid}: peak {top / 1024:.0f} MB, CPU {cpu.get(pid, 0):.1f} s, "
                  f"alive {span}  {name}")
        print(f"CPU total {sum(cpu.values()):.1f} s")
        if keep is not None:
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(work / "site_data", keep)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="copy the synthetic data here")
    parser.add_argument("--py-spy", action="store_true", help="name what each process ran")
    args = parser.parse_args()
    profile(args.n, args.keep, args.py_spy)


if __name__ == "__main__":
    main()
