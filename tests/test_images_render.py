"""Record photos on pages (second_classroom.pictures): resized WebP + JPEG, never originals.

The sample data has no images, so the fixtures here are generated with Pillow.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PHONE, REPO, build_site
from PIL import Image

from second_classroom.catalog import load_catalog
from second_classroom.pictures import WIDTHS, PictureSet, widths_for
from second_classroom.render import RenderOptions, record_page


def _photo(path: Path, size: tuple[int, int], fmt: str = "JPEG", orientation: int = 1,
           alpha: bool = False) -> Path:
    """Write a gradient photo (with EXIF orientation and a GPS tag) to `path`."""
    w, h = size
    mode = "RGBA" if alpha else "RGB"
    image = Image.linear_gradient("L").resize(size).convert(mode)
    image.paste((183, 28, 28, 128) if alpha else (183, 28, 28), (w // 4, h // 4, w // 2, h // 2))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (31.0, 13.0, 0.0)}  # a GPS position that must not be published
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, fmt, exif=exif.tobytes(), **({"quality": 90} if fmt == "JPEG" else {}))
    return path


def _image(src: str) -> dict[str, str]:
    return {"src": src, "caption": "旧址外景", "credit": "测试摄影", "license": "CC BY 4.0"}


def test_widths_never_upscale() -> None:
    assert widths_for(4000) == list(WIDTHS) == [480, 960, 1440]
    assert widths_for(1000) == [480, 960, 1000]
    assert widths_for(960) == [480, 960]
    assert widths_for(640) == [480, 640]
    assert widths_for(300) == [300]


def test_copies_are_resized_stripped_and_cached(tmp_path: Path) -> None:
    data = tmp_path / "site_data"
    _photo(data / "media" / "sites" / "a.jpg", (2000, 1500), orientation=6)  # stored sideways
    _photo(data / "media" / "b.png", (800, 600), fmt="PNG", alpha=True)
    pictures = PictureSet(data)
    a = pictures.picture(_image("media/sites/a.jpg"))
    b = pictures.picture(_image("media/b.png"))
    assert [(v.width, v.height) for v in a.variants] == [(480, 640), (960, 1280), (1440, 1920)]
    assert (a.width, a.height) == (1440, 1920)
    assert [v.width for v in b.variants] == [480, 800]
    assert a.variants[0].webp.startswith("media/sites/a.") and a.variants[0].webp.endswith(
        "-480w.webp")

    site, cache = tmp_path / "site", tmp_path / "cache"
    assert pictures.write(site, cache) == 5
    for picture in (a, b):
        for v in picture.variants:
            for name, fmt in ((v.webp, "WEBP"), (v.jpeg, "JPEG")):
                with Image.open(site / name) as im:
                    assert (im.format, im.size) == (fmt, (v.width, v.height)), name
                    assert not im.getexif(), f"{name} keeps metadata"
    with Image.open(site / a.variants[0].jpeg) as im:  # rotated upright: red block top-right
        assert im.convert("RGB").getpixel((int(480 * 0.6), int(640 * 0.35)))[0] > 150
    with Image.open(site / b.variants[-1].jpeg) as im:  # transparency flattened onto white
        assert im.mode == "RGB"
    again = tmp_path / "site2"
    repeat = PictureSet(data)
    repeat.picture(_image("media/sites/a.jpg"))
    assert repeat.write(again, cache) == 0  # reused from the cache, same bytes
    name = a.variants[1].webp
    assert (again / name).read_bytes() == (site / name).read_bytes()


def test_a_changed_original_gets_new_names(tmp_path: Path) -> None:
    data = tmp_path / "site_data"
    file = _photo(data / "media" / "a.jpg", (1000, 700))
    first = PictureSet(data).picture(_image("media/a.jpg"))
    _photo(file, (1000, 700), orientation=1, alpha=False)
    file.write_bytes(file.read_bytes() + b"\0")
    second = PictureSet(data).picture(_image("media/a.jpg"))
    assert first.variants[0].webp != second.variants[0].webp


def test_record_page_markup(tmp_path: Path) -> None:
    data = tmp_path / "site_data"
    shutil.copytree(REPO / "site_data", data)
    _photo(data / "media" / "test" / "photo.jpg", (1600, 1200))
    catalog = load_catalog(data)[0]
    record = catalog.by_kind["sites"][0]
    record.data["images"] = [_image("media/test/photo.jpg")]
    html = record_page(catalog, record, RenderOptions(pictures=PictureSet(data))).html
    start = html.index('<figure class="sc-figure">')
    picture = html[start:html.index("</figure>", start)]
    assert '<source type="image/webp" srcset="../../media/test/photo.' in picture
    assert "-480w.webp 480w, " in picture and "-1440w.webp 1440w" in picture
    assert 'sizes="(min-width: 60em) 40rem, calc(100vw - 1.6rem)"' in picture
    assert '-960w.jpg" srcset="../../media/test/photo.' in picture
    assert 'width="1440" height="1080"' in picture
    assert 'loading="lazy"' in picture and 'decoding="async"' in picture
    assert 'alt="旧址外景"' in picture and "测试摄影 · CC BY 4.0" in picture
    assert "sc-figure" not in record_page(catalog, record, RenderOptions()).html


def _config(data: Path, folder: Path) -> Path:
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    config["extra"]["second_classroom"].update(data=str(data), search=False, downloads=False)
    config["docs_dir"] = str(REPO / "docs")
    config["theme"]["custom_dir"] = str(REPO / "overrides")
    config["hooks"] = [str(REPO / h) for h in config["hooks"]]
    target = folder / "mkdocs.yml"
    target.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return target


@pytest.fixture(scope="module")
def photo_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The sample data with a photo on one site, built by MkDocs: (site, original, url)."""
    folder = tmp_path_factory.mktemp("photos")
    data = folder / "site_data"
    shutil.copytree(REPO / "site_data", data)
    original = _photo(data / "media" / "test" / "photo.jpg", (1600, 1200))
    record = sorted((data / "sites").glob("*.yml"))[0]
    text = record.read_text("utf-8")
    images = ("images:\n  - src: media/test/photo.jpg\n    caption: 旧址外景\n"
              "    credit: 测试摄影\n    license: CC BY 4.0\n")
    assert "\nsources:" in text and "images:" not in text
    record.write_text(text.replace("\nsources:", "\n" + images + "sources:", 1), "utf-8")
    out = folder / "site"
    done = build_site(_config(data, folder), out, cwd=folder)
    assert done.returncode == 0, f"mkdocs build failed:\n{done.stdout}\n{done.stderr}"
    return out, original, f"sites/{record.stem}/"


