"""MkDocs adapter: hand MkDocs the pages and files that the core build produces.

Only translation happens here; every decision lives in `second_classroom.build`. Record
pages are rendered when MkDocs asks for their content, straight to HTML, so the Markdown
converter never sees them and memory stays flat as the number of records grows.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page as MkPage

from second_classroom import diskerror
from second_classroom.build import BuildOptions, OptionsError, SiteBuild
from second_classroom.output import WarningCounter
from second_classroom.problems import DataError
from second_classroom.render import Page
from second_classroom.search import SearchIndexError
from second_classroom.security import (
    THEME_SCOPE,
    content_security_policy,
    escape_theme_meta,
    unlisted_inline_scripts,
)

log = logging.getLogger("mkdocs.hooks.second_classroom")


class _Run:
    """What MkDocs events share within one build: the core build and MkDocs' side of it."""

    command = ""
    build: SiteBuild | None = None
    pages: dict[str, Page | None] = {}  # generated page uri -> page (None: a record's)
    dates: dict[str, str] = {}
    data_date: str | None = None
    warnings: WarningCounter | None = None
    site_dir: Path | None = None  # where the site goes (named when a write fails)


_run = _Run()


def _build() -> SiteBuild:
    if _run.build is None:
        raise PluginError("第二课堂：构建尚未开始（on_config 没有运行）")
    return _run.build


def on_startup(command: str, dirty: bool) -> None:
    """Remember the command: only a clean `mkdocs build` writes atomically and compresses."""
    _run.command = command if not dirty else f"{command}-dirty"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Check the options and the data; stop with every `path:line:col` problem."""
    if not config.use_directory_urls:
        raise PluginError("第二课堂需要 use_directory_urls: true")
    project = Path(config.config_file_path).parent
    where = f"{Path(config.config_file_path).name}: extra.second_classroom"
    try:
        options = BuildOptions.from_mapping(config.extra.get("second_classroom"), where)
        build = SiteBuild.start(project, options, config.site_url or "", config.site_name)
    except OptionsError as exc:
        raise PluginError(str(exc)) from None
    except DataError as exc:
        raise PluginError("数据检查未通过，请先修正：\n" + "\n".join(
            p.format() for p in exc.problems)) from None
    for problem in build.warnings:
        log.info(problem.format())  # warnings never fail a --strict build
    _run.build = build
    # Content-Security-Policy for overrides/main.html. With the theme's scope pinned,
    # Material's inline scripts are the same on every page and their hashes are allowed.
    config.extra.setdefault("scope", THEME_SCOPE)
    config.extra["csp"] = content_security_policy()
    _run.dates, _run.data_date = build.page_dates()  # sitemap dates from the data
    if _run.command.startswith("build"):  # not for `mkdocs serve` previews
        _run.site_dir = Path(config.site_dir)
        # A clean build goes into a staging dir that on_post_build swaps in.
        atomic = _run.command == "build"
        config.site_dir = str(build.begin(Path(config.site_dir), atomic=atomic))
        if atomic:
            _run.warnings = WarningCounter()
            logging.getLogger("mkdocs").addHandler(_run.warnings)
    return config


def on_env(env: Any, config: MkDocsConfig, files: Files) -> Any:
    """Give overrides/main.html a per-build store for navigation HTML shared by records."""
    shared = _build().options.shared_nav
    fragments: dict[str, Any] = {}

    def key(page: MkPage | None, block: str) -> str:
        if not shared or page is None or page.file.src_uri not in _build().records:
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
    build = _build()
    _run.pages = {}
    for page in build.listing_pages():
        _run.pages[page.uri] = page
        files.append(File.generated(config, page.uri, content=page.as_markdown()))
    for uri in build.records:
        _run.pages[uri] = None
        files.append(File.generated(config, uri, content=build.record_stub(uri).as_markdown()))
    build.start_search(Path(config.site_dir))  # written meanwhile (under serve too)
    return files


def on_page_markdown(markdown: str, page: MkPage, **_: Any) -> str | None:
    """Skip Markdown conversion for generated pages: their HTML is ready-made."""
    escape_theme_meta(page.meta)  # Material prints title and description unescaped
    page.update_date = _run.dates.get(page.file.src_uri) or _run.data_date or page.update_date
    if page.file.src_uri in _run.pages:
        return ""
    return None


def on_page_content(html: str, page: MkPage, **_: Any) -> str | None:
    """Put the core's HTML in place of the (empty) converted Markdown."""
    uri = page.file.src_uri
    if uri not in _run.pages:
        return None
    ready = _run.pages[uri]
    return (ready or _build().record_page(uri)).html


def on_post_page(output: str, page: MkPage, **_: Any) -> str | None:
    """Stop the build if a page carries an inline script the CSP would block; else queue
    its precompressed copies."""
    if unlisted := unlisted_inline_scripts(output):
        raise PluginError(
            f"{page.file.src_uri}：页面含有内容安全策略（CSP）未允许的内联脚本 "
            f"{', '.join(unlisted)}；核对脚本后把哈希加入 second_classroom/security.py "
            "与 deploy/nginx.conf")
    _build().page_written(Path(page.file.abs_dest_path), output.encode("utf-8"))
    return None


def on_post_build(config: MkDocsConfig) -> None:
    """Let the core write the rest (posters, feed, downloads, search index, photos, sw.js,
    precompressed copies), then swap the finished site in."""
    build = _build()
    try:
        report = build.finish(Path(config.site_dir))
    except SearchIndexError as exc:
        raise PluginError(str(exc)) from None
    if (stats := report.exports) is not None:
        log.info("提纲下载：%d 个文件（新生成 %d 个，清理 %d 个三十天未用的缓存），"
                 "用时 %.1f 秒", stats.files, stats.exported, stats.pruned, stats.seconds)
    if (index := report.search) is not None:
        log.info("搜索索引：%d 条记录，%d 个分片，%.1f MB，用时 %.1f 秒", index.records,
                 index.shards, index.bytes / 1e6, index.seconds)
    if (packed := report.packed).files:
        log.info("预压缩：%d 个文本文件，%.1f MB → gzip %.1f MB、brotli %.1f MB，用时 %.1f 秒",
                 packed.files, packed.original_bytes / 1e6, packed.gzip_bytes / 1e6,
                 packed.brotli_bytes / 1e6, report.pack_seconds)
    if _run.warnings is not None:
        logging.getLogger("mkdocs").removeHandler(_run.warnings)
        if config.strict and _run.warnings.count:
            return  # MkDocs aborts the strict build next; on_build_error drops staging
    if (target := build.publish()) is not None:
        log.info("站点已完整写入 %s", target)


def on_build_error(error: Exception) -> None:
    """Drop the unfinished staging dir: the previous site stays as it was. A full disk or a
    refused write (an OSError) ends `mkdocs build` with one Chinese line, no traceback."""
    if _run.build is not None:
        _run.build.abort()
    failed = diskerror.find(error)
    if failed is not None and _run.command.startswith("build"):
        raise Abort(diskerror.message(failed, _run.site_dir)) from None


def on_shutdown() -> None:
    """Drop a staging dir left by an interrupted build (Ctrl-C skips on_build_error)."""
    on_build_error(RuntimeError("shutdown"))


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    """Rebuild the preview when a record changes."""
    server.watch(str(Path(config.config_file_path).parent / _build().options.data))
    return server
