"""离我最近: the small static files the phone reads to list the sites nearest to it.

The visitor's position never leaves the phone: `docs/assets/nearme.js` asks the browser for
it, fetches these files from the site itself and computes the distances locally. When the
visitor refuses (or the browser cannot tell), the same files drive a province → city picker.

Layout under `<site>/nearme/` (the format is read by nearme.js; keep them in step):
  index.json   {"v": 1, "q": 10000, "kinds": [kind names],
                "provinces": [{"name", "file", "n", "located", "box"?}]}
               one entry per province with published sites, in vocabulary order; `n`
               counts its sites, `located` those with coordinates, and `box`
               ([south, west, north, east], quantised) bounds the located ones, so the phone
               can skip provinces that cannot hold anything nearer than what it has found.
  pNN.json     {"province", "cities": [names], "sites": [[id, name, kind, city, lat, lng]]}
               NN is the province's place in vocab.yml (stable across builds); `kind` and
               `city` index `kinds` and `cities` (-1: no city given); lat/lng are WGS-84
               degrees × q, rounded (0.0001° is about 11 m) and left out when the record has
               no verified coordinates: such a site is offered in the picker, marked
               “暂无核实坐标”, and never placed in the distance list.

Split by province so that a visitor downloads the index and the few provinces near them
(tens of KB at 10,000 sites) rather than every site in the country.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..catalog import Catalog
    from . import Asset

FOLDER = "nearme"
INDEX = f"{FOLDER}/index.json"
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


def nearme_files(catalog: Catalog) -> dict[str, str]:
    """Return site-root-relative path -> JSON text of every near-me file."""
    kinds = catalog.vocab.terms("kinds")
    kind_index = {k: i for i, k in enumerate(kinds)}
    provinces = catalog.vocab.terms("provinces")
    by_province: dict[str, list[Any]] = {p: [] for p in provinces}
    for site in catalog.by_kind["sites"]:
        by_province.setdefault(site.data["region"]["province"], []).append(site)
    files: dict[str, str] = {}
    entries = []
    for number, name in enumerate(by_province):
        sites = by_province[name]
        if not sites:
            continue
        # Cities with the most sites first (the picker lists them in this order).
        per_city = Counter(s.data["region"]["city"] for s in sites if s.data["region"].get("city"))
        cities = sorted(per_city, key=lambda c: (-per_city[c], c))
        city_index = {c: i for i, c in enumerate(cities)}
        rows = []
        box: list[int] | None = None
        for site in sorted(sites, key=lambda s: (city_index.get(s.data["region"].get("city"), -1),
                                                 s.id)):
            row: list[Any] = [site.id, site.title, kind_index.get(site.data["kind"], -1),
                              city_index.get(site.data["region"].get("city"), -1)]
            location = site.data.get("location")
            if location:
                lat, lng = quantise(location["lat"]), quantise(location["lng"])
                row += [lat, lng]
                box = [lat, lng, lat, lng] if box is None else [
                    min(box[0], lat), min(box[1], lng), max(box[2], lat), max(box[3], lng)]
            rows.append(row)
        file = province_file(number)  # its place in vocab.yml: stable across builds
        files[f"{FOLDER}/{file}"] = _dump({"province": name, "cities": cities, "sites": rows})
        entry: dict[str, Any] = {"name": name, "file": file, "n": len(rows),
                                 "located": sum(1 for r in rows if len(r) > 4)}
        if box is not None:
            entry["box"] = box
        entries.append(entry)
    files[INDEX] = _dump({"v": VERSION, "q": SCALE, "kinds": kinds, "provinces": entries})
    return files


def nearme_assets(catalog: Catalog) -> Iterator[Asset]:
    """Yield the near-me files as assets written with the site."""
    from . import Asset  # render/__init__.py imports this module

    for uri, text in sorted(nearme_files(catalog).items()):
        yield Asset(uri, text)
