"""QR codes as inline SVG (segno: no network, no image files)."""

from __future__ import annotations

import io
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor

import segno

# segno scores all eight mask patterns to pick the "best" one, which is ~85% of its time
# (13 ms of 15 ms a code, measured). Every mask gives a valid code (ISO/IEC 18004); the
# tests decode the codes from Chromium screenshots. One fixed mask keeps 10,000 sites fast.
_MASK = 4
_BATCH = 250
_AHEAD_MIN = 500  # below this, starting a worker costs more than it saves

_done: dict[tuple[str, str], str] = {}
_pending: dict[tuple[str, str], tuple[Future[list[str]], int]] = {}
_pool: ProcessPoolExecutor | None = None


def _encode(url: str, title: str) -> str:
    out = io.BytesIO()
    segno.make_qr(url, error="m", mask=_MASK).save(
        out, kind="svg", border=4, xmldecl=False, svgns=True, omitsize=True,
        title=title or None, svgclass="qr", lineclass=None, dark="#000", light="#fff",
    )
    return out.getvalue().decode("utf-8")


def _encode_batch(items: list[tuple[str, str]]) -> list[str]:
    return [_encode(url, title) for url, title in items]


def qr_svg(url: str, title: str = "") -> str:
    """Return an SVG QR code for `url` (error correction M, quiet zone 4 modules).

    The SVG has a viewBox and no fixed size, so CSS sizes it: the same code serves the
    page (180 px) and the A4 poster (120 mm), and is encoded once per URL.
    """
    key = (url, title)
    if key in _done:
        return _done[key]
    if key in _pending:
        future, index = _pending.pop(key)
        svg = future.result()[index]
    else:
        svg = _encode(url, title)
    _done[key] = svg
    return svg


def encode_ahead(items: list[tuple[str, str]]) -> None:
    """Start encoding (url, title) QR codes in a worker process.

    Page rendering is single-threaded; on a large site this puts the second core to work
    on the codes, which `qr_svg` then picks up. Small sites encode inline.
    """
    global _pool
    todo = [key for key in items if key not in _done and key not in _pending]
    if len(todo) < _AHEAD_MIN or (os.cpu_count() or 1) < 2:
        return
    if _pool is None:
        _pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver"))
    for start in range(0, len(todo), _BATCH):
        batch = todo[start:start + _BATCH]
        future = _pool.submit(_encode_batch, batch)
        for index, key in enumerate(batch):
            _pending[key] = (future, index)


def settle() -> None:
    """Wait for every code being encoded ahead and keep it (before forking a process that
    renders pages: the worker pool belongs to this one)."""
    for key, (future, index) in list(_pending.items()):
        _done[key] = future.result()[index]
    _pending.clear()


def finish() -> None:
    """Stop the worker and forget every code (call at the end of a build)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(cancel_futures=True)
        _pool = None
    _pending.clear()
    _done.clear()
