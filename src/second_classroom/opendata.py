"""Open data: every published record as machine-readable files under /data/.

Written by every build (build.SiteBuild.finish), so the MkDocs build and `classroom pages`
write the same bytes:

- `data/KIND/ID.json`: one record at a stable URL, its references as ids with the URLs of
  the referenced record's page and data file;
- `data/KIND.json`: all records of a kind; `data/KIND.csv`: the same as a table (UTF-8
  with BOM so Excel on Chinese Windows reads it; lists joined with “；”);
- `data/sites.geojson`: an RFC 7946 FeatureCollection of the sites with coordinates
  (WGS-84, as recorded), each with its page URL;
- `data/schema/KIND.schema.json` and `data/schema/KIND-list.schema.json`: JSON Schemas
  (draft 2020-12) of a record file and of a kind's file, generated from the declarations;
- `data/index.json`: what there is, with counts, the data's date and the licence.

Drafts are never in the catalog, so never here. Output is deterministic: records in id
order, fields in declared order, the date is the data's own (output.data_date), never the
clock's. Original media files are never published (a record image's `src` is left out).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import time
from collections.abc import Collection, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .forked import ahead
from .layout import OPEN_DATA_DIR
from .models import (
    KINDS,
    Choice,
    Date,
    Duration,
    FieldType,
    ListOf,
    MediaPath,
    PartialDate,
    PartRef,
    Record,
    RecordKind,
    Ref,
    Struct,
    Text,
    Vocab,
)
from .output import data_date, file_digest, write_copies, write_file

DATA_DIR = OPEN_DATA_DIR
GEO_FIELD = "location"  # kinds with this field are mapped (WGS-84 lat/lng)
GEOJSON_URI = f"{DATA_DIR}/sites.geojson"
INDEX_URI = f"{DATA_DIR}/index.json"
LIST_SEP = "；"
ITEM_SEP = " | "
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
META_KEYS = ("id", "record_kind", "page", "data")  # a record file's first keys: no field's


@dataclass(frozen=True)
class DataFile:
    """One file of the open data: where it goes and its bytes."""

    uri: str
    content: bytes | bytearray  # a bytearray: a kind's whole file, built in place


_Digests = dict[str, bytes]  # path (str) -> digest (DataStats has a field named `bytes`)


@dataclass
class DataStats:
    """What the open data step wrote, for the log and the benchmark."""

    files: int = 0
    bytes: int = 0
    by_name: dict[str, int] = field(default_factory=dict)  # top-level file -> bytes
    seconds: float = 0.0
    # Every file now under data/ (relative to the site, the copies written here and the
    # kept files included), and the digest of each file written (by its path, as str:
    # build.SiteBuild.written): the build needs neither walk the folder nor read the files
    # back for their copies and sw.js. The build takes them out (`take_files`).
    names: list[str] = field(default_factory=list)
    digests: _Digests = field(default_factory=dict)

    def take_files(self) -> tuple[list[str], _Digests]:
        """Return `names` and `digests` and forget them (they are large; the stats are
        kept for the log)."""
        taken = self.names, self.digests
        self.names, self.digests = [], {}
        return taken


def _base(site_url: str) -> str:
    return site_url.rstrip("/") + "/" if site_url else "/"


def record_data_uri(kind: str, record_id: str) -> str:
    return f"{DATA_DIR}/{kind}/{record_id}.json"


def _published(ftype: FieldType) -> bool:
    """Whether a field's values are published (original media files are not)."""
    return not isinstance(ftype, MediaPath)


def _link(kind: str, record_id: str, base: str) -> dict[str, str]:
    return {"id": record_id, "page": f"{base}{kind}/{record_id}/",
            "data": base + record_data_uri(kind, record_id)}


