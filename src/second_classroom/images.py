"""What an image under site_data/media/ must be before a page may show it.

Photos are read on phones over weak networks and must be credited: the checker opens each
referenced image with Pillow (the header, plus a cheap pass over the whole stream to catch
truncated files) and reports, in
Chinese, a wrong format, a file that is too big, or a picture too small or too large.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
SUFFIXES = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
MAX_BYTES = 5 * 1024 * 1024
MIN_WIDTH = 640
MAX_SIDE = 8000


@dataclass(frozen=True)
class ImageInfo:
    """What the checker learned about one image file."""

    format: str
    width: int
    height: int
    size: int


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def inspect_image(file: Path) -> tuple[ImageInfo | None, list[str]]:
    """Open `file` and return its facts and every reason it can't be published (Chinese).

    The messages name what was found and what is expected, e.g.
    “图片宽 320 像素，至少需要 640 像素”.
    """
    problems: list[str] = []
    size = file.stat().st_size
    suffix = file.suffix.lower()
    if suffix not in SUFFIXES:
        problems.append(f"图片文件的扩展名“{file.suffix or '（无）'}”不受支持，"
                        "只接受 .jpg、.jpeg、.png、.webp")
    if size > MAX_BYTES:
        problems.append(f"图片文件过大（{_mb(size)}），不能超过 {_mb(MAX_BYTES)}，"
                        "请缩小尺寸或提高压缩率后再提交")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                fmt, (width, height) = image.format or "", image.size
                # Read the whole stream to catch truncated uploads. verify() does that
                # for PNG/WebP but not JPEG, which is decoded at 1/8 scale instead (cheap).
                if fmt == "JPEG":
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                    image.load()
                else:
                    image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        return None, [*problems, "无法识别为图片，或图片像素过多；只接受 JPEG、PNG 或 WebP 格式"]
    except (OSError, SyntaxError, ValueError):  # Pillow reports corrupt data in these
        return None, [*problems, "图片文件已损坏或不完整，请重新导出后提交"]
    if fmt not in FORMATS:
        problems.append(f"图片格式是 {fmt or '未知'}，只接受 JPEG、PNG 或 WebP")
    elif suffix in SUFFIXES and SUFFIXES[suffix] != fmt:
        problems.append(f"文件扩展名是 {file.suffix}，但内容是 {FORMATS[fmt]} 格式，"
                        "请把扩展名改成与格式一致")
    if width < MIN_WIDTH:
        problems.append(f"图片宽 {width} 像素，至少需要 {MIN_WIDTH} 像素（在手机上才清楚）")
    if max(width, height) > MAX_SIDE:
        problems.append(f"图片尺寸 {width}×{height} 像素过大，长边不能超过 {MAX_SIDE} 像素")
    return ImageInfo(fmt, width, height, size), problems
