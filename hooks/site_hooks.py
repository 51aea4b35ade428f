"""MkDocs adapter: hand MkDocs the pages and files that the core build produces.

Only translation happens here; every decision lives in `second_classroom.build`. Record
pages do not go through MkDocs at all: MkDocs renders Material's page once per record
folder around placeholders (second_classroom.chrome), and after MkDocs' own pages the
core writes each record page into it, one by one, so memory stays flat as the number of
records grows. Generated pages outside the navigation in folders of their own (a facet
value's pages, the days of 党史上的今天) are spliced the same way. The sitemap lists them
with their dates. (`splice_records: false` hands them to MkDocs one by one instead,
rendered when MkDocs asks for their content.)
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import logging
import shutil
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

from markupsafe import Markup, escape
from mkdocs.commands.build import (
    _build_page,
    _build_theme_template,
    _populate_page,
    get_context,
)
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page as MkPage
from mkdocs.utils import get_build_date

from second_classroom import chrome, diskerror, incremental, preview, sitemap, warm
from second_classroom.build import (
    BuildOptions,
    OptionsError,
    SiteBuild,
    UnsafePageError,
    build_cache,
    engine_fingerprint,
    input_fingerprint,
    start_workers,
)
from second_classroom.forked import stop_fork_server
from second_classroom.incremental import Snapshot, Stamp
from second_classroom.layout import INDEX_DIR
from second_classroom.models import Record
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
from second_classroom.warm import ForkedSave

log = logging.getLogger("mkdocs.hooks.second_classroom")


class _Run:
    """What MkDocs events share within one build: the core build and MkDocs' side of it."""

    command = ""
    build: SiteBuild | None = None
    pages: dict[str, Page | None] = {}  # generated page uri -> page (None: a record's)
    spliced: list[Page] = []  # generated pages written like record pages (on_post_build)
    dates: dict[str, str] = {}
    data_date: str | None = None
    warnings: WarningCounter | None = None
    site_dir: Path | None = None  # where the site goes (named when a write fails)
    env: Any = None  # MkDocs' theme environment, navigation and files, for spliced pages
    nav: Navigation | None = None
    files: Files | None = None
    fingerprint = ""  # of the build's inputs (second_classroom.buildcache)
    unchanged: Path | None = None  # throwaway site_dir of a build with nothing to do
    panel = ""  # the preview's list of data errors, put on every page
    config: MkDocsConfig | None = None  # the preview's, for its quick rebuilds
    inputs: dict[str, Stamp] = {}  # the engine's own inputs when the build began
    engine = ""  # fingerprint of what a build reads besides the data (second_classroom.warm)
    today: dt.date | None = None
    stamps: dict[str, Stamp] = {}  # the data files' when a cold build began
    warm: warm.Warm | None = None  # the plan of a warm build
    saving: ForkedSave | None = None  # the snapshot, pickled by a forked copy


_run = _Run()


# Packages whose version can change the bytes of the built site.
_ENGINE_PACKAGES = ("mkdocs", "mkdocs-material", "jinja2", "markdown", "pyyaml", "brotli",
                    "segno", "pillow", "markupsafe")


def _engine_reads(config: MkDocsConfig) -> tuple[list[Path], list[str]]:
    """Return the files and values this MkDocs build reads besides the data."""
    inputs = [Path(config.config_file_path), Path(config.docs_dir), Path(__file__)]
    if config.theme.custom_dir:
        inputs.append(Path(config.theme.custom_dir))
    values = [f"{name}=" + importlib.metadata.version(name) for name in _ENGINE_PACKAGES]
    values += [f"{key}={config.get(key)!r}" for key in (
        "site_url", "site_name", "site_dir", "docs_dir", "strict", "use_directory_urls")]
    values += [f"theme={config.theme.name}", f"date={get_build_date()}"]
    return inputs, values


