"""The catalog: every published record by id, links in both directions, facet indexes."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .check import CheckResult, check_tree
from .models import FACETS_BY_SLUG, KINDS, Record, Vocab
from .problems import DataError

NEARBY_COUNT = 6
NEARBY_MAX_KM = 300.0
_CELL_DEG = 0.25  # grid cell for nearby-site lookups; ~28 km north-south
_KM_PER_DEG = 6371.0 * math.pi / 180


@dataclass
class Catalog:
    """Published (non-draft) records and everything derived from them."""

    vocab: Vocab
    records: dict[str, Record]
    by_kind: dict[str, list[Record]]
    backlinks: dict[str, dict[str, list[str]]]
    facets: dict[str, dict[str, list[str]]]
    nearby: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    def get(self, record_id: str) -> Record:
        """Return the record with `record_id`."""
        return self.records[record_id]

    def related(self, record: Record, kind: str) -> list[Record]:
        """Return records of `kind` linked to `record` in either direction, sorted by id."""
        ids = {ref.id for ref in record.refs if ref.kind == kind}
        ids.update(self.backlinks.get(record.id, {}).get(kind, []))
        ids.discard(record.id)
        return [self.records[i] for i in sorted(ids) if i in self.records]

    def facet(self, slug: str) -> dict[str, list[Record]]:
        """Return value -> records for a facet, in vocabulary order, empty values left out.

        Facets are declared in models.FACETS: province, kind, designation, theme, period,
        audience.
        """
        if slug not in FACETS_BY_SLUG:
            raise KeyError(f"unknown facet {slug!r}; facets are {', '.join(FACETS_BY_SLUG)}")
        values = self.facets.get(slug, {})
        order = self.vocab.terms(FACETS_BY_SLUG[slug].vocabulary)
        return {v: [self.records[i] for i in values[v]] for v in order if values.get(v)}

    def kinds_with_facet(self, slug: str) -> tuple[str, ...]:
        """Return the kinds that carry facet `slug`, the facet's lead kinds first."""
        lead = FACETS_BY_SLUG[slug].lead
        carriers = [k for k, spec in KINDS.items() if slug in spec.facets]
        return tuple([k for k in lead if k in carriers] + [k for k in carriers if k not in lead])


def facet_values(record: Record) -> dict[str, list[str]]:
    """Return facet slug -> the record's values, as its kind declares them."""
    return record.spec.facet_values(record.data)


def build_catalog(records: list[Record], vocab: Vocab, drafts: bool = False) -> Catalog:
    """Index published records (and drafts too, for the preview, with `drafts`): by kind,
    backlinks, facets and nearest sites."""
    published = {r.id: r for r in sorted(records, key=lambda r: r.id) if drafts or not r.draft}
    by_kind: dict[str, list[Record]] = {k: [] for k in KINDS}
    backlinks: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    facets: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for record in published.values():
        by_kind[record.kind].append(record)
        for ref in record.refs:
            if ref.id in published:
                backlinks[ref.id][record.kind].add(record.id)
        for name, values in facet_values(record).items():
            for value in values:
                facets[name][value].append(record.id)
    catalog = Catalog(
        vocab=vocab,
        records=published,
        by_kind=by_kind,
        backlinks={t: {k: sorted(v) for k, v in src.items()} for t, src in backlinks.items()},
        facets={n: dict(v) for n, v in facets.items()},
    )
    catalog.nearby = nearest_sites([r for r in published.values() if "location" in r.data])
    return catalog


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Return the great-circle distance in kilometres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, a)))


def _ring(row: int, col: int, k: int) -> Iterator[tuple[int, int]]:
    """Yield the grid cells at Chebyshev distance `k` from (row, col)."""
    if k == 0:
        yield row, col
        return
    for c in range(col - k, col + k + 1):
        yield row - k, c
        yield row + k, c
    for r in range(row - k + 1, row + k):
        yield r, col - k
        yield r, col + k


def nearest_sites(sites: list[Record], count: int = NEARBY_COUNT,
                  max_km: float = NEARBY_MAX_KM) -> dict[str, list[tuple[str, float]]]:
    """Return, for each located site, up to `count` other sites within `max_km`, nearest first.

    Sites are bucketed in a grid; the search walks rings of cells outwards from a site and
    stops as soon as no unvisited cell can hold anything nearer than what it has found, so
    the cost per site stays flat however many sites there are.
    """
    located = [(s.id, s.data["location"]["lat"], s.data["location"]["lng"])
               for s in sites if "location" in s.data]
    grid: dict[tuple[int, int], list[tuple[str, float, float]]] = defaultdict(list)
    for entry in located:
        grid[(math.floor(entry[1] / _CELL_DEG), math.floor(entry[2] / _CELL_DEG))].append(entry)
    reach_deg = max_km / _KM_PER_DEG
    result: dict[str, list[tuple[str, float]]] = {}
    for sid, lat, lng in located:
        row, col = math.floor(lat / _CELL_DEG), math.floor(lng / _CELL_DEG)
        # A ring of cells is at least this far away per step: east-west cells are narrowest
        # at the highest latitude an in-range site can have.
        cos_min = max(0.01, math.cos(math.radians(min(89.9, abs(lat) + reach_deg))))
        step_km = _CELL_DEG * _KM_PER_DEG * cos_min
        found: list[tuple[float, str]] = []
        k = 0
        while True:
            for cell in _ring(row, col, k):
                for oid, olat, olng in grid.get(cell, ()):
                    if oid != sid:
                        d = distance_km(lat, lng, olat, olng)
                        if d <= max_km:
                            found.append((d, oid))
            # Everything in ring k+1 or beyond is at least k * step_km away.
            horizon = k * step_km
            if horizon > max_km:
                break
            if len(found) >= count:
                found.sort()
                if found[count - 1][0] <= horizon:
                    break
            k += 1
        found.sort()
        result[sid] = [(oid, round(d, 1)) for d, oid in found[:count]]
    return result


def load_catalog(root: Path) -> tuple[Catalog, CheckResult]:
    """Check `root` and build the catalog; raise DataError if the check found errors."""
    result = check_tree(root)
    if result.errors:
        raise DataError(result.errors)
    return build_catalog(result.records, result.vocab), result
