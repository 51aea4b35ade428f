"""Listing pages (templates/listing.html) written out directly, without a Jinja render.

A large site has a thousand listing pages (a facet value's records, 60 cards a page): on
Jinja they took ~0.8 s of the build's one core at 10,000 records, most of it the `cards`
macro (a call through the context per card, each value escaped into a Markup). As
render/direct.py does for record pages, `listing_html` writes what listing.html (with the
`cards` and `pager` macros of _macros.html) writes, byte for byte; the template stays the
definition, and tests/test_listing.py compares the two on every listing page of the sample
and of synthetic sites. So a change to listing.html or to those macros must be made here
too, or that test fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..models import Record
from .direct import _cards, _e
from .environment import root_of

DIRECT = True  # False: render listing.html with Jinja (the tests compare the two)


def listing_html(url: str, title: str, total: int, groups: Sequence[tuple[str, list[Record]]],
                 pages: Any, intro: str = "",
                 facet_links: Sequence[tuple[str, Sequence[tuple[str, str, int]]]] = ()
                 ) -> str:
    """Return what listing.html renders for the page at `url` with this context
    (`pages`: render._Pages)."""
    root = root_of(url)
    out = ['<div class="sc-listing">\n<h1>', _e(title), "</h1>"]
    if intro:
        out += ['<p class="sc-lead">', _e(intro), "</p>"]
    out += ['\n<p class="sc-count">共 ', str(total), " 条</p>"]
    for heading, records in groups:
        if heading:
            out += ["<h2>", _e(heading), "<small>", str(len(records)), "</small></h2>"]
        out.append("\n")
        _cards(records, root, out)
    out.append("\n")
    if pages.count > 1:  # _macros.html `pager`
        out.append('\n<nav class="sc-pager" aria-label="分页">')
        if pages.prev:
            out += ['<a href="', root, _e(pages.prev), '" rel="prev">上一页</a>']
        out += ["\n<span>第 ", str(pages.number), " / ", str(pages.count), " 页</span>"]
        if pages.next:
            out += ['<a href="', root, _e(pages.next), '" rel="next">下一页</a>']
        out.append("\n</nav>")
    if facet_links:
        out.append('\n<section class="sc-facets"><h2>分类浏览</h2>')
        for heading, links in facet_links:
            out += ["\n<h3>", _e(heading), '</h3>\n<ul class="sc-chips">']
            for label, link, count in links:
                out += ['<li><a href="', root, _e(link), '">', _e(label), "<small>",
                        _e(count), "</small></a></li>"]
            out.append("</ul>")
        out.append("\n</section>")
    out.append("\n</div>")
    return "".join(out)