def _fingerprint(config: MkDocsConfig, project: Path, options: BuildOptions) -> str:
    """Return the fingerprint of everything this MkDocs build reads."""
    return input_fingerprint(project, options, *_engine_reads(config))


def _start(config: MkDocsConfig, project: Path, options: BuildOptions) -> SiteBuild:
    """Start a build: warm (only what the data's change touches is made again) when the
    last build of this site left a usable snapshot, else cold. A `mkdocs build` keeps what
    it was made from for the next one."""
    site_url, site_name = config.site_url or "", config.site_name
    if _run.command != "build" or not options.skip_unchanged:
        return SiteBuild.start(project, options, site_url, site_name)
    _run.engine = engine_fingerprint(options, *_engine_reads(config))
    _run.today = dt.date.today()
    site = Path(config.site_dir)
    try:
        _run.warm = warm.plan(project, options, site, _run.engine, _run.today)
    except Exception as exc:  # noqa: BLE001 - a cold build is always right; say why
        log.info("上次构建留下的快照不能用（%s: %s），完整构建", type(exc).__name__, exc)
        _run.warm = None
    if (planned := _run.warm) is not None:
        assert planned.build.reuse is not None
        log.info("增量构建：%d 条记录有改动，重写 %d 个记录页，沿用上次的 %d 个",
                 len(planned.update.changed), len(planned.update.records),
                 len(planned.build.reuse.kept))
        return planned.build
    _run.stamps = incremental.stamps(project / options.data)  # before the check reads it
    return SiteBuild.start(project, options, site_url, site_name)


def _skip_unchanged(config: MkDocsConfig, project: Path, options: BuildOptions) -> bool:
    """For a clean `mkdocs build` whose inputs match the site's last build: build nothing
    into a throwaway folder and leave the site as it is. Return whether that is so."""
    if _run.command != "build" or not options.skip_unchanged:
        return False
    site = Path(config.site_dir)
    cache = build_cache(project)
    if not cache.knows(site):  # a first build (a fresh clone): it cannot be skipped, so
        start_workers(project / options.data)  # the workers' imports while it prints
    _run.fingerprint = _fingerprint(config, project, options)
    if not cache.unchanged(site, _run.fingerprint):
        return False
    site.parent.mkdir(parents=True, exist_ok=True)
    _run.unchanged = Path(tempfile.mkdtemp(prefix=f".{site.name}.unchanged-", dir=site.parent))
    config.site_dir = str(_run.unchanged)
    config.nav = None  # MkDocs gets no pages at all (on_files)
    log.info("数据、模板、代码和配置都没有变化：沿用 %s，不重新生成", site)
    return True


def _build() -> SiteBuild:
    if _run.build is None:
        raise PluginError("第二课堂：构建尚未开始（on_config 没有运行）")
    return _run.build


