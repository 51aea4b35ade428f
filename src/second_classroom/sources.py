"""What a record's sources are: their type (官方, 出版物, 媒体, 百科, 转载), inferred from the
address where the editor gave none, and labels that name a publisher the address does not
belong to.

The host lists live in site_data/vocab.yml (`source_hosts`, `publisher_hosts`): which
sites are official or a copy of another is a reviewed fact like any other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .models import KINDS, TRUSTED_SOURCE_TYPES, Record, Vocab


def host_of(url: str) -> str:
    """Return the host name of `url`, lower case, without a trailing dot."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def _on(host: str, domains: list[str]) -> bool:
    """Return whether `host` is one of `domains` or a subdomain of one."""
    return any(host == d or host.endswith("." + d) for d in domains)


# The host lists as a lookup table: domain -> (rank of its type in vocabulary order, type),
# with the lists it was made from (a table is made again when they change).
_TABLE: dict[int, tuple[list[tuple[str, list[str]]], dict[str, tuple[int, str]]]] = {}


def _host_table(vocab: Vocab) -> dict[str, tuple[int, str]]:
    items = list(vocab.source_hosts.items())
    cached = _TABLE.get(id(vocab.source_hosts))
    if cached is not None and cached[0] == items:
        return cached[1]
    table: dict[str, tuple[int, str]] = {}
    for rank, (kind, hosts) in enumerate(items):
        for domain in hosts:
            table.setdefault(domain, (rank, kind))
    _TABLE.clear()  # one vocabulary at a time
    _TABLE[id(vocab.source_hosts)] = ([(k, list(v)) for k, v in items], table)
    return table


def inferred_type(url: str, vocab: Vocab) -> str:
    """Return the source type the address's host is listed under, or "".

    The first type in vocabulary order with the host or one of its parent domains listed
    (as `_on` would find them in turn): looked up per domain, not by scanning every list.
    """
    host = host_of(url)
    if not host:
        return ""
    table = _host_table(vocab)
    found = table.get(host)
    start = host.find(".")
    while start != -1:
        hit = table.get(host[start + 1:])
        if hit is not None and (found is None or hit[0] < found[0]):
            found = hit
        start = host.find(".", start + 1)
    return found[1] if found else ""


# A source without an address is a printed one: a publisher or journal names itself so.
_PRINTED = ("出版社", "杂志社", "编辑部", "出版集团", "书局")


def source_type(source: Mapping[str, Any], vocab: Vocab) -> str:
    """Return a source's type: as the editor wrote it, else inferred from its address, or
    for a printed source from its publisher (人民出版社 → 出版物; 人民日报 → its site's type)."""
    if source.get("type"):
        return str(source["type"])
    if source.get("url"):
        return inferred_type(str(source["url"]), vocab)
    label = str(source.get("publisher", ""))
    if any(word in label for word in _PRINTED):
        return "出版物"
    for name, hosts in vocab.publisher_hosts.items():
        if name in label and hosts:
            return inferred_type("https://" + hosts[0] + "/", vocab)
    return ""


def citations(record: Record) -> list[Mapping[str, Any]]:
    """Return what a record cites: its sources, the publication a quotation is printed in,
    and the address of the published text itself (a reading's or quotation's `url`)."""
    cited: list[Mapping[str, Any]] = list(record.data.get("sources", []))
    if pub := record.data.get("publication"):
        cited.append({"title": pub.get("title", ""), "publisher": pub.get("publisher", ""),
                      "type": "出版物"})
    url = record.data.get("url")  # the text itself where it was published
    if url and url not in {s.get("url") for s in cited}:
        cited.append({"title": record.title, "url": url})
    return cited


def mislabelled_publisher(source: Mapping[str, Any], vocab: Vocab) -> str:
    """Return the publisher a source's label names whose hosts its address is not on, or ""
    (e.g. publisher 新华网 with an address on another site: a copy, not 新华网's page)."""
    url = str(source.get("url", ""))
    label = str(source.get("publisher", ""))
    if not url or not label:
        return ""
    host = host_of(url)
    for name, hosts in vocab.publisher_hosts.items():
        if name in label and not _on(host, hosts):
            return name
    return ""


def trusted(sources: list[Mapping[str, Any]], vocab: Vocab) -> bool:
    """Return whether any source is official or a publication."""
    return any(source_type(s, vocab) in TRUSTED_SOURCE_TYPES for s in sources)


@dataclass
class KindSources:
    """How one kind of record is sourced."""

    kind: str
    records: int = 0
    trusted: int = 0  # records with an official or publication source
    untrusted: list[str] = field(default_factory=list)  # paths of the others

    @property
    def share(self) -> float:
        """Return the share of records with an official or publication source."""
        return self.trusted / self.records if self.records else 0.0


@dataclass
class SourceReport:
    """Sources across the data: trust per kind, duplicates, hosts and mislabels."""

    kinds: list[KindSources]
    duplicates: list[tuple[str, str]]  # (record path, the source cited twice)
    hosts: list[tuple[str, int]]  # host, citations; most cited first
    mislabelled: list[tuple[str, str, str]]  # (record path, label, host)
    by_type: dict[str, int]  # source type ("" unknown) -> citations

    @property
    def records(self) -> int:
        """Return how many records were counted."""
        return sum(k.records for k in self.kinds)

    @property
    def trusted(self) -> int:
        """Return how many records have an official or publication source."""
        return sum(k.trusted for k in self.kinds)


def source_report(records: list[Record], vocab: Vocab) -> SourceReport:
    """Return how the published records that cite sources are sourced (drafts, and kinds
    with no `sources` field such as the 宣讲 schedule, are left out)."""
    kinds = {name: KindSources(name) for name in KINDS}
    hosts: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    duplicates: list[tuple[str, str]] = []
    mislabelled: list[tuple[str, str, str]] = []
    for record in sorted(records, key=lambda r: r.path):
        # Drafts are not published; operational records (宣讲, 台账) cite nothing; a study
        # plan is a template that may cite nothing (its sources are optional).
        declared = record.spec.schema.by_name().get("sources")
        if record.draft or declared is None or (not declared.required
                                                and not citations(record)):
            continue
        sources = citations(record)
        tally = kinds[record.kind]
        tally.records += 1
        if trusted(sources, vocab):
            tally.trusted += 1
        else:
            tally.untrusted.append(record.path)
        seen: set[str] = set()
        for source in sources:
            key = str(source.get("url") or f"{source['title']}|{source.get('publisher', '')}")
            if key in seen:
                duplicates.append((record.path, key))
            seen.add(key)
            by_type[source_type(source, vocab)] += 1
            if source.get("url"):
                hosts[host_of(str(source["url"]))] += 1
            if name := mislabelled_publisher(source, vocab):
                mislabelled.append((record.path, name, host_of(str(source["url"]))))
    return SourceReport([k for k in kinds.values() if k.records], duplicates,
                        sorted(hosts.items(), key=lambda kv: (-kv[1], kv[0])), mislabelled,
                        dict(by_type))
