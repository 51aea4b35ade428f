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
    tree's largest single process.
    """

    seconds: float
    peak_mb: float
    returncode: int
    output: str
    largest_mb: float = 0.0


_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _tree_rss_kb(root: int) -> int:
    """Return the resident memory of `root` and all its descendants, in KB (from /proc)."""
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
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(rss.get(pid, 0) for pid in tree)


def measure(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run `cmd` and return its time and peak memory (see `Run`)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    peak = [0]
    running = threading.Event()
    running.set()

    def sample() -> None:
        while running.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
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
    return Run(seconds, max(peak[0] / 1024, largest), proc.returncode, output, largest)


def largest_file(root: Path, pattern: str) -> tuple[int, str]:
    """Return the size in bytes and path of the largest file matching `pattern`."""
    sizes = [(p.stat().st_size, str(p.relative_to(root))) for p in root.glob(pattern)]
    return max(sizes) if sizes else (0, "")


def tree_bytes(root: Path) -> int:
    """Return the total size of all files under `root`."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