def on_startup(command: str, dirty: bool) -> None:
    """Remember the command: only a clean `mkdocs build` writes atomically and compresses."""
    _run.command = command if not dirty else f"{command}-dirty"
    preview.session.command = _run.command  # outlives this module: serve reloads it


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Check the options and the data; stop with every `path:line:col` problem."""
    if not config.use_directory_urls:
        raise PluginError("第二课堂需要 use_directory_urls: true")
    project = Path(config.config_file_path).parent
    where = f"{Path(config.config_file_path).name}: extra.second_classroom"
    _run.build, _run.unchanged, _run.fingerprint = None, None, ""
    _run.engine, _run.today, _run.stamps, _run.warm = "", None, {}, None
    serving = preview.serving()
    try:
        options = BuildOptions.from_mapping(config.extra.get("second_classroom"), where)
        if serving:  # what a quick rebuild must find unchanged
            _run.inputs = _engine_inputs(config, project / options.data)
        if _skip_unchanged(config, project, options):
            return config
        if serving:  # drafts shown; data errors listed on every page, never a dead server
            build, problems, stale = preview.preview_build(project, options,
                                                           config.site_url or "",
                                                           config.site_name)
            _run.panel = preview.problems_panel(problems, stale) if problems else ""
            for problem in problems:  # info: a warning would abort the strict rebuild
                log.info("数据检查未通过：%s", problem.format())
        else:
            build = _start(config, project, options)
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
    # The preview's policy also lets MkDocs' live-reload script run (never a build's).
    config.extra.setdefault("scope", THEME_SCOPE)
    config.extra["csp"] = content_security_policy(live_reload=serving)
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
    env.globals.update(sc_sitemap_records=lambda: _sitemap_records(config))
    shared = not _run.unchanged and _build().options.shared_nav
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
    _run.env, _run.files = env, files
    return env


def on_nav(nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
    """Keep the navigation: spliced record pages are rendered with it."""
    _run.nav = nav
    return nav


def _spliced() -> bool:
    return _build().options.splice_records


def _sitemap_records(config: MkDocsConfig) -> Markup:
    """Return the sitemap's <url> entries of the pages that MkDocs does not build itself
    (spliced generated pages, then records: address and date), as MkDocs would print
    them after every other page.

    Written here rather than by a loop in the template: a quick rebuild that adds a record
    writes the sitemap of 10,000 records again, and the loop took most of its time."""
    if _run.unchanged or not _spliced() or not config.site_url:
        return Markup("")
    base = config.site_url if config.site_url.endswith("/") else config.site_url + "/"
    fallback = _run.data_date or get_build_date()
    dates = _run.dates
    pages = [(p.uri, p.url) for p in _run.spliced if p.listed]
    pages += [(uri, record.url) for uri, record in _build().records.items()]
    return Markup("".join(
        f"\n    <url>\n         <loc>{_address(base, url)}</loc>\n"
        f"         <lastmod>{dates.get(uri) or fallback}</lastmod>\n    </url>"
        for uri, url in pages))


_addresses: dict[tuple[str, str], str] = {}  # (site url, page url) -> escaped address


def _address(base: str, url: str) -> str:
    """Return the escaped absolute address of the page at `url` (a relative path)."""
    found = _addresses.get((base, url))
    if found is None:
        found = _addresses[base, url] = str(escape(urljoin(base, quote(url))))
    return found


def _theme_page(config: MkDocsConfig, src_uri: str, meta: dict[str, str],
                content: str) -> str:
    """Return Material's page for content MkDocs never read, as MkDocs' own page build
    renders it (context, page_context event, template, on_post_page's compaction)."""
    page = MkPage(None, File.generated(config, src_uri, content=""), config)
    page.markdown, page.meta, page.content, page.active = "", meta, content, True
    config._current_page = page
    try:
        context = get_context(_run.nav, _run.files, config, page)  # type: ignore[arg-type]
        context = config.plugins.on_page_context(context, page=page, config=config,
                                                 nav=_run.nav)  # type: ignore[arg-type]
        return chrome.compact(str(_run.env.get_template("main.html").render(context)),
                              content)
    finally:
        config._current_page = None


def _marked(page_html: str) -> str:
    """A page of a preview whose data has errors carries the list of them."""
    return preview.with_panel(page_html, _run.panel) if _run.panel else page_html


def _shell(config: MkDocsConfig, folder: str, described: bool) -> chrome.Chrome:
    """Return Material's page for a folder's spliced pages, around the placeholders."""
    meta = {"title": chrome.TITLE}
    if described:
        meta["description"] = chrome.DESCRIPTION
    return chrome.Chrome.parse(_marked(_theme_page(config, f"{folder}/{chrome.ID}.md", meta,
                                                   chrome.CONTENT)))


def _whole(config: MkDocsConfig, page: Page) -> str:
    """Return Material's page for a page the chrome does not fit."""
    meta = {"title": page.title, "description": page.description}
    escape_theme_meta(meta)
    return _marked(_theme_page(config, page.uri, {k: v for k, v in meta.items() if v},
                               page.html))


def _write_record_pages(config: MkDocsConfig, only: list[Record] | None = None,
                        build: SiteBuild | None = None, posters: bool = False,
                        spliced: list[Page] | None = None) -> None:
    try:
        (build or _build()).write_record_pages(
            Path(config.site_dir), lambda *key: _shell(config, *key),
            lambda page: _whole(config, page), only=only, posters=posters,
            spliced=spliced or ())
    except UnsafePageError as exc:
        raise _unsafe(exc.uri, exc.hashes) from None


def _write_spliced_pages(config: MkDocsConfig, pages: list[Page]) -> None:
    try:
        _build().write_spliced_pages(Path(config.site_dir), pages,
                                     lambda *key: _shell(config, *key),
                                     lambda page: _whole(config, page))
    except UnsafePageError as exc:
        raise _unsafe(exc.uri, exc.hashes) from None


def _nav_uris(config: MkDocsConfig) -> set[str]:
    """Return the pages mkdocs.yml's nav names."""
    found: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict):
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(config.nav)
    return found


