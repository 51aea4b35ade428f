"""The 数据下载 page: what /data/ holds, the field reference, counts, date and licence.

Its file list and field reference come from the same declarations the files are written
from (opendata.py, models.py), so the page cannot describe a file that is not there.
"""

from __future__ import annotations

from ..catalog import Catalog
from ..cnformat import cndate
from ..fieldref import field_rows, type_text
from ..models import Field, ListOf, MediaPath, Ref
from ..opendata import (
    DATA_DIR,
    GEOJSON_URI,
    INDEX_URI,
    csv_columns,
    geo_records,
    kinds_with_records,
)
from ..output import data_date
from .environment import render
from .page import Page, RenderOptions

DATA_PAGE_URI = f"{DATA_DIR}/index.md"


def _note(f: Field) -> str:
    inner = f.type.item if isinstance(f.type, ListOf) else f.type
    if isinstance(inner, Ref):  # written as a link in JSON, as the id in CSV
        return "；".join(x for x in (f.help, "JSON 中为 {id, page, data}，CSV 中为编号") if x)
    return f.help


def data_page(catalog: Catalog, options: RenderOptions) -> Page:
    """Render /data/: the open data files and how to read them."""
    kinds = []
    for spec in kinds_with_records(catalog):
        rows = [(path, f.label, "必填" if f.required else "可选", type_text(f.type), _note(f))
                for path, f in field_rows(spec.fields) if not isinstance(f.type, MediaPath)]
        kinds.append({"name": spec.name, "label": spec.label, "noun": spec.noun,
                      "count": len(catalog.by_kind[spec.name]), "rows": rows,
                      "columns": len(csv_columns(spec)),
                      "example": catalog.by_kind[spec.name][0].id})
    date = data_date(catalog)
    html = render("data.html", f"{DATA_DIR}/", kinds=kinds,
                  total=sum(k["count"] for k in kinds), date=cndate(date) if date else "",
                  licence=options.licence,
                  samples=sum(1 for r in catalog.records.values() if r.sample),
                  geo_count=len([r for r in geo_records(catalog)
                                                          if r.data.get("location")]),
                  geojson=GEOJSON_URI, index=INDEX_URI, data_dir=DATA_DIR)
    return Page(DATA_PAGE_URI, "数据下载", html,
                "第二课堂开放数据：每条记录的 JSON、每类记录的 JSON 与 CSV、旧址 GeoJSON 和 JSON Schema")
