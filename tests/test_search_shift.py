"""The preview's index state after one record is added or removed: every later record's
number moves by one, and the state moves the numbers and edits only what that changes
(search.IndexState._insert_at/_remove_at: a tail added to as one whole number, a list's
one crossing gap, bitsets kept as ints and shifted, weight codes packed from them)
instead of encoding every line again. These tests hold each shortcut to the plain rule:
the same bytes as a fresh `build_index` of the same records."""

from __future__ import annotations

from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from second_classroom import search
from second_classroom.search import (
    IndexState,
    SearchDoc,
    analyse,
    bitset,
    build_index,
    encode_binary,
    encode_ids,
    name_weight,
    pack_bits,
    pack_codes,
)

# Few characters, so that records share terms: rare lists, bitsets and (at a small
# dense_bytes) terms with files of their own, at one to three weights, all appear.
_CHARS = "遵义会议长征纪念馆延安"
_ORDER = ["红色地标", "广西壮族自治区", "贵州省"]


def _doc(number: int, title: str, text: str, province: str) -> SearchDoc:
    fields = [(name_weight(title), title)] + ([(1, text)] if text else [])
    facets = {"栏目": ["红色地标"], **({"省份": [province]} if province else {})}
    return SearchDoc(f"sites/s{number}/", title, "红色地标", fields, text[:40], facets)


_docs = st.lists(st.tuples(st.text(_CHARS, min_size=1, max_size=4),
                           st.text(_CHARS + "，a1", max_size=12),
                           st.sampled_from(["", "广西壮族自治区", "贵州省"])),
                 min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(docs=_docs, steps=st.lists(st.tuples(st.booleans(), st.integers(0, 10**6)),
                                  min_size=1, max_size=5),
       dense_bytes=st.sampled_from([12, 40, 2048]))
def test_a_record_added_or_removed_anywhere_gives_a_fresh_index(
        docs: list[tuple[str, str, str]], steps: list[tuple[bool, int]],
        dense_bytes: int) -> None:
    made = [_doc(n, *d) for n, d in enumerate(docs)]
    state = IndexState(_ORDER, dense_bytes=dense_bytes)
    state.analyses = [analyse(d) for d in made]
    state._rebuild()
    state.files()
    for n, (add, pick) in enumerate(steps):
        if add or len(made) == 1:
            at = pick % (len(made) + 1)
            doc = _doc(100 + n, *docs[pick % len(docs)])
            made.insert(at, doc)
            state._insert_at(at, analyse(doc))
        else:
            at = pick % len(made)
            del made[at]
            state._remove_at(at)
        assert state.files() == build_index(made, _ORDER, dense_bytes)
        total = len(made)
        for (term, weight), bits in state.bits.items():  # kept in step with the lists
            assert bits == int.from_bytes(bitset(state.postings[term][weight], total),
                                          "little")


@settings(max_examples=200, deadline=None)
@given(ids=st.lists(st.integers(0, 2**31), max_size=200).map(sorted),
       start=st.integers(0, 200), step=st.sampled_from([1, -1, 3]))
def test_a_tail_moves_as_one_number_as_it_would_one_by_one(ids: list[int], start: int,
                                                           step: int) -> None:
    start = min(start, len(ids))
    if step < 0:  # numbers never go below 0
        ids = [i + 1 for i in ids]
    numbers = array("I", ids)
    search._add_from(numbers, start, step)
    assert list(numbers) == ids[:start] + [i + step for i in ids[start:]]


@st.composite
def _groups(draw: st.DrawFn) -> tuple[list[tuple[int, list[int]]], int]:
    total = draw(st.integers(1, 700))
    weights = sorted(draw(st.sets(st.integers(1, 9), min_size=1, max_size=4)), reverse=True)
    owner = draw(st.lists(st.integers(-1, len(weights) - 1), min_size=total, max_size=total))
    groups = [(w, [n for n in range(total) if owner[n] == i]) for i, w in enumerate(weights)]
    return [(w, ids) for w, ids in groups if ids] or [(weights[0], [0])], total


def _bits_of(groups: list[tuple[int, list[int]]], total: int) -> dict[int, int]:
    return {w: int.from_bytes(bitset(ids, total), "little") for w, ids in groups}


@settings(max_examples=200, deadline=None)
@given(term=_groups())
def test_codes_packed_from_bitsets_are_those_packed_from_lists(
        term: tuple[list[tuple[int, list[int]]], int]) -> None:
    groups, total = term
    radix = len(groups) + 1
    bits = _bits_of(groups, total)
    assert pack_bits(((c, bits[w]) for c, (w, _) in enumerate(groups, 1)), total, radix) == \
        pack_codes(((c, ids) for c, (_, ids) in enumerate(groups, 1)), total, radix)


@settings(max_examples=200, deadline=None)
@given(term=_groups(), dense_bytes=st.sampled_from([10, 60, 300, 2048]))
def test_lines_encoded_from_kept_bitsets_are_the_plain_ones(
        term: tuple[list[tuple[int, list[int]]], int], dense_bytes: int) -> None:
    groups, total = term
    bits = _bits_of(groups, total)
    assert search._line("义会", groups, total, dense_bytes, bits.__getitem__) == \
        search._line("义会", groups, total, dense_bytes)
    assert encode_binary(groups, total, bits.__getitem__) == encode_binary(groups, total)
    for weight, ids in groups:
        assert encode_ids(ids, total, lambda w=weight: bits[w]) == encode_ids(ids, total)


def test_a_record_added_or_removed_encodes_again_only_what_changed(
        monkeypatch: object) -> None:
    """Of 300 records' terms, an added record (or its removal) encodes afresh only its own
    terms and those whose lines depend on the count (bitsets, own files): the other lists
    get their one moved gap edited, or stay as they are."""
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    words = ["遵义会议", "长征精神", "延安窑洞", "纪念馆藏", "井冈山下", "西柏坡村"]
    made = [_doc(n, words[n % 6] + str(n), f"{words[(n * 7) % 6]}第{n}号 馆{n}", "")
            for n in range(300)]
    state = IndexState(_ORDER, dense_bytes=2048)
    state.analyses = [analyse(d) for d in made]
    state._rebuild()
    calls: list[str] = []
    real = search._line
    monkeypatch.setattr(search, "_line", lambda term, *a: calls.append(term) or real(term, *a))
    doc = _doc(999, "新增测试纪念馆", "遵义会议 长征", "")
    added = analyse(doc)
    for at in (0, 150, 300):
        calls.clear()
        state._insert_at(at, added)
        made.insert(at, doc)
        own = {t for _, found in added.groups for t in found}
        counted = {t for t, (line, file) in state.lines.items() if file is not None or "#" in line}
        assert set(calls) <= own | counted, at
        assert len(state.lines.keys() - set(calls)) >= 250  # the records' own names
        assert state.files() == build_index(made, _ORDER)
        calls.clear()
        state._remove_at(at)
        del made[at]
        assert set(calls) <= own | counted, at
        assert state.files() == build_index(made, _ORDER)