def _spliceable(page: Page, nav: set[str]) -> bool:
    """Return whether a generated page is written like a record page: outside the
    navigation, in a folder of its own kind (chrome.place), with its own heading."""
    return page.uri not in nav and chrome.place(page.uri) is not None and \
        chrome.can_splice(page.html)


def _unsafe(uri: str, hashes: list[str]) -> PluginError:
    return PluginError(
        f"{uri}：页面含有内容安全策略（CSP）未允许的内联脚本 "
        f"{', '.join(hashes)}；核对脚本后把哈希加入 second_classroom/security.py "
        "与 deploy/nginx.conf")


# Material's lunr and search worker serve its built-in search, which is off here
# (second_classroom.search replaces it): over 1 MB that no page loads.
UNUSED_THEME_FILES = ("assets/javascripts/lunr/", "assets/javascripts/workers/search.")


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add every generated page; record pages carry only their front matter for now."""
    if _run.unchanged:
        return Files([])
    for unused in [f for f in files if f.src_uri.startswith(UNUSED_THEME_FILES)]:
        files.remove(unused)
    build = _build()
    # Written meanwhile (under serve too), from now on: the earliest event after MkDocs
    # has emptied the site folder, so that the listing pages below are made meanwhile.
    build.start_search(Path(config.site_dir))
    # A warm build has them from the last build's snapshot, with what changed made again.
    listing = list(build.listing_pages()) if _run.warm is None else \
        list(_run.warm.snapshot.listing.values())
    # Pages outside the navigation in folders of their own (a facet value's pages, the
    # days of 党史上的今天) are spliced like record pages and listed in the sitemap after
    # MkDocs' own pages; so MkDocs gets them last when it renders them itself. Each group
    # in order of address, so that a warm build (whose new pages come last) lists them as
    # a cold build does.
    nav = _nav_uris(config)
    splice = build.options.splice_records
    _run.pages, _run.spliced = {}, []
    marked = [(_spliceable(p, nav), p) for p in listing]
    for spliceable, page in sorted(marked, key=lambda m: (m[0], m[1].uri)):
        _run.pages[page.uri] = page
        if splice and spliceable:
            _run.spliced.append(page)
        else:
            files.append(File.generated(config, page.uri, content=_source(page)))
    if not build.options.splice_records:  # else written by on_post_build
        for uri in build.records:
            _run.pages[uri] = None
            files.append(File.generated(config, uri,
                                        content=build.record_stub(uri).as_markdown()))
    return files


def _source(page: Page) -> str:
    """Return what MkDocs reads of a generated page: its front matter. The HTML comes when
    the page is built (on_page_context): MkDocs reads every page before it builds any, so
    it held each generated page twice more (source and content) until the end."""
    return replace(page, html="").as_markdown()


def on_page_markdown(markdown: str, page: MkPage, **_: Any) -> str | None:
    """Skip Markdown conversion for generated pages: their HTML is ready-made."""
    escape_theme_meta(page.meta)  # Material prints title and description unescaped
    page.update_date = _run.dates.get(page.file.src_uri) or _run.data_date or page.update_date
    if page.file.src_uri in _run.pages:
        return ""
    return None


def on_page_content(html: str, page: MkPage, **_: Any) -> str | None:
    """Leave a generated page empty while MkDocs reads every page: its HTML is put in when
    the page is built (on_page_context) and dropped once written (on_post_page)."""
    return "" if page.file.src_uri in _run.pages else None


def on_page_context(context: Any, page: MkPage, **_: Any) -> Any:
    """Put the core's HTML in place of the (empty) converted Markdown. (A theme page the
    hook renders itself, `_theme_page`, comes with its content.)"""
    uri = page.file.src_uri
    if uri in _run.pages and not page.content:
        ready = _run.pages[uri]
        if ready is None:
            page.content = _build().record_page(uri).html
        else:
            page.content = ready.html
    return context


def on_post_page(output: str, page: MkPage, **_: Any) -> str | None:
    """Stop the build if a page carries an inline script the CSP would block; else return
    it with the theme's whitespace compacted (chrome.compact) and queue its precompressed
    copies."""
    if unlisted := unlisted_inline_scripts(output):
        raise _unsafe(page.file.src_uri, unlisted)
    output = chrome.compact(output, page.content or "")  # as the chrome of spliced pages
    if page.file.src_uri in _run.pages:
        page.content = ""  # written: MkDocs need not hold it (on_page_context)
    if _run.panel:
        output = preview.with_panel(output, _run.panel)
    _build().page_written(Path(page.file.abs_dest_path), output.encode("utf-8"))
    return output


def on_post_template(output: str, template_name: str, config: MkDocsConfig) -> str | None:
    """In a preview with data errors, the 404 page lists them too (a broken record's page
    may be missing). A sitemap over the protocol's limits becomes an index of parts."""
    if _run.panel and template_name == "404.html":
        return preview.with_panel(output, _run.panel)
    if template_name == "sitemap.xml" and not _run.unchanged:
        return sitemap.write_split(output, config.site_url or "", Path(config.site_dir),
                                   max_urls=_build().options.sitemap_urls)
    return None


