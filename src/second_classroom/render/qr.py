"""QR codes as inline SVG (segno: no network, no image files)."""

from __future__ import annotations

import functools
import io
import multiprocessing
import os
import re
from concurrent.futures import Future, ProcessPoolExecutor
from html import escape
from itertools import chain, zip_longest
from typing import Any

import segno
from segno import consts as segno_consts
from segno import encoder

from ..spool import Spool

# segno scores all eight mask patterns to pick the "best" one, which is ~85% of its time
# (13 ms of 15 ms a code, measured). Every mask gives a valid code (ISO/IEC 18004); the
# tests decode the codes from Chromium screenshots. One fixed mask keeps 10,000 sites fast.
_MASK = 4
_BATCH = 250
_AHEAD_MIN = 500  # below this, starting a worker costs more than it saves

# The codes made so far, on disk: each site's is wanted again by its poster, after all the
# pages (about 3 KB a site, 230 MB at 100,000 records, that memory need not hold).
_done = Spool()
_pending: dict[tuple[str, str], tuple[Future[list[str]], int]] = {}
_pool: ProcessPoolExecutor | None = None


_BORDER = 4
_segno: Any = encoder  # segno's internals are untyped
consts: Any = segno_consts


def _encode_segno(url: str, title: str) -> str:
    """Return the SVG as segno writes it: what `_encode` gives, byte for byte (the tests
    compare them)."""
    out = io.BytesIO()
    segno.make_qr(url, error="m", mask=_MASK).save(
        out, kind="svg", border=_BORDER, xmldecl=False, svgns=True, omitsize=True,
        title=title or None, svgclass="qr", lineclass=None, dark="#000", light="#fff",
    )
    return out.getvalue().decode("utf-8")


# Placing the codewords and masking them took most of segno's time per code, module by
# module in Python. Both depend on the data only bit for bit: with the mask fixed, a code is
# the code of all-zero codewords of the same version with the modules of the 1 bits flipped.
# So that code (its "blank") and the order the bits are placed in are made once per version,
# by segno's own functions, and each code flips its bits in a copy.
_BLANKS: dict[tuple[int, int, int], tuple[tuple[bytearray, ...], list[tuple[int, int]]]] = {}


def _blank(version: int, error: int, bits: int) -> tuple[tuple[bytearray, ...],
                                                        list[tuple[int, int]]]:
    key = (version, error, bits)
    if key in _BLANKS:
        return _BLANKS[key]
    size = _segno.calc_matrix_size(version)

    def patterns() -> Any:
        matrix = _segno.make_matrix(size, size)
        _segno.add_finder_patterns(matrix, size, size)
        _segno.add_alignment_patterns(matrix, size, size)
        return matrix

    # Where segno places bit k: label the bits (250 at a time: a module holds a byte).
    places: list[tuple[int, int]] = []
    for first in range(0, bits, 250):
        matrix = patterns()
        _segno.add_codewords(matrix, [3 + k - first if first <= k < first + 250 else 0
                                      for k in range(bits)], version)
        where = {row[j]: (i, j) for i, row in enumerate(matrix) for j in range(size)
                 if row[j] >= 3}
        places += [where[3 + k] for k in range(min(250, bits - first))]
    matrix = patterns()
    _segno.add_codewords(matrix, bytearray(bits), version)
    _, matrix = _segno.find_and_apply_best_mask(matrix, size, size, _MASK)
    _segno.add_format_info(matrix, version, error, _MASK)
    _segno.add_version_info(matrix, version)
    _BLANKS[key] = (tuple(matrix), places)
    return _BLANKS[key]


# make_final_message's remainder bits per version; the set bits of each byte, first = 0.
_REMAINDER = {**dict.fromkeys((2, 3, 4, 5, 6), 7),
              **dict.fromkeys((14, 15, 16, 17, 18, 19, 20, 28, 29, 30, 31, 32, 33, 34), 3),
              **dict.fromkeys((21, 22, 23, 24, 25, 26, 27), 4)}
