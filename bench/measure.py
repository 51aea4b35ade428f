"""Run a command as a child process and measure its wall time and peak memory."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    """Wall-clock seconds, peak memory (MB) and exit status of one command.

    `peak_mb` is the peak of the whole process tree's resident memory added up (worker
    processes included), sampled every 50 ms; `largest_mb` the kernel's peak for the
    tree's largest single process. `peak_pss_mb` is the peak of the tree's proportional
    set size (each process's `Pss` in /proc/PID/smaps_rollup, added up): a page shared by
    k processes counts 1/k in each, so forked workers are not counted twice for the pages
    they share with their parent. Summed RSS overstates a forking build; PSS is what the
    tree really occupies.
    """

    seconds: float
    peak_mb: float
    returncode: int
    output: str
    largest_mb: float = 0.0
    peak_pss_mb: float = 0.0


_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _tree_rss_kb(root: int) -> int:
    """Return the resident memory of `root` and all its descendants, in KB (from /proc)."""
    return sum(_tree(root).values())


def _pss_kb(pid: int) -> int:
    """Return the proportional set size of one process in KB (0 if it has ended)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass  # ended meanwhile, or a kernel without smaps_rollup
    return 0


def _tree(root: int) -> dict[int, int]:
    """Return pid -> resident KB of `root` and all its descendants (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * _PAGE_KB
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
    return {pid: rss.get(pid, 0) for pid in tree_of(root, parents)}


def tree_of(root: int, parents: dict[int, int]) -> set[int]:
    """Return `root` and every process descending from it, given each process's parent."""
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return tree


def measure(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run `cmd` and return its time and peak memory (see `Run`)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    peak = [0, 0]  # summed RSS, summed PSS (KB)
    running = threading.Event()
    running.set()

    def sample() -> None:
        rounds = 0
        while running.is_set():
            tree = _tree(proc.pid)
            peak[0] = max(peak[0], sum(tree.values()))
            # smaps_rollup walks the page tables (ms for a large process): every 150 ms.
            if rounds % 3 == 0:
                peak[1] = max(peak[1], sum(_pss_kb(pid) for pid in tree))
            rounds += 1
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.stdout.read()
    running.clear()  # stop before reaping: a reaped pid could be reused by another process
    sampler.join()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    largest = usage.ru_maxrss / 1024
    return Run(seconds, max(peak[0] / 1024, largest), proc.returncode, output, largest,
               peak[1] / 1024)


def largest_file(root: Path, pattern: str) -> tuple[int, str]:
    """Return the size in bytes and path of the largest file matching `pattern`."""
    sizes = [(p.stat().st_size, str(p.relative_to(root))) for p in root.glob(pattern)]
    return max(sizes) if sizes else (0, "")


def tree_bytes(root: Path) -> int:
    """Return the total size of all files under `root`."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