def on_post_build(config: MkDocsConfig) -> None:
    """Let the core write the rest (record pages, posters, feed, downloads, search index,
    photos, sw.js, precompressed copies), then swap the finished site in."""
    if (throwaway := _run.unchanged) is not None:
        _run.unchanged = None
        shutil.rmtree(throwaway, ignore_errors=True)
        return
    build = _build()
    build.write_shared(Path(config.site_dir))  # their copies made while pages are written
    if build.options.splice_records:  # with the generated pages outside the navigation
        if _run.warm is not None:  # only the pages that change; the others move over
            build.take_over(Path(config.site_dir))
            _write_record_pages(config, only=_run.warm.update.records, posters=True,
                                spliced=_run.spliced)
        else:
            _write_record_pages(config, posters=True, spliced=_run.spliced)
    # The snapshot is complete once the pages are written: pickled by a forked copy while
    # this process finishes the site (large sites only: warm.save_forked).
    if (snapshot := _snapshot(build)) is not None:
        assert _run.site_dir is not None
        _run.saving = warm.save_forked(build.project, _run.site_dir, snapshot,
                                       len(build.records))
    try:
        report = build.finish(Path(config.site_dir))
    except SearchIndexError as exc:
        raise PluginError(str(exc)) from None
    if preview.serving():  # a preview must never show a saved copy of a page
        preview.drop_service_worker(Path(config.site_dir))
        if not _run.panel:  # the next save may need only a quick rebuild
            _run.config = config
            preview.remember(page for page in _run.pages.values() if page is not None)
            preview.session.quick = _quick_rebuild
    if (stats := report.exports) is not None:
        log.info("提纲下载：%d 个文件（新生成 %d 个，清理 %d 个三十天未用的缓存），"
                 "用时 %.1f 秒", stats.files, stats.exported, stats.pruned, stats.seconds)
    if (index := report.search) is not None:
        log.info("搜索索引：%d 条记录，%d 个分片，%.1f MB，用时 %.1f 秒", index.records,
                 index.shards, index.bytes / 1e6, index.seconds)
    if (opened := report.open_data) is not None:
        log.info("开放数据：%d 个文件，%.1f MB，写出用时 %.1f 秒（与页面并行），另等待 %.1f 秒",
                 opened.files, opened.bytes / 1e6, opened.seconds, report.open_data_seconds)
    if (packed := report.packed).files:
        log.info("预压缩：%d 个文本文件，%.1f MB → gzip %.1f MB、brotli %.1f MB，用时 %.1f 秒",
                 packed.files, packed.original_bytes / 1e6, packed.gzip_bytes / 1e6,
                 packed.brotli_bytes / 1e6, report.pack_seconds)
    if _run.warnings is not None:
        logging.getLogger("mkdocs").removeHandler(_run.warnings)
        if config.strict and _run.warnings.count:
            return  # MkDocs aborts the strict build next; on_build_error drops staging
    if _run.command.startswith("build"):  # a preview's next build would start it again
        stop_fork_server()
    saving: Future[str] | ForkedSave | None = _run.saving
    _run.saving = None
    # Not forked (a large site): pickled here while the old site is deleted, once the
    # workers are gone: pickling leaves a UTF-8 copy in every Chinese string (~0.3 GB at
    # 100,000 records), which must not add to the peak of the workers' memory.
    if saving is None and snapshot is not None:
        assert _run.site_dir is not None
        saving = _saver.submit(warm.save, build.project, _run.site_dir, snapshot)
    if (target := build.publish()) is not None:
        log.info("站点已完整写入 %s", target)
        if _run.fingerprint:
            build_cache(build.project).record(target, _run.fingerprint)
        if saving is not None:
            _keep_snapshot(build, target, saving)
    elif isinstance(saving, ForkedSave):  # nothing published: nothing to keep
        saving.cancel()


