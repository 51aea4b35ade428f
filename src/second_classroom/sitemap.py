"""A sitemap index once the site has more addresses than one sitemap may hold.

The sitemaps.org protocol allows 50,000 URLs and 50 MB (uncompressed) per sitemap file.
A bigger site keeps `sitemap.xml` as the address search engines know, but it becomes a
`<sitemapindex>` pointing at `sitemap-1.xml`, `sitemap-2.xml`, … each a `<urlset>` within
both limits, in the order the full sitemap listed the pages. Small sites are unchanged.

Deterministic: each part's `lastmod` in the index is the latest `lastmod` of its pages.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

MAX_URLS = 50_000  # per sitemap file (sitemaps.org)
MAX_BYTES = 50 * 1024 * 1024  # per sitemap file, uncompressed (sitemaps.org)

NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_URL = re.compile(r"[ \t\r\n]*<url>.*?</url>", re.S)
_LASTMOD = re.compile(r"<lastmod>([^<]*)</lastmod>")


class SitemapError(ValueError):
    """The sitemap to split is not the `<urlset>` the theme template writes."""


def part_name(number: int) -> str:
    """Return the file name of the `number`-th (from 1) part of a split sitemap."""
    return f"sitemap-{number}.xml"


def split(sitemap: str, site_url: str, max_urls: int = MAX_URLS,
          max_bytes: int = MAX_BYTES) -> tuple[str, list[str]]:
    """Return (what `sitemap.xml` should hold, the parts `sitemap-1.xml`… in order).

    A sitemap within both limits comes back as it is, with no parts. Otherwise the first
    is a `<sitemapindex>` whose `<loc>`s are `site_url` joined with each part's name.
    """
    count = sitemap.count("<url>")
    if count <= max_urls and len(sitemap.encode("utf-8")) <= max_bytes:
        return sitemap, []
    entries = _URL.findall(sitemap)
    if len(entries) != count or f'<urlset xmlns="{NAMESPACE}">' not in sitemap:
        raise SitemapError("sitemap.xml 不是预期的 <urlset> 格式，无法拆分")
    opening = f'{HEAD}<urlset xmlns="{NAMESPACE}">'
    closing = "\n</urlset>\n"
    room = max_bytes - len((opening + closing).encode("utf-8"))
    groups: list[list[str]] = [[]]
    used = 0
    for entry in entries:
        size = len(entry.encode("utf-8"))
        if size > room:
            raise SitemapError(f"sitemap.xml 中有一条地址超过 {max_bytes} 字节")
        if len(groups[-1]) >= max_urls or used + size > room:
            groups.append([])
            used = 0
        groups[-1].append(entry)
        used += size
    parts = [opening + "".join(group) + closing for group in groups]
    base = site_url if site_url.endswith("/") else (site_url or "") + "/"
    lines = [HEAD + f'<sitemapindex xmlns="{NAMESPACE}">']
    for number, group in enumerate(groups, 1):
        lines.append("    <sitemap>")
        lines.append(f"         <loc>{urljoin(base, part_name(number))}</loc>")
        dates = [m.group(1) for entry in group if (m := _LASTMOD.search(entry))]
        if dates:
            lines.append(f"         <lastmod>{max(dates)}</lastmod>")
        lines.append("    </sitemap>")
    lines.append("</sitemapindex>\n")
    return "\n".join(lines), parts


def write_split(sitemap: str, site_url: str, site_dir: Path, max_urls: int = MAX_URLS,
                max_bytes: int = MAX_BYTES) -> str:
    """Write the parts of `sitemap` (if it needs splitting) into `site_dir`; return what
    `sitemap.xml` should hold (the sitemap itself or the index of the parts)."""
    index, parts = split(sitemap, site_url, max_urls, max_bytes)
    for number, part in enumerate(parts, 1):
        (site_dir / part_name(number)).write_text(part, "utf-8", newline="\n")
    return index
