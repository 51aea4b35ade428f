"""离我最近: the small static files the phone reads to list the sites nearest to it.

The visitor's position never leaves the phone: `docs/assets/nearme.js` asks the browser for
it, fetches these files from the site itself and computes the distances locally. When the
visitor refuses (or the browser cannot tell), the same files drive a province → city picker.

Layout under `<site>/nearme/` (the format is read by nearme.js; keep them in step):
  index.json   {"v": 1, "q": 10000, "base": "sites/", "kinds": [kind names],
                "provinces": [{"name", "file", "n", "located", "box"?}]}
               one entry per province with published sites, in vocabulary order; `n`
               counts its sites, `located` those with coordinates, and `box`
               ([south, west, north, east], quantised) bounds the located ones, so the phone
               can skip provinces that cannot hold anything nearer than what it has found.
  pNN.json     {"province", "cities": [names], "sites": [[ref, name, kind, city, lat, lng]]}
               NN is the province's place in vocab.yml (stable across builds); `ref` is
               the record's id, its page at `base` + id + "/" (a record of another kind
               with coordinates, should one be declared, gives its page's URL instead:
               it holds a "/", an id never does); `kind` and `city`
               index `kinds` (the 类型 facet's vocabulary) and `cities` (-1: none given,
               or none in the vocabulary); lat/lng are WGS-84
               degrees × q, rounded (0.0001° is about 11 m) and left out when the record has
               no verified coordinates: such a site is offered in the picker, marked
               “暂无核实坐标”, and never placed in the distance list.

Split by province so that a visitor downloads the index and the few provinces near them
(tens of KB at 10,000 sites) rather than every site in the country.

Which records are listed is read from the kind declarations: every kind with a `location`
field that carries the province facet (today the 红色地标).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..layout import NEARME_DIR
from ..models import FACETS_BY_SLUG, KINDS, Record
from .page import Asset

if TYPE_CHECKING:
    from ..catalog import Catalog

INDEX = f"{NEARME_DIR}/index.json"
VERSION = 1
SCALE = 10_000  # coordinates as integers of 0.0001°


def quantise(degrees: float) -> int:
    """Return a coordinate as the integer the near-me files store (degrees × SCALE)."""
    return round(degrees * SCALE)


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def province_file(index: int) -> str:
    """Return the file name (under nearme/) of the province at `index` in the vocabulary."""
    return f"p{index:02d}.json"


def located_kinds() -> list[str]:
    """Return the kinds whose records can have coordinates and a province."""
    return [kind for kind, spec in KINDS.items()
            if "location" in spec.schema.by_name() and "province" in spec.facets]


# Province -> (what its file was made from, the file, its entry in the index): the last
# made, kept for the next quick rebuild.
_made: dict[str, tuple[tuple[Any, ...], str, dict[str, Any]]] = {}


def nearme_files(catalog: Catalog) -> dict[str, str]:
    """Return site-root-relative path -> JSON text of every near-me file."""
    kinds = catalog.vocab.terms(FACETS_BY_SLUG["kind"].vocabulary)
    kind_index = {k: i for i, k in enumerate(kinds)}
    provinces = catalog.vocab.terms(FACETS_BY_SLUG["province"].vocabulary)
    located = located_kinds()
    base = f"{located[0]}/" if located else ""
    by_province: dict[str, list[Record]] = {p: [] for p in provinces}
    for kind in located:
        for record in catalog.by_kind[kind]:
            for province in record.spec.facet(record.data, "province") or ():
                by_province.setdefault(province, []).append(record)

    def city_of(record: Record) -> str:
        return str((record.data.get("region") or {}).get("city") or "")

    def ref(record: Record) -> str:
        return record.id if record.kind == located[0] else record.url

    files: dict[str, str] = {}
    entries = []
    for number, name in enumerate(by_province):
        records = by_province[name]
        if not records:
            continue
        # A quick rebuild changes one or two provinces: the others' files are as made
        # last time from the same record objects (records are not changed once loaded).
        key = (number, tuple(kinds), base, tuple(records))
        if (kept := _made.get(name)) is not None and kept[0] == key:
            files[f"{NEARME_DIR}/{province_file(number)}"] = kept[1]
            entries.append(kept[2])
            continue
        # Cities with the most records first (the picker lists them in this order).
        per_city = Counter(city_of(r) for r in records if city_of(r))
        cities = sorted(per_city, key=lambda c: (-per_city[c], c))
        city_index = {c: i for i, c in enumerate(cities)}
        rows = []
        box: list[int] | None = None
        for record in sorted(records, key=lambda r: (city_index.get(city_of(r), -1), r.url)):
            kind = (record.spec.facet(record.data, "kind") or [""])[0]
            row: list[Any] = [ref(record), record.title, kind_index.get(kind, -1),
                              city_index.get(city_of(record), -1)]
            location = record.data.get("location")
            if location:
                lat, lng = quantise(location["lat"]), quantise(location["lng"])
                row += [lat, lng]
                box = [lat, lng, lat, lng] if box is None else [
                    min(box[0], lat), min(box[1], lng), max(box[2], lat), max(box[3], lng)]
            rows.append(row)
        file = province_file(number)  # its place in vocab.yml: stable across builds
        files[f"{NEARME_DIR}/{file}"] = _dump({"province": name, "cities": cities, "sites": rows})
        entry: dict[str, Any] = {"name": name, "file": file, "n": len(rows),
                                 "located": sum(1 for r in rows if len(r) > 4)}
        if box is not None:
            entry["box"] = box
        entries.append(entry)
        _made[name] = (key, files[f"{NEARME_DIR}/{file}"], entry)
    files[INDEX] = _dump({"v": VERSION, "q": SCALE, "base": base, "kinds": kinds,
                          "provinces": entries})
    return files


def nearme_assets(catalog: Catalog) -> Iterator[Asset]:
    """Yield the near-me files as assets written with the site."""
    for uri, text in sorted(nearme_files(catalog).items()):
        yield Asset(uri, text)