def open_value(ftype: FieldType, value: Any, base: str) -> Any:
    """Return a converted field value as JSON: dates as ISO text, references as links."""
    if isinstance(ftype, PartRef):
        ref = ftype.by_name()[ftype.ref_field].type
        assert isinstance(ref, Ref)
        out = dict(value)
        out[ftype.ref_field] = _link(ref.kind, str(value[ftype.ref_field]), base)
        return out
    if isinstance(ftype, Ref):
        return _link(ftype.kind, str(value), base)
    if isinstance(ftype, ListOf):
        return [open_value(ftype.item, v, base) for v in value]
    if isinstance(ftype, Struct):
        return {f.name: open_value(f.type, value[f.name], base) for f in ftype.fields
                if f.name in value and _published(f.type)}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def record_json(record: Record, base: str) -> dict[str, Any]:
    """Return a record as its open data object: id, kind, page URL, then its fields.

    The first keys (META_KEYS) are no field's name: a site's `kind` (纪念馆) and a
    reading's `url` are fields of their own.
    """
    out: dict[str, Any] = {"id": record.id, "record_kind": record.kind,
                           "page": f"{base}{record.url}",
                           "data": base + record_data_uri(record.kind, record.id)}
    for f in record.spec.fields:
        if f.name in record.data and _published(f.type):
            out[f.name] = open_value(f.type, record.data[f.name], base)
    return out


# --- Schemas -----------------------------------------------------------------------------

LINK_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["id", "page", "data"],
    "properties": {"id": {"type": "string", "pattern": r"^[a-z0-9]+(?:-[a-z0-9]+)*$"},
                   "page": {"type": "string", "title": "记录页面"},
                   "data": {"type": "string", "title": "记录的数据文件"}},
}


