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
  long for a shard (`DENSE_BYTES`); the term on line j is alone in `<dir>/w<j>.bin`, so a
  query pays for its own terms and not for a shard's worth of others (at 100,000 records
  the common terms are 2 % of the terms and 93 % of the bytes). That file is binary
  (`encode_binary`: gaps in LEB128, raw bitsets, or a weight code per record several to
  a byte), a quarter smaller than base64 and gap text; dense.txt is fetched with fold.txt;
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
import bisect
import contextlib
import gc
import hashlib
import itertools
import json
import logging
import operator
import os
import re
import stat
import sys
import tempfile
import threading
import time
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from .catalog import Catalog
from .cnformat import plain_text
from .diskerror import naming
from .forked import ForkedJob, ahead
from .layout import INDEX_DIR
from .models import FACETS, KINDS, Markdown, Record, Struct, Term, Text, field_values
from .output import AtomicOutput
from .spelling import fold_file, name_terms, reading_runs, sound_file, spelled

log = logging.getLogger("mkdocs.second_classroom.search")

VERSION = 4  # 3: dense.txt and w<j>.txt; 4: w<j>.bin, binary
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


_FULL_WIDTH_CHAR = re.compile("[\uff01-\uff5e]")  # the keys of _FULL_WIDTH


def _runs(text: str) -> list[tuple[str, str]]:
    """Return (chinese run, word run) pairs: exactly one of the two is non-empty."""
    if _FULL_WIDTH_CHAR.search(text) is not None:  # rare: translate is slow on Chinese
        text = fold(text)
    return _RUN.findall(text.lower())


def terms(text: str) -> set[str]:
    """Return the index terms of `text`: Chinese character pairs and whole words.

    A Chinese run of one character gives that character; `search-ui.js` splits queries
    with the same rules.
    """
    return _terms_of(_runs(text))


def _terms_of(runs: list[tuple[str, str]]) -> set[str]:
    """Return the index terms of a text's `_runs` (see `terms`)."""
    out: set[str] = set()
    add, update, pair = out.add, out.update, operator.add
    for run, word in runs:
        if word:
            add(word[:30])
        elif len(run) == 1:
            add(run)
        else:
            update(map(pair, run, run[1:]))  # each character with the next
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


_B36 = [_b36(n) for n in range(36 ** 2)]