def test_built_site_ships_copies_never_the_original(photo_site: tuple[Path, Path, str]) -> None:
    site, original, url = photo_site
    digest = hashlib.sha256(original.read_bytes()).digest()
    shipped = [p for p in site.rglob("*") if p.is_file()]
    assert not [p for p in shipped if p.name == original.name]
    assert not [p for p in shipped if p.stat().st_size == original.stat().st_size
                and hashlib.sha256(p.read_bytes()).digest() == digest]
    copies = sorted(p.name for p in (site / "media" / "test").iterdir())
    assert len(copies) == 6 and {p.rsplit(".", 1)[1] for p in copies} == {"webp", "jpg"}
    assert "<picture>" in (site / url / "index.html").read_text("utf-8")
    sw = (site / "sw.js").read_text("utf-8")
    assert "media/test" not in sw  # photos are cached when seen, not precached


def test_phone_loads_a_webp_that_fits(browser: Any, photo_site: tuple[Path, Path, str],
                                      artifacts: Path) -> None:
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    from gzip_server import start

    site, _, url = photo_site
    server = start(site)
    ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    try:
        page = ctx.new_page()
        page.goto(server.url + url)
        img = page.locator(".sc-figure img")
        img.scroll_into_view_if_needed()
        for _ in range(50):  # poll: the page's CSP forbids Playwright's eval-based waits
            if page.evaluate("document.querySelector('.sc-figure img').complete"):
                break
            page.wait_for_timeout(100)
        current = page.evaluate("document.querySelector('.sc-figure img').currentSrc")
        assert current.endswith("-960w.webp"), current  # 390 px × 2 ≈ 780 → the 960 copy
        box = img.bounding_box()
        assert box is not None and box["width"] <= PHONE["width"]
        assert abs(box["height"] - box["width"] * 0.75) < 2  # aspect ratio from width/height
        body = io.BytesIO(page.request.get(current).body())
        with Image.open(body) as im:
            assert im.format == "WEBP"
        page.screenshot(path=str(artifacts / "images-record.png"))
    finally:
        ctx.close()
        server.shutdown()
