"""The 红色地标 landing page's province chart: equal tiles on a grid, or plain bars.

Under 地图管理条例 §15 and 地图审核管理规定 §6 a map shown to the public needs a reviewed
审图号 unless it shows no borders, boundaries or 行政区域界线或者范围; a self-built site cannot
get one. So nothing here is a map: every province-level division is one equal square at its
approximate place on a coarse grid (a tile-grid statistical chart), with no outline, shape
or boundary of any kind. Deployments that want no geographic arrangement at all set
`extra.second_classroom.province_chart: bars` and get a plain bar chart instead.

Both are inline SVG written at build time: no script, no request, printable, and every tile
or bar with records is a link to that province's listing, named by its full name and count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import markupsafe

from ..models import FACETS_BY_SLUG
from .page import facet_url

if TYPE_CHECKING:
    from ..catalog import Catalog

CHARTS = ("grid", "bars")  # values of extra.second_classroom.province_chart

# (row, column, short label) of each province-level division on a 7 x 8 tile grid: rows run
# north to south, columns west to east, each tile next to its neighbours where the grid
# allows. Approximate on purpose: a position, never a shape.
TILES: dict[str, tuple[int, int, str]] = {
    "黑龙江省": (0, 6, "黑龙江"),
    "内蒙古自治区": (1, 3, "内蒙古"), "北京市": (1, 4, "北京"), "吉林省": (1, 6, "吉林"),
    "新疆维吾尔自治区": (2, 0, "新疆"), "宁夏回族自治区": (2, 2, "宁夏"), "山西省": (2, 3, "山西"),
    "河北省": (2, 4, "河北"), "天津市": (2, 5, "天津"), "辽宁省": (2, 6, "辽宁"),
    "青海省": (3, 0, "青海"), "甘肃省": (3, 1, "甘肃"), "陕西省": (3, 2, "陕西"),
    "河南省": (3, 3, "河南"), "山东省": (3, 4, "山东"),
    "西藏自治区": (4, 0, "西藏"), "四川省": (4, 1, "四川"), "重庆市": (4, 2, "重庆"),
    "湖北省": (4, 3, "湖北"), "安徽省": (4, 4, "安徽"), "江苏省": (4, 5, "江苏"),
    "上海市": (4, 6, "上海"),
    "云南省": (5, 1, "云南"), "贵州省": (5, 2, "贵州"), "湖南省": (5, 3, "湖南"),
    "江西省": (5, 4, "江西"), "浙江省": (5, 5, "浙江"),
    "广西壮族自治区": (6, 2, "广西"), "广东省": (6, 3, "广东"), "福建省": (6, 4, "福建"),
    "台湾省": (6, 5, "台湾"),
    "海南省": (7, 2, "海南"), "澳门特别行政区": (7, 3, "澳门"), "香港特别行政区": (7, 4, "香港"),
}
COLUMNS = 7

TILE = 56  # SVG units; the chart scales to the column width (about 350 CSS px on a phone)
GAP = 4
# Shades by count level (0 = no records), with a text colour readable on each (AA).
FILLS = ("#f5f5f5", "#ffcdd2", "#ef9a9a", "#d32f2f", "#7f0000")
INKS = ("#424242", "#000000", "#000000", "#ffffff", "#ffffff")
LEVELS = len(FILLS) - 1

CAPTION = "统计图：各省级行政区收录的红色地标数量"
NOT_A_MAP = ("每个方格代表一个省级行政区，按大致方位排列、大小相同，只表示数量，"
             "不表示疆域、边界或行政区域范围，不是地图。")
BARS_NOTE = "按收录数量从多到少排列。"


@dataclass(frozen=True)
class Division:
    """One province-level division in the chart: full name, record count, listing URL."""

    name: str
    count: int
    url: str | None  # root-relative listing URL; None when the province has no records


def divisions(catalog: Catalog) -> list[Division]:
    """Return every province-level division of the vocabulary, in its order, with the
    number of published records of the kinds that carry the province facet (the 红色地标)
    and, when it has any, its listing URL."""
    carriers = catalog.kinds_with_facet("province")
    counts = {value: sum(1 for r in records if r.kind in carriers)
              for value, records in catalog.facet("province").items()}
    return [Division(name, counts.get(name, 0),
                     facet_url("province", name) if counts.get(name) else None)
            for name in catalog.vocab.terms(FACETS_BY_SLUG["province"].vocabulary)]


def levels(counts: list[int]) -> list[int]:
    """Return the upper bound of each shade level 1..LEVELS for these counts.

    Level k holds counts up to ceil(max * k / LEVELS); a count of 0 is level 0.
    """
    top = max(counts, default=0)
    return [math.ceil(top * k / LEVELS) for k in range(1, LEVELS + 1)]


def level_of(count: int, bounds: list[int]) -> int:
    """Return the shade level (0..LEVELS) of `count` given `levels()` bounds."""
    if count <= 0:
        return 0
    return next((k + 1 for k, bound in enumerate(bounds) if count <= bound), LEVELS)


def legend(bounds: list[int]) -> list[tuple[str, str]]:
    """Return (fill, range text) per shade that some count could have, 0 first."""
    items = [(FILLS[0], "0")]
    low = 1
    for k, high in enumerate(bounds, start=1):
        if high < low:
            continue  # an empty level (fewer distinct counts than shades)
        items.append((FILLS[k], str(low) if low == high else f"{low}–{high}"))
        low = high + 1
    return items


def short_name(name: str) -> str:
    """Return the label drawn in a tile: 广西 for 广西壮族自治区."""
    return TILES[name][2] if name in TILES else name


def _positions(names: list[str]) -> dict[str, tuple[int, int]]:
    """Return (row, column) per division: its tile, or (for a name the layout does not
    know) the next free place in rows below the grid, so that nothing is left out."""
    places = {n: TILES[n][:2] for n in names if n in TILES}
    extra = [n for n in names if n not in TILES]
    first = 1 + max((r for r, _ in places.values()), default=-1)
    for i, name in enumerate(extra):
        places[name] = (first + i // COLUMNS, i % COLUMNS)
    return places


def _label(d: Division) -> str:
    return f"{d.name}：{d.count} 处红色地标"


def _item(d: Division, root: str, body: str) -> str:
    """Return one list item of a chart, a link to the listing when the division has records.

    Its accessible name is its visible text (name and count, so that what a speech-input
    user reads is what they can say); the full name and unit are its description.
    """
    esc = markupsafe.escape
    inner = f"<desc>{esc(_label(d))}</desc>{body}"
    if d.url is not None:
        inner = f'<a href="{esc(root + d.url)}">{inner}</a>'
    return f'<g role="listitem" data-province="{esc(d.name)}" data-count="{d.count}">{inner}</g>'


def tile_grid(divisions: list[Division], root: str) -> markupsafe.Markup:
    """Return the tile grid as a <figure> holding an inline SVG (one tile per division)."""
    places = _positions([d.name for d in divisions])
    rows = 1 + max((r for r, _ in places.values()), default=0)
    width, height = COLUMNS * (TILE + GAP) - GAP, rows * (TILE + GAP) - GAP
    bounds = levels([d.count for d in divisions])
    esc = markupsafe.escape
    tiles = []
    # Reading (and tab) order: north to south, west to east.
    for d in sorted(divisions, key=lambda d: places[d.name]):
        row, col = places[d.name]
        x, y = col * (TILE + GAP), row * (TILE + GAP)
        level = level_of(d.count, bounds)
        label = short_name(d.name)
        size = 15 if len(label) <= 3 else max(8, 45 // len(label))
        ink = INKS[level]
        edge = "" if level else ' stroke="#9e9e9e"'  # an empty tile still shows its square
        body = (f'<rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="4" '
                f'fill="{FILLS[level]}"{edge}/>'
                f'<text x="{x + TILE / 2:g}" y="{y + 23}" font-size="{size}" '
                f'text-anchor="middle" fill="{ink}">{esc(label)}</text>'
                f'<text x="{x + TILE / 2:g}" y="{y + 45}" font-size="17" font-weight="700" '
                f'text-anchor="middle" fill="{ink}">{d.count}</text>')
        tiles.append(_item(d, root, body))
    keys = "".join(
        f'<li><svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">'
        f'<rect width="16" height="16" rx="2" fill="{fill}"/></svg>{esc(text)}</li>'
        for fill, text in legend(bounds))
    return markupsafe.Markup(
        '<figure class="sc-chart sc-tilegrid">'
        f'<figcaption><strong>{esc(CAPTION)}</strong><span>{esc(NOT_A_MAP)}</span></figcaption>'
        f'<svg class="sc-tilegrid__svg" viewBox="0 0 {width} {height}" role="list" '
        f'aria-label="{esc(CAPTION)}（{len(divisions)} 个省级行政区）">'
        + "".join(tiles) +
        '</svg>'
        f'<ul class="sc-chart__legend" aria-label="颜色深浅：处数">{keys}</ul>'
        '</figure>')


BAR_ROW = 26
BAR_LABEL = 124  # room for 新疆维吾尔自治区 at 14 units a character
BAR_WIDTH = 360


def bar_chart(divisions: list[Division], root: str) -> markupsafe.Markup:
    """Return a plain horizontal bar chart, most records first, as a <figure> with SVG."""
    esc = markupsafe.escape
    order = {d.name: i for i, d in enumerate(divisions)}
    ranked = sorted(divisions, key=lambda d: (-d.count, order[d.name]))
    top = max((d.count for d in divisions), default=0) or 1
    span = BAR_WIDTH - BAR_LABEL - 40  # leave room for the count after the longest bar
    rows = []
    for i, d in enumerate(ranked):
        y = i * BAR_ROW
        length = span * d.count / top
        body = (f'<rect x="0" y="{y}" width="{BAR_WIDTH}" height="{BAR_ROW}" '
                f'fill="transparent"/>'
                f'<text x="{BAR_LABEL - 6}" y="{y + 18}" font-size="14" text-anchor="end" '
                f'fill="#212121">{esc(d.name)}</text>'
                f'<rect x="{BAR_LABEL}" y="{y + 5}" width="{length:.1f}" height="16" '
                f'fill="#b71c1c"/>'
                f'<text x="{BAR_LABEL + length + 6:.1f}" y="{y + 18}" font-size="14" '
                f'fill="#212121">{d.count}</text>')
        rows.append(_item(d, root, body))
    height = len(ranked) * BAR_ROW
    return markupsafe.Markup(
        '<figure class="sc-chart sc-bars">'
        f'<figcaption><strong>{esc(CAPTION)}</strong><span>{esc(BARS_NOTE)}</span></figcaption>'
        f'<svg class="sc-bars__svg" viewBox="0 0 {BAR_WIDTH} {height}" role="list" '
        f'aria-label="{esc(CAPTION)}（{len(divisions)} 个省级行政区）">'
        + "".join(rows) + '</svg></figure>')


def province_chart(divisions: list[Division], root: str, kind: str = "grid") -> markupsafe.Markup:
    """Return the chart `kind` ("grid" or "bars") of `divisions` for a page at `root`."""
    if kind not in CHARTS:
        raise ValueError(f"province_chart 只能是 {' 或 '.join(CHARTS)}，而不是“{kind}”")
    return tile_grid(divisions, root) if kind == "grid" else bar_chart(divisions, root)
