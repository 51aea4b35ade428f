"""What rendering produces: pages, files written as they are, and the options it needs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from ..pictures import PictureSet


@dataclass(frozen=True)
class Page:
    """One generated page: its source path (as `x/y.md`), title and HTML content."""

    uri: str
    title: str
    html: str
    description: str = ""
    listed: bool = True  # False: left out of sitemap.xml (e.g. the offline page)

    @property
    def url(self) -> str:
        """Return the page URL relative to the site root (directory style)."""
        return url_of(self.uri)

    def as_markdown(self) -> str:
        """Return the page as Markdown: JSON front matter (valid YAML) and raw HTML."""
        meta: dict[str, object] = {"title": self.title}
        if self.description:
            meta["description"] = self.description
        if not self.listed:
            meta["sitemap"] = False
        front = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in meta.items())
        return f"---\n{front}\n---\n\n{self.html}\n"


def url_of(uri: str) -> str:
    """Return the directory-style URL of a page source path: `sites/x.md` → `sites/x/`."""
    stem = uri.removesuffix(".md")
    if stem == "index":
        return ""
    return stem.removesuffix("/index") + "/"


@dataclass(frozen=True)
class Asset:
    """A file written as is (e.g. the printable QR poster of a site)."""

    uri: str
    content: str


@dataclass(frozen=True)
class Download:
    """A download link shown on an outline page."""

    label: str
    href: str


@dataclass
class RenderOptions:
    """What the renderer needs from the site configuration."""

    site_url: str = ""
    site_name: str = "第二课堂"
    local_province: str = ""
    # outline id -> downloads, filled by the export step when it runs
    downloads: dict[str, list[Download]] = field(default_factory=dict)
    # record images -> resized copies (second_classroom.pictures.PictureSet); None: no images
    pictures: PictureSet | None = None
    # 红色地标 landing page: "grid" (province tile grid) or "bars" (plain bar chart)
    province_chart: str = "grid"
    open_data: bool = True  # write /data/ and its 数据下载 page
    licence: str = ""  # the content licence of the data, as configured ("" = none stated)


@lru_cache(maxsize=4096)  # a few values each, on thousands of pages
def facet_url(facet: str, value: str, page: int = 1) -> str:
    """Return the URL of a facet value's listing page (page numbers from 1)."""
    base = f"{facet}/{quote(value)}/"
    return base if page == 1 else f"{base}{page}/"
