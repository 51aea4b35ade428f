"""Atomic and deterministic output: a build never leaves a half-written site, and the same
data gives the same bytes."""

from __future__ import annotations

import datetime as dt
import gzip
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import REPO, build_site, site_config

from second_classroom.catalog import load_catalog
from second_classroom.output import (
    AtomicOutput,
    PageCompressor,
    WarningCounter,
    data_date,
    page_dates,
    precompress,
)

# --- AtomicOutput on its own ----------------------------------------------------------


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_commit_replaces_the_old_site_whole(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "old.html").write_text("old")
    out = AtomicOutput(site)
    staging = out.begin()
    assert staging.parent == tmp_path and staging.name.startswith(".site.building-")
    assert _tree(site) == {"old.html": b"old"}  # untouched while building
    (staging / "new.html").write_text("new")
    out.commit()
    assert _tree(site) == {"new.html": b"new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_commit_creates_a_missing_target(tmp_path: Path) -> None:
    out = AtomicOutput(tmp_path / "deep" / "site")
    (out.begin() / "index.html").write_text("x")
    out.commit()
    assert _tree(tmp_path / "deep" / "site") == {"index.html": b"x"}


def test_discard_keeps_the_old_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "old.html").write_text("old")
    out = AtomicOutput(site)
    (out.begin() / "half.html").write_text("half")
    out.discard()
    assert _tree(site) == {"old.html": b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_begin_removes_leftovers_of_dead_builds_only(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".site.building-{dead}"
    retired = tmp_path / f".site.old-{dead}"
    alive = tmp_path / ".site.building-1"  # pid 1 is always running
    other = tmp_path / ".other.building-99999999"
    for d in (stale, retired, alive, other):
        d.mkdir()
    out = AtomicOutput(tmp_path / "site")
    out.begin()
    assert not stale.exists() and not retired.exists()
    assert alive.exists() and other.exists() and out.staging.exists()


def test_warning_counter_counts_warnings_and_errors_only() -> None:
    import logging

    counter = WarningCounter()
    log = logging.getLogger("test_output.counter")
    log.addHandler(counter)
    try:
        log.info("fine")
        log.warning("one")
        log.error("two")
    finally:
        log.removeHandler(counter)
    assert counter.count == 2


def test_page_dates_come_from_verified_dates() -> None:
    catalog, _ = load_catalog(REPO / "site_data")
    dates = page_dates(catalog)
    record = next(iter(catalog.records.values()))
    assert dates[f"{record.kind}/{record.id}.md"] == record.data["verified"].isoformat()
    # A ledger item has no `verified`: its page is dated by the last thing it records.
    task = catalog.get("banshi-zhener-cunliu-qiaoliang")
    assert dates[f"tasks/{task.id}.md"] == "2026-11-27"  # its last progress entry
    planned = catalog.get("xuanjiang-20270107-budui")
    assert f"lectures/{planned.id}.md" not in dates  # a plan is not a date of the data
    latest = data_date(catalog)
    assert latest == max(r.data["verified"] for r in catalog.records.values()
                         if "verified" in r.data)


def test_precompress_leaves_small_per_record_files_to_the_server(tmp_path: Path) -> None:
    text = ("旧址遗迹是教室，文物史料是教材，英烈模范是教师。" * 40).encode()
    files = ["sites/x/index.html", "sites/x/poster.html", "searchindex/0a1b2c/d7.json",
             "searchindex/0a1b2c/t3.txt", "searchindex/manifest.json"]
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(text)
    assert precompress(tmp_path).files == 3
    copied = {p.relative_to(tmp_path).as_posix().removesuffix(".gz")
              for p in tmp_path.rglob("*.gz")}
    assert copied == {"sites/x/index.html", "searchindex/0a1b2c/t3.txt",
                      "searchindex/manifest.json"}


def test_precompress_leaves_the_files_given_to_a_compressor_alone(tmp_path: Path) -> None:
    """finish takes the site's names while the page compressor still writes the copies of
    its last pages: those files, having no copies yet, must not be compressed again."""
    text = ("旧址遗迹是教室，文物史料是教材，英烈模范是教师。" * 40).encode()
    for name in ("a/index.html", "b/index.html", "feed.xml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(text)
    compressor = PageCompressor()
    compressor.add(tmp_path / "a/index.html", text)
    assert compressor.given == {str(tmp_path / "a/index.html")}
    assert precompress(tmp_path, given=compressor.given).files == 2
    assert not (tmp_path / "a/index.html.gz").exists()  # the compressor's, still to come
    assert compressor.wait().files == 1
    assert (tmp_path / "a/index.html.gz").read_bytes() == \
        (tmp_path / "b/index.html.gz").read_bytes()


def test_page_compressor_writes_what_precompress_would(tmp_path: Path) -> None:
    pages = {f"p{i}/index.html": f"<p>第{i}页：旧址遗迹是教室。</p>\n".encode() * 60
             for i in range(150)}  # more than one batch
    compressor = PageCompressor()
    for name, data in pages.items():
        compressor.add(tmp_path / "early" / name, data)  # before the page itself exists
        (tmp_path / "late" / name).parent.mkdir(parents=True)
        (tmp_path / "late" / name).write_bytes(data)
    assert compressor.wait().files == len(pages)
    assert precompress(tmp_path / "late").files == len(pages)
    early = {p.relative_to(tmp_path / "early"): p.read_bytes()
             for p in (tmp_path / "early").rglob("*.*")}
    late = {p.relative_to(tmp_path / "late"): p.read_bytes()
            for p in (tmp_path / "late").rglob("*.*") if p.suffix in (".gz", ".br")}
    assert early == late and len(early) == 2 * len(pages)


def test_precompress_writes_identical_gzip_and_brotli_copies(tmp_path: Path) -> None:
    import brotli

    big = ("<p>旧址遗迹是教室，文物史料是教材，英烈模范是教师。</p>\n" * 100).encode()
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_bytes(big)
    (tmp_path / "app.js").write_bytes(b"var x = 1;\n" * 200)
    (tmp_path / "tiny.css").write_bytes(b"a{}")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8" * 1000)
    (tmp_path / "sitemap.xml").write_bytes(b"<urlset/>" * 100)
    (tmp_path / "sitemap.xml.gz").write_bytes(b"made by mkdocs")
    stats = precompress(tmp_path)
    assert stats.files == 2
    first = {p.name: p.read_bytes() for p in tmp_path.rglob("*.*")}
    assert gzip.decompress(first["index.html.gz"]) == big
    assert brotli.decompress(first["index.html.br"]) == big
    assert "tiny.css.gz" not in first and "photo.jpg.gz" not in first
    assert first["sitemap.xml.gz"] == b"made by mkdocs"
    for p in tmp_path.rglob("*.gz"):
        if p.name != "sitemap.xml.gz":
            p.unlink()
    precompress(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.rglob("*.*")} == first  # deterministic



def test_precompress_spends_the_densest_levels_on_what_phones_fetch(tmp_path: Path) -> None:
    import brotli

    urls = "".join(f"<url><loc>https://example.org/sites/s{i}/</loc></url>\n"
                   for i in range(3000)).encode()
    (tmp_path / "sitemap-1.xml").write_bytes(urls)  # a split sitemap: crawlers read it
    (tmp_path / "app.js").write_bytes(urls)  # a shared asset: every phone fetches it
    (tmp_path / "nearme").mkdir()
    (tmp_path / "nearme" / "p01.json").write_bytes(urls)  # a province's sites: grows with them
    assert precompress(tmp_path).files == 3
    levels = {name: ((tmp_path / f"{name}.gz").read_bytes(), (tmp_path / f"{name}.br").read_bytes())
              for name in ("sitemap-1.xml", "app.js", "nearme/p01.json")}
    for name in ("sitemap-1.xml", "nearme/p01.json"):
        assert levels[name] == (gzip.compress(urls, compresslevel=4, mtime=0),
                                brotli.compress(urls, quality=5, lgwin=18)), name  # 150 KB
    assert levels["app.js"] == (gzip.compress(urls, compresslevel=9, mtime=0),
                                brotli.compress(urls, quality=11))


def test_precompress_spares_brotli_11_on_large_shared_files(tmp_path: Path) -> None:
    """A shared file over DENSE_MAX (the 宣讲 calendar of thousands of lectures) gets
    brotli 9, not 11; one of DENSE_MAX bytes still gets 11."""
    import brotli

    from second_classroom.output import DENSE_MAX

    line = b"BEGIN:VEVENT\r\nSUMMARY:%d\r\nEND:VEVENT\r\n"
    large = b"".join(line % i for i in range(DENSE_MAX // len(line) + 100))
    edge = large[:DENSE_MAX]
    (tmp_path / "large.ics").write_bytes(large)
    (tmp_path / "edge.ics").write_bytes(edge)
    assert precompress(tmp_path).files == 2
    assert (tmp_path / "large.ics.br").read_bytes() == brotli.compress(large, quality=9)
    assert (tmp_path / "large.ics.gz").read_bytes() == gzip.compress(large, compresslevel=9,
                                                                     mtime=0)
    assert (tmp_path / "edge.ics.br").read_bytes() == brotli.compress(edge, quality=11)

# --- Real builds -----------------------------------------------------------------------


def _run_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", **extra}


def _differences(a: Path, b: Path) -> list[str]:
    ta, tb = _tree(a), _tree(b)
    out = [f"only in one build: {p}" for p in sorted(set(ta) ^ set(tb))]
    out += [f"bytes differ: {p}" for p in sorted(set(ta) & set(tb)) if ta[p] != tb[p]]
    return out


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    """Same data, another day, another hash seed, fresh caches: the same bytes."""
    builds, runs = [], []
    # Both at once: half the wall time, and the same source tree for both.
    for n, (epoch, seed) in enumerate((("1000000000", "1"), ("2000000000", "2"))):
        folder = tmp_path / f"b{n}"
        # Each build has its own export cache, so the downloads are really made twice.
        config = site_config(folder, REPO / "site_data", export_cache=str(folder / "cache"))
        out = folder / "site"
        runs.append(subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "build", "-f", str(config), "-d", str(out)],
            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=_run_env(SOURCE_DATE_EPOCH=epoch, PYTHONHASHSEED=seed)))
        builds.append(out)
    for run in runs:
        output, _ = run.communicate(timeout=600)
        assert run.returncode == 0, output
    a, b = builds
    assert len(_tree(a)) > 100
    assert _differences(a, b) == []
    # The sitemap dates are the records' verified dates, not either build date.
    catalog, _ = load_catalog(REPO / "site_data")
    lastmods = set(re.findall(r"<lastmod>([^<]+)</lastmod>",
                              (a / "sitemap.xml").read_text("utf-8")))
    assert lastmods <= set(page_dates(catalog).values())
    assert not lastmods & {"2001-09-09", "2033-05-18"}  # the two SOURCE_DATE_EPOCH days
    with gzip.open(a / "sitemap.xml.gz") as gz:
        assert gz.read() == (a / "sitemap.xml").read_bytes()
    mtime = int.from_bytes((a / "sitemap.xml.gz").read_bytes()[4:8], "little")
    assert dt.datetime.fromtimestamp(mtime, dt.UTC).date() == data_date(catalog)


def _old_site(folder: Path) -> Path:
    site = folder / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("旧站点", encoding="utf-8")
    (site / "keep.txt").write_text("keep", encoding="utf-8")
    return site


def _siblings(site: Path) -> list[str]:
    return sorted(p.name for p in site.parent.iterdir() if p.name.startswith(".site"))


def test_a_killed_build_leaves_the_old_site_intact(tmp_path: Path) -> None:
    config = site_config(tmp_path, REPO / "site_data", search=False, downloads=False)
    site = _old_site(tmp_path)
    before = _tree(site)
    process = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "-f", str(config), "-d", str(site)],
        cwd=tmp_path, env=_run_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staging = tmp_path / f".site.building-{process.pid}"
    deadline = time.monotonic() + 120
    try:
        # Kill it once the new site is partly written: its pages have started to appear.
        while time.monotonic() < deadline and process.poll() is None:
            if staging.is_dir() and any(staging.glob("sites/*/index.html")):
                break
            time.sleep(0.02)
        assert process.poll() is None, "the build finished before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert staging.is_dir()  # the half-written new site is there ...
    assert _tree(site) == before  # ... and the old one was never touched
    # The next build finishes, clears the leftover and replaces the site.
    done = build_site(config, site, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (site / "keep.txt").exists() and (site / "sites" / "index.html").exists()
    assert _siblings(site) == []


def test_bad_data_leaves_the_old_site_intact(tmp_path: Path) -> None:
    data = tmp_path / "site_data"
    shutil.copytree(REPO / "site_data", data)
    bad = sorted((data / "sites").glob("*.yml"))[0]
    bad.write_text(bad.read_text("utf-8") + "verified: 不是日期\n", encoding="utf-8")
    config = site_config(tmp_path, data, search=False, downloads=False)
    site = _old_site(tmp_path)
    before = _tree(site)
    done = build_site(config, site, cwd=tmp_path)
    assert done.returncode != 0
    assert _tree(site) == before and _siblings(site) == []


def test_a_strict_warning_leaves_the_old_site_intact(tmp_path: Path) -> None:
    """MkDocs fails a strict build after on_post_build: the swap must not have happened."""
    config = site_config(tmp_path, REPO / "site_data", search=False, downloads=False)
    loaded = yaml.safe_load(config.read_text("utf-8"))
    loaded["nav"].append({"不存在": "missing-page.md"})  # a warning, fatal under strict
    config.write_text(yaml.safe_dump(loaded, allow_unicode=True), "utf-8")
    site = _old_site(tmp_path)
    before = _tree(site)
    done = build_site(config, site, cwd=tmp_path)
    assert done.returncode != 0
    assert "strict mode" in done.stdout + done.stderr
    assert _tree(site) == before and _siblings(site) == []


@pytest.mark.parametrize("command", ["serve"])
def test_serve_builds_in_place(tmp_path: Path, command: str) -> None:
    """`mkdocs serve` keeps its own temporary dir: the hook must not redirect it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("hooks_under_test",
                                                  REPO / "hooks" / "site_hooks.py")
    assert spec and spec.loader
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    hooks.on_startup(command=command, dirty=False)
    from mkdocs.config import load_config

    config = load_config(str(site_config(tmp_path, REPO / "site_data")),
                         site_dir=str(tmp_path / "out"))
    hooks.on_config(config)
    assert config.site_dir == str(tmp_path / "out")
    assert not list(tmp_path.glob(".out.*"))


def test_finish_reads_no_open_data_file_back_for_sw_js(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """sw.js hashes every file; those of /data/ come with their digests from the open data
    step (at 10,000 records, reading the per-record files back took a quarter second of
    the build's single-core end). The hash is the same as reading them."""
    from second_classroom import offline
    from second_classroom.build import BuildOptions, SiteBuild

    build = SiteBuild.start(REPO, BuildOptions(downloads=False, search=False))
    site = build.begin(tmp_path / "site", atomic=False, compress=True)
    build.start_search(site)
    (site / "assets").mkdir()
    (site / "assets/logo.png").write_bytes(b"\x89PNG written by the engine")
    opened: list[str] = []

    def spy(path: str, *args: object, **kwargs: object) -> object:
        opened.append(path)
        return open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(offline, "open", spy, raising=False)
    build.finish(site)
    monkeypatch.undo()
    assert opened == [str(site / "assets/logo.png")]  # the one file it knows nothing of
    assert len(list((site / "data").rglob("*.json"))) > len(build.catalog.records)
    sw = (site / "sw.js").read_text("utf-8")
    assert offline.build_hash(site) in sw  # every file read afresh: the same version


def test_shared_files_written_before_the_pages_get_finish_s_copies(tmp_path: Path) -> None:
    """`write_shared` writes the shared files and queues the copies of every file that
    stays as it is with the pages' (assets at the densest levels, like precompress); the
    folders being written by the workers and the pages are left alone, and `finish` then
    writes no shared file again."""
    from second_classroom.build import BuildOptions, SiteBuild
    from second_classroom.output import file_digest, write_copies
    from second_classroom.render import site_assets

    build = SiteBuild.start(REPO, BuildOptions(downloads=False, search=False))
    site = build.begin(tmp_path / "site", atomic=False, compress=True)
    text = ("body { color: red }\n" * 60).encode()
    for rel in ("assets/x.css", "data/sites.json", "searchindex/v/t0.txt", "a/index.html",
                "assets/small.js"):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(text if rel != "assets/small.js" else b"x")
    build.write_shared(site)
    assert build.compressor is not None
    build.compressor.wait()
    reference = tmp_path / "reference"
    reference.mkdir()
    write_copies(reference / "x.css", text, False)  # a shared asset: densest levels
    for suffix in (".gz", ".br"):
        assert (site / f"assets/x.css{suffix}").read_bytes() == \
            (reference / f"x.css{suffix}").read_bytes()
    assert build.written[str(site / "assets/x.css")] == file_digest(text)
    for rel in ("data/sites.json", "searchindex/v/t0.txt", "a/index.html", "assets/small.js"):
        assert not (site / f"{rel}.gz").exists(), rel
    assert (site / "feed.xml").is_file() and (site / "feed.xml.gz").is_file()
    assert build.written[str(site / "feed.xml")] == file_digest((site / "feed.xml").read_bytes())
    assert build.shared_written
    assert not list(site_assets(build.catalog, build.render, (), shared=False))
    assert list(site_assets(build.catalog, build.render, ()))
