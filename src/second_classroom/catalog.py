"""The catalog: every published record by id, links in both directions, facet indexes."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .check import CheckResult, check_tree
from .models import FACETS_BY_SLUG, KINDS, Record, Vocab
from .problems import DataError

NEARBY_COUNT = 6
NEARBY_MAX_KM = 300.0
_CELL_DEG = 0.25  # grid cell for nearby-site lookups; ~28 km north-south
_KM_PER_DEG = 6371.0 * math.pi / 180

T = TypeVar("T")


@dataclass
class Catalog:
    """Published (non-draft) records and everything derived from them."""

    vocab: Vocab
    records: dict[str, Record]
    by_kind: dict[str, list[Record]]
    backlinks: dict[str, dict[str, list[str]]]
    facets: dict[str, dict[str, list[str]]]
    nearby: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    # Record id -> kind -> the records of that kind that name it, published or not:
    # the backlinks of every target, from which a quick rebuild updates them.
    referrers: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    _derived: dict[Callable[..., Any], Any] = field(default_factory=dict, init=False,
                                                     repr=False, compare=False)

    def derived(self, make: Callable[[Catalog], T]) -> T:
        """Return `make(self)`, made once per catalog: several pages of one build ask for
        the same values drawn from every record (the data's date, the latest records,
        the events by day), and a quick rebuild, which makes a new catalog, would make
        each of them up to five times. A catalog is not changed once made; callers must
        not change what this returns. Not pickled or copied with the catalog."""
        try:
            return self._derived[make]  # type: ignore[no-any-return]
        except KeyError:
            value = self._derived[make] = make(self)
            return value

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_derived"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _derived={})

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
        values = self.facets.get(slug, {})
        return {v: [self.records[i] for i in values[v]] for v in self.facet_values_in_order(slug)}

    def facet_values_in_order(self, slug: str) -> list[str]:
        """Return the values of facet `slug` that some record has, in vocabulary order."""
        if slug not in FACETS_BY_SLUG:
            raise KeyError(f"unknown facet {slug!r}; facets are {', '.join(FACETS_BY_SLUG)}")
        values = self.facets.get(slug, {})
        terms = dict.fromkeys(self.vocab.terms(FACETS_BY_SLUG[slug].vocabulary))
        return [v for v in terms if values.get(v)]

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
    published = _published(records, drafts)
    facets: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for record in published.values():
        for name, values in facet_values(record).items():
            for value in values:
                facets[name][value].append(record.id)
    referrers = _referrers(published)
    catalog = Catalog(vocab=vocab, records=published, by_kind=_by_kind(published),
                      backlinks=_backlinks(referrers, published),
                      facets={n: dict(v) for n, v in facets.items()}, referrers=referrers)
    catalog.nearby = nearest_sites([r for r in published.values() if "location" in r.data])
    return catalog


def update_catalog(old: Catalog, records: list[Record], vocab: Vocab,
                   drafts: bool = False) -> tuple[Catalog, set[str]]:
    """Return the catalog of `records` (as `build_catalog` would) made from `old`, the
    catalog of an earlier version of them with the same vocabulary, and the ids of the
    records that differ (edited, added or removed). A record object that is in `old` is
    taken as unchanged: facets and nearest sites are redone only around the others."""
    published = _published(records, drafts)
    changed = {i for i, r in published.items() if old.records.get(i) is not r}
    changed |= old.records.keys() - published.keys()
    facets = {name: dict(values) for name, values in old.facets.items()}
    touched: set[tuple[str, str]] = set()
    for rid in changed:
        for version, add in ((old.records.get(rid), False), (published.get(rid), True)):
            if version is None:
                continue
            for name, values in facet_values(version).items():
                for value in values:
                    ids = facets.setdefault(name, {}).setdefault(value, [])
                    if (name, value) not in touched:  # copy before changing: old keeps its own
                        ids = facets[name][value] = list(ids)
                        touched.add((name, value))
                    if add:
                        ids.append(rid)
                    elif rid in ids:
                        ids.remove(rid)
    for name, value in touched:
        if ids := sorted(set(facets[name][value]) & published.keys()):
            facets[name][value] = ids
        else:
            del facets[name][value]
    referrers = _referrers_updated(old, published, changed)
    catalog = Catalog(vocab=vocab, records=published, by_kind=_by_kind(published),
                      backlinks=_backlinks(referrers, published),
                      facets={n: v for n, v in facets.items() if v}, referrers=referrers)
    catalog.nearby = _nearby_updated(old, published, changed)
    return catalog, changed


def _published(records: list[Record], drafts: bool) -> dict[str, Record]:
    return {r.id: r for r in sorted(records, key=lambda r: r.id) if drafts or not r.draft}


def _by_kind(published: dict[str, Record]) -> dict[str, list[Record]]:
    by_kind: dict[str, list[Record]] = {k: [] for k in KINDS}
    for record in published.values():
        by_kind[record.kind].append(record)
    return by_kind


def _referrers(published: dict[str, Record]) -> dict[str, dict[str, list[str]]]:
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for record in published.values():
        for ref in record.refs:
            found[ref.id][record.kind].add(record.id)
    return {t: {k: sorted(v) for k, v in src.items()} for t, src in found.items()}


def _referrers_updated(old: Catalog, published: dict[str, Record],
                       changed: set[str]) -> dict[str, dict[str, list[str]]]:
    """Return `_referrers(published)` from `old`'s, redone only for the targets that the
    `changed` records named before or name now (all of them when `old` has none kept: a
    catalog not made by build_catalog)."""
    if old.backlinks and not old.referrers:
        return _referrers(published)
    referrers = dict(old.referrers)  # targets' entries copied before they change
    touched: set[str] = set()
    for rid in changed:
        for version in (old.records.get(rid), published.get(rid)):
            if version is None:
                continue
            for ref in version.refs:
                if ref.id not in touched:
                    referrers[ref.id] = {k: list(v)
                                         for k, v in referrers.get(ref.id, {}).items()}
                    touched.add(ref.id)
                ids = referrers[ref.id].setdefault(version.kind, [])
                if rid in ids:
                    ids.remove(rid)
    for rid in changed:
        if (record := published.get(rid)) is not None:
            for ref in record.refs:
                referrers[ref.id][record.kind].append(rid)
    for target in touched:
        if found := {k: sorted(set(v)) for k, v in referrers[target].items() if v}:
            referrers[target] = found
        else:
            del referrers[target]
    return referrers


def _backlinks(referrers: dict[str, dict[str, list[str]]],
               published: dict[str, Record]) -> dict[str, dict[str, list[str]]]:
    return {t: src for t, src in referrers.items() if t in published}


def _position(record: Record | None) -> tuple[float, float] | None:
    location = record.data.get("location") if record is not None else None
    return (location["lat"], location["lng"]) if location else None


def _nearby_updated(old: Catalog, published: dict[str, Record],
                    changed: set[str]) -> dict[str, list[tuple[str, float]]]:
    """Return the nearest sites of `published`, redone only for the sites that a moved,
    added or removed site can be near (within NEARBY_MAX_KM of where it was or is)."""
    moved = [(_position(old.records.get(i)), _position(published.get(i))) for i in changed]
    points = [p for pair in moved if pair[0] != pair[1] for p in pair if p is not None]
    located = [r for r in published.values() if "location" in r.data]
    redo = {r.id for r in located if r.id in changed or r.id not in old.nearby}
    # No site further north or south of a point than NEARBY_MAX_KM (and a kilometre for
    # rounding) is that near it: most are passed over without the distance.
    reach = (NEARBY_MAX_KM + 1) / _KM_PER_DEG
    for record in located:
        lat, lng = record.data["location"]["lat"], record.data["location"]["lng"]
        if any(abs(lat - plat) <= reach and distance_km(lat, lng, plat, plng) <= NEARBY_MAX_KM
               for plat, plng in points):
            redo.add(record.id)
    fresh = nearest_sites(located, only=redo)
    return {r.id: fresh[r.id] if r.id in redo else old.nearby[r.id] for r in located}


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
                  max_km: float = NEARBY_MAX_KM,
                  only: set[str] | None = None) -> dict[str, list[tuple[str, float]]]:
    """Return, for each located site (or each of `only`), up to `count` other sites within
    `max_km`, nearest first.

    Sites are bucketed in a grid; the search walks rings of cells outwards from a site and
    stops as soon as no unvisited cell can hold anything nearer than what it has found, so
    the cost per site stays flat however many sites there are.
    """
    # Each site with its latitude in radians and that latitude's cosine, computed once:
    # the distances below are distance_km's, to the last bit, without a call per pair.
    located = [(s.id, lat, lng, p, math.cos(p)) for s in sites if "location" in s.data
               for lat, lng in [(s.data["location"]["lat"], s.data["location"]["lng"])]
               for p in [math.radians(lat)]]
    grid: dict[tuple[int, int], list[tuple[str, float, float, float, float]]] = \
        defaultdict(list)
    sin, asin, sqrt, radians = math.sin, math.asin, math.sqrt, math.radians
    for entry in located:
        grid[(math.floor(entry[1] / _CELL_DEG), math.floor(entry[2] / _CELL_DEG))].append(entry)
    reach_deg = max_km / _KM_PER_DEG
    result: dict[str, list[tuple[str, float]]] = {}
    for sid, lat, lng, p1, cos1 in located:
        if only is not None and sid not in only:
            continue
        row, col = math.floor(lat / _CELL_DEG), math.floor(lng / _CELL_DEG)
        # A ring of cells is at least this far away per step: east-west cells are narrowest
        # at the highest latitude an in-range site can have.
        cos_min = max(0.01, math.cos(math.radians(min(89.9, abs(lat) + reach_deg))))
        step_km = _CELL_DEG * _KM_PER_DEG * cos_min
        found: list[tuple[float, str]] = []
        k = 0
        while True:
            for cell in _ring(row, col, k):
                for oid, _, olng, p2, cos2 in grid.get(cell, ()):
                    if oid != sid:  # distance_km(lat, lng, olat, olng), inlined
                        a = sin((p2 - p1) / 2) ** 2 + cos1 * cos2 * sin(radians(olng - lng) / 2) ** 2
                        d = 6371.0 * 2 * asin(sqrt(min(1.0, a)))
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


def load_catalog(root: Path, parallel: bool = False,
                 checked: Callable[[list[Record]], None] | None = None,
                 read: Callable[[list[Record]], None] | None = None
                 ) -> tuple[Catalog, CheckResult]:
    """Check `root` and build the catalog; raise DataError if the check found errors.
    `parallel`, `read`: see check.check_tree. `checked` is given the records once they
    passed the check, before the catalog is built (to start work that needs only them)."""
    result = check_tree(root, parallel=parallel, read=read)
    if result.errors:
        raise DataError(result.errors)
    if checked is not None:
        checked(result.records)
    return build_catalog(result.records, result.vocab), result
