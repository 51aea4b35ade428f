"""Build the site's search index: a chunked Chinese full-text index, written from the catalog.

A visitor's phone fetches only what a query needs: a tiny manifest, the one or two shards
holding the query's terms, and a small file per result shown. No whole-site JSON, no
WebAssembly engine; the browser side is `docs/assets/search-ui.js` (about 13 KB gzipped).

Chinese has no spaces, and a dictionary segmenter (jieba, Pagefind extended) is what made
indexing slow and memory-hungry at 10,000 records. Terms are therefore overlapping character
pairs (遵义会议 → 遵义 义会 会议), the classic CJK bigram scheme: no dictionary, every name
is findable by any two adjacent characters of it, and a query matches a record only when
the record holds all of its pairs (failing that, records holding at least half of them are
shown, and the search says so). Letters and digits form whole words (1935, isbn).
A query of one Chinese character looks it up in names and summaries only.

Names forgive (issue 17, `spelling.py`): a record's `aliases` (简称, 别称, former names) are
indexed at name weight like its name; names and aliases also give pinyin terms (`zun yi`),
initials terms (`>zyh`, `=zyhy`); `fold.txt` lets the browser fold traditional
characters, and `sound.txt` cut letters into syllables and find homophones of a wrongly
typed character.

Weights make a record's name outrank a mention elsewhere: 6–9 for the name (shorter names
weigh more, so 焦裕禄 beats 焦裕禄纪念园 for the query 焦裕禄), 3 for the one-line summary or
role, 1 for every other text field and vocabulary term. Facets (栏目 省份 类型 主题 时期 对象)
are columns of value numbers per record, fetched only when the visitor opens 筛选.

Layout under `<site>/searchindex/` (the format is read by search-ui.js; keep them in step):
- `manifest.json`: {"version", "docs", "shards", "dense", "dir", "lists"}; short-lived,
  fetched first; `lists` names the listing pages offered when nothing is found;
- `<dir>/t<k>.txt`: shard k of the terms. A line is `term`, then tab-separated groups
  `<weight>.<ids>` (ids in base 36, each after the first as a gap from the previous) or
  `<weight>#<bitset>` (base64, bit i = record i; used when shorter, i.e. common terms);
  a term's shard is its hash (see `shard_of`) modulo the shard count;
- `<dir>/dense.txt` (when "dense" > 0): the common terms, one a line, whose lines are too
  long for a shard (`DENSE_BYTES`); the term on line j is alone in `<dir>/w<j>.txt`, so a
  query pays for its own terms and not for a shard's worth of others (at 100,000 records
  the common terms are 2 % of the terms and 93 % of the bytes). Their line may hold one
  group `~<weights>#<codes>` instead (`encode_weights`: a code per record, several
  to a byte); dense.txt is
  fetched with fold.txt;
- `<dir>/d<i>.json`: record i for the result list: url, title, 栏目, excerpt text, and
  when it has them its aliases (`a`) and the pinyin of its name and aliases (`p`, one
  spelling per name, runs separated by `/`: `zun yi hui yi hui zhi`);
- `<dir>/fold.txt`: traditional characters for queries (`spelling.fold_file`), fetched with
  the first query; `<dir>/sound.txt`: readings (`spelling.sound_file`), fetched only for a
  query of letters or one that finds no name;
- `<dir>/facets.json`: facet names, their values, and one column per facet.
`<dir>` is a hash of the content, so everything in it can be cached for good.

Nothing here knows about MkDocs; `classroom search-index SITE` writes the same index.
"""

from __future__ import annotations

import base64
import hashlib
import json
import operator
import re
import time
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .cnformat import plain_text
from .diskerror import naming
from .forked import ahead
from .layout import INDEX_DIR
from .models import FACETS, KINDS, Markdown, Record, Struct, Term, Text, field_values
from .output import AtomicOutput
from .spelling import fold_file, name_terms, reading_runs, sound_file, spelled