def open_schema(ftype: FieldType) -> dict[str, Any]:
    """Return the JSON Schema of a field's values as `open_value` writes them."""
    if isinstance(ftype, PartRef):
        props = {f.name: (LINK_REF if f.name == ftype.ref_field else open_schema(f.type))
                 for f in ftype.fields}
        return {"type": "object", "additionalProperties": False,
                "required": [ftype.ref_field], "properties": props}
    if isinstance(ftype, Ref):
        return LINK_REF
    if isinstance(ftype, ListOf):
        return {"type": "array", "items": open_schema(ftype.item)}
    if isinstance(ftype, Struct):
        return {
            "type": "object", "additionalProperties": False,
            "required": [f.name for f in ftype.fields if f.required and _published(f.type)],
            "properties": {f.name: {**open_schema(f.type), "title": f.label,
                                    **({"description": f.help} if f.help else {})}
                           for f in ftype.fields if _published(f.type)},
        }
    if isinstance(ftype, Date):
        return {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    if isinstance(ftype, PartialDate):
        return {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}
    if isinstance(ftype, Duration):
        return {"type": "integer", "minimum": 1, "description": "分钟"}
    if isinstance(ftype, Choice):
        return {"type": "string", "enum": list(ftype.choices)}
    if isinstance(ftype, Text):  # converted text is always a string (1935 stays "1935")
        schema = ftype.json_schema()
        schema["type"] = "string"
        schema.pop("minLength", None)
        schema.pop("maxLength", None)  # the check bounds what editors type, not consumers
        return schema
    return ftype.json_schema()


LINK_REF: dict[str, Any] = {"$ref": "#/$defs/link"}


def record_schema(spec: RecordKind, base: str) -> dict[str, Any]:
    """Return the JSON Schema of one record's file, `data/KIND/ID.json`."""
    body = open_schema(spec.schema)
    properties = {"id": {"type": "string", "title": "编号"},
                  "record_kind": {"const": spec.name, "title": "记录类别"},
                  "page": {"type": "string", "title": "页面"},
                  "data": {"type": "string", "title": "数据文件"},
                  **body["properties"]}
    return {"$schema": SCHEMA_DIALECT, "$id": f"{base}{DATA_DIR}/schema/{spec.name}.schema.json",
            "title": f"{spec.label}（{spec.noun}）", "type": "object",
            "additionalProperties": False,
            "required": [*META_KEYS, *body["required"]],
            "properties": properties, "$defs": {"link": LINK_SCHEMA}}


def list_schema(spec: RecordKind, base: str) -> dict[str, Any]:
    """Return the JSON Schema of a kind's file, `data/KIND.json`."""
    record = record_schema(spec, base)
    defs = record.pop("$defs")
    record.pop("$schema")
    record.pop("$id")
    return {"$schema": SCHEMA_DIALECT,
            "$id": f"{base}{DATA_DIR}/schema/{spec.name}-list.schema.json",
            "title": f"{spec.label}：全部记录", "type": "object",
            "additionalProperties": False, "required": ["kind", "label", "count", "records"],
            "properties": {"kind": {"const": spec.name}, "label": {"type": "string"},
                           "count": {"type": "integer", "minimum": 0},
                           "records": {"type": "array", "items": {"$ref": "#/$defs/record"}}},
            "$defs": {**defs, "record": record}}


# --- CSV ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One CSV column: its header (the field's Chinese label) and the field path."""

    label: str
    path: tuple[str, ...]
    type: FieldType | None  # None: the id and page columns


def csv_columns(spec: RecordKind) -> list[Column]:
    """Return a kind's CSV columns: 编号, 页面, then fields (a mapping's sub-fields each)."""
    cols = [Column("编号", ("id",), None), Column("页面", ("url",), None)]
    for f in spec.fields:
        if not _published(f.type):
            continue
        if isinstance(f.type, Struct) and not isinstance(f.type, PartRef):
            cols += [Column(f"{f.label}·{sub.label}", (f.name, sub.name), sub.type)
                     for sub in f.type.fields if _published(sub.type)]
        else:
            cols.append(Column(f.label, (f.name,), f.type))
    return cols


def cell_text(ftype: FieldType, value: Any, top: bool = True) -> str:
    """Return a value as one CSV cell: lists joined with “；” (an item's parts with “ | ”)."""
    if isinstance(ftype, PartRef):
        return "/".join(str(value[f.name]) for f in ftype.fields if f.name in value)
    if isinstance(ftype, ListOf):
        sep = LIST_SEP if top else "、"
        return sep.join(cell_text(ftype.item, v, False) for v in value)
    if isinstance(ftype, Struct):
        return ITEM_SEP.join(cell_text(f.type, value[f.name], False) for f in ftype.fields
                             if f.name in value and _published(f.type))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def kind_csv(spec: RecordKind, records: Iterable[Record], base: str) -> bytes | bytearray:
    """Return a kind's records as CSV bytes, UTF-8 with BOM, CRLF line ends."""
    cols = csv_columns(spec)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    out = bytearray("\ufeff".encode())
    writer.writerow([c.label for c in cols])
    for record in records:
        out += buffer.getvalue().encode("utf-8")  # row by row: the text is never whole
        buffer.seek(0)
        buffer.truncate()
        row = []
        for col in cols:
            if col.type is None:
                row.append(record.id if col.path == ("id",) else f"{base}{record.url}")
                continue
            value: Any = record.data
            for part in col.path:
                value = value.get(part) if isinstance(value, dict) else None
            row.append("" if value is None else cell_text(col.type, value))
        writer.writerow(row)
    out += buffer.getvalue().encode("utf-8")  # not `out + …`: a second copy of the whole
    return out


# --- GeoJSON -----------------------------------------------------------------------------

def geojson(records: Iterable[Record], base: str) -> dict[str, Any]:
    """Return an RFC 7946 FeatureCollection of the records that have a `location`."""
    features = []
    for record in records:
        location = record.data.get("location")
        if not location:
            continue
        region = record.data.get("region", {})
        properties = {"id": record.id, "name": record.title, "page": f"{base}{record.url}",
                      "data": base + record_data_uri(record.kind, record.id)}
        for key in ("kind",):
            if key in record.data:
                properties[key] = record.data[key]
        properties.update({k: region[k] for k in ("province", "city", "county") if k in region})
        features.append({"type": "Feature", "id": record.id,
                         "geometry": {"type": "Point",
                                      "coordinates": [location["lng"], location["lat"]]},
                         "properties": properties})
    return {"type": "FeatureCollection", "features": features}


_GEO_KINDS = [name for name, spec in KINDS.items() if GEO_FIELD in spec.schema.by_name()]


def geo_records(catalog: Catalog) -> list[Record]:
    """Return the records of every kind that declares a location (sites)."""
    return [r for name in _GEO_KINDS for r in catalog.by_kind[name]]


# --- All files -----------------------------------------------------------------------------

def _json(value: Any, compact: bool = True) -> bytes:
    # Records are compact (browsers and editors pretty-print JSON); schemas and the index
    # are small and read by people: indented.
    if compact:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(value, ensure_ascii=False, indent=1)
    return (text + "\n").encode("utf-8")


def kinds_with_records(catalog: Catalog) -> list[RecordKind]:
    """Return the kinds that have published records, in declared order."""
    return [spec for name, spec in KINDS.items() if catalog.by_kind[name]]


def data_files(catalog: Catalog, site_url: str, licence: str) -> Iterator[DataFile]:
    """Yield every open data file."""
    yield from _data_files(catalog.by_kind, data_date(catalog), site_url, licence)


def _data_files(by_kind: Mapping[str, Collection[Record]], date: dt.date | None,
                site_url: str, licence: str) -> Iterator[DataFile]:
    """Yield every open data file of the records `by_kind` (each kind's are gone through
    more than once: a worker may read them again each time rather than hold them),
    whose data date is `date`."""
    base = _base(site_url)
    kinds = [spec for name, spec in KINDS.items() if by_kind[name]]
    index: dict[str, Any] = {"title": "第二课堂开放数据", "date": date.isoformat() if date else None,
                             "licence": licence or None, "coordinates": "WGS-84",
                             "kinds": [], "geojson": None}
    for spec in kinds:
        records = by_kind[spec.name]
        head = json.dumps({"kind": spec.name, "label": spec.label, "count": len(records)},
                          ensure_ascii=False, separators=(",", ":"))[:-1]
        # Each record is serialized once: its file, and a part of the kind's file, which
        # grows in one buffer (at 100,000 records a list of the parts and their join were
        # two copies of 160 MB).
        whole = bytearray(head.encode("utf-8") + b',"records":[')
        for number, record in enumerate(records):
            body = json.dumps(record_json(record, base), ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8")
            yield DataFile(record_data_uri(spec.name, record.id), body + b"\n")
            whole += b"," + body if number else body
        whole += b"]}\n"
        yield DataFile(f"{DATA_DIR}/{spec.name}.json", whole)
        del whole
        yield DataFile(f"{DATA_DIR}/{spec.name}.csv", kind_csv(spec, records, base))
        yield DataFile(f"{DATA_DIR}/schema/{spec.name}.schema.json",
                       _json(record_schema(spec, base), compact=False))
        yield DataFile(f"{DATA_DIR}/schema/{spec.name}-list.schema.json",
                       _json(list_schema(spec, base), compact=False))
        index["kinds"].append({
            "kind": spec.name, "label": spec.label, "count": len(records),
            "json": f"{base}{DATA_DIR}/{spec.name}.json",
            "csv": f"{base}{DATA_DIR}/{spec.name}.csv",
            "schema": f"{base}{DATA_DIR}/schema/{spec.name}.schema.json",
            "list_schema": f"{base}{DATA_DIR}/schema/{spec.name}-list.schema.json",
            "records": f"{base}{DATA_DIR}/{spec.name}/"})
    geo = geojson(itertools.chain.from_iterable(by_kind[name] for name in _GEO_KINDS), base)
    if geo["features"]:
        yield DataFile(GEOJSON_URI, _json(geo))
        index["geojson"] = {"url": f"{base}{GEOJSON_URI}", "count": len(geo["features"])}
    yield DataFile(INDEX_URI, _json(index, compact=False))


AHEAD_MIN = 2000  # records; below this a worker process costs more than it saves
_BIG = 64 * 1024  # files at least this large get their .gz/.br copies written here


def write_open_data(catalog: Catalog, site_dir: Path, site_url: str,
                    licence: str, kept: Collection[str] = ()) -> DataStats:
    """Write the open data files under `site_dir`; return their count and sizes.

    `kept`: uris of per-record files not to write (a warm build moves them over from the
    previous site: a record's file depends on that record alone); they are counted.

    The large files (a kind's JSON and CSV, the GeoJSON) get their precompressed copies
    here, at fast levels, so `output.precompress` skips them later. The small files are
    left to it (schemas, the index) or to nginx (the per-record files: output._NO_COPY).
    """
    return _write_files(data_files(catalog, site_url, licence), site_dir, kept)


def write_records_data(by_kind: Mapping[str, Collection[Record]], date: dt.date | None,
                       site_dir: Path, site_url: str, licence: str,
                       kept: Collection[str] = ()) -> DataStats:
    """Write the open data of the records `by_kind` (every kind's, each kind's gone
    through more than once), whose data date is `date`, as `write_open_data` does."""
    return _write_files(_data_files(by_kind, date, site_url, licence), site_dir, kept)


def _write_files(files: Iterator[DataFile], site_dir: Path, kept: Collection[str]) -> DataStats:
    start = time.perf_counter()
    stats = DataStats()
    for item in files:
        stats.files += 1
        stats.bytes += len(item.content)
        top = item.uri.split("/")[1] if item.uri.count("/") == 1 else item.uri.split("/")[1] + "/"
        stats.by_name[top] = stats.by_name.get(top, 0) + len(item.content)
        stats.names.append(item.uri)
        if item.uri not in kept:
            target = site_dir / item.uri
            write_file(target, item.content)  # makes the folder when it is missing
            stats.digests[str(target)] = file_digest(item.content)
            if len(item.content) >= _BIG:
                copies = write_copies(target, item.content, many=True)
                if copies[1]:
                    stats.names.append(item.uri + ".gz")
                if copies[2]:
                    stats.names.append(item.uri + ".br")
        # Gone before the next file is made: a kind's JSON (160 MB at 100,000 records)
        # was otherwise held while its CSV grew.
        del item
    stats.seconds = time.perf_counter() - start
    return stats


def _write_from(records: list[tuple[str, str, dict[str, Any]]], site_dir: Path, site_url: str,
                licence: str, kept: Collection[str] = ()) -> DataStats:
    """Write the open data of records handed over as (kind, id, data) (a worker's job)."""
    rebuilt = [Record(kind, record_id, "", data) for kind, record_id, data in records]
    by_kind: dict[str, list[Record]] = {k: [] for k in KINDS}
    for record in rebuilt:
        by_kind[record.kind].append(record)
    catalog = Catalog(vocab=Vocab(), records={r.id: r for r in rebuilt}, by_kind=by_kind,
                      backlinks={}, facets={})
    return write_open_data(catalog, site_dir, site_url, licence, kept)


def open_data_ahead(catalog: Catalog, site_dir: Path, site_url: str,
                    licence: str, kept: Collection[str] = ()) -> Future[DataStats]:
    """Start writing the open data into `site_dir`; return the pending result.

    Like the search index (search.index_ahead): on a large site a worker process writes it
    on the second core while the pages render; it needs only each record's values, which
    are handed over (not the whole catalog). Small sites, or one core, are written here.
    Wait for the result before publishing or discarding `site_dir`.
    """
    if len(catalog.records) < AHEAD_MIN:
        return ahead(write_open_data, catalog, site_dir, site_url, licence, kept, inline=True)
    records = [(r.kind, r.id, r.data) for kind in KINDS for r in catalog.by_kind[kind]]
    return ahead(_write_from, records, Path(site_dir), site_url, licence, kept, inline=False)
