"""Record photos for phones: resized copies in a few widths, WebP with a JPEG fallback.

Originals under site_data/media/ are never copied into the site: a phone on a weak network
gets the smallest copy that fills its screen. Each image is planned while its page renders
(sizes read from the file's header, names from a hash of its bytes) and encoded after the
pages are built, once per image, reusing an encoding cache across builds.

Copies are named `media/<path>.<hash>-<width>w.<webp|jpg>`: the name changes whenever the
original does, so they can be cached for ever. Metadata (EXIF, including GPS positions)
is dropped. Each cached copy has its digest beside it (second_classroom.cachefile) and is
checked before it is shipped: a damaged copy is encoded again.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image, ImageOps

from . import cachefile

WIDTHS = (480, 960, 1440)  # phone, phone at 2x / tablet, large screens at 2x
# How wide the picture is shown: the content column of the theme, or the whole screen.
SIZES = "(min-width: 60em) 40rem, calc(100vw - 1.6rem)"
WEBP_QUALITY = 72
JPEG_QUALITY = 78
# Part of every copy's name: changing the settings above gives new names (no stale copies).
_SETTINGS = f"v1 {WIDTHS} webp{WEBP_QUALITY} jpeg{JPEG_QUALITY}".encode()


@dataclass(frozen=True)
class Variant:
    """One resized copy: its width, height and the site-relative URLs of both formats."""

    width: int
    height: int
    webp: str
    jpeg: str


@dataclass(frozen=True)
class Picture:
    """A record image as shown on a page: its copies and its caption and credit."""

    src: str
    caption: str
    credit: str
    license: str
    variants: tuple[Variant, ...]
    sizes: str = SIZES

    @property
    def width(self) -> int:
        """Return the width of the largest copy (for the `width` attribute)."""
        return self.variants[-1].width

    @property
    def height(self) -> int:
        """Return the height of the largest copy (for the `height` attribute)."""
        return self.variants[-1].height

    @property
    def fallback(self) -> str:
        """Return the URL of the JPEG shown by browsers that ignore `srcset`."""
        return self.variants[min(1, len(self.variants) - 1)].jpeg

    def srcset(self, fmt: str, root: str = "") -> str:
        """Return the `srcset` of one format ("webp" or "jpeg"), URLs prefixed by `root`."""
        return ", ".join(f"{root}{getattr(v, fmt)} {v.width}w" for v in self.variants)


def widths_for(width: int) -> list[int]:
    """Return the widths to make for an original `width` pixels wide (never upscaled)."""
    out = [w for w in WIDTHS if w < width]
    top = min(width, WIDTHS[-1])
    if top not in out:
        out.append(top)
    return out


def _height(size: tuple[int, int], width: int) -> int:
    return max(1, round(size[1] * width / size[0]))


def _digest(file: Path) -> str:
    h = hashlib.sha256(_SETTINGS)
    with file.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:10]


class PictureSet:
    """Plan the copies of record images at render time; encode them after the build.

    Args:
        data_root: the site_data folder (image paths like `media/x.jpg` are relative to it).
    """

    def __init__(self, data_root: Path) -> None:
        self.data_root = data_root
        self._planned: dict[str, tuple[Path, tuple[int, int], tuple[Variant, ...]]] = {}

    def picture(self, image: Mapping[str, Any]) -> Picture:
        """Return how one record image (`{src, caption, credit, license}`) is shown."""
        src = str(image["src"])
        if src not in self._planned:
            file = self.data_root / src
            with Image.open(file) as im:
                size = im.size
                # Photos from phones are often stored sideways with an EXIF rotation.
                if im.getexif().get(0x0112, 1) in (5, 6, 7, 8):
                    size = (size[1], size[0])
            stem = PurePosixPath(src).with_suffix("").as_posix()
            tag = _digest(file)
            variants = tuple(
                Variant(w, _height(size, w), f"{stem}.{tag}-{w}w.webp", f"{stem}.{tag}-{w}w.jpg")
                for w in widths_for(size[0]))
            self._planned[src] = (file, size, variants)
        variants = self._planned[src][2]
        return Picture(src, str(image.get("caption", "")), str(image.get("credit", "")),
                       str(image.get("license", "")), variants)

    def pictures(self, images: Iterable[Mapping[str, Any]] | None) -> list[Picture]:
        """Return the pictures of a record's `images` list (empty when there are none)."""
        return [self.picture(image) for image in images or []]

    def write(self, site_dir: Path, cache: Path | None = None) -> int:
        """Encode every planned copy into `site_dir`; return how many were newly encoded.

        With `cache`, copies are kept there by name and reused by later builds.
        """
        encoded = 0
        for file, _size, variants in self._planned.values():
            if cache is None:
                encoded += _encode(file, list(variants), site_dir, cached=False)
                continue
            missing = [v for v in variants
                       if not (cachefile.valid(cache / v.webp) and cachefile.valid(cache / v.jpeg))]
            if missing:
                encoded += _encode(file, missing, cache, cached=True)
            for variant in variants:
                for name in (variant.webp, variant.jpeg):
                    data = cachefile.load(cache / name)
                    if data is None:  # damaged since it was checked: encode it again
                        encoded += _encode(file, [variant], cache, cached=True)
                        data = cachefile.load(cache / name)
                    if data is None:
                        raise OSError(f"缓存文件写入后无法读回：{cache / name}")
                    cachefile.write_atomic(site_dir / name, data)
        return encoded


def _encode(file: Path, variants: list[Variant], out: Path, cached: bool) -> int:
    """Write each variant of `file` (WebP and JPEG) under `out`; return the count. With
    `cached`, `out` is the cache and each copy gets its digest beside it."""
    with Image.open(file) as opened:
        im: Image.Image = ImageOps.exif_transpose(opened)
        if im.mode in ("RGBA", "LA", "P"):
            rgba = im.convert("RGBA")
            im = Image.new("RGB", im.size, (255, 255, 255))
            im.paste(rgba, mask=rgba.getchannel("A"))
        else:
            im = im.convert("RGB")
        for v in variants:
            small = im.resize((v.width, v.height), Image.Resampling.LANCZOS)
            for name, fmt, options in (
                (v.webp, "WEBP", {"quality": WEBP_QUALITY, "method": 4}),
                (v.jpeg, "JPEG", {"quality": JPEG_QUALITY, "optimize": True,
                                  "progressive": True}),
            ):
                buffer = io.BytesIO()
                small.save(buffer, fmt, **options)  # no exif=: metadata is dropped
                if cached:
                    cachefile.store(out / name, buffer.getvalue())
                else:
                    cachefile.write_atomic(out / name, buffer.getvalue())
    return len(variants)
