"""The search index: Chinese character pairs, weights, shards and facet columns."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PHONE

from second_classroom.catalog import Catalog
from second_classroom.cli import main
from second_classroom.models import KINDS
from second_classroom.search import (
    INDEX_DIR,
    SearchDoc,
    SearchIndexError,
    build_index,
    characters,
    encode_ids,
    name_weight,
    plain_text,
    search_doc,
    shard_of,
    terms,
    write_index,
)

# Strings whose terms Python and the browser must cut the same way.
SAMPLES = ["遵义会议", "中共一大", "1935年1月，遵义", "ＩＳＢＮ ９７８-7-01", "《共产党宣言》",
           "党", "Yan'an 延安", "𠀀𠀁字", "a_b", "韦拔群（1894—1932）", "长征 精神", "İstanbul"]


def _doc(title: str, text: str = "", *, url: str = "x/", facets: dict[str, list[str]] | None
         = None) -> SearchDoc:
    fields = [(name_weight(title), title)] + ([(1, text)] if text else [])
    return SearchDoc(url, title, "红色地标", fields, text, facets or {"栏目": ["红色地标"]})


def _lines(files: dict[str, bytes]) -> dict[str, str | bytes]:
    """Return term -> its postings (a shard line's groups, or the bytes of a common term's
    own file), over every shard and every common term's own file."""
    out: dict[str, str | bytes] = {}
    dense: list[str] = []
    for name, data in files.items():
        if name.rsplit("/", 1)[-1].startswith("t"):
            for line in data.decode("utf-8").splitlines():
                term, _, rest = line.partition("\t")
                out[term] = rest
        elif name.endswith("/dense.txt"):
            dense = data.decode("utf-8").splitlines()
    folder = json.loads(files["manifest.json"])["dir"]
    out.update((term, files[f"{folder}/w{j}.bin"]) for j, term in enumerate(dense))
    return out


def test_chinese_is_indexed_as_character_pairs_and_words_whole() -> None:
    assert terms("遵义会议") == {"遵义", "义会", "会议"}
    assert terms("1935年1月，ＩＳＢＮ") == {"1935", "年", "1", "月", "isbn"}
    assert terms("党") == {"党"}
    assert characters("遵义，会议") == {"遵", "义", "会", "议"}


def test_markdown_becomes_plain_text() -> None:
    assert plain_text("## 标题\n\n**遵义**会议，见[纪念馆](https://x.cn/)。\n- 一\n- 二") == \
        "标题 遵义会议，见纪念馆。 一 二"


def test_shorter_names_weigh_more() -> None:
    assert name_weight("雷锋") == 9 > name_weight("焦裕禄") == 8 > name_weight("焦裕禄纪念园") == 6


@pytest.mark.parametrize("ids", [[0], [3, 4, 40], list(range(0, 200, 2)), list(range(150))])
def test_record_lists_are_gaps_or_bitsets_whichever_is_shorter(ids: list[int]) -> None:
    code = encode_ids(ids, 200)
    if code.startswith("."):
        numbers = [int(g, 36) for g in code[1:].split(",")]
        assert [sum(numbers[:i + 1]) for i in range(len(numbers))] == ids
    else:
        import base64
        bits = base64.b64decode(code[1:])
        assert [i for i in range(200) if bits[i >> 3] >> (i & 7) & 1] == ids
    assert len(ids) < 100 or code.startswith("#")  # a common term costs 200 bits, not a list


def test_a_term_is_listed_once_per_record_at_its_highest_weight() -> None:
    files = build_index([_doc("遵义会议会址", "遵义会议在此召开"), _doc("红军", "遵义")])
    lines = _lines(files)
    # Record 0 has 遵义 in its name (weight 6), record 1 only in its text (weight 1).
    assert lines["遵义"] == "6.0\t1.1"
    # One-character lookups cover names and summaries only: 红 is record 1's name.
    assert lines["红"] == "9.1" and "召" not in lines


def test_index_files_are_deterministic_and_named_by_content() -> None:
    docs = [_doc("西柏坡纪念馆", "最后一个农村指挥所"), _doc("遵义会议会址", "遵义会议")]
    first = build_index(docs)
    assert build_index(docs) == first
    manifest = json.loads(first["manifest.json"])
    assert manifest["docs"] == 2 and manifest["shards"] >= 1
    assert all(n == "manifest.json" or n.startswith(manifest["dir"] + "/") for n in first)
    changed = build_index([docs[0], _doc("遵义会议会址", "遵义会议旧址")])
    assert json.loads(changed["manifest.json"])["dir"] != manifest["dir"]