_ONES = [tuple(k for k in range(8) if byte & (0x80 >> k)) for byte in range(256)]


# segno.encoder.make_blocks divides each block by the generator polynomial one term at a
# time in Python (half of a code's time). The same remainder, kept as one integer: per data
# byte, shift it a byte and add the generator times the byte that falls out (a table).
_GENERATORS: dict[int, list[int]] = {}


def _generator(words: int) -> list[int]:
    """Return, for each byte value c, the generator polynomial's terms times c (without the
    leading term) as one big-endian integer: what `_remainder` adds for feedback c."""
    found = _GENERATORS.get(words)
    if found is None:
        log, exp, gen = consts.GALIOS_LOG, consts.GALIOS_EXP, consts.GEN_POLY[words]
        found = _GENERATORS[words] = [0] + [
            int.from_bytes(bytes(exp[log[c] + g] for g in gen), "big") for c in range(1, 256)]
    return found


def _remainder(block: bytearray, words: int) -> bytearray:
    """Return the error correction codewords of a data block: what segno's make_blocks
    computes."""
    table = _generator(words)
    shift = 8 * (words - 1)
    mask = (1 << 8 * words) - 1
    rest = 0
    for byte in block:
        rest = ((rest << 8) & mask) ^ table[byte ^ (rest >> shift)]
    return bytearray(rest.to_bytes(words, "big"))


def _blocks(ec_infos: Any, codewords: list[int]) -> tuple[list[bytearray], list[bytearray]]:
    """Return the data blocks and error correction blocks (segno.encoder.make_blocks)."""
    data_blocks, error_blocks = [], []
    at = 0
    for ec_info in ec_infos:
        words = ec_info.num_total - ec_info.num_data
        for _ in range(ec_info.num_blocks):
            block = bytearray(codewords[at:at + ec_info.num_data])
            at += ec_info.num_data
            data_blocks.append(block)
            error_blocks.append(_remainder(block, words))
    return data_blocks, error_blocks


def _matrix(url: str) -> tuple[bytearray, ...]:
    """Return the modules of segno.make_qr(url, error="m", mask=_MASK), row by row."""
    error = _segno.normalize_errorlevel("m")
    segments = _segno.prepare_data(url, None, None)
    version = _segno.find_version(segments, error, eci=False, micro=False)
    # segno.encoder._encode from here on (a QR code, no structured append, no ECI).
    error = _segno.boost_error_level(version, error, segments, False, is_sa=False)
    buff = _segno.Buffer()
    ver_range = _segno.version_range(version)
    for segment in segments:
        _segno.write_segment(buff, segment, None, ver_range, False)
    capacity = consts.SYMBOL_CAPACITY[version][error]
    _segno.write_terminator(buff, capacity, None, len(buff))
    _segno.write_padding_bits(buff, version, len(buff))
    _segno.write_pad_codewords(buff, version, capacity, len(buff))
    # segno.encoder.make_final_message, as codewords rather than one bit at a time: the
    # data blocks interleaved, then the error correction blocks, then remainder bits (0).
    data_blocks, error_blocks = _blocks(consts.ECC[version][error], list(buff.toints()))
    codewords = [c for blocks in (data_blocks, error_blocks)
                 for c in chain.from_iterable(zip_longest(*blocks)) if c is not None]
    bits = 8 * len(codewords) + _REMAINDER.get(version, 0)
    blank, places = _blank(version, error, bits)
    matrix = tuple(bytearray(row) for row in blank)
    for index, codeword in enumerate(codewords):
        for bit in _ONES[codeword]:
            i, j = places[8 * index + bit]
            matrix[i][j] ^= 1
    return matrix


_DARK_RUNS = re.compile(rb"[^\x00]+")


