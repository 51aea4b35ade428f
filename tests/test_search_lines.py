"""A term's line in the search index is decided without making what cannot win: a line
surely longer than `dense_bytes` is never written out as text, and a common term's
lists are not made when its weight codes are surely shorter (search._line,
search.encode_binary). These tests hold the shortcuts to the plain rule: make every
form, keep the shortest."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from second_classroom import search
from second_classroom.search import bitset, encode_ids, pack_codes


def _plain_binary(groups: list[tuple[int, list[int]]], total: int) -> bytes:
    """A common term's file as the format defines it: each group's gaps or bitset,
    whichever is shorter, unless one code per record is shorter than all of them."""
    listed = bytearray()
    for weight, ids in groups:
        gaps = search._gaps(ids)
        bits = bitset(ids, total)
        if len(gaps) > len(bits):
            listed += bytes((1, weight)) + search._varint(len(bits)) + bits
        else:
            listed += bytes((0, weight)) + search._varint(len(gaps)) + gaps
    if len(groups) < 2:
        return bytes(listed)
    codes = pack_codes(((code, ids) for code, (_, ids) in enumerate(groups, 1)), total,
                       len(groups) + 1)
    packed = bytes((2, len(groups), *(w for w, _ in groups))) + search._varint(
        len(codes)) + codes
    return packed if len(packed) < len(listed) else bytes(listed)


def _plain_line(term: str, groups: list[tuple[int, list[int]]], total: int,
                dense_bytes: int) -> tuple[str, bytes | None]:
    line = term + "\t" + "\t".join(f"{w}{encode_ids(ids, total)}" for w, ids in groups)
    if len(line) <= dense_bytes:
        return line, None
    return term, _plain_binary(groups, total)


@st.composite
def _term(draw: st.DrawFn) -> tuple[list[tuple[int, list[int]]], int]:
    """Groups (weight, increasing record numbers), highest weight first, disjoint, of
    any density: from a few records to nearly all of them at several weights."""
    total = draw(st.integers(1, 3000))
    weights = sorted(draw(st.sets(st.integers(1, 9), min_size=1, max_size=4)), reverse=True)
    held = draw(st.floats(0.0005, 1.0))
    seed = draw(st.integers(0, 2**32 - 1))
    groups: dict[int, list[int]] = {}
    state = seed
    for number in range(total):
        state = (state * 1103515245 + 12345) % 2**31  # a cheap repeatable draw per record
        if state / 2**31 < held:
            groups.setdefault(weights[state % len(weights)], []).append(number)
    if not groups:
        groups[weights[0]] = [total - 1]
    return sorted(groups.items(), reverse=True), total


@settings(max_examples=300, deadline=None)
@given(term=_term(), dense_bytes=st.sampled_from([10, 60, 300, 2048, 100_000]))
def test_a_terms_line_is_the_shortest_form(term: tuple[list[tuple[int, list[int]]], int],
                                           dense_bytes: int) -> None:
    groups, total = term
    assert search._line("义会", groups, total, dense_bytes) == \
        _plain_line("义会", groups, total, dense_bytes)


@settings(max_examples=300, deadline=None)
@given(term=_term())
def test_a_common_terms_file_is_the_shortest_form(
        term: tuple[list[tuple[int, list[int]]], int]) -> None:
    groups, total = term
    assert search.encode_binary(groups, total) == _plain_binary(groups, total)


def test_the_shortcuts_are_taken() -> None:
    """A term held by nearly every record at two weights: its codes win without its
    lists being made, and its text line is never made."""
    total = 8000  # two bitsets of 1,336 characters: longer than 2,048
    groups = [(9, list(range(0, total, 2))), (1, list(range(1, total, 2)))]
    made: list[str] = []
    real_gaps, real_encode = search._gaps, search.encode_ids
    try:
        search._gaps = lambda ids: made.append("gaps") or real_gaps(ids)  # type: ignore[assignment, func-returns-value]
        search.encode_ids = lambda ids, t: made.append("text") or real_encode(ids, t)  # type: ignore[assignment, func-returns-value]
        line = search._line("义会", groups, total, 2048)
    finally:
        search._gaps, search.encode_ids = real_gaps, real_encode
    assert line == _plain_line("义会", groups, total, 2048)
    assert line[1] is not None and line[1][0] == 2  # one code per record
    assert made == []
