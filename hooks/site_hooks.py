"""MkDocs adapter: check the data, then hand the core's generated pages to MkDocs.

Only translation happens here; every decision lives in `second_classroom`. Record pages
are rendered when MkDocs asks for their content, straight to HTML, so the Markdown
converter never sees them and memory stays flat as the number of records grows.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page as MkPage

from second_classroom.catalog import Catalog, load_catalog
from second_classroom.export.batch import download_links, export_all
from second_classroom.offline import offline_page, write_service_worker
from second_classroom.output import (
    AtomicOutput,
    PageCompressor,
    Precompressed,
    WarningCounter,
    data_date,
    page_dates,
    precompress,
)
from second_classroom.pictures import PictureSet
from second_classroom.problems import DataError
from second_classroom.render import Page, RenderOptions, record_page, site_assets, site_pages
from second_classroom.render.provincegrid import CHARTS
from second_classroom.search import SearchIndexError, index_ahead
from second_classroom.security import (
    THEME_SCOPE,
    content_security_policy,
    escape_theme_meta,
    unlisted_inline_scripts,
)

log = logging.getLogger("mkdocs.hooks.second_classroom")

_state: dict[str, Any] = {}


def _data_dir(config: MkDocsConfig) -> Path:
    options = config.extra.get("second_classroom", {})
    base = Path(config.config_file_path).parent
    return base / str(options.get("data", "site_data"))


def on_startup(command: str, dirty: bool) -> None:
    """Remember whether this is a clean `mkdocs build`: only that one writes atomically."""
    _state["atomic"] = command == "build" and not dirty
    _state["command"] = command


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Check the data; stop the build with every `path:line:col` problem if it fails."""
    if not config.use_directory_urls:
        raise PluginError("第二课堂需要 use_directory_urls: true")
    try:
        catalog, result = load_catalog(_data_dir(config))
    except DataError as exc:
        raise PluginError("数据检查未通过，请先修正：\n" + "\n".join(
            p.format() for p in exc.problems)) from None
    for problem in result.warnings:
        log.info(problem.format())  # warnings never fail a --strict build
    options = config.extra.get("second_classroom", {})
    _state["catalog"] = catalog
    _state["options"] = RenderOptions(
        site_url=config.site_url or "",
        site_name=config.site_name,
        local_province=options.get("local_province", ""),
        province_chart=options.get("province_chart", "grid"),  # or "bars": see README
    )
    if _state["options"].province_chart not in CHARTS:
        raise PluginError(f"extra.second_classroom.province_chart 只能是 grid 或 bars，"
                          f"而不是“{_state['options'].province_chart}”")
    _state["options"].pictures = PictureSet(_data_dir(config))  # resized record photos
    if options.get("downloads", True):  # DOCX/PDF/Markdown links on outline pages
        _state["options"].downloads = download_links(catalog)
    # Content-Security-Policy for overrides/main.html. With the theme's scope pinned,
    # Material's inline scripts are the same on every page and their hashes are allowed.
    config.extra.setdefault("scope", THEME_SCOPE)
    config.extra["csp"] = content_security_policy()
    # Page dates come from the data (sitemap lastmod), never from the clock.
    latest = data_date(catalog)
    _state["dates"], _state["data_date"] = page_dates(catalog), latest and latest.isoformat()
    if _state.get("atomic"):  # build into a staging dir; on_post_build swaps it in last
        _state["output"] = AtomicOutput(Path(config.site_dir))
        config.site_dir = str(_state["output"].begin())
        _state["warnings"] = WarningCounter()
        logging.getLogger("mkdocs").addHandler(_state["warnings"])
    return config


def on_env(env: Any, config: MkDocsConfig, files: Files) -> Any:
    """Give overrides/main.html a per-build store for navigation HTML shared by records."""
    shared = config.extra.get("second_classroom", {}).get("shared_nav", True)
    fragments: dict[str, Any] = {}

    def key(page: MkPage | None, block: str) -> str:
        if not shared or page is None or page.file.src_uri not in _state.get("records", {}):
            return ""
        return f"{block}:{page.file.src_uri.split('/')[0]}"

    def keep(name: str, html: Any) -> Any:
        if name:
            fragments[name] = html
        return html

    env.globals.update(sc_key=key, sc_has=fragments.__contains__, sc_get=fragments.get,
                       sc_keep=keep)
    return env


