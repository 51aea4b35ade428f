"""The 最近更新 page and the Atom feed: records by the date their facts were last verified.

Both are deterministic (no build time in them): records are ordered by `verified`, newest
first, then by kind and id, and the feed's own `updated` is the newest `verified` date.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from xml.sax.saxutils import escape, quoteattr

from ..catalog import Catalog
from ..models import KINDS, Record
from .environment import render
from .page import Asset, Page, RenderOptions

FEED_LIMIT = 50
UPDATES_URI = "updates/index.md"
FEED_URI = "feed.xml"
TIMEZONE = "+08:00"  # dates are verified in China


def recent_records(catalog: Catalog, limit: int = FEED_LIMIT) -> list[Record]:
    """Return up to `limit` published records, most recently verified first (news such as
    stories first among those verified the same day)."""
    return catalog.derived(_by_verified)[:limit]


def _by_verified(catalog: Catalog) -> list[Record]:
    order = {kind: i for i, kind in enumerate(KINDS)}
    dated = [r for r in catalog.records.values() if isinstance(r.data.get("verified"), dt.date)]
    dated.sort(key=lambda r: (-r.data["verified"].toordinal(), not r.spec.news, order[r.kind],
                              r.id))
    return dated


def updates_page(catalog: Catalog, options: RenderOptions) -> Page:
    """Render /updates/: the most recently verified records, grouped by date."""
    records = recent_records(catalog)
    groups = [(date, list(group))
              for date, group in groupby(records, key=lambda r: r.data["verified"])]
    html = render("updates.html", "updates/", groups=groups, total=len(records))
    return Page(UPDATES_URI, "最近更新", html, f"{options.site_name}最近核实和更新的记录")


def _stamp(date: dt.date) -> str:
    return f"{date.isoformat()}T00:00:00{TIMEZONE}"


def atom_feed(catalog: Catalog, options: RenderOptions) -> Asset:
    """Return /feed.xml, an Atom feed of the most recently verified records.

    Links are absolute under `site_url` (feed readers need them); without a site_url they
    are root-relative and the ids fall back to tag URIs.
    """
    records = recent_records(catalog)
    base = options.site_url.rstrip("/") + "/" if options.site_url else "/"

    def iri(url: str) -> str:
        return base + url

    def ident(url: str) -> str:
        return iri(url) if options.site_url else f"tag:second-classroom,2026:{url}"

    newest = records[0].data["verified"] if records else dt.date(2000, 1, 1)
    title = f"{options.site_name} · 最近更新"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
        f"  <title>{escape(title)}</title>",
        "  <subtitle>按核实日期排列的最近更新的红色教育资源记录</subtitle>",
        f"  <id>{escape(ident(FEED_URI))}</id>",
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(iri(FEED_URI))}/>',
        f'  <link rel="alternate" type="text/html" href={quoteattr(iri("updates/"))}/>',
        f"  <updated>{_stamp(newest)}</updated>",
        f"  <author><name>{escape(options.site_name)}</name></author>",
    ]
    for record in records:
        spec = KINDS[record.kind]
        lines += [
            "  <entry>",
            f"    <title>{escape(record.title)}</title>",
            f"    <id>{escape(ident(record.url))}</id>",
            f'    <link rel="alternate" type="text/html" href={quoteattr(iri(record.url))}/>',
            f"    <updated>{_stamp(record.data['verified'])}</updated>",
            f"    <category term={quoteattr(record.kind)} label={quoteattr(spec.label)}/>",
            f"    <summary>{escape(record.description)}</summary>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return Asset(FEED_URI, "\n".join(lines) + "\n")