_saver = ThreadPoolExecutor(max_workers=1)  # pickles a build's snapshot while it publishes


def _snapshot(build: SiteBuild) -> Snapshot | None:
    """Return what this `mkdocs build` was made from, to keep for a warm next build (None:
    nothing to keep)."""
    if not _run.engine or _run.site_dir is None or not build.options.splice_records:
        return None
    if _run.warm is not None:
        return _run.warm.snapshot
    assert _run.today is not None
    return warm.snapshot_of(build, _run.stamps, _run.today,
                            [p for p in _run.pages.values() if p is not None])


def _keep_snapshot(build: SiteBuild, site: Path,
                   saving: Future[str] | ForkedSave) -> None:
    """Record the kept snapshot with the published site's record folders; a failure to
    keep it only makes the next build cold."""
    try:
        # Taken meanwhile: here if a forked copy pickles, else (large sites) by a copy.
        printing = warm.print_ahead(site, build.records.values(),
                                    fork=not isinstance(saving, ForkedSave))
        try:
            digest = saving.result()
        finally:
            folders = printing()
        warm.record(build.project, site, _run.engine, digest, folders)
    except OSError as exc:
        warm.forget(build.project, site)
        log.info("没能保存本次构建的快照（%s），下次构建将完整构建", exc)


def on_build_error(error: Exception) -> None:
    """Drop the unfinished staging dir: the previous site stays as it was. A full disk or a
    refused write (an OSError) ends `mkdocs build` with one Chinese line, no traceback."""
    if _run.saving is not None:  # the snapshot of a build that did not publish
        _run.saving.cancel()
        _run.saving = None
    if _run.build is not None:
        _run.build.abort()
    if (throwaway := _run.unchanged) is not None:
        _run.unchanged = None
        shutil.rmtree(throwaway, ignore_errors=True)
    failed = diskerror.find(error)
    if failed is not None and _run.command.startswith("build"):
        raise Abort(diskerror.message(failed, _run.site_dir)) from None


