"""Run a command as a child process and measure its wall time and peak memory."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    """Wall-clock seconds, peak resident memory (MB) and exit status of one command."""

    seconds: float
    peak_mb: float
    returncode: int
    output: str


def measure(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run `cmd` and return its time and peak RSS (of the process tree's largest member)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, output)


def largest_file(root: Path, pattern: str) -> tuple[int, str]:
    """Return the size in bytes and path of the largest file matching `pattern`."""
    sizes = [(p.stat().st_size, str(p.relative_to(root))) for p in root.glob(pattern)]
    return max(sizes) if sizes else (0, "")


def tree_bytes(root: Path) -> int:
    """Return the total size of all files under `root`."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