# Material's lunr and search worker serve its built-in search, which is off here
# (second_classroom.search replaces it): over 1 MB that no page loads.
UNUSED_THEME_FILES = ("assets/javascripts/lunr/", "assets/javascripts/workers/search.")


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add every generated page; record pages carry only their front matter for now."""
    for unused in [f for f in files if f.src_uri.startswith(UNUSED_THEME_FILES)]:
        files.remove(unused)
    catalog: Catalog = _state["catalog"]
    options: RenderOptions = _state["options"]
    records = {f"{r.kind}/{r.id}.md": r for r in catalog.records.values()}
    pages: dict[str, Page | None] = {}
    for page in site_pages(catalog, options, records=False):
        pages[page.uri] = page
        files.append(File.generated(config, page.uri, content=page.as_markdown()))
    offline = offline_page()  # shown by the service worker for pages not saved offline
    pages[offline.uri] = offline
    files.append(File.generated(config, offline.uri, content=offline.as_markdown()))
    for uri, record in records.items():
        stub = Page(uri, record.title, "", str(record.data.get("summary", "")))
        pages[uri] = None
        files.append(File.generated(config, uri, content=stub.as_markdown()))
    _state["pages"], _state["records"] = pages, records
    # The search index is written meanwhile (by a worker on the second core for large
    # sites); `search: false` in extra.second_classroom skips it.
    if config.extra.get("second_classroom", {}).get("search", True):
        _state["search"] = index_ahead(catalog, Path(config.site_dir))
    return files


def on_page_markdown(markdown: str, page: MkPage, **_: Any) -> str | None:
    """Skip Markdown conversion for generated pages: their HTML is ready-made."""
    escape_theme_meta(page.meta)  # Material prints title and description unescaped
    page.update_date = _state["dates"].get(page.file.src_uri) or _state["data_date"] \
        or page.update_date
    if page.file.src_uri in _state.get("pages", {}):
        return ""
    return None


def on_page_content(html: str, page: MkPage, **_: Any) -> str | None:
    """Put the core's HTML in place of the (empty) converted Markdown."""
    uri = page.file.src_uri
    pages = _state.get("pages", {})
    if uri not in pages:
        return None
    ready = pages[uri]
    if ready is not None:
        return str(ready.html)
    page_html: str = record_page(_state["catalog"], _state["records"][uri],
                                 _state["options"]).html
    return page_html


def on_post_page(output: str, page: MkPage, **_: Any) -> str | None:
    """Stop the build if a page carries an inline script the CSP would block; else start
    its precompressed copies (clean builds only, as `_publish`)."""
    if unlisted := unlisted_inline_scripts(output):
        raise PluginError(
            f"{page.file.src_uri}：页面含有内容安全策略（CSP）未允许的内联脚本 "
            f"{', '.join(unlisted)}；核对脚本后把哈希加入 second_classroom/security.py "
            "与 deploy/nginx.conf")
    if _state.get("command") == "build":
        if "compressor" not in _state:
            _state["compressor"] = PageCompressor()
        _state["compressor"].add(Path(page.file.abs_dest_path), output.encode("utf-8"))
    return None


def on_post_build(config: MkDocsConfig) -> None:
    """Write files that need no theme: the printable QR poster of every site."""
    site_dir = Path(config.site_dir)
    for asset in site_assets(_state["catalog"], _state["options"]):
        target = site_dir / asset.uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(asset.content, encoding="utf-8")
    # Outline downloads next to each outline page, reused from the cache when unchanged.
    extra = config.extra.get("second_classroom", {})
    if extra.get("downloads", True):
        cache = Path(config.config_file_path).parent / extra.get("export_cache", ".cache/exports")
        stats = export_all(_state["catalog"], site_dir, cache, author=config.site_name)
        log.info("提纲下载：%d 个文件（新生成 %d 个，清理 %d 个三十天未用的缓存），"
                 "用时 %.1f 秒", stats.files, stats.exported, stats.pruned, stats.seconds)
    # The search index started in on_files (also under `mkdocs serve`).
    if (job := _state.pop("search", None)) is not None:
        try:
            result = job.result()
        except SearchIndexError as exc:
            raise PluginError(str(exc)) from None
        log.info("搜索索引：%d 条记录，%d 个分片，%.1f MB，用时 %.1f 秒", result.records,
                 result.shards, result.bytes / 1e6, result.seconds)
    # Record photos: resized copies only (originals stay out of the site), then the service
    # worker, written after every other file because its cache names hash them all.
    cache_root = Path(config.config_file_path).parent / ".cache"
    _state["options"].pictures.write(site_dir, cache_root / "images")
    write_service_worker(site_dir)
    _publish(config)  # must stay the last step: everything above writes into the new site


def _publish(config: MkDocsConfig) -> None:
    """Write precompressed copies for the web server, then swap the finished site in."""
    if _state.get("command") == "build":  # not for `mkdocs serve` previews
        start = time.perf_counter()
        packed = Precompressed()
        if "compressor" in _state:  # the pages' copies, made while they were rendered
            packed = _state.pop("compressor").wait()
        packed += precompress(Path(config.site_dir))  # every other text file
        log.info("预压缩：%d 个文本文件，%.1f MB → gzip %.1f MB、brotli %.1f MB，用时 %.1f 秒",
                 packed.files, packed.original_bytes / 1e6, packed.gzip_bytes / 1e6,
                 packed.brotli_bytes / 1e6, time.perf_counter() - start)
    output: AtomicOutput | None = _state.get("output")
    if output is None:
        return
    logging.getLogger("mkdocs").removeHandler(_state["warnings"])
    if config.strict and _state["warnings"].count:
        return  # MkDocs aborts the strict build next; on_build_error drops the staging dir
    output.commit()
    _state.pop("output")
    log.info("站点已完整写入 %s", output.target)


def on_build_error(error: Exception) -> None:
    """Drop the unfinished staging dir: the previous site stays as it was."""
    if (job := _state.pop("search", None)) is not None:
        with contextlib.suppress(Exception):
            job.result()  # the index worker writes into the staging dir: let it finish first
    if (compressor := _state.pop("compressor", None)) is not None:
        with contextlib.suppress(Exception):
            compressor.wait()  # so does the page compressor
    if (output := _state.pop("output", None)) is not None:
        output.discard()


def on_shutdown() -> None:
    """Drop a staging dir left by an interrupted build (Ctrl-C skips on_build_error)."""
    on_build_error(RuntimeError("shutdown"))


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    """Rebuild the preview when a record changes."""
    server.watch(str(_data_dir(config)))
    return server