def on_shutdown() -> None:
    """Drop a staging dir left by an interrupted build (Ctrl-C skips on_build_error)."""
    on_build_error(RuntimeError("shutdown"))


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    """Rebuild the preview when a record changes: only what the change touches when the
    core can tell (second_classroom.incremental), else all of it."""
    server.watch(str(Path(config.config_file_path).parent / _build().options.data))
    full = server.builder

    def rebuild() -> None:
        if not preview.quick_rebuild():
            full()

    server.builder = rebuild
    _watch_by_notification(server)
    _manifest_waits_for_search(server)
    return server


def _manifest_waits_for_search(server: Any) -> None:
    """Have a request for the search index's manifest wait for the index a quick rebuild
    left writing (preview.search_written): the rebuild returns once its pages are
    written, and the browsers reload, without waiting for the search child. Relies on
    MkDocs 1.6's LiveReloadServer (a wsgiref server: set_app, serve_request, mount_path)."""
    manifest = f"{server.mount_path}{INDEX_DIR}/manifest.json"
    answer = server.serve_request

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == manifest:
            preview.search_written()
        return answer(environ, start_response)

    server.set_app(app)


def _watch_by_notification(server: Any) -> None:
    """Have the kernel tell the preview about saves (inotify) instead of MkDocs' polling.

    MkDocs scans every watched file twice a second: a save waits 0.25 s on average before
    it is seen, and at 10,000 records each scan costs a good part of a core that the
    rebuild needs. Only changes count: inotify also reports files opened and closed
    unwritten, and every build reads every data file (an endless rebuild). Where inotify
    is not available (not Linux, or out of watches) the polling stays. Relies on MkDocs
    1.6's LiveReloadServer (observer, _watched_paths, _watch_refs, _rebuild_cond,
    _want_rebuild, build_delay), before it starts serving.
    """
    try:
        from watchdog.events import (
            FileClosedEvent,
            FileCreatedEvent,
            FileDeletedEvent,
            FileModifiedEvent,
            FileMovedEvent,
            FileSystemEvent,
            FileSystemEventHandler,
        )
        from watchdog.observers.inotify import InotifyObserver
    except ImportError:  # not Linux
        return
    if server.observer.is_alive():
        return

    def heard(event: FileSystemEvent) -> None:  # as MkDocs' own callback
        if event.is_directory:
            return
        with server._rebuild_cond:
            server._want_rebuild = True
            server._rebuild_cond.notify_all()

    handler = FileSystemEventHandler()
    handler.on_any_event = heard  # type: ignore[method-assign]
    changes: list[type[FileSystemEvent]] = [FileCreatedEvent, FileModifiedEvent, FileDeletedEvent,
                                            FileMovedEvent, FileClosedEvent]
    observer, refs = InotifyObserver(), {}
    try:
        for path in server._watched_paths:
            refs[path] = observer.schedule(handler, path, recursive=True, event_filter=changes)
    except OSError as exc:  # e.g. fs.inotify.max_user_watches reached
        log.info("无法用 inotify 监视文件（%s），改用轮询", exc)
        return
    server.observer, server._watch_refs = observer, refs
    # MkDocs waits this long after the last change heard before it rebuilds (0.1 s), to
    # take a save written in several steps as one. The kernel tells of a save's steps at
    # once; a save still being written when the check reads it is checked again
    # (incremental.plan_update).
    server.build_delay = NOTIFIED_DELAY


NOTIFIED_DELAY = 0.03  # seconds; see _watch_by_notification