VERSION = 3  # 3: dense.txt and w<j>.txt
NAME_WEIGHTS = range(6, 10)  # 9 for the shortest names, 6 for long ones
LEAD_WEIGHT = 3  # the fields a kind declares as its summary (RecordKind.search_lead)
TEXT_WEIGHT = 1
SKIPPED_FIELDS = ("sources", "images")  # citations and photo credits are not content
ALIASES_FIELD = "aliases"  # indexed at name weight, like the name
EXCERPT_CHARS = 1200  # of a record's text kept for result excerpts
SHARD_BYTES = 16_384  # aim for shards about this size (before gzip)
DENSE_BYTES = 2048  # a term whose line is longer gets a file of its own (see build_index)
AHEAD_MIN = 2000  # records; below this a worker process costs more than it saves
KIND_FILTER = "栏目"  # the filter by kind of record; the others are declared facets
# Filters as the search UI names them -> the facet slug their values come from.
FILTERS = {KIND_FILTER: "", **{f.filter_label: f.slug for f in FACETS if f.filter_label}}
_DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_VALUE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"  # search-ui.js too


class SearchIndexError(Exception):
    """The index cannot be written; the message is in Chinese and says why."""


# Runs of Chinese characters (CJK Unified Ideographs, Extension A, compatibility and the
# supplementary planes), or of other letters and digits. search-ui.js has the same classes.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")
_IDEOGRAPH = re.compile(f"[{_CJK}]")


# Full-width letters and digits (ＡＢＣ１２３) read as ASCII. Only these: full NFKC would
# cost more than the rest of indexing (Chinese punctuation is never normalised text).
_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}


def fold(text: str) -> str:
    """Return `text` with full-width ASCII made plain, as queries are folded too."""
    return text.translate(_FULL_WIDTH)


def _runs(text: str) -> list[tuple[str, str]]:
    """Return (chinese run, word run) pairs: exactly one of the two is non-empty."""
    return _RUN.findall(fold(text).lower())


def terms(text: str) -> set[str]:
    """Return the index terms of `text`: Chinese character pairs and whole words.

    A Chinese run of one character gives that character; `search-ui.js` splits queries
    with the same rules.
    """
    out: set[str] = set()
    for run, word in _runs(text):
        if word:
            out.add(word[:30])
        elif len(run) == 1:
            out.add(run)
        else:
            out.update(map(operator.add, run, run[1:]))  # each character with the next
    return out


def characters(text: str) -> set[str]:
    """Return the single Chinese characters of `text` (looked up by one-character queries)."""
    return set("".join(run for run, _ in _runs(text)))


def shard_of(term: str, shards: int) -> int:
    """Return the shard holding `term`: a 31-multiplier hash of its code points."""
    h = 0
    for ch in term:
        h = (h * 31 + ord(ch)) & 0xFFFFFFFF
    return h % shards


