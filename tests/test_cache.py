"""Caches that cannot lie: every entry under .cache/ is checked against the digest stored
beside it before it is used, and made again when it does not match. A damaged entry is
never shipped: the rebuilt site has the right file, read back."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from second_classroom import cachefile, cli

sys.path.insert(0, str(REPO / "bench"))

from synth import write_synthetic  # noqa: E402


def test_an_entry_reads_back_only_while_it_matches_its_digest(tmp_path: Path) -> None:
    entry = tmp_path / "ab" / "abc.pdf"
    data = b"%PDF-1.7\n" + bytes(range(256)) * 10
    cachefile.store(entry, data)
    digest = cachefile.digest_path(entry)
    assert digest.read_text().strip() == hashlib.sha256(data).hexdigest()
    assert cachefile.load(entry) == data

    entry.write_bytes(data[:1000])  # truncated
    assert cachefile.load(entry) is None
    assert not entry.exists() and not digest.exists()  # dropped, to be made again

    cachefile.store(entry, data)
    flipped = bytearray(data)
    flipped[500] ^= 1  # same size, one bit wrong
    entry.write_bytes(bytes(flipped))
    assert not cachefile.valid(entry)

    cachefile.store(entry, data)
    digest.unlink()  # e.g. a build killed between the file and its digest
    assert cachefile.load(entry) is None
    assert cachefile.load(tmp_path / "never-written.pdf") is None


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_a_truncated_cached_pdf_is_exported_again_not_shipped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`classroom pages` twice over a small tree; between the builds every cached PDF is
    cut to 1,000 bytes. The second build ships whole PDFs, the same bytes as the first."""
    data = tmp_path / "site_data"
    write_synthetic(data, 40, seed=5, outlines=1)
    monkeypatch.chdir(tmp_path)  # the cache is .cache/ under the project (the cwd)

    def build(out: str) -> dict[str, bytes]:
        assert cli.main(["pages", out, "--data", str(data)]) == 0, capsys.readouterr().err
        return {p.name: p.read_bytes() for p in (tmp_path / out / "outlines").rglob("*.pdf")}

    first = build("site1")
    assert len(first) == 2  # the outline's PDF and its pack's
    cached = sorted((tmp_path / ".cache" / "exports").rglob("*.pdf"))
    assert len(cached) == 2
    for path in cached:
        assert cachefile.valid(path)
        with path.open("r+b") as handle:
            handle.truncate(1000)

    second = build("site2")
    assert second == first
    for name, blob in second.items():
        assert blob.startswith(b"%PDF") and blob.rstrip().endswith(b"%%EOF"), name
        assert "讲红色故事" in _pdf_text(tmp_path / "site2" / "outlines" / "outline-00000" / name)
    for path in cached:  # the cache holds whole files again
        assert path.stat().st_size > 1000 and cachefile.valid(path)


def test_a_damaged_cached_photo_is_encoded_again(tmp_path: Path) -> None:
    from PIL import Image

    from second_classroom.pictures import PictureSet

    data = tmp_path / "site_data"
    (data / "media").mkdir(parents=True)
    Image.linear_gradient("L").resize((1000, 700)).convert("RGB").save(
        data / "media" / "a.jpg", "JPEG", quality=90)
    image = {"src": "media/a.jpg", "caption": "旧址", "credit": "测试", "license": "CC BY 4.0"}
    cache = tmp_path / "cache"
    first = PictureSet(data)
    picture = first.picture(image)
    assert first.write(tmp_path / "site1", cache) == 3
    shipped = {p.name: p.read_bytes() for p in (tmp_path / "site1" / "media").iterdir()}
    assert len(shipped) == 6 and len(list(cache.rglob("*.sha256"))) == 6

    webp = cache / picture.variants[0].webp
    jpeg = cache / picture.variants[-1].jpeg
    webp.write_bytes(webp.read_bytes()[:webp.stat().st_size // 2])  # truncated
    jpeg.write_bytes(b"\xff\xd8" + jpeg.read_bytes()[2:][::-1])  # same size, wrong bytes
    again = PictureSet(data)
    again.picture(image)
    assert again.write(tmp_path / "site2", cache) == 2  # just the two damaged widths
    assert {p.name: p.read_bytes() for p in (tmp_path / "site2" / "media").iterdir()} == shipped
    for path in (webp, jpeg):
        with Image.open(path) as im:
            im.load()  # decodes whole


def test_pruning_a_cached_export_takes_its_digest_along(tmp_path: Path) -> None:
    import os
    import time

    from second_classroom.export.batch import CACHE_DAYS, prune_cache

    old = time.time() - (CACHE_DAYS + 1) * 86400
    kept, dropped = tmp_path / "aa" / "aa1.pdf", tmp_path / "bb" / "bb2.pdf"
    for path in (kept, dropped):
        cachefile.store(path, b"%PDF-1.7 " + path.name.encode())
        for file in (path, cachefile.digest_path(path)):
            os.utime(file, (old, old))
    assert prune_cache(tmp_path, {kept}) == 1
    assert sorted(p.name for p in tmp_path.rglob("*.*")) == ["aa1.pdf", "aa1.pdf.sha256"]
    assert cachefile.valid(kept)


def _fingerprint_by_paths(inputs: list[Path], values: list[str]) -> str:
    """The input fingerprint as Path objects give it (rglob, sorted Paths): what
    buildcache.fingerprint must equal, walking with strings."""
    import os

    skip = {"__pycache__", ".git"}
    digest = hashlib.sha256()
    for value in values:
        digest.update(value.encode("utf-8") + b"\0")
    for root in inputs:
        digest.update(b"root\0" + os.fsencode(root.resolve()) + b"\0")
        if root.is_file():
            files = [root]
        elif root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.is_file()
                           and not skip.intersection(p.relative_to(root).parts))
        else:
            digest.update(b"missing\0")
            continue
        for path in files:
            digest.update(os.fsencode(path.relative_to(root) if path != root else path.name))
            digest.update(b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def test_the_input_fingerprint_walks_as_pathlib_does(tmp_path: Path) -> None:
    """Same files in the same order: by path parts ("a/b" before "a-b/x", which sorts
    first as text), links to files read, links to folders not entered, __pycache__ and
    .git (folders or files) left out, hidden files kept."""
    from second_classroom.buildcache import PACKAGE, fingerprint

    data = tmp_path / "data"
    for rel in ("a/b", "a-b/x", "a/c/d.yml", ".hidden", "z/.git", "z/__pycache__/m.pyc",
                ".git/config", "sites/遵义.yml", "sites/a.yml"):
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_text(f"内容 {rel}\n", "utf-8")
    (data / "link-to-file").symlink_to(data / "a/b")
    (data / "link-to-folder").symlink_to(data / "a", target_is_directory=True)
    (data / "broken").symlink_to(data / "nowhere")
    inputs = [data, PACKAGE, data / "a/b", tmp_path / "missing"]
    assert fingerprint(inputs, ["x"]) == _fingerprint_by_paths(inputs, ["x"])
    before = fingerprint([data])
    (data / "a-b/x").write_text("改了", "utf-8")
    assert fingerprint([data]) != before