def _svg(matrix: tuple[bytearray, ...], title: str) -> str:
    """Return the SVG segno writes for `matrix` with `_encode_segno`'s options: a white
    background path, then one path of the runs of dark modules, each move relative to
    the end of the run before (segno.utils.matrix_to_lines)."""
    width = len(matrix) + 2 * _BORDER
    moves = []
    px, last = 0, -1  # where the last run ended: x, and its row (-1: no run yet)
    if not matrix[0][0]:  # matrix_to_lines yields an empty run before a light first module
        moves.append(f"M{_BORDER} {_BORDER + 0.5}h0")
        px, last = _BORDER, 0
    # Rows are module centres (y + 0.5) and the first move is from (0, 0): only it has a
    # fraction; every later move goes down a whole number of rows.
    for row_number, row in enumerate(matrix):
        for run in _DARK_RUNS.finditer(row):
            start, end = run.span()
            if last < 0:
                moves.append(f"M{_BORDER + start} {_BORDER + row_number + 0.5}h{end - start}")
            else:
                moves.append(f"m{_BORDER + start - px} {row_number - last}h{end - start}")
            px, last = _BORDER + end, row_number
    paths = [f'<path fill="#fff" d="M0 0h{width}v{width}h-{width}z"/>',
             f'<path stroke="#000" d="{"".join(moves)}"/>']
    named = f"<title>{escape(title, quote=False)}</title>" if title else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {width}" '
            f'class="qr">{named}{"".join(sorted(paths, key=len))}</svg>\n')


def _encode(url: str, title: str) -> str:
    return _svg(_matrix(url), title)


def _encode_batch(items: list[tuple[str, str]]) -> list[str]:
    return [_encode(url, title) for url, title in items]


def qr_svg(url: str, title: str = "") -> str:
    """Return an SVG QR code for `url` (error correction M, quiet zone 4 modules).

    The SVG has a viewBox and no fixed size, so CSS sizes it: the same code serves the
    page (180 px) and the A4 poster (120 mm), and is encoded once per URL.
    """
    kept = f"{url}\n{title}"
    if kept in _done:
        return _done.get(kept)
    if (pending := _pending.pop((url, title), None)) is not None:
        future, index = pending
        svg = future.result()[index]
    elif kept in _done:  # kept meanwhile, as its batch came in (`_keep`)
        return _done.get(kept)
    else:
        svg = _encode(url, title)
    _done.put(kept, svg)
    return svg


def encode_ahead(items: list[tuple[str, str]]) -> None:
    """Start encoding (url, title) QR codes in a worker process.

    Page rendering is single-threaded; on a large site this puts the second core to work
    on the codes, which `qr_svg` then picks up. Small sites encode inline.
    """
    global _pool
    todo = [key for key in items if f"{key[0]}\n{key[1]}" not in _done and key not in _pending]
    # A worker already at it takes a few more as well (the rest of a check's records).
    if not todo or (_pool is None and len(todo) < _AHEAD_MIN) or (os.cpu_count() or 1) < 2:
        return
    if _pool is None:
        _pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver"))
    for start in range(0, len(todo), _BATCH):
        batch = todo[start:start + _BATCH]
        future = _pool.submit(_encode_batch, batch)
        for index, key in enumerate(batch):
            _pending[key] = (future, index)
        future.add_done_callback(functools.partial(_keep, batch=batch))


def _keep(done: Future[list[str]], batch: list[tuple[str, str]]) -> None:
    """Put a batch of codes made ahead into the spool as soon as it comes in (in the pool's
    thread): the worker runs far ahead of the pages, and its results would otherwise wait
    in memory, all of them at 100,000 records."""
    if done.cancelled() or done.exception() is not None:
        return  # `qr_svg` encodes those itself, or raises the error
    for (url, title), svg in zip(batch, done.result(), strict=True):
        _done.put(f"{url}\n{title}", svg)
        _pending.pop((url, title), None)


def settle() -> None:
    """Wait for every code being encoded ahead and keep it (before forking a process that
    renders pages: the worker pool belongs to this one)."""
    for (url, title), (future, index) in list(_pending.items()):
        _done.put(f"{url}\n{title}", future.result()[index])
    _pending.clear()


def finish() -> None:
    """Stop the worker and forget every code (call at the end of a build)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(cancel_futures=True)
        _pool = None
    _pending.clear()
    _done.clear()
