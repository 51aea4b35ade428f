"""Images must be JPEG/PNG/WebP, ≤ 5 MB, 640–8000 px, credited and licensed.

The records are fixtures under tests/fixtures/images/; the pictures they point at are drawn
here (PICTURES) into a temporary copy, so no binary files are committed.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from second_classroom.check import check_tree
from second_classroom.images import MAX_BYTES, inspect_image

FIXTURES = Path(__file__).parent / "fixtures" / "images"


def _solid(size: tuple[int, int], fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (180, 30, 30)).save(out, fmt)
    return out.getvalue()


def _noise(size: tuple[int, int]) -> bytes:
    """An incompressible PNG: random pixels (seeded, so the same bytes every run)."""
    pixels = random.Random(6).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(out, "PNG", compress_level=0)
    return out.getvalue()


PICTURES: dict[str, Callable[[], bytes]] = {
    "ok.jpg": lambda: _solid((800, 600), "JPEG"),
    "ok.webp": lambda: _solid((1200, 800), "WEBP"),
    "ok.png": lambda: _solid((640, 480), "PNG"),
    "narrow.png": lambda: _solid((320, 200), "PNG"),
    "tall.png": lambda: _solid((700, 9000), "PNG"),
    "anim.gif": lambda: _solid((800, 600), "GIF"),
    "png-named.jpg": lambda: _solid((800, 600), "PNG"),
    "heavy.png": lambda: _noise((1400, 1400)),
    "truncated.jpg": lambda: _solid((800, 600), "JPEG")[:2000],
    "notes.png": lambda: "这不是图片\n".encode(),
}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fixture records with their pictures drawn in media/."""
    root = tmp_path_factory.mktemp("images") / "data"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns("expected.txt"))
    (root / "media").mkdir()
    for name, draw in PICTURES.items():
        (root / "media" / name).write_bytes(draw())
    return root


def test_check_reports_each_bad_image_at_its_line(data: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(data)
    result = check_tree(Path("."), dt.date(2026, 11, 25))
    got = [p.format() for p in result.problems]
    want = (FIXTURES / "expected.txt").read_text("utf-8").splitlines()
    assert got == want


def test_good_images_pass(data: Path) -> None:
    for name, fmt, size in [("ok.jpg", "JPEG", (800, 600)), ("ok.webp", "WEBP", (1200, 800)),
                            ("ok.png", "PNG", (640, 480))]:
        info, problems = inspect_image(data / "media" / name)
        assert problems == [], name
        assert info is not None and (info.format, (info.width, info.height)) == (fmt, size)


def test_heavy_fixture_really_is_over_the_limit(data: Path) -> None:
    assert (data / "media" / "heavy.png").stat().st_size > MAX_BYTES


def test_every_image_problem_is_an_error_on_its_own_line(data: Path) -> None:
    # Errors, so the build refuses the record; the three good images (lines 6-8) pass.
    result = check_tree(data, dt.date(2026, 11, 25))
    lines = sorted({p.line for p in result.errors})
    assert lines == [9, 10, 11, 12, 13, 14, 15, 16, 17, 21]