def _texts(schema: Struct, data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Yield (field name, text) for every text and vocabulary value, nested ones included."""
    for f in schema.fields:
        if f.name in SKIPPED_FIELDS or f.name not in data:
            continue
        for _, kind, value in field_values(f.type, data[f.name]):
            if isinstance(kind, Markdown):
                yield f.name, plain_text(value)
            elif isinstance(kind, Text | Term):
                yield f.name, kind.display(value)  # as shown: `book` is found as 图书


@dataclass
class SearchDoc:
    """One record as the index sees it: where it is, what it says, its facets."""

    url: str
    title: str
    kind: str  # the 栏目, e.g. 红色地标
    fields: list[tuple[int, str]]  # (weight, text), one text per weight
    excerpt: str
    facets: dict[str, list[str]] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)


def name_weight(title: str) -> int:
    """Return the weight of a name's terms: shorter names weigh more (9 down to 6)."""
    size = max(1, len(terms(title)))
    return max(NAME_WEIGHTS.start, NAME_WEIGHTS.stop - size)


def search_doc(record: Record) -> SearchDoc:
    """Return what the index holds of `record`."""
    kind = record.spec
    aliases = [str(a) for a in record.data.get(ALIASES_FIELD, [])]
    names: dict[int, list[str]] = {}
    for name in (record.title, *aliases):
        names.setdefault(name_weight(name), []).append(name)
    fields: list[tuple[int, str]] = [(w, "\n".join(n)) for w, n in
                                     sorted(names.items(), reverse=True)]
    lead: list[str] = []
    rest: list[str] = []
    for name, text in _texts(kind.schema, record.data):
        if name in (kind.title_field, ALIASES_FIELD):
            continue
        (lead if name in kind.search_lead else rest).append(text)
    # One text per weight: the terms are the same, and each text costs a normalisation.
    fields += [(w, "\n".join(texts)) for w, texts in ((LEAD_WEIGHT, lead), (TEXT_WEIGHT, rest))
               if texts]
    excerpt = " ".join(lead + rest)[:EXCERPT_CHARS]
    values = kind.facet_values(record.data)
    facets = {KIND_FILTER: [kind.label]}
    for label, slug in FILTERS.items():
        if slug and values.get(slug):
            facets[label] = list(values[slug])
    return SearchDoc(record.url, record.title, kind.label, fields, excerpt, facets, aliases)


def search_docs(catalog: Catalog) -> list[SearchDoc]:
    """Return every published record as a search document, in a fixed order (kind, id)."""
    return [search_doc(r) for k in KINDS for r in catalog.by_kind[k]]


def _b36(n: int) -> str:
    out = ""
    while True:
        n, digit = divmod(n, 36)
        out = _DIGITS36[digit] + out
        if not n:
            return out


_B36 = [_b36(n) for n in range(36 ** 2)]  # gaps are mostly small: looked up, not divided


def encode_ids(ids: Sequence[int], total: int) -> str:
    """Return increasing record numbers as gaps in base 36, or as a bitset when shorter."""
    table, size = _B36, len(_B36)
    listed = ",".join([table[gap] if gap < size else _b36(gap)
                       for gap in map(operator.sub, ids, [0, *ids])])
    if len(listed) * 3 <= total // 2:  # a bitset's base64 is ~total/6 chars: skip trying
        return "." + listed
    bits = bytearray((total + 7) // 8)
    for i in ids:
        bits[i >> 3] |= 1 << (i & 7)
    packed = base64.b64encode(bytes(bits)).decode("ascii")
    return "#" + packed if len(packed) < len(listed) else "." + listed


def codes_per_byte(radix: int) -> int:
    """Return how many codes of `radix` values one byte holds (radix ** k ≤ 256)."""
    per = 1
    while radix ** (per + 1) <= 256:
        per += 1
    return per


def encode_weights(groups: Sequence[tuple[int, Sequence[int]]], total: int) -> str:
    """Return a term's record lists, one per weight, as one group `~<weights>#<base64>`.

    `groups` are (weight, increasing record numbers), highest weight first, disjoint (a
    record is listed once per term). Each record gets a code: 0 for none, i for the i-th
    weight, so radix = len(groups) + 1 values; a byte holds `codes_per_byte(radix)` of
    them, record n's in byte n // per as digit n % per of the byte in base radix (least
    significant first). A common term held at two weights costs 1.6 bits a record
    instead of two bitsets (5 codes in a byte), at three weights 2 bits instead of three.
    """
    radix = len(groups) + 1
    per = codes_per_byte(radix)
    codes = bytearray(-(-total // per) * per)
    for code, (_, ids) in enumerate(groups, 1):
        for n in ids:
            codes[n] = code
    # Digit i of every byte at once: the i-th codes of all bytes as one whole number,
    # times radix ** i. No byte carries over: every byte's digits sum below radix ** per.
    packed = 0
    for i in range(per):
        packed += int.from_bytes(codes[i::per], "little") * radix ** i
    data = packed.to_bytes(len(codes) // per, "little")
    weights = "".join(str(w) for w, _ in groups)
    return "~" + weights + "#" + base64.b64encode(data).decode("ascii")


def _numbers() -> array[int]:
    return array("I")


def _postings(docs: list[SearchDoc]) -> dict[int, dict[str, array[int]]]:
    """Return weight → term → record numbers (increasing) holding the term at that weight.

    A record is listed once per term, under the highest weight it has the term at. The
    numbers are arrays of 4-byte integers, not lists (8-byte pointers): at 100,000 records
    there are ~31 million of them.
    """
    postings: dict[int, dict[str, array[int]]] = {}
    for number, doc in enumerate(docs):
        by_weight: dict[int, set[str]] = {}
        for weight, text in doc.fields:
            found = terms(text)
            if weight >= LEAD_WEIGHT:  # one-character queries look in names and summaries
                found |= characters(text)
            if weight >= NAME_WEIGHTS.start:  # names and aliases: pinyin and initials
                found |= name_terms([[s for _, s in run] for run in reading_runs(text)])
            by_weight.setdefault(weight, set()).update(found)
        seen: set[str] = set()
        for weight in sorted(by_weight, reverse=True):
            fresh = by_weight[weight] - seen
            seen |= fresh
            table = postings.setdefault(weight, defaultdict(_numbers))
            for term in fresh:
                table[term].append(number)
    return postings


def _facet_file(docs: list[SearchDoc], order: dict[str, int]) -> dict[str, Any]:
    """Return facet names, values and one column per facet: record i's values at i."""
    values: dict[str, list[str]] = {}
    for label in FILTERS:
        seen = {v for d in docs for v in d.facets.get(label, [])}
        values[label] = sorted(seen, key=lambda v: (v not in order, order.get(v, 0), v))
    columns = {}
    for label, names in values.items():
        if len(names) > len(_VALUE_CHARS):
            raise SearchIndexError(f"筛选项“{label}”有 {len(names)} 个取值，搜索索引最多支持 "
                                   f"{len(_VALUE_CHARS)} 个")
        code = {v: _VALUE_CHARS[i] for i, v in enumerate(names)}
        columns[label] = ",".join("".join(code[v] for v in d.facets.get(label, [])) for d in docs)
    return {"facets": list(FILTERS), "values": values, "columns": columns}


def build_index(docs: list[SearchDoc], order: Iterable[str] = (),
                dense_bytes: int = DENSE_BYTES) -> dict[str, bytes]:
    """Return the index files (path under searchindex/ → bytes) for `docs`.

    `order` lists facet values in the order the filters should show them (vocabularies).
    The same docs always give the same bytes.
    """
    total = len(docs)
    lists: dict[str, list[tuple[int, array[int]]]] = {}
    for weight, table in sorted(_postings(docs).items(), reverse=True):
        for term, ids in table.items():
            lists.setdefault(term, []).append((weight, ids))
    lines: list[tuple[str, str]] = []
    dense: list[str] = []
    for term in sorted(lists):
        line = term + "\t" + "\t".join(f"{w}{encode_ids(ids, total)}" for w, ids in lists[term])
        if len(line) <= dense_bytes:
            lines.append((term, line))
            continue
        # A common term: its own file, so that a query pays for its own terms only and
        # not for those a shard shares with it; one weight code per record when shorter.
        packed = term + "\t" + encode_weights(lists[term], total)
        dense.append(packed if len(packed) < len(line) else line)
    size = sum(len(line.encode("utf-8")) + 1 for _, line in lines)
    shards = 1
    while size / shards > SHARD_BYTES and shards < 4096:
        shards *= 2
    texts: list[list[str]] = [[] for _ in range(shards)]
    for term, line in lines:
        texts[shard_of(term, shards)].append(line)
    files = {f"t{k}.txt": ("\n".join(t) + "\n").encode("utf-8") for k, t in enumerate(texts)}
    if dense:
        files["dense.txt"] = ("\n".join(line.split("\t", 1)[0] for line in dense)
                              + "\n").encode("utf-8")
        files.update({f"w{j}.txt": (line + "\n").encode("utf-8")
                      for j, line in enumerate(dense)})
    contextual: dict[str, set[str]] = {}
    for number, doc in enumerate(docs):
        entry: dict[str, Any] = {"u": doc.url, "t": doc.title, "k": doc.kind, "x": doc.excerpt}
        spellings = []
        for name in (doc.title, *doc.aliases):
            runs = reading_runs(name)
            for run in runs:
                for char, syllable in run:
                    contextual.setdefault(char, set()).add(syllable)
            spellings.append(spelled([[s for _, s in run] for run in runs]))
        if doc.aliases:
            entry["a"] = doc.aliases
        if any(spellings):
            entry["p"] = spellings
        files[f"d{number}.json"] = _json(entry)
    index_chars = {ch for term in lists for ch in term if _IDEOGRAPH.match(ch)}
    files["fold.txt"] = fold_file(index_chars)
    files["sound.txt"] = sound_file(index_chars, contextual)
    files["facets.json"] = _json(_facet_file(docs, {v: i for i, v in enumerate(order)}))
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name])
    folder = digest.hexdigest()[:12]
    out = {f"{folder}/{name}": data for name, data in files.items()}
    listings = [[k.label, f"{k.name}/"] for k in KINDS.values()
                if any(d.kind == k.label for d in docs)]
    out["manifest.json"] = _json({"version": VERSION, "docs": total, "shards": shards,
                                  "dense": len(dense), "dir": folder, "lists": listings})
    return out


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class IndexResult:
    """What one indexing run wrote, and how long it took."""

    records: int
    terms: int
    shards: int
    bytes: int
    seconds: float
    folder: Path


def facet_order(catalog: Catalog) -> list[str]:
    """Return every facet value in vocabulary order (kinds of record first)."""
    order = [k.label for k in KINDS.values()]
    for facet in FACETS:
        if facet.filter_label:
            order += catalog.vocab.terms(facet.vocabulary)
    return order


def write_index(catalog: Catalog, site_dir: Path) -> IndexResult:
    """Write the search index of `catalog` into `<site_dir>/searchindex/`.

    The new index is written beside the old one and swapped in by renaming, so a failed
    run leaves the previous index whole.
    """
    return write_docs(search_docs(catalog), facet_order(catalog), Path(site_dir))


def write_docs(docs: list[SearchDoc], order: list[str], site_dir: Path) -> IndexResult:
    """Write the index of `docs` into `<site_dir>/searchindex/` (see `write_index`)."""
    start = time.perf_counter()
    if not site_dir.is_dir():
        raise SearchIndexError(f"{site_dir}: 站点目录不存在，无法建立搜索索引")
    if not docs:
        raise SearchIndexError(f"{site_dir}: 没有可检索的记录（全部是草稿或数据目录为空）")
    files = build_index(docs, order)
    out = AtomicOutput(site_dir / INDEX_DIR)
    staging = out.begin()
    try:
        made: set[Path] = set()
        for name, data in files.items():
            path = staging / name
            with naming(path):
                if path.parent not in made:  # one folder holds all but the manifest
                    path.parent.mkdir(parents=True, exist_ok=True)
                    made.add(path.parent)
                path.write_bytes(data)
    except BaseException:
        out.discard()
        raise
    out.commit()
    manifest = json.loads(files["manifest.json"])
    term_count = sum(data.count(b"\n") for name, data in files.items()
                     if name.rsplit("/", 1)[-1].startswith(("t", "w")))
    return IndexResult(records=len(docs), terms=term_count, shards=manifest["shards"],
                       bytes=sum(len(d) for d in files.values()),
                       seconds=time.perf_counter() - start, folder=out.target)


def index_ahead(catalog: Catalog, site_dir: Path) -> Future[IndexResult]:
    """Start writing the index of `catalog` into `site_dir`; return the pending result.

    Page rendering is single-threaded: on a large site a worker process writes the index
    on the second core meanwhile. Small sites, or one core, are indexed right here. Wait
    for the result before touching `site_dir` again (publishing or discarding it).
    """
    if len(catalog.records) < AHEAD_MIN:
        return ahead(write_docs, search_docs(catalog), facet_order(catalog), Path(site_dir),
                     inline=True)
    # The worker is handed each record's values and makes the search documents itself:
    # this process neither spends the time nor holds them while the pages render (at
    # 100,000 records they are ~0.4 GB, kept by the pool until the index is written).
    records = [(r.kind, r.id, r.data) for k in KINDS for r in catalog.by_kind[k]]
    return ahead(_write_from, records, facet_order(catalog), Path(site_dir), inline=False)


def _write_from(records: list[tuple[str, str, dict[str, Any]]], order: list[str],
                site_dir: Path) -> IndexResult:
    """Write the index of records handed over as (kind, id, data) (a worker's job). The
    list is emptied as their documents are made: each record's values can go at once."""
    records.reverse()
    docs = []
    while records:
        kind, record_id, data = records.pop()
        docs.append(search_doc(Record(kind, record_id, "", data)))
    return write_docs(docs, order, site_dir)