def test_the_index_of_documents_made_one_by_one_keeps_none_of_them() -> None:
    """build_index reads an iterator once and lets each document go (a worker's large
    index never holds them all); the files are those of the list."""
    import weakref
    texts = [(f"纪念馆{i}", "长征精神代代相传，" * (i % 5) + f"第{i}号") for i in range(60)]
    made: list[weakref.ref[SearchDoc]] = []
    alive_meanwhile: list[int] = []

    def one_by_one() -> Iterator[SearchDoc]:
        for title, text in texts:
            alive_meanwhile.append(sum(ref() is not None for ref in made))
            doc = _doc(title, text)
            made.append(weakref.ref(doc))
            yield doc
            del doc

    files = build_index(one_by_one(), dense_bytes=100)
    assert files == build_index([_doc(t, x) for t, x in texts], dense_bytes=100)
    assert len(made) == len(texts) and max(alive_meanwhile) <= 1


def test_result_files_spilled_to_disk_give_the_same_index(tmp_path: Path) -> None:
    """With `spill`, the records' result files wait in a temporary file and are read back
    when asked for: the same files, the same folder name, the same writing."""
    from second_classroom.search import IndexFiles, Spilled, write_docs
    docs = [_doc(f"纪念馆{i}", "长征精神代代相传，" * (i % 5) + f"第{i}号") for i in range(30)]
    plain = build_index(docs, dense_bytes=100)
    spilled = build_index(iter(docs), dense_bytes=100, spill=True)
    assert isinstance(spilled, IndexFiles) and isinstance(spilled.entries, Spilled)
    assert not any(name.rsplit("/", 1)[-1].startswith("d") and name.endswith(".json")
                   for name in spilled.files)  # none held in memory
    assert len(spilled) == len(plain) and dict(spilled.items()) == plain
    folder = json.loads(plain["manifest.json"])["dir"]
    assert spilled[f"{folder}/d29.json"] == plain[f"{folder}/d29.json"]
    for missing in (f"{folder}/d30.json", f"{folder}/d01.json", f"{folder}/dx.json"):
        with pytest.raises(KeyError):
            spilled[missing]
    for where, spill in (("a", False), ("b", True)):
        (tmp_path / where).mkdir()
        result = write_docs(docs, ["红色地标"], tmp_path / where, spill=spill)
        assert result.records == len(docs)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_term_is_in_the_shard_its_hash_names() -> None:
    docs = [_doc(f"纪念馆{i}", "长征精神代代相传，" * (i % 7) + f"第{i}号") for i in range(400)]
    files = build_index(docs)
    manifest = json.loads(files["manifest.json"])
    for name, data in files.items():
        if name.rsplit("/", 1)[-1].startswith("t"):
            k = int(name.rsplit("/t", 1)[1].removesuffix(".txt"))
            for line in data.decode("utf-8").splitlines():
                assert shard_of(line.split("\t")[0], manifest["shards"]) == k


