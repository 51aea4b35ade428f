"""MkDocs adapter: check the data, then hand the core's generated pages to MkDocs.

Only translation happens here; every decision lives in `second_classroom`. Record pages
are rendered when MkDocs asks for their content, straight to HTML, so the Markdown
converter never sees them and memory stays flat as the number of records grows.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page as MkPage

from second_classroom.catalog import Catalog, load_catalog
from second_classroom.problems import DataError
from second_classroom.render import Page, RenderOptions, record_page, site_assets, site_pages

log = logging.getLogger("mkdocs.hooks.second_classroom")

_state: dict[str, Any] = {}


def _data_dir(config: MkDocsConfig) -> Path:
    options = config.extra.get("second_classroom", {})
    base = Path(config.config_file_path).parent
    return base / str(options.get("data", "site_data"))


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
    )
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add every generated page; record pages carry only their front matter for now."""
    catalog: Catalog = _state["catalog"]
    options: RenderOptions = _state["options"]
    records = {f"{r.kind}/{r.id}.md": r for r in catalog.records.values()}
    pages: dict[str, Page | None] = {}
    for page in site_pages(catalog, options, records=False):
        pages[page.uri] = page
        files.append(File.generated(config, page.uri, content=page.as_markdown()))
    for uri, record in records.items():
        stub = Page(uri, record.title, "", str(record.data.get("summary", "")))
        pages[uri] = None
        files.append(File.generated(config, uri, content=stub.as_markdown()))
    _state["pages"], _state["records"] = pages, records
    return files


def on_page_markdown(markdown: str, page: MkPage, **_: Any) -> str | None:
    """Skip Markdown conversion for generated pages: their HTML is ready-made."""
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


def on_post_build(config: MkDocsConfig) -> None:
    """Write files that need no theme: the printable QR poster of every site."""
    site_dir = Path(config.site_dir)
    for asset in site_assets(_state["catalog"], _state["options"]):
        target = site_dir / asset.uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(asset.content, encoding="utf-8")


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    """Rebuild the preview when a record changes."""
    server.watch(str(_data_dir(config)))
    return server