def encode_ids(ids: Sequence[int], total: int, bits: Callable[[], int] | None = None) -> str:
    """Return increasing record numbers as gaps in base 36, or as a bitset when shorter.
    `bits()`, when given, returns the numbers' bitset as an int (bit n = record n: the
    preview's state keeps them) instead of its being made from `ids`."""
    # The list is at least a digit a number and a comma between: when that is longer
    # than the bitset's base64, the bitset wins without the list being made.
    if ids and 2 * len(ids) - 1 > 4 * -(-((total + 7) // 8) // 3):
        return "#" + base64.b64encode(_bitset_of(ids, total, bits)).decode("ascii")
    gaps = list(map(operator.sub, ids, itertools.chain((0,), ids)))
    if gaps and max(gaps) < len(_B36):  # gaps are mostly small: looked up, not divided
        listed = ",".join(map(_B36.__getitem__, gaps))
    else:
        listed = ",".join(map(_b36, gaps))
    if len(listed) * 3 <= total // 2:  # a bitset's base64 is ~total/6 chars: skip trying
        return "." + listed
    packed = base64.b64encode(_bitset_of(ids, total, bits)).decode("ascii")
    return "#" + packed if len(packed) < len(listed) else "." + listed


def _bitset_of(ids: Sequence[int], total: int, bits: Callable[[], int] | None) -> bytes:
    if bits is None:
        return bitset(ids, total)
    return bits().to_bytes((total + 7) // 8, "little")


def bitset(ids: Iterable[int], total: int) -> bytes:
    """Return record numbers as a bitset of (total + 7) // 8 bytes: bit i & 7 of byte
    i >> 3 is record i."""
    return pack_codes(((1, ids),), total, 2)


def pack_codes(groups: Iterable[tuple[int, Iterable[int]]], total: int, radix: int) -> bytes:
    """Return a code per record packed `codes_per_byte(radix)` to a byte: record n's code
    (`code` for the records of each (code, records) of `groups`, else 0) in byte n // per
    as digit n % per of the byte in base `radix` (least significant first)."""
    per = codes_per_byte(radix)
    codes = bytearray(-(-total // per) * per)
    for code, ids in groups:
        deque(map(codes.__setitem__, ids, itertools.repeat(code)), maxlen=0)
    return _digits(codes, radix, per)


# Bit j of every byte (bytes.translate): the records 8m + j of a bitset, one a byte.
_BIT_OF = [bytes((b >> j) & 1 for b in range(256)) for j in range(8)]


def pack_bits(groups: Iterable[tuple[int, int]], total: int, radix: int) -> bytes:
    """Return what `pack_codes` returns, the records of each group given as a bitset (an
    int, bit n = record n) instead of a list: no Python step per record."""
    per = codes_per_byte(radix)
    size = -(-total // per) * per
    whole = 0
    for code, bits in groups:
        packed = bits.to_bytes((total + 7) // 8, "little")
        spread = bytearray(8 * len(packed))  # one byte a record, 0 or 1
        for j, table in enumerate(_BIT_OF):
            spread[j::8] = packed.translate(table)
        # The codes of different groups never meet in a byte (no carry between bytes).
        whole += code * int.from_bytes(spread, "little")
    return _digits(whole.to_bytes(size, "little"), radix, per)


def _digits(codes: bytes | bytearray, radix: int, per: int) -> bytes:
    """Return `codes` (one a byte, len a multiple of `per`) packed `per` to a byte."""
    # Digit i of every byte at once: the i-th codes of all bytes as one whole number,
    # times radix ** i. No byte carries over: every byte's digits sum below radix ** per.
    packed = 0
    for i in range(per):
        packed += int.from_bytes(codes[i::per], "little") * radix ** i
    return packed.to_bytes(len(codes) // per, "little")


def codes_per_byte(radix: int) -> int:
    """Return how many codes of `radix` values one byte holds (radix ** k ≤ 256)."""
    per = 1
    while radix ** (per + 1) <= 256:
        per += 1
    return per


def _numbers() -> array[int]:
    return array("I")


def _term_groups(doc: SearchDoc) -> list[tuple[int, set[str]]]:
    """Return (weight, terms) of `doc`, highest weight first, each term under the highest
    weight the record has it at (a record is listed once per term)."""
    by_weight: dict[int, set[str]] = {}
    for weight, text in doc.fields:
        runs = _runs(text)  # once for both terms and characters
        found = _terms_of(runs)
        if weight >= LEAD_WEIGHT:  # one-character queries look in names and summaries
            found.update("".join(run for run, _ in runs))  # = characters(text)
        if weight >= NAME_WEIGHTS.start:  # names and aliases: pinyin and initials
            found |= name_terms([[s for _, s in run] for run in reading_runs(text)])
        by_weight.setdefault(weight, set()).update(found)
    groups: list[tuple[int, set[str]]] = []
    seen: set[str] = set()
    for weight in sorted(by_weight, reverse=True):
        fresh = by_weight[weight] - seen
        seen |= fresh
        groups.append((weight, fresh))
    return groups


def _post(postings: dict[int, dict[str, array[int]]], number: int, doc: SearchDoc) -> None:
    """Add record `number` (`doc`) to `postings`: weight → term → record numbers
    (increasing) holding the term at that weight.

    A record is listed once per term, under the highest weight it has the term at. The
    numbers are arrays of 4-byte integers, not lists (8-byte pointers): at 100,000 records
    there are ~31 million of them.
    """
    for weight, fresh in _term_groups(doc):
        table = postings.get(weight)
        if table is None:
            table = postings[weight] = defaultdict(_numbers)
        for ids in map(table.__getitem__, fresh):
            ids.append(number)


def _entry(doc: SearchDoc) -> tuple[bytes, set[tuple[str, str]]]:
    """Return record `doc`'s result file (d<i>.json) and the (character, syllable)
    readings its names give (for sound.txt)."""
    entry: dict[str, Any] = {"u": doc.url, "t": doc.title, "k": doc.kind, "x": doc.excerpt}
    spellings = []
    found: set[tuple[str, str]] = set()
    for name in (doc.title, *doc.aliases):
        runs = reading_runs(name)
        for run in runs:
            found.update(run)
        spellings.append(spelled([[s for _, s in run] for run in runs]))
    if doc.aliases:
        entry["a"] = doc.aliases
    if any(spellings):
        entry["p"] = spellings
    return _json(entry), found


def _line(term: str, groups: Sequence[tuple[int, Sequence[int]]], total: int,
          dense_bytes: int, bits: Callable[[int], int] | None = None
          ) -> tuple[str, bytes | None]:
    """Return a term's line for a shard, or, for a common term (its line longer than
    `dense_bytes`), the term and the bytes of its own file (`encode_binary`). `bits`,
    when given, returns a group's bitset (an int) by its weight (see `encode_ids`)."""
    # A group's text is at least as long as its shorter form (each number at least one
    # digit and a comma, or the bitset): a line surely too long is not made at all.
    bitset_chars = -(-((total + 7) // 8) // 3) * 4
    shortest = len(term) + sum(2 + len(str(w)) + min(2 * len(ids) - 1, bitset_chars)
                               for w, ids in groups)
    if shortest <= dense_bytes:
        if bits is None:
            line = term + "\t" + "\t".join(f"{w}{encode_ids(ids, total)}" for w, ids in groups)
        else:
            line = term + "\t" + "\t".join(f"{w}{encode_ids(ids, total, partial(bits, w))}"
                                            for w, ids in groups)
        if len(line) <= dense_bytes:
            return line, None
    # A common term: its own file, so that a query pays for its own terms only and not
    # for those a shard shares with it.
    return term, encode_binary(groups, total, bits)


_GAPS, _BITS, _CODES = 0, 1, 2  # the kinds of group in a common term's file


def _varint(n: int) -> bytes:
    """Return `n` in LEB128: seven bits a byte, least significant first, the high bit set
    on every byte but the last."""
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_VARINTS = [_varint(n) for n in range(1 << 14)]  # gaps are mostly small: looked up


def _gaps(ids: Sequence[int]) -> bytes:
    gaps = list(map(operator.sub, ids, itertools.chain((0,), ids)))
    if gaps and max(gaps) < len(_VARINTS):
        return b"".join(map(_VARINTS.__getitem__, gaps))
    return b"".join(map(_varint, gaps))


def encode_binary(groups: Sequence[tuple[int, Sequence[int]]], total: int,
                  bits: Callable[[int], int] | None = None) -> bytes:
    """Return a common term's file (w<j>.bin): its record lists, binary.

    `groups` are (weight, increasing record numbers), highest weight first, disjoint. The
    file is either one group per weight, each `0 <weight> <length> <gaps>` (the numbers
    as gaps from the previous one, the first from 0, each in LEB128) or `1 <weight>
    <length> <bitset>` (bit n & 7 of byte n >> 3 is record n), whichever is shorter; or,
    when shorter, one group `2 <count> <weights…> <length> <codes>` (a code per record,
    packed by `pack_codes`: a term held at two weights costs 1.6 bits a record instead
    of two bitsets, at three weights 2 bits instead of three). Lengths are LEB128 byte
    counts; weights and counts are one byte each. `bits`: see `_line`.
    """
    if len(groups) > 1:
        codes_bytes = -(-total // codes_per_byte(len(groups) + 1))
        packed_bytes = 2 + len(groups) + len(_varint(codes_bytes)) + codes_bytes
        # Each group's list is at least a byte per record or its bitset: when the codes
        # are shorter than that, the lists need not be made.
        least = sum(2 + len(_varint(n)) + n
                    for n in (min(len(ids), (total + 7) // 8) for _, ids in groups))
        if packed_bytes < least:
            return _packed(groups, total, bits)
    listed = bytearray()
    for weight, ids in groups:
        # Each gap is a byte at least: more numbers than the bitset has bytes, bitset.
        gaps = _gaps(ids) if len(ids) <= (total + 7) // 8 else None
        if gaps is None or len(gaps) > (total + 7) // 8:
            bitmap = _bitset_of(ids, total, None if bits is None else partial(bits, weight))
            listed += bytes((_BITS, weight)) + _varint(len(bitmap)) + bitmap
        else:
            listed += bytes((_GAPS, weight)) + _varint(len(gaps)) + gaps
    if len(groups) < 2:
        return bytes(listed)
    packed = _packed(groups, total, bits)
    return packed if len(packed) < len(listed) else bytes(listed)


def _packed(groups: Sequence[tuple[int, Sequence[int]]], total: int,
            bits: Callable[[int], int] | None = None) -> bytes:
    """Return a common term's file as one group of a weight code per record."""
    if bits is None:
        codes = pack_codes(((code, ids) for code, (_, ids) in enumerate(groups, 1)), total,
                           len(groups) + 1)
    else:
        codes = pack_bits(((code, bits(w)) for code, (w, _) in enumerate(groups, 1)), total,
                          len(groups) + 1)
    return (bytes((_CODES, len(groups), *(w for w, _ in groups))) + _varint(len(codes))
            + codes)


def _facet_file(facets: Sequence[dict[str, list[str]]], order: dict[str, int]
                ) -> dict[str, Any]:
    """Return facet names, values and one column per facet: record i's values (its
    document's `facets`, given at i) at i."""
    values = _facet_values({label: {v for d in facets for v in d.get(label, [])}
                            for label in FILTERS}, order)
    columns = {}
    for label, names in values.items():
        code = {v: _VALUE_CHARS[i] for i, v in enumerate(names)}
        columns[label] = ",".join("".join(code[v] for v in d.get(label, [])) for d in facets)
    return {"facets": list(FILTERS), "values": values, "columns": columns}


def _facet_values(seen: Mapping[str, Iterable[str]], order: dict[str, int]
                  ) -> dict[str, list[str]]:
    """Return each filter's values (`seen[label]`) in vocabulary order, the others after
    them by name; raise SearchIndexError when a filter has more than a column can code."""
    values: dict[str, list[str]] = {}
    for label in FILTERS:
        names = sorted(seen.get(label, ()), key=lambda v: (v not in order, order.get(v, 0), v))
        if len(names) > len(_VALUE_CHARS):
            raise SearchIndexError(f"筛选项“{label}”有 {len(names)} 个取值，搜索索引最多支持 "
                                   f"{len(_VALUE_CHARS)} 个")
        values[label] = names
    return values


def _ideographs(term: str) -> Iterator[str]:
    return (ch for ch in term if _IDEOGRAPH.match(ch))


def build_index(docs: Iterable[SearchDoc], order: Iterable[str] = (),
                dense_bytes: int = DENSE_BYTES, spill: bool = False
                ) -> dict[str, bytes] | IndexFiles:
    """Return the index files (path under searchindex/ → bytes) for `docs`.

    `order` lists facet values in the order the filters should show them (vocabularies).
    The same docs always give the same bytes.

    `docs` is read once, in order, and no document is kept: given an iterator that makes
    each one when asked (`_write_from`), a large index never holds them all (at 100,000
    records their texts are ~0.3 GB). Each term's numbers go as its line is made, and
    each line as its shard is: the postings, the lines and the files are not all held
    at once either. With `spill`, the records' result files are kept in a temporary file
    rather than in memory (`Spilled`) and the files come as an `IndexFiles`, which reads
    them back when asked.
    """
    postings: dict[int, dict[str, array[int]]] = {}
    contextual: dict[str, set[str]] = {}
    entries: list[bytes] | Spilled = Spilled() if spill else []
    facets: list[dict[str, list[str]]] = []
    kinds: set[str] = set()
    for number, doc in enumerate(docs):
        _post(postings, number, doc)
        entry, found = _entry(doc)
        entries.append(entry)
        for char, syllable in found:
            contextual.setdefault(char, set()).add(syllable)
        facets.append(doc.facets)
        kinds.add(doc.kind)
    total = len(entries)
    lists: dict[str, list[tuple[int, array[int]]]] = {}
    for weight in sorted(postings, reverse=True):
        for term, ids in postings.pop(weight).items():
            lists.setdefault(term, []).append((weight, ids))
    lines = {term: _line(term, lists.pop(term), total, dense_bytes) for term in list(lists)}
    index_chars = {ch for term in lines for ch in _ideographs(term)}
    facet_file = _json(_facet_file(facets, {v: i for i, v in enumerate(order)}))
    del facets
    return _assemble(lines, entries, fold_file(index_chars),
                     sound_file(index_chars, contextual), facet_file, _listings(kinds),
                     release=True)


def _listings(kinds: Collection[str]) -> list[list[str]]:
    """Return the listing pages of the kinds (labels) that have records, in declared order."""
    return [[k.label, f"{k.name}/"] for k in KINDS.values() if k.label in kinds]


class Spilled:
    """The records' result files (d<i>.json) in an unnamed temporary file, in record
    order, instead of in memory: at 100,000 records they are ~0.14 GB, each written once
    into the index and hashed once for its folder's name, after all of them are made."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(  # noqa: SIM115 - as long as the entries live
            prefix="second-classroom-entries-")
        self.ends = array("Q", [0])  # where each one ends

    def append(self, data: bytes) -> None:
        self.file.write(data)
        self.ends.append(self.ends[-1] + len(data))

    def __len__(self) -> int:
        return len(self.ends) - 1

    def read(self, number: int) -> bytes:
        """Return record `number`'s file."""
        self.file.flush()
        start = self.ends[number]
        return os.pread(self.file.fileno(), self.ends[number + 1] - start, start)


class IndexFiles(Mapping[str, bytes]):
    """The index files (path → bytes) with the records' result files `Spilled`: each is
    read back when asked for."""

    def __init__(self, files: dict[str, bytes], entries: Spilled, folder: str) -> None:
        self.files = files
        self.entries = entries
        self.prefix = f"{folder}/d"

    def __getitem__(self, name: str) -> bytes:
        if (found := self.files.get(name)) is not None:
            return found
        number = name.removeprefix(self.prefix).removesuffix(".json")
        if name.startswith(self.prefix) and number.isdigit() and int(number) < len(self.entries) \
                and name == f"{self.prefix}{int(number)}.json":
            return self.entries.read(int(number))
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        yield from self.files
        yield from (f"{self.prefix}{number}.json" for number in range(len(self.entries)))

    def __len__(self) -> int:
        return len(self.files) + len(self.entries)


def _assemble(lines: dict[str, tuple[str, bytes | None]], entries: Sequence[bytes] | Spilled,
              fold: bytes, sound: bytes, facets: bytes, listings: list[list[str]],
              shard_memo: dict[int, dict[str, int]] | None = None,
              release: bool = False) -> dict[str, bytes] | IndexFiles:
    """Return the index files from each term's line or file (see `_line`), the records'
    result files in record order and the other files' bytes (as an `IndexFiles` when the
    result files are `Spilled`). `shard_memo` (shard count -> term -> shard), when given,
    keeps each term's `shard_of` from call to call. With `release`, `lines` is emptied,
    and each shard's lines go once its file is made."""
    shard_lines: list[tuple[str, str]] = []
    dense: list[tuple[str, bytes]] = []
    for term in sorted(lines):
        line, own = lines.pop(term) if release else lines[term]
        if own is not None:
            dense.append((term, own))
        else:
            shard_lines.append((term, line))
    # Each line's UTF-8 bytes and its line break.
    size = len("\n".join(line for _, line in shard_lines).encode("utf-8")) + 1 \
        if shard_lines else 0
    shards = 1
    while size / shards > SHARD_BYTES and shards < 4096:
        shards *= 2
    texts: list[list[str]] = [[] for _ in range(shards)]
    if shard_memo is None:
        for term, line in shard_lines:
            texts[shard_of(term, shards)].append(line)
    else:
        if shards not in shard_memo:
            shard_memo.clear()
        memo = shard_memo.setdefault(shards, {})
        for term, line in shard_lines:
            shard = memo.get(term)
            if shard is None:
                shard = memo[term] = shard_of(term, shards)
            texts[shard].append(line)
    del shard_lines
    files = {}
    for k, text in enumerate(texts):
        files[f"t{k}.txt"] = ("\n".join(text) + "\n").encode("utf-8")
        if release:
            text.clear()
    if dense:
        files["dense.txt"] = ("\n".join(term for term, _ in dense) + "\n").encode("utf-8")
        files.update({f"w{j}.bin": own for j, (_, own) in enumerate(dense)})
    spilled: list[str] = []  # names of the result files read back as they are hashed
    if isinstance(entries, Spilled):
        spilled = [f"d{number}.json" for number in range(len(entries))]
    else:
        files.update((f"d{number}.json", entry) for number, entry in enumerate(entries))
    files["fold.txt"] = fold
    files["sound.txt"] = sound
    files["facets.json"] = facets
    digest = hashlib.sha256()
    for name in sorted([*files, *spilled]):
        data = files.get(name)
        if data is None:
            assert isinstance(entries, Spilled)
            data = entries.read(int(name[1:-5]))
        digest.update(name.encode() + b"\0" + data)
    folder = digest.hexdigest()[:12]
    out = {f"{folder}/{name}": data for name, data in files.items()}
    out["manifest.json"] = _json({"version": VERSION, "docs": len(entries), "shards": shards,
                                  "dense": len(dense), "dir": folder, "lists": listings})
    return IndexFiles(out, entries, folder) if isinstance(entries, Spilled) else out


@dataclass(frozen=True)
class Analysis:
    """What the index holds of one record: its terms per weight (each under the highest
    weight the record has it at), its result file, the readings its names give and its
    facets. Computed once per record object by an `IndexState`."""

    groups: tuple[tuple[int, tuple[str, ...]], ...]  # highest weight first
    entry: bytes  # d<i>.json
    readings: frozenset[tuple[str, str]]  # (character, syllable), for sound.txt
    chars: frozenset[str]  # the ideographs of its terms, for fold.txt and sound.txt
    kind: str
    facets: dict[str, list[str]]
    # (version of the state's facet value codes, this record's codes per filter): see
    # IndexState._facet_file. Not part of what the record is.
    codes: list[Any] = field(default_factory=list, compare=False, repr=False)


def analyse(doc: SearchDoc) -> Analysis:
    """Return what the index holds of `doc` (see `Analysis`)."""
    groups = tuple((w, tuple(map(sys.intern, found))) for w, found in _term_groups(doc))
    # The ideographs of its terms are those of its texts: pairs cover every character of
    # a run, a run of one is its character, and words hold none.
    chars = frozenset(_IDEOGRAPH.findall("\n".join(text for _, text in doc.fields)))
    entry, readings = _entry(doc)
    return Analysis(groups, entry, frozenset(readings), chars, doc.kind, doc.facets)


class IndexState:
    """The search index of the preview's catalog, kept from one save to the next.

    A full build writes the index from scratch (`build_index`). The preview's quick
    rebuild instead updates this state: a record object it has seen (unchanged records
    are the same objects after `catalog.update_catalog`) keeps its analysis; an edited
    record's numbers move in the postings of its old and new terms only, and only those
    terms' lines are encoded again. One record added or removed (the editor's save) moves
    every later number by one: each list's numbers from there on are added to as one
    whole number, a text list changes only in the gap into the first moved number, and
    bitsets (kept as ints, `bits`) are shifted, so that common terms' lines and files are
    packed again without a step per record (`_insert_at`, `_remove_at`). More records
    added or removed at once: the postings and lines are made again from the kept
    analyses. `files()` gives the same bytes as `build_index` for the
    same records; `write()` writes them, linking the files the index on disk already has.
    """

    KEPT_VERSIONS = 3  # folders whose files are remembered for linking

    def __init__(self, order: Iterable[str] = (), dense_bytes: int = DENSE_BYTES) -> None:
        self.order = {v: i for i, v in enumerate(order)}
        self.dense_bytes = dense_bytes
        self.records: list[Record] = []
        self.analyses: list[Analysis] = []
        self.postings: dict[str, dict[int, array[int]]] = {}
        self.lines: dict[str, tuple[str, bytes | None]] = {}
        # (term, weight) -> the group's bitset (bit n = record n), for the groups encoded
        # as bitsets or weight codes: kept in step with the postings, so that encoding
        # them again costs no step per record (see `_bits`).
        self.bits: dict[tuple[str, int], int] = {}
        self.versions: dict[str, dict[str, bytes]] = {}  # folder -> its files
        self._chars: Counter[str] = Counter()  # ideograph -> records holding it
        self._readings: Counter[tuple[str, str]] = Counter()  # (character, syllable) -> records
        self._shared: tuple[Any, ...] = ()  # (chars, readings, fold.txt, sound.txt)
        self._values: dict[str, Counter[str]] = {label: Counter() for label in FILTERS}
        self._shard_memo: dict[int, dict[str, int]] = {}  # see _assemble
        # The facet values in order, their codes per filter, and the version of those
        # codes that an Analysis's `codes` were made with.
        self._facet_codes: tuple[dict[str, list[str]], list[dict[str, str]], int] = ({}, [], 0)

    @classmethod
    def of(cls, catalog: Catalog) -> IndexState:
        """Return the state of `catalog`'s index."""
        state = cls(facet_order(catalog))
        state.update(catalog)
        return state

    @classmethod
    def of_docs(cls, docs: list[SearchDoc], order: Iterable[str]) -> IndexState:
        """Return the state of the index of `docs`, not yet tied to record objects (a
        worker's: see `adopt`)."""
        state = cls(order)
        state.analyses = [analyse(d) for d in docs]
        state._rebuild()
        return state

    def adopt(self, catalog: Catalog) -> None:
        """Tie a state made elsewhere (`of_docs`, from the same records' values) to
        `catalog`'s record objects."""
        records = [r for k in KINDS for r in catalog.by_kind[k]]
        if len(records) != len(self.analyses):
            raise ValueError("the index state is of other records")
        self.records = records

    def update(self, catalog: Catalog) -> None:
        """Make the state that of `catalog` (same vocabulary as before)."""
        # The collector would walk the whole catalog (millions of objects) again and again
        # for the containers made here, none of which form cycles: a second, not
        # milliseconds, at 10,000 records.
        with _collector_paused():
            self._update(catalog)

    def update_records(self, records: list[Record]) -> None:
        """Make the state that of `records`, in index order (kind, then id: `records_of`)."""
        with _collector_paused():
            self._update_records(records)

    def _update(self, catalog: Catalog) -> None:
        self._update_records([r for k in KINDS for r in catalog.by_kind[k]])

    def _update_records(self, records: list[Record]) -> None:
        known = {id(r): (n, a) for n, (r, a) in
                 enumerate(zip(self.records, self.analyses, strict=True))}
        if not known:
            self.records = records
            self.analyses = [analyse(search_doc(r)) for r in records]
            self._rebuild()
            return
        if len(records) == len(self.records) and all(
                (was := known.get(id(r))) is None or was[0] == n for n, r in enumerate(records)):
            self._edit(records)
            return
        kept = {id(r) for r in records}
        gone = [n for n, r in enumerate(self.records) if id(r) not in kept]
        new = [n for n, r in enumerate(records) if id(r) not in known]
        if len(gone) + len(new) == 1:  # a record added or removed: the editor's save
            if gone:
                self._remove_at(gone[0])
            else:
                self._insert_at(new[0], analyse(search_doc(records[new[0]])))
            self.records = records
            return
        self.bits.clear()  # numbers move every way: made again when needed
        # Old numbers of the records that went (deleted, or replaced by an edit) first.
        dirty: set[str] = set()
        for number, (record, analysis) in enumerate(zip(self.records, self.analyses,
                                                        strict=True)):
            if id(record) not in kept:
                self._count(analysis, -1)
                for weight, found in analysis.groups:
                    for term in found:
                        ids = self.postings[term][weight]
                        del ids[bisect.bisect_left(ids, number)]
                        dirty.add(term)
        # Then the kept records' new numbers (records keep their order: kind, id).
        renumber = [0] * len(self.records)
        moved = len(records) != len(self.records)
        for number, record in enumerate(records):
            if (was := known.get(id(record))) is not None:
                renumber[was[0]] = number
                moved = moved or was[0] != number
        if moved:
            for held in self.postings.values():
                for weight, ids in held.items():
                    held[weight] = array("I", map(renumber.__getitem__, ids))
        # Then the new records (added, or the new version of an edited one).
        analyses = []
        for number, record in enumerate(records):
            if (was := known.get(id(record))) is not None:
                analyses.append(was[1])
                continue
            analysis = analyse(search_doc(record))
            analyses.append(analysis)
            self._count(analysis, 1)
            for weight, found in analysis.groups:
                for term in found:
                    ids = self.postings.setdefault(term, {}).setdefault(weight, _numbers())
                    ids.insert(bisect.bisect_left(ids, number), number)
                    dirty.add(term)
        self.records, self.analyses = records, analyses
        # Numbers moved or the count changed (every bitset's length): every line is new.
        self._settle(dirty, everything=moved)

    def _edit(self, records: list[Record]) -> None:
        """Update the state for `records`, where every record the state has kept its
        number (edits only): an edited record's number leaves or joins only the terms it
        no longer has or newly has (at a weight), and only their lines are made again."""
        dirty: set[str] = set()
        analyses = list(self.analyses)
        for number, record in enumerate(records):
            if record is self.records[number]:
                continue
            old, new = self.analyses[number], analyse(search_doc(record))
            analyses[number] = new
            self._count(old, -1)
            self._count(new, 1)
            before = {(w, t) for w, found in old.groups for t in found}
            after = {(w, t) for w, found in new.groups for t in found}
            bit = 1 << number
            for weight, term in before - after:
                ids = self.postings[term][weight]
                del ids[bisect.bisect_left(ids, number)]
                if (was := self.bits.get((term, weight))) is not None:
                    self.bits[term, weight] = was & ~bit
                dirty.add(term)
            for weight, term in after - before:
                ids = self.postings.setdefault(term, {}).setdefault(weight, _numbers())
                ids.insert(bisect.bisect_left(ids, number), number)
                if (was := self.bits.get((term, weight))) is not None:
                    self.bits[term, weight] = was | bit
                dirty.add(term)
        self.records, self.analyses = records, analyses
        self._settle(dirty, everything=False)

    def _insert_at(self, number: int, analysis: Analysis) -> None:
        """Update the state for a record added at `number` (with `analysis`): every
        number from there on moves up by one (in each list only the gap crossing it
        changes), the record joins its terms' lists, and the lines that changed are
        encoded again (a term held only before `number` keeps its line when the new
        count leaves it as it was)."""
        shifted = self._shift_from(number, 1)
        touched: set[str] = set()
        self._count(analysis, 1)
        bit = 1 << number
        for weight, found in analysis.groups:
            for term in found:
                ids = self.postings.setdefault(term, {}).setdefault(weight, _numbers())
                ids.insert(bisect.bisect_left(ids, number), number)
                if (bits := self.bits.get((term, weight))) is not None:
                    self.bits[term, weight] = bits | bit
                touched.add(term)
        self.analyses.insert(number, analysis)
        self._reencode(touched, shifted)

    def _remove_at(self, number: int) -> None:
        """Update the state for the record at `number` removed (see `_insert_at`)."""
        analysis = self.analyses.pop(number)
        self._count(analysis, -1)
        touched: set[str] = set()
        keep = ~(1 << number)
        for weight, found in analysis.groups:
            for term in found:
                ids = self.postings[term][weight]
                del ids[bisect.bisect_left(ids, number)]
                if (bits := self.bits.get((term, weight))) is not None:
                    self.bits[term, weight] = bits & keep
                touched.add(term)
        self._reencode(touched, self._shift_from(number, -1))

    def _shift_from(self, number: int, step: int) -> dict[str, dict[int, int]]:
        """Move every number from `number` on by `step` (1: a record comes in at `number`;
        -1: the one there has left every list) in every list and its bitset; return, per
        term and weight, the index in the list where the moved numbers start."""
        shifted: dict[str, dict[int, int]] = {}
        low_mask = (1 << number) - 1
        for term, held in self.postings.items():
            for weight, ids in held.items():
                start = bisect.bisect_left(ids, number)
                if start < len(ids):
                    _add_from(ids, start, step)
                    if (bits := self.bits.get((term, weight))) is not None:
                        high = (bits >> number << (number + 1) if step > 0
                                else bits >> (number + 1) << number)
                        self.bits[term, weight] = bits & low_mask | high
                shifted.setdefault(term, {})[weight] = start
        return shifted

    def _reencode(self, touched: set[str], shifted: dict[str, dict[int, int]]) -> None:
        """Encode again the lines that changed, the record count being len(self.analyses):
        those of the `touched` terms (the record added or removed holds them) and of the
        terms whose line depends on the count (bitsets, a term's own file, a list near a
        bitset's length); drop the terms no longer held. `shifted[term]`: per group of
        weight -> the index in its list where the numbers that moved by one start: in a
        list, only the gap into that number changed."""
        half = len(self.analyses) // 2
        self._drop_emptied(touched)
        for term, held in self.postings.items():
            if term not in touched:
                line, own = self.lines[term]
                # A line of lists only, each short enough that encode_ids keeps the list
                # whatever the bitset's length: only the gap where the numbers moved
                # changes, and the line stays a list (and short enough) if still so.
                if own is None and "#" not in line:
                    fresh = _shifted_line(line, held, shifted[term], half)
                    if fresh is not None and len(fresh) <= self.dense_bytes:
                        self.lines[term] = fresh, None
                        continue
            self.lines[term] = self._line(term)

    def _line(self, term: str) -> tuple[str, bytes | None]:
        """Return `term`'s line (`_line`), its bitsets taken from `self.bits`."""
        return _line(term, sorted(self.postings[term].items(), reverse=True),
                     len(self.analyses), self.dense_bytes, partial(self._bits, term))

    def _bits(self, term: str, weight: int) -> int:
        """Return the bitset of `term`'s records at `weight` (kept once made)."""
        bits = self.bits.get((term, weight))
        if bits is None:
            ids = self.postings[term][weight]
            bits = int.from_bytes(bitset(ids, len(self.analyses)), "little")
            self.bits[term, weight] = bits
        return bits

    def _settle(self, dirty: set[str], everything: bool) -> None:
        """Drop what `dirty` terms no longer hold, and encode their lines again (or, with
        `everything`, every term's line)."""
        self._drop_emptied(dirty)
        for term in self.postings if everything else dirty & self.postings.keys():
            self.lines[term] = self._line(term)

    def _drop_emptied(self, terms: Iterable[str]) -> None:
        """Drop the lists of `terms` left empty (and their bitsets), and the terms (and
        their lines) that hold no record any more."""
        for term in terms:
            held = {w: ids for w, ids in self.postings[term].items() if ids}
            if len(held) == len(self.postings[term]):
                continue
            for weight in self.postings[term].keys() - held.keys():
                self.bits.pop((term, weight), None)
            if held:
                self.postings[term] = held
            else:
                del self.postings[term]
                del self.lines[term]

    def _count(self, analysis: Analysis, step: int) -> None:
        """Count `analysis`'s characters and readings in (step 1) or out (step -1)."""
        _step(self._chars, analysis.chars, step)
        _step(self._readings, analysis.readings, step)
        for label, held in analysis.facets.items():
            if label in self._values:
                _step(self._values[label], held, step)

    def _rebuild(self) -> None:
        postings: dict[str, dict[int, array[int]]] = defaultdict(dict)
        for number, analysis in enumerate(self.analyses):
            for weight, found in analysis.groups:
                for term in found:
                    held = postings[term]
                    if weight in held:
                        held[weight].append(number)
                    else:
                        held[weight] = array("I", (number,))
        self.postings = dict(postings)
        self.bits = {}
        self.lines = {term: self._line(term) for term in self.postings}
        self._chars = Counter(ch for a in self.analyses for ch in a.chars)
        self._readings = Counter(pair for a in self.analyses for pair in a.readings)
        self._values = {label: Counter(v for a in self.analyses for v in a.facets.get(label, ()))
                        for label in FILTERS}

    def files(self) -> dict[str, bytes]:
        """Return the index files (as `build_index` gives them) and remember them."""
        with _collector_paused():
            return self._files()

    def _files(self) -> dict[str, bytes]:
        chars = set(self._chars)
        if not self._shared or self._shared[:2] != (chars, self._readings.keys()):
            contextual: dict[str, set[str]] = {}
            for char, syllable in self._readings:
                contextual.setdefault(char, set()).add(syllable)
            self._shared = (chars, set(self._readings), fold_file(chars),
                            sound_file(chars, contextual))
        files = _assemble(self.lines, [a.entry for a in self.analyses], self._shared[2],
                          self._shared[3], self._facet_file(),
                          _listings({a.kind for a in self.analyses}), self._shard_memo)
        assert isinstance(files, dict)  # the result files were given in memory
        folder = json.loads(files["manifest.json"])["dir"]
        self.versions.pop(folder, None)
        self.versions[folder] = files
        while len(self.versions) > self.KEPT_VERSIONS:
            del self.versions[next(iter(self.versions))]
        return files

    def _facet_file(self) -> bytes:
        """Return facets.json (as `_facet_file` makes it): each record's codes are kept
        with its analysis until the values or their order change."""
        values = _facet_values(self._values, self.order)
        known, maps, version = self._facet_codes
        if values != known:
            maps = [{v: _VALUE_CHARS[i] for i, v in enumerate(values[label])}
                    for label in FILTERS]
            version += 1
            self._facet_codes = values, maps, version
        rows = []
        for analysis in self.analyses:
            codes = analysis.codes
            if not codes or codes[0] != version:
                codes[:] = [version, tuple("".join(map(code.__getitem__, analysis.facets.get(
                    label, ()))) for label, code in zip(FILTERS, maps, strict=True))]
            rows.append(codes[1])
        columns = {label: ",".join(map(operator.itemgetter(i), rows))
                   for i, label in enumerate(FILTERS)}
        return _json({"facets": list(FILTERS), "values": values, "columns": columns})

    def rewrite(self, catalog: Catalog | list[Record], site_dir: Path) -> None:
        """Update the state to `catalog` (or to records in index order: `records_of`) and
        write its index into `site_dir` (the preview's quick rebuild: a forked child does
        it); log what it took."""
        start, cpu = time.perf_counter(), time.process_time()
        if isinstance(catalog, list):
            self.update_records(catalog)
        else:
            self.update(catalog)
        updated = time.perf_counter()
        written, kept = self.write(site_dir)
        log.info("搜索索引快速更新：%d 条记录，更新 %.2f 秒，写出 %d 个文件、沿用 %d 个 %.2f 秒"
                 "（CPU 共 %.2f 秒）", len(self.records), updated - start, written, kept,
                 time.perf_counter() - updated, time.process_time() - cpu)

    def write(self, site_dir: Path) -> tuple[int, int]:
        """Write the state's index into `<site_dir>/searchindex/`. When the index there is
        one this state wrote, whole, its folder becomes the new one (`_write_in_place`):
        only files that changed are written, and files whose number moved are renamed.
        Otherwise the index is written beside the old one and swapped in whole. Return
        how many files were written and how many taken over from the old index."""
        files = self.files()
        old_dir = ""
        with contextlib.suppress(OSError, ValueError, KeyError):
            old_dir = json.loads((site_dir / INDEX_DIR / "manifest.json").read_bytes())["dir"]
        before = self.versions.get(old_dir) if old_dir else None
        if before is not None:
            try:
                done = _write_in_place(site_dir / INDEX_DIR, old_dir, before, files)
            except OSError as exc:
                log.info("搜索索引无法原地更新（%s），整体重写", exc)
                done = None
            if done is not None:
                return done
        # Not as this state left it (or half changed): nothing in it is trusted.
        return self._write_beside(site_dir, files)

    def _write_beside(self, site_dir: Path, files: dict[str, bytes]) -> tuple[int, int]:
        """Write `files` into a new `searchindex/`, swapped in whole."""
        out = AtomicOutput(site_dir / INDEX_DIR)
        staging = out.begin()
        name = next(iter(files)).split("/", 1)[0]
        try:
            (staging / name).mkdir()
            target = os.open(staging, os.O_RDONLY)
            try:
                for name, data in files.items():  # ~10,000 files: no Path per file
                    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666,
                                 dir_fd=target)
                    with open(fd, "wb") as stream:
                        stream.write(data)
            finally:
                os.close(target)
        except OSError as exc:
            out.discard()
            if exc.filename is None:  # a full disk names the file
                exc.filename = str(staging / name)
            raise
        except BaseException:
            out.discard()
            raise
        out.commit()
        return len(files), 0


def _write_in_place(index: Path, old_dir: str, before: dict[str, bytes],
                    files: dict[str, bytes]) -> tuple[int, int] | None:
    """Turn the index folder `old_dir` under `index` (holding `before`, as written by
    this state) into the folder of `files` and point the manifest at it; return how many
    files were written and how many kept or renamed. None, having changed nothing, when
    the folder is not as this state left it (an update stopped half way leaves a link
    beside it).

    While the files change, a link under the old folder's name leads to the new one, so
    a search that read the old manifest still finds a folder; the manifest is replaced
    last (whole), then the link goes. A search that read the old manifest and reads files
    meanwhile may get some of the new ones, or one being written over (`_overwrite`), as
    it may get result files already renamed: it shows wrong results or fails and reads
    the manifest again (search-ui.js); the browser's reload after the save reads the new
    one. Raises OSError with the folder possibly half changed.
    """
    new_dir = next(iter(files)).split("/", 1)[0]
    try:
        entries = set(os.listdir(index))
        whole = stat.S_ISDIR(os.lstat(index / old_dir).st_mode)
    except OSError:
        return None
    if entries != {old_dir, "manifest.json"} or not whole:
        return None
    old = {name.split("/", 1)[1]: data for name, data in before.items()
           if name != "manifest.json"}
    new = {name.split("/", 1)[1]: data for name, data in files.items()
           if name != "manifest.json"}
    renames, writes, removes = _changes(old, new)
    if new_dir != old_dir:
        os.rename(index / old_dir, index / new_dir)
        os.symlink(new_dir, index / old_dir)
    folder = os.open(index / new_dir, os.O_RDONLY)
    try:
        for source, target in renames:
            os.rename(source, target, src_dir_fd=folder, dst_dir_fd=folder)
        for name, data in writes.items():
            _overwrite(name, data, folder)
        for name in removes:
            os.unlink(name, dir_fd=folder)
        if set(os.listdir(folder)) != new.keys():
            raise OSError(f"{index / new_dir}: 原地更新后的文件与索引不符")
        if files["manifest.json"] != before.get("manifest.json"):
            _replace("manifest.json", files["manifest.json"], os.open(index, os.O_RDONLY),
                     close=True)
    finally:
        os.close(folder)
    if new_dir != old_dir:
        os.unlink(index / old_dir)
    return len(writes), len(new) - len(writes)


def _overwrite(name: str, data: bytes, folder: int) -> None:
    """Write `name` in the folder `folder` (a descriptor) over what it holds, in the same
    file: no new file, no old one deleted. Replacing a file by a new one (`_replace`), or
    emptying it first, costs an inode made and one freed, or a flush of the data before
    the rename or close (ext4's auto_da_alloc): 640 shards after a record added took up to
    a second instead of a hundredth on a disk without a journal. Only for files inside a
    folder that the manifest names once they are all written (`_write_in_place`)."""
    fd = os.open(name, os.O_WRONLY | os.O_CREAT, 0o666, dir_fd=folder)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def _replace(name: str, data: bytes, folder: int, close: bool = False) -> None:
    """Write `name` in the folder `folder` (a descriptor) whole: readers see the old file
    or the new one."""
    try:
        scratch = f".{name}.new"
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666, dir_fd=folder)
        with open(fd, "wb") as stream:
            stream.write(data)
        os.replace(scratch, name, src_dir_fd=folder, dst_dir_fd=folder)
    finally:
        if close:
            os.close(folder)


def _changes(old: dict[str, bytes], new: dict[str, bytes]
             ) -> tuple[list[tuple[str, str]], dict[str, bytes], list[str]]:
    """Return how a folder holding `old` (name -> bytes) becomes one holding `new`: the
    renames (source, target) in an order where no rename replaces a file still to be
    renamed, the files to write, and the names to remove. A file keeps its name when its
    bytes do; a new file whose bytes an old file had is that file renamed (a record added
    or removed moves every later record's result file by one); the rest is written."""
    kept = {name for name, data in new.items() if old.get(name) == data}
    movable: dict[bytes, str] = {}
    for name, data in old.items():
        if name not in kept:
            movable.setdefault(data, name)
    source_of: dict[str, str] = {}  # target -> source
    writes: dict[str, bytes] = {}
    for name, data in new.items():
        if name in kept:
            continue
        source = movable.pop(data, None)
        if source is None:
            writes[name] = data
        else:
            source_of[name] = source
    sources = set(source_of.values())
    renames: list[tuple[str, str]] = []
    # Renames form chains (a -> b -> c: c's file goes first, then b's, then a's into b)
    # and cycles. A chain is done from its end, a target no rename takes a file from.
    for end in [t for t in source_of if t not in sources]:
        target = end
        while (source := source_of.pop(target, None)) is not None:
            renames.append((source, target))
            target = source
    for target in source_of:  # cycles (rare): written instead
        writes[target] = new[target]
    moved = {source for source, _ in renames}
    removes = [name for name in old if name not in new and name not in moved]
    return renames, writes, removes


def _shifted_line(line: str, held: dict[int, array[int]], starts: dict[int, int],
                  half: int) -> str | None:
    """Return a term's text line of lists (`line`, no bitset), its records `held` (weight
    -> numbers), after the numbers of each list from index `starts[weight]` on moved by
    one: only the gap into the first moved number changes. None when a list's text is
    then too long for encode_ids to keep it whatever the bitset (`half`: the record
    count // 2), or a list is not as `held` says (then the line is made afresh)."""
    term, *groups = line.split("\t")
    if len(groups) != len(held):
        return None
    for i, group in enumerate(groups):
        dot = group.index(".")
        weight = int(group[:dot])
        ids, start = held.get(weight), starts.get(weight)
        if ids is None or start is None:
            return None
        if start < len(ids):
            gap = ids[start] - ids[start - 1] if start else ids[0]
            tokens = group[dot + 1:].split(",")
            if len(tokens) != len(ids):
                return None
            tokens[start] = _B36[gap] if gap < len(_B36) else _b36(gap)
            group = groups[i] = group[:dot + 1] + ",".join(tokens)
        if (len(group) - dot - 1) * 3 > half:
            return None
    return term + "\t" + "\t".join(groups)


_LANE = array("I").itemsize  # bytes of a record number in the postings


def _add_from(ids: array[int], start: int, step: int) -> None:
    """Add `step` to every number of `ids` from index `start` on (none goes below 0).
    A long tail is moved as one whole number: 1 in every lane of its bytes, times `step`
    (no lane carries or borrows), instead of a Python step per number."""
    count = len(ids) - start
    if count < 32:
        ids[start:] = array("I", map(step.__add__, ids[start:]))
        return
    order = sys.byteorder
    ones = int.from_bytes((1).to_bytes(_LANE, order) * count, order)
    tail = int.from_bytes(ids[start:].tobytes(), order) + step * ones
    ids[start:] = array("I", tail.to_bytes(count * _LANE, order))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _step(counts: Counter[Any], keys: Iterable[Any], step: int) -> None:
    for key in keys:
        counts[key] += step
        if not counts[key]:
            del counts[key]


FOLLOW_SWITCH = 0.0005  # seconds: the switch interval while LiveIndex updates its state


class LiveIndex:
    """An `IndexState` brought up to date in a background thread: the preview's. After a
    full build it is made from the catalog while the editor reads; after each quick
    rebuild (whose forked child writes the index from the state as it was, updated there)
    it follows the new catalog, so the next save finds it ready."""

    def __init__(self, catalog: Catalog, state: IndexState | None = None) -> None:
        """Keep the index of `catalog`: `state` if the build made it (`index_ahead`'s,
        with keep_state), else one made here in the background."""
        self._thread: threading.Thread | None = None
        self._wanted = threading.Event()  # ready() was called: no more waiting
        self._not_before = 0.0  # monotonic time before which the update waits (`hold`)
        if state is not None:
            state.adopt(catalog)
            self._state: IndexState | None = state
            return
        self._state = IndexState(facet_order(catalog))
        self.follow(catalog)

    def follow(self, catalog: Catalog, after: ForkedJob[Any] | None = None,
               grace: float = 0.0) -> None:
        """Start bringing the state to `catalog` (after any update still running, and once
        `after` has ended: the preview's search child, which does the same work first and
        is what the editor waits for, so this thread leaves it the second core). It also
        waits until `grace` seconds from now, or from the last `hold`, unless `ready()` is
        called: in the preview's server process this thread would hold the interpreter
        lock against the threads that answer the browsers' reload (the page, then the
        search's files)."""
        state = self.ready()
        if state is None:
            return
        self.hold(grace)

        def run() -> None:
            if after is not None:
                after.wait_ended()
            while (left := self._not_before - time.monotonic()) > 0:
                if self._wanted.wait(left):
                    break
            # The threads that answer the browsers wait for the interpreter lock after
            # each system call while this one computes: up to the switch interval (5 ms)
            # each time, tenths of a second for a search's dozen files.
            interval = sys.getswitchinterval()
            sys.setswitchinterval(min(interval, FOLLOW_SWITCH))
            try:
                state.update(catalog)
                state.files()
            except Exception:  # noqa: BLE001 - a full rewrite is always right
                self._state = None
                raise
            finally:
                sys.setswitchinterval(interval)

        self._thread = threading.Thread(target=run, name="search-index", daemon=True)
        self._thread.start()

    def hold(self, seconds: float) -> None:
        """Have the update started by `follow` wait until `seconds` from now (at least)."""
        self._not_before = time.monotonic() + seconds

    def ready(self) -> IndexState | None:
        """Wait for the update running, if any (without its grace); return the state, or
        None if an update failed (the index is then written from scratch)."""
        if self._thread is not None:
            self._wanted.set()
            self._thread.join()
            self._thread = None
            self._wanted.clear()
        return self._state


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
    state: IndexState | None = None  # when asked for (the preview keeps it)


def records_of(records: Iterable[Record], drafts: bool) -> list[Record]:
    """Return the records a catalog of `records` holds (drafts too with `drafts`) in the
    index's order, kind by kind and by id within a kind, as `IndexState.update` takes
    them from the catalog (catalog.build_catalog keeps records by id, then by kind)."""
    ordered = sorted((r for r in records if drafts or not r.draft), key=lambda r: r.id)
    return [r for k in KINDS for r in ordered if r.kind == k]


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


def write_docs(docs: Iterable[SearchDoc], order: list[str], site_dir: Path,
               keep_state: bool = False, spill: bool = False) -> IndexResult:
    """Write the index of `docs` into `<site_dir>/searchindex/` (see `write_index`); with
    `keep_state`, the result carries the index's `IndexState` (the preview's). `docs`
    may be an iterator that makes each document when asked, and with `spill` the
    records' result files wait in a temporary file (see `build_index`)."""
    start = time.perf_counter()
    if not site_dir.is_dir():
        raise SearchIndexError(f"{site_dir}: 站点目录不存在，无法建立搜索索引")
    docs = iter(docs)
    if (first := next(docs, None)) is None:
        raise SearchIndexError(f"{site_dir}: 没有可检索的记录（全部是草稿或数据目录为空）")
    docs = itertools.chain((first,), docs)
    del first
    state = IndexState.of_docs(list(docs), order) if keep_state else None
    files = state.files() if state is not None else build_index(docs, order, spill=spill)
    out = AtomicOutput(site_dir / INDEX_DIR)
    staging = out.begin()
    size = 0
    try:
        made: set[Path] = set()
        for name, data in files.items():
            size += len(data)
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
    term_count = manifest["dense"] + sum(data.count(b"\n") for name, data in files.items()
                                         if name.rsplit("/", 1)[-1].startswith("t"))
    return IndexResult(records=manifest["docs"], terms=term_count, shards=manifest["shards"],
                       bytes=size,
                       seconds=time.perf_counter() - start, folder=out.target, state=state)


def index_ahead(catalog: Catalog, site_dir: Path,
                keep_state: bool = False) -> Future[IndexResult]:
    """Start writing the index of `catalog` into `site_dir`; return the pending result
    (with `keep_state`, carrying the index's state: see `IndexState.adopt`).

    Page rendering is single-threaded: on a large site a worker process writes the index
    on the second core meanwhile. Small sites, or one core, are indexed right here. Wait
    for the result before touching `site_dir` again (publishing or discarding it).
    """
    if len(catalog.records) < AHEAD_MIN:
        return ahead(write_docs, search_docs(catalog), facet_order(catalog), Path(site_dir),
                     keep_state, inline=True)
    # The worker is handed each record's values and makes the search documents itself:
    # this process neither spends the time nor holds them while the pages render (at
    # 100,000 records they are ~0.4 GB, kept by the pool until the index is written).
    records = [(r.kind, r.id, r.data) for k in KINDS for r in catalog.by_kind[k]]
    return ahead(_write_from, records, facet_order(catalog), Path(site_dir), keep_state,
                 inline=False)


def _write_from(records: list[tuple[str, str, dict[str, Any]]], order: list[str],
                site_dir: Path, keep_state: bool = False) -> IndexResult:
    """Write the index of records handed over as (kind, id, data) (a worker's job). The
    list is emptied as their documents are made: each record's values can go at once.
    (From build.REREAD_MIN records the worker does not hold the records at all, and the
    documents are made one by one as the index takes them: `build._data_then_index`.)"""
    records.reverse()
    docs = []
    while records:
        kind, record_id, data = records.pop()
        docs.append(search_doc(Record(kind, record_id, "", data)))
    return write_docs(docs, order, site_dir, keep_state)