def _engine_inputs(config: MkDocsConfig, data: Path) -> dict[str, Stamp]:
    """Return the stamps of what MkDocs reads besides the `data` folder: mkdocs.yml, the
    docs and theme override folders, the watched paths and this hook."""
    found: dict[str, Stamp] = {}
    for path in {Path(config.config_file_path), Path(config.docs_dir), Path(__file__),
                 *(Path(p) for p in config.watch),
                 *([Path(config.theme.custom_dir)] if config.theme.custom_dir else [])}:
        if path.is_dir():
            found.update(incremental.stamps(path))
        elif (st := incremental.stamp(path)) is not None:
            found[str(path)] = st
    data = data.absolute()
    return {p: st for p, st in found.items() if data not in Path(p).absolute().parents}


def _quick_rebuild() -> bool:
    """Write what the saved records change into the preview's site, through the theme as
    a full build would; return False if only a full build will do (also when anything
    but records was saved: configuration, docs, templates)."""
    config = _run.config
    if config is None or not _spliced() or _engine_inputs(
            config, _build().project / _build().options.data) != _run.inputs:
        return False
    start = time.perf_counter()
    site_dir = Path(config.site_dir)
    done: set[int] = set()  # ids of the records whose pages were written or removed first

    def first(build: SiteBuild, saved: list[Record], removed: list[Record]) -> None:
        # What the editor looks at: the saved record's page (or its 404), before the
        # listings and the pages that name it are planned.
        incremental.remove_records(site_dir, removed)
        _write_record_pages(config, only=saved, build=build)
        done.update(map(id, [*saved, *removed]))

    update = preview.quick_update(site_dir, first)
    if update is None:
        return False
    files, nav = _run.files, _run.nav
    assert files is not None and nav is not None
    in_nav = _nav_uris(config)
    for page in update.pages:  # a page MkDocs rendered stays MkDocs' (the sitemap's order)
        if page.uri in _run.pages and (files.get_file_from_path(page.uri) is None) != \
                _spliceable(page, in_nav):
            return False
    before, _run.build = _build().records, update.build
    listed_before = [p.uri for p in _run.spliced if p.listed]
    for problem in update.warnings:
        log.info(problem.format())
    incremental.remove_records(site_dir, [r for r in update.removed if id(r) not in done])
    _write_record_pages(config, only=[r for r in update.records if id(r) not in done])
    for uri in update.gone:
        if (dropped := _run.pages.pop(uri, None)) is None:
            continue
        if (gone := files.get_file_from_path(uri)) is not None:
            files.remove(gone)
            Path(gone.abs_dest_path).unlink(missing_ok=True)
        else:  # spliced
            (site_dir / dropped.url / "index.html").unlink(missing_ok=True)
    spliced: list[Page] = []
    for page in update.pages:
        _run.pages[page.uri] = page
        file = files.get_file_from_path(page.uri)
        if file is None and _spliceable(page, in_nav):
            spliced.append(page)
            continue
        if file is None:
            file = File.generated(config, page.uri, content=_source(page))
            files.append(file)
            MkPage(None, file, config)
        else:
            file.content_string = _source(page)
        assert file.page is not None
        _populate_page(file.page, config, files)
        _build_page(file.page, config, files.documentation_pages(), nav, _run.env)
    _write_spliced_pages(config, spliced)
    _run.spliced = sorted((p for p in _run.pages.values() if p is not None
                           and files.get_file_from_path(p.uri) is None), key=lambda p: p.uri)
    dates = update.build.page_dates()
    if dates != (_run.dates, _run.data_date) or update.build.records.keys() != before.keys() \
            or [p.uri for p in _run.spliced if p.listed] != listed_before:
        _run.dates, _run.data_date = dates
        _build_theme_template("sitemap.xml", _run.env, files, config, nav)
    # Search index, open data, downloads: written meanwhile; the next save stops them.
    preview.quick_done(update, incremental.write_rest(update, site_dir))
    log.info("快速更新：%d 条记录有改动，重写 %d 个记录页、%d 个列表页，用时 %.2f 秒",
             len(update.changed), len(update.records), len(update.pages),
             time.perf_counter() - start)
    return True