def _decoded_binary(data: bytes, total: int) -> dict[int, int]:
    """Record number -> weight, from a common term's own file (w<j>.bin)."""
    found: dict[int, int] = {}
    p = 0

    def varint() -> int:
        nonlocal p
        value = shift = 0
        while True:
            byte = data[p]
            p += 1
            value |= (byte & 127) << shift
            shift += 7
            if byte < 128:
                return value

    while p < len(data):
        kind = data[p]
        if kind == 2:
            weights = list(data[p + 2:p + 2 + data[p + 1]])
            p += 2 + len(weights)
            size = varint()
            radix = len(weights) + 1
            per = max(k for k in range(1, 9) if radix ** k <= 256)
            assert size == -(-total // per)
            for n in range(total):
                code = data[p + n // per] // radix ** (n % per) % radix
                if code:
                    found.setdefault(n, weights[code - 1])
            p += size
            continue
        assert kind in (0, 1), kind
        weight = data[p + 1]
        p += 2
        size = varint()
        end = p + size
        if kind == 1:
            assert size == (total + 7) // 8
            for n in range(total):
                if data[p + (n >> 3)] >> (n & 7) & 1:
                    found.setdefault(n, weight)
            p = end
        else:
            n = 0
            while p < end:
                n += varint()
                found.setdefault(n, weight)
    return found


def _decoded(line: str | bytes, total: int) -> dict[int, int]:
    """Record number -> weight, from a term's line (as search-ui.js decodes it)."""
    import base64

    if isinstance(line, bytes):
        return _decoded_binary(line, total)
    found: dict[int, int] = {}
    for group in line.split("\t"):
        if group[1] == "#":
            data = base64.b64decode(group[2:])
            for n in range(total):
                if data[n >> 3] >> (n & 7) & 1:
                    found.setdefault(n, int(group[0]))
        else:
            n = 0
            for gap in group[2:].split(","):
                n += int(gap, 36)
                found.setdefault(n, int(group[0]))
    return found


@pytest.mark.parametrize("weights", [[9], [9, 3], [9, 3, 1], [9, 6, 3, 1], [9, 7, 6, 3, 1],
                                     [9, 8, 7, 6, 3, 1]])
def test_a_common_term_can_carry_one_weight_code_per_record(weights: list[int]) -> None:
    from second_classroom.search import encode_binary

    total = 101
    groups = [(w, list(range(i, total, len(weights) + 1))) for i, w in enumerate(weights)]
    data = encode_binary(groups, total)
    if len(weights) > 1:  # shorter than a bitset or gaps per weight
        assert data[:2 + len(weights)] == bytes([2, len(weights), *weights])
    assert _decoded(data, total) == {n: w for w, ids in groups for n in ids}


BINARY_CASES = [
    (8, [(9, [0, 7])]),  # gaps
    (100_003, [(1, [5, 20_000, 100_002])]),  # gaps of three LEB128 bytes
    (301, [(3, list(range(0, 301, 2)))]),  # a bitset
    (301, [(9, [3, 8]), (1, list(range(1, 301, 3)))]),  # gaps and a bitset, or codes
    (1003, [(9, list(range(0, 1003, 5))), (3, list(range(1, 1003, 5))),
            (1, list(range(2, 1003, 5)))]),  # weight codes, 4 to a byte
    (300, [(8, list(range(0, 300, 2))), (1, list(range(1, 300, 4)))]),  # 5 to a byte
    (50, [(9, [1]), (8, [2]), (7, [3]), (6, [4]), (3, [5]), (1, list(range(6, 50)))]),
]


@pytest.mark.parametrize(("total", "groups"), BINARY_CASES)
def test_a_common_terms_file_is_binary_and_holds_its_records(
        total: int, groups: list[tuple[int, list[int]]]) -> None:
    from second_classroom.search import encode_binary

    data = encode_binary(groups, total)
    assert _decoded_binary(data, total) == {n: w for w, ids in groups for n in ids}
    text = "\t".join(f"{w}{encode_ids(ids, total)}" for w, ids in groups)
    assert len(data) < len(text)  # no base64, no gap text


def test_common_terms_get_files_of_their_own_and_shards_stay_small() -> None:
    docs = [_doc(f"纪念馆{i}" if i % 3 else f"长征{i}", "长征精神、纪念" * (i % 2) + f"第{i}号")
            for i in range(600)]
    plain = build_index(docs, dense_bytes=10**9)
    split = build_index(docs, dense_bytes=100)
    assert json.loads(plain["manifest.json"])["dense"] == 0
    manifest = json.loads(split["manifest.json"])
    folder = manifest["dir"]
    dense = split[f"{folder}/dense.txt"].decode("utf-8").splitlines()
    assert manifest["dense"] == len(dense) and {"纪念", "长征"} <= set(dense)
    assert len([n for n in split if n.startswith(f"{folder}/w")]) == len(dense)
    shards = [d for n, d in split.items() if n.rsplit("/", 1)[-1].startswith("t")]
    assert all(term.encode("utf-8") not in shard for shard in shards for term in dense)
    # Every term means the same records at the same weights either way.
    before, after = _lines(plain), _lines(split)
    assert before.keys() == after.keys()
    assert all(_decoded(before[t], 600) == _decoded(after[t], 600) for t in before)
    assert all(isinstance(after[t], bytes) for t in dense)
    # Bitsets and weight codes (纪念馆 in names, 纪念 in text…) both occur.
    assert {after[t][0] for t in dense} == {1, 2}  # type: ignore[index]
    assert max(len(after[t]) for t in dense) < max(len(before[t]) for t in dense)


def test_facet_columns_follow_vocabulary_order() -> None:
    docs = [_doc("甲", facets={"栏目": ["红色地标"], "主题": ["长征", "建党"]}),
            _doc("乙", facets={"栏目": ["英烈人物"]})]
    files = build_index(docs, order=["红色地标", "英烈人物", "建党", "长征"])
    facets = json.loads(next(v for k, v in files.items() if k.endswith("facets.json")))
    assert facets["values"]["主题"] == ["建党", "长征"]
    assert facets["columns"]["主题"] == "10,"  # record 0: 长征(1) 建党(0); record 1: none
    assert facets["columns"]["栏目"] == "0,1"


def test_sample_record_doc_has_weights_excerpt_and_facets(catalog: Catalog) -> None:
    doc = search_doc(catalog.get("zunyi-huiyi-huizhi"))
    assert doc.url == "sites/zunyi-huiyi-huizhi/" and doc.kind == "红色地标"
    assert doc.fields[0] == (name_weight("遵义会议会址"), "遵义会议会址")
    assert doc.fields[1][0] == 3 and catalog.get("zunyi-huiyi-huizhi").data["summary"] in doc.fields[1][1]
    assert doc.facets["省份"] == ["贵州省"] and "长征" in doc.facets["主题"]
    assert doc.excerpt.startswith(catalog.get("zunyi-huiyi-huizhi").data["summary"])


def test_write_index_replaces_the_previous_one_whole(tmp_path: Path, catalog: Catalog) -> None:
    result = write_index(catalog, tmp_path)
    folder = tmp_path / INDEX_DIR
    assert result.records == len(catalog.records) and result.folder == folder
    stale = folder / "stale.txt"
    stale.write_text("old", "utf-8")
    write_index(catalog, tmp_path)
    assert not stale.exists()
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert sorted(p.name for p in folder.iterdir()) == sorted([manifest["dir"], "manifest.json"])
    assert not list(tmp_path.glob(".*"))  # no staging dir left behind


def test_missing_site_dir_is_an_error(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(SearchIndexError, match="站点目录不存在"):
        write_index(catalog, tmp_path / "nope")


def test_cli_search_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from conftest import REPO
    assert main(["search-index", str(tmp_path), "--data", str(REPO / "site_data")]) == 0
    assert "已建立搜索索引：" in capsys.readouterr().out
    assert (tmp_path / INDEX_DIR / "manifest.json").is_file()
    bad = tmp_path / "bad"
    (bad / "sites").mkdir(parents=True)
    (bad / "sites" / "x.yml").write_text("name: [\n", "utf-8")
    assert main(["search-index", str(tmp_path), "--data", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"{bad / 'sites' / 'x.yml'}:")
    assert "未建立搜索索引" in err.splitlines()[-1]


def test_built_site_has_the_index_and_no_builtin_search(built_site: Path) -> None:
    manifest = json.loads((built_site / INDEX_DIR / "manifest.json").read_text("utf-8"))
    assert list((built_site / INDEX_DIR / manifest["dir"]).glob("d*.json")), "nothing indexed"
    assert not (built_site / "search" / "search_index.json").exists()
    home = (built_site / "index.html").read_text(encoding="utf-8")
    # The header's search button; the engine itself is not loaded with the page.
    assert "data-sc-search" in home and "assets/search.js" in home
    assert INDEX_DIR not in home and "search-ui" not in home


# --- The browser cuts and hashes terms exactly as Python does ---------------------------

PARITY = """async ([root, samples, shards]) => {
  const ui = await import(root + "assets/search-ui.js");
  return samples.map((s) => {
    const t = ui.queryTerms(s);
    return {terms: t, shards: t.map((x) => ui.shardOf(x, shards))};
  });
}"""


def test_browser_terms_and_shards_match_python(browser: Any, site_url: str) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(site_url)
    got = page.evaluate(PARITY, [site_url, SAMPLES, 256])
    context.close()
    for sample, browser_side in zip(SAMPLES, got, strict=True):
        expected = terms(sample)
        pairs = {t for t in expected if len(t) > 1 or not ("\u3400" <= t <= "\U0003134f")}
        wanted = pairs or expected  # a lone character counts only in a query without pairs
        assert set(browser_side["terms"]) == wanted, sample
        assert browser_side["shards"] == [shard_of(t, 256) for t in browser_side["terms"]]


DECODE = """async ([root, lines, total]) => {
  const ui = await import(root + "assets/search-ui.js");
  return lines.map((l) => [...ui.decodePostings(l, total)]);
}"""


def test_browser_decodes_what_python_encodes(browser: Any, site_url: str) -> None:
    cases = [[0, 5, 77], list(range(0, 300, 3)), list(range(290))]
    lines = [f"{w}{encode_ids(ids, 300)}" for w, ids in zip((9, 3, 1), cases, strict=True)]
    lines.append("\t".join(lines[:2]))  # a term in names of some records, text of others
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(site_url)
    got = page.evaluate(DECODE, [site_url, lines, 300])
    context.close()
    assert got[0] == [[i, 9] for i in cases[0]]
    assert got[1] == [[i, 3] for i in cases[1]]
    assert got[2] == [[i, 1] for i in cases[2]]
    assert dict(got[3]) == {**{i: 3 for i in cases[1]}, **{i: 9 for i in cases[0]}}


DECODE_BINARY = """async ([root, files, totals]) => {
  const ui = await import(root + "assets/search-ui.js");
  return files.map((f, i) => [...ui.decodePostings(Uint8Array.from(f), totals[i])]);
}"""


def test_browser_decodes_common_terms_files_as_python_encodes(browser: Any,
                                                              site_url: str) -> None:
    """search-ui.js reads every kind of group of a w<j>.bin file (gaps, bitsets, weight
    codes) as the records and weights the postings hold."""
    from second_classroom.search import encode_binary

    files = [list(encode_binary(groups, total)) for total, groups in BINARY_CASES]
    assert {f[0] for f in files} == {0, 1, 2}
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(site_url)
    got = page.evaluate(DECODE_BINARY, [site_url, files, [t for t, _ in BINARY_CASES]])
    context.close()
    for (_, groups), decoded in zip(BINARY_CASES, got, strict=True):
        assert dict(decoded) == {n: w for w, ids in groups for n in ids}
        assert len(decoded) == sum(len(ids) for _, ids in groups)


def test_index_ahead_writes_the_same_index_in_a_worker(tmp_path: Path, catalog: Catalog,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import second_classroom.search as search

    inline, worker = tmp_path / "inline", tmp_path / "worker"
    inline.mkdir()
    worker.mkdir()
    assert search.index_ahead(catalog, inline).result().records == len(catalog.records)
    monkeypatch.setattr(search, "AHEAD_MIN", 1)  # sample-sized site, worker path anyway
    assert search.index_ahead(catalog, worker).result().records == len(catalog.records)
    files = {p.relative_to(inline): p.read_bytes() for p in inline.rglob("*") if p.is_file()}
    assert files == {p.relative_to(worker): p.read_bytes() for p in worker.rglob("*")
                     if p.is_file()}
    with pytest.raises(SearchIndexError, match="站点目录不存在"):
        search.index_ahead(catalog, tmp_path / "nope").result()


def test_built_site_leaves_out_material_s_own_search_engine(built_site: Path) -> None:
    js = built_site / "assets" / "javascripts"
    assert list(js.glob("bundle.*.min.js")), "Material's own bundle must stay"
    leftovers = [p.relative_to(js).as_posix() for p in js.rglob("*")
                 if p.is_file() and ("lunr" in p.parts or p.name.startswith("search."))]
    assert leftovers == []


# --- the preview's index, kept from one save to the next ----------------------------------

def _sample_records() -> tuple[list[Any], Any]:
    from second_classroom.catalog import load_catalog
    catalog, _ = load_catalog(Path(__file__).resolve().parent.parent / "site_data")
    return list(catalog.records.values()), catalog.vocab


_SAMPLE: list[tuple[list[Any], Any]] = []


def _edit_step(records: list[Any], op: str, pick: int) -> list[Any]:
    """Return `records` after one editor's save: a new name, summary, theme, a record added
    (a copy under a new id, sorting anywhere) or one removed."""
    import dataclasses
    sites = [r for r in records if r.kind == "sites"]
    record = sites[pick % len(sites)]
    if op == "remove":
        return [r for r in records if r is not record]
    data = dict(record.data)
    if op == "add":
        copy = dataclasses.replace(record, id=f"{record.id[:pick % 5]}0-copy{pick}",
                                   data={**data, "name": f"新增测试纪念馆{pick}"})
        return [*records, copy]
    if op == "name":
        data["name"] = f"改名测试纪念馆{pick}"
    elif op == "summary":
        data["summary"] = f"遵义会议 纪念馆 长征 第{pick}次修改，繁體字"
    elif op == "theme":
        data["themes"] = list(reversed(data.get("themes", [])))[:1]
    return [dataclasses.replace(record, data=data) if r is record else r for r in records]


@pytest.mark.parametrize("dense_bytes", [60, 2048])
def test_an_index_state_follows_saves_byte_for_byte(dense_bytes: int) -> None:
    """After any sequence of edits, adds and removals, the state's files equal a fresh
    build_index of the same records (with many common terms at a small dense_bytes)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from second_classroom.catalog import build_catalog
    from second_classroom.search import IndexState, facet_order, search_docs

    if not _SAMPLE:
        _SAMPLE.append(_sample_records())
    start, vocab = _SAMPLE[0]

    @settings(max_examples=4, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(["name", "summary", "theme", "add", "remove"]),
                              st.integers(0, 999)), min_size=1, max_size=4))
    def run(steps: list[tuple[str, int]]) -> None:
        catalog = build_catalog(start, vocab, drafts=True)
        state = IndexState(facet_order(catalog), dense_bytes=dense_bytes)
        state.update(catalog)
        records = start
        for op, pick in steps:
            records = _edit_step(records, op, pick)
            catalog = build_catalog(records, vocab, drafts=True)
            state.update(catalog)
            fresh = build_index(search_docs(catalog), facet_order(catalog), dense_bytes)
            assert state.files() == fresh, (op, pick)
    run()


def test_an_updated_index_links_the_files_the_old_one_has(tmp_path: Path) -> None:
    """Writing an updated state links every file the index on disk has (by content: a
    record added first moves every result file's number) and writes only new ones."""
    from second_classroom.catalog import build_catalog
    from second_classroom.search import IndexState

    if not _SAMPLE:
        _SAMPLE.append(_sample_records())
    records, vocab = _SAMPLE[0]
    state = IndexState.of(build_catalog(records, vocab, drafts=True))
    state.write(tmp_path)
    folder = tmp_path / INDEX_DIR / json.loads(
        (tmp_path / INDEX_DIR / "manifest.json").read_bytes())["dir"]
    before = {p.read_bytes(): p.stat().st_ino for p in folder.iterdir()}
    for op in ("add", "name"):
        records = _edit_step(records, op, 0)
        catalog = build_catalog(records, vocab, drafts=True)
        changed = next(r for r in records if r not in _SAMPLE[0][0] and r.kind == "sites"
                       and (op == "add") == ("copy" in r.id))
        number = [r.id for k in KINDS for r in catalog.by_kind[k]].index(changed.id)
        state.update(catalog)
        state.write(tmp_path)
        assert _tree(tmp_path) == _written(catalog, tmp_path / op)
        folder = tmp_path / INDEX_DIR / json.loads(
            (tmp_path / INDEX_DIR / "manifest.json").read_bytes())["dir"]
        after = {p.name: (p.read_bytes(), p.stat().st_ino) for p in folder.iterdir()}
        linked = {name for name, (data, ino) in after.items() if before.get(data) == ino}
        written = set(after) - linked
        assert "d1.json" in linked or op != "add"  # the old d0.json, one number on
        # Of the result files only the new or edited record's is written.
        assert {n for n in written if n.startswith("d") and n != "dense.txt"} == \
            {f"d{number}.json"}
        assert len(linked) > len(written)
        before = {data: ino for data, ino in after.values()}


def _written(catalog: Catalog, site: Path) -> dict[str, bytes]:
    site.mkdir()
    write_index(catalog, site)
    return _tree(site)


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in sorted((site / INDEX_DIR).rglob("*")) if p.is_file()}


def test_a_save_adding_or_removing_one_record_moves_numbers_in_place(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The editor's save of one new record (or one deleted) takes the state's shift
    (`_insert_at`/`_remove_at`), not the full renumbering; the bitsets it keeps stay
    those of its lists."""
    from second_classroom import search
    from second_classroom.catalog import build_catalog
    from second_classroom.search import IndexState, bitset, facet_order, search_docs

    if not _SAMPLE:
        _SAMPLE.append(_sample_records())
    records, vocab = _SAMPLE[0]
    state = IndexState.of(build_catalog(records, vocab, drafts=True))
    taken: list[str] = []
    for name in ("_insert_at", "_remove_at"):
        real = getattr(IndexState, name)
        monkeypatch.setattr(IndexState, name, lambda self, *a, _n=name, _r=real: (
            taken.append(_n), _r(self, *a))[1])
    for op in ("add", "remove", "name"):
        records = _edit_step(records, op, 3)
        catalog = build_catalog(records, vocab, drafts=True)
        state.update(catalog)
        assert state.files() == search.build_index(search_docs(catalog), facet_order(catalog))
        for (term, weight), bits in state.bits.items():
            assert bits == int.from_bytes(bitset(state.postings[term][weight],
                                                 len(state.analyses)), "little")
    assert taken == ["_insert_at", "_remove_at"]
