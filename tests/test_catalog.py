"""The catalog: links both ways, facets, drafts left out, nearest sites."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from second_classroom.catalog import (
    NEARBY_COUNT,
    NEARBY_MAX_KM,
    Catalog,
    build_catalog,
    distance_km,
    load_catalog,
    nearest_sites,
)
from second_classroom.check import check_tree
from second_classroom.models import Record
from second_classroom.problems import DataError

VOCAB = """\
kinds: [纪念馆, 革命旧址]
designations: [全国爱国主义教育示范基地]
audiences: [党员干部, 青少年学生]
themes: [建党, 长征, 抗日战争]
periods: [建党时期, 土地革命战争时期, 抗日战争时期]
provinces:
  华北: [北京市]
  华东: [上海市, 江苏省, 浙江省]
"""
TAIL = "sources:\n  - title: 来源\nverified: 2026-11-01\n"

SHANGHAI = (31.2304, 121.4737)
SUZHOU = (31.2989, 120.5853)
HANGZHOU = (30.2741, 120.1551)
NANJING = (32.0603, 118.7969)
BEIJING = (39.9042, 116.4074)


def site(province: str, where: tuple[float, float] | None, extra: str = "",
         kind: str = "纪念馆") -> str:
    location = f"location: {{lat: {where[0]}, lng: {where[1]}}}\n" if where else ""
    return (f"name: 旧址\nkind: {kind}\nregion: {{province: {province}}}\n{location}"
            f"summary: 简介。\nreadings: [jianshi]\n{extra}{TAIL}")


RECORDS = {
    "sites/yida.yml": site("上海市", SHANGHAI, "people: [li-dazhao]\nthemes: [建党]\n"
                           "periods: [建党时期]\naudiences: [党员干部, 青少年学生]\n"),
    "sites/suzhou-site.yml": site("江苏省", SUZHOU, "themes: [抗日战争]\n", kind="革命旧址"),
    "sites/hangzhou-site.yml": site("浙江省", HANGZHOU),
    "sites/nanjing-site.yml": site("江苏省", NANJING, "periods: [抗日战争时期]\n"),
    "sites/beijing-site.yml": site("北京市", BEIJING),
    "sites/beijing-nowhere.yml": site("北京市", None),
    "sites/draft-site.yml": site("上海市", (31.2305, 121.4738),
                                 "themes: [建党]\npeople: [li-dazhao]\ndraft: true\n"),
    "people/li-dazhao.yml": "name: 李大钊\nrole: 创始人\nsummary: 简介。\n"
                            "sites: [beijing-site]\nthemes: [建党]\nperiods: [建党时期]\n" + TAIL,
    "people/chen-duxiu.yml": "name: 陈独秀\nrole: 创始人\nsummary: 简介。\nsites: [yida]\n"
                             "themes: [建党]\ndraft: true\n" + TAIL,
    "readings/jianshi.yml": "title: 中国共产党简史\nkind: book\nsummary: 简介。\n"
                            "audiences: [党员干部]\n" + TAIL,
    "relics/hongchuan.yml": "name: 红船模型\nsite: yida\nera: 1921年\ndescription: 介绍。\n"
                            "people: [li-dazhao]\nthemes: [建党]\n" + TAIL,
    "outlines/jiandang.yml": "title: 建党故事\naudience: 青少年学生\nduration_minutes: 45\n"
                             "summary: 简介。\nobjectives: [了解建党]\n"
                             "sections:\n  - heading: 开篇\n    points: [一大召开]\n"
                             "    sites: [yida]\n    people: [li-dazhao]\n"
                             "discussion: [为什么？]\nthemes: [建党]\n" + TAIL,
    "routes/jiangnan.yml": "name: 江南线路\ndays: 2\nsummary: 简介。\nthemes: [建党]\n"
                           "stops:\n  - site: yida\n  - site: suzhou-site\n    day: 2\n" + TAIL,
}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("data")
    (root / "vocab.yml").write_text(VOCAB, encoding="utf-8")
    for rel, text in RECORDS.items():
        (root / rel).parent.mkdir(exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    built, result = load_catalog(root)
    assert result.errors == [], [p.format() for p in result.errors]
    return built


def ids(records: list[Record]) -> list[str]:
    return [r.id for r in records]


# --- links in both directions --------------------------------------------------------

def test_person_lists_sites_it_names_and_sites_that_name_it(catalog: Catalog) -> None:
    person = catalog.get("li-dazhao")
    # beijing-site is named by the person; yida names the person in its `people`.
    assert ids(catalog.related(person, "sites")) == ["beijing-site", "yida"]


def test_site_lists_people_whose_sites_name_it(catalog: Catalog) -> None:
    assert ids(catalog.related(catalog.get("beijing-site"), "people")) == ["li-dazhao"]
    assert ids(catalog.related(catalog.get("yida"), "people")) == ["li-dazhao"]


def test_backlinks_by_kind(catalog: Catalog) -> None:
    assert catalog.backlinks["yida"] == {"relics": ["hongchuan"], "outlines": ["jiandang"],
                                         "routes": ["jiangnan"]}
    assert catalog.backlinks["li-dazhao"] == {"sites": ["yida"], "relics": ["hongchuan"],
                                              "outlines": ["jiandang"]}
    assert catalog.backlinks["beijing-site"] == {"people": ["li-dazhao"]}
    assert catalog.backlinks["jianshi"] == {"sites": ["beijing-nowhere", "beijing-site",
                                                      "hangzhou-site", "nanjing-site",
                                                      "suzhou-site", "yida"]}


def test_related_other_kinds(catalog: Catalog) -> None:
    yida = catalog.get("yida")
    assert ids(catalog.related(yida, "relics")) == ["hongchuan"]
    assert ids(catalog.related(yida, "readings")) == ["jianshi"]
    assert ids(catalog.related(yida, "outlines")) == ["jiandang"]
    assert ids(catalog.related(yida, "routes")) == ["jiangnan"]
    assert ids(catalog.related(catalog.get("hongchuan"), "sites")) == ["yida"]
    assert ids(catalog.related(catalog.get("li-dazhao"), "relics")) == ["hongchuan"]
    assert ids(catalog.related(catalog.get("jiangnan"), "sites")) == ["suzhou-site", "yida"]


# --- drafts --------------------------------------------------------------------------

def test_drafts_are_left_out_everywhere(catalog: Catalog) -> None:
    assert "draft-site" not in catalog.records and "chen-duxiu" not in catalog.records
    assert ids(catalog.by_kind["sites"]) == ["beijing-nowhere", "beijing-site",
                                             "hangzhou-site", "nanjing-site", "suzhou-site",
                                             "yida"]
    assert ids(catalog.by_kind["people"]) == ["li-dazhao"]
    every_facet = [i for values in catalog.facets.values() for v in values.values() for i in v]
    assert "draft-site" not in every_facet and "chen-duxiu" not in every_facet
    # chen-duxiu (a draft) names yida; no backlink may lead to an unpublished page.
    assert "people" not in catalog.backlinks["yida"]
    assert "draft-site" not in catalog.backlinks["li-dazhao"].get("sites", [])
    assert "draft-site" not in catalog.nearby
    assert all(oid != "draft-site" for near in catalog.nearby.values() for oid, _ in near)


def test_by_kind_counts(catalog: Catalog) -> None:
    assert {k: len(v) for k, v in catalog.by_kind.items() if v} == {
        "sites": 6, "people": 1, "relics": 1, "readings": 1, "outlines": 1, "routes": 1}


# --- facets --------------------------------------------------------------------------

def test_facet_province_in_vocabulary_order(catalog: Catalog) -> None:
    facet = catalog.facet("province")
    assert list(facet) == ["北京市", "上海市", "江苏省", "浙江省"]
    assert {k: ids(v) for k, v in facet.items()} == {
        "北京市": ["beijing-nowhere", "beijing-site"], "上海市": ["yida"],
        "江苏省": ["nanjing-site", "suzhou-site"], "浙江省": ["hangzhou-site"]}


def test_facet_themes_cover_every_kind(catalog: Catalog) -> None:
    assert {k: ids(v) for k, v in catalog.facet("theme").items()} == {
        "建党": ["hongchuan", "jiandang", "jiangnan", "li-dazhao", "yida"],
        "抗日战争": ["suzhou-site"]}  # 长征 has no record, so no entry


def test_facet_periods(catalog: Catalog) -> None:
    assert {k: ids(v) for k, v in catalog.facet("period").items()} == {
        "建党时期": ["li-dazhao", "yida"], "抗日战争时期": ["nanjing-site"]}


def test_facet_audiences_include_an_outlines_audience(catalog: Catalog) -> None:
    assert {k: ids(v) for k, v in catalog.facet("audience").items()} == {
        "党员干部": ["jianshi", "yida"], "青少年学生": ["jiandang", "yida"]}


def test_facet_site_kinds(catalog: Catalog) -> None:
    assert {k: ids(v) for k, v in catalog.facet("kind").items()} == {
        "纪念馆": ["beijing-nowhere", "beijing-site", "hangzhou-site", "nanjing-site", "yida"],
        "革命旧址": ["suzhou-site"]}


# --- distances and nearest sites -----------------------------------------------------

def test_distance_shanghai_beijing() -> None:
    assert distance_km(*SHANGHAI, *BEIJING) == pytest.approx(1068, abs=20)
    assert distance_km(*BEIJING, *SHANGHAI) == pytest.approx(distance_km(*SHANGHAI, *BEIJING))
    assert distance_km(*SHANGHAI, *SHANGHAI) == 0
    assert distance_km(0, 0, 0, 1) == pytest.approx(111.2, abs=0.1)  # a degree at the equator
    assert distance_km(0, 0, 0, 180) == pytest.approx(math.pi * 6371.0)


def test_nearest_sites_of_shanghai(catalog: Catalog) -> None:
    near = catalog.nearby["yida"]
    assert [oid for oid, _ in near] == ["suzhou-site", "hangzhou-site", "nanjing-site"]
    km = dict(near)
    assert km["suzhou-site"] == pytest.approx(84, abs=5)
    assert km["hangzhou-site"] == pytest.approx(165, abs=8)
    assert km["nanjing-site"] == pytest.approx(270, abs=10)
    assert [d for _, d in near] == sorted(d for _, d in near)
    assert catalog.nearby["beijing-site"] == []  # nothing within 300 km
    assert "beijing-nowhere" not in catalog.nearby  # no coordinates, no neighbours


def _site_at(sid: str, lat: float, lng: float) -> Record:
    return Record("sites", sid, f"sites/{sid}.yml", {"location": {"lat": lat, "lng": lng}})


def _brute_force(sites: list[Record]) -> dict[str, list[tuple[str, float]]]:
    result = {}
    for s in sites:
        a = s.data["location"]
        found = sorted((distance_km(a["lat"], a["lng"], o.data["location"]["lat"],
                                    o.data["location"]["lng"]), o.id)
                       for o in sites if o.id != s.id)
        result[s.id] = [(oid, round(d, 1)) for d, oid in found
                        if d <= NEARBY_MAX_KM][:NEARBY_COUNT]
    return result


@pytest.mark.parametrize("seed", range(3))
def test_nearest_sites_match_brute_force(seed: int) -> None:
    """The grid lookup finds exactly what comparing every pair finds, anywhere in China."""
    rng = random.Random(seed)
    sites = []
    for i in range(300):
        if i % 4 == 0:  # clusters, so the count limit of six matters
            lat, lng = rng.uniform(20, 50), rng.uniform(80, 130)
        else:
            lat, lng = sites[-1].data["location"].values() if sites else (30.0, 110.0)
            lat, lng = lat + rng.uniform(-2.5, 2.5), lng + rng.uniform(-3.5, 3.5)
        sites.append(_site_at(f"s{i:03d}", min(53.5, max(3.6, lat)), min(135, max(73.5, lng))))
    everything = _brute_force(sites)
    assert nearest_sites(sites) == everything
    # A preview's save redoes some sites only: the same answers for them.
    for only in ({"s000"}, {f"s{i:03d}" for i in range(0, 300, 7)}):
        assert nearest_sites(sites, only=only) == {i: everything[i] for i in only}


def test_nearest_sites_of_some_see_as_far_north_and_south_as_all() -> None:
    """Asked for some sites only, those sites' neighbours just within reach due north and
    south are found (the others are left out by latitude before any distance)."""
    step = (NEARBY_MAX_KM - 0.5) / distance_km(0, 0, 1, 0)  # degrees of latitude
    sites = [_site_at("mid", 30.0, 110.0), _site_at("north", 30.0 + step, 110.0),
             _site_at("south", 30.0 - step, 110.0), _site_at("beyond", 30.0 + 2.2 * step, 110.0)]
    near = nearest_sites(sites, only={"mid"})
    assert near == {"mid": _brute_force(sites)["mid"]}
    assert sorted(oid for oid, _ in near["mid"]) == ["north", "south"]


def test_nearest_sites_far_north_and_cell_edges() -> None:
    """Mohe and Hulunbuir: east-west cells are narrow; neighbours across a cell line count."""
    sites = [_site_at("mohe", 53.47, 122.35), _site_at("east", 53.47, 126.5),
             _site_at("edge-a", 40.9999, 115.9999), _site_at("edge-b", 41.0001, 116.0001),
             _site_at("far", 53.47, 127.5)]
    near = nearest_sites(sites)
    assert near == _brute_force(sites)
    assert [oid for oid, _ in near["mohe"]] == ["east"]  # ~277 km east; "far" is ~343 km
    assert near["edge-a"] == [("edge-b", 0.0)]


def test_count_limit_and_ties() -> None:
    sites = [_site_at(f"s{i}", 30.0, 110.0 + i * 0.01) for i in range(10)]
    near = nearest_sites(sites)
    assert len(near["s0"]) == NEARBY_COUNT
    assert [oid for oid, _ in near["s0"]] == ["s1", "s2", "s3", "s4", "s5", "s6"]
    twins = [_site_at("b", 30.0, 110.0), _site_at("a", 30.0, 110.0), _site_at("c", 30.0, 110.0)]
    assert nearest_sites(twins)["c"] == [("a", 0.0), ("b", 0.0)]  # ties broken by id


# --- errors --------------------------------------------------------------------------

def test_load_catalog_refuses_data_with_errors(tmp_path: Path) -> None:
    (tmp_path / "vocab.yml").write_text(VOCAB, encoding="utf-8")
    (tmp_path / "people").mkdir()
    (tmp_path / "people" / "x.yml").write_text("name: [x]\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_catalog(tmp_path)
    assert [p.code for p in caught.value.problems] == ["missing-field"] * 4 + ["wrong-type"]
    assert str(caught.value).splitlines()[-1] == f"{tmp_path}/people/x.yml:1:7: 字段 name 应为文字，实际是列表"


def test_warnings_do_not_stop_the_catalog(tmp_path: Path) -> None:
    (tmp_path / "vocab.yml").write_text(VOCAB, encoding="utf-8")
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "x.yml").write_text(site("上海市", SHANGHAI).replace(
        "readings: [jianshi]\n", ""), encoding="utf-8")
    built, result = load_catalog(tmp_path)
    assert [p.code for p in result.warnings] == ["no-readings"]
    assert ids(built.by_kind["sites"]) == ["x"]


def test_build_catalog_is_independent_of_file_order(tmp_path: Path) -> None:
    (tmp_path / "vocab.yml").write_text(VOCAB, encoding="utf-8")
    for rel, text in RECORDS.items():
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    result = check_tree(tmp_path)
    forward = build_catalog(result.records, result.vocab)
    backward = build_catalog(list(reversed(result.records)), result.vocab)
    assert forward.backlinks == backward.backlinks
    assert forward.facets == backward.facets
    assert forward.nearby == backward.nearby


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_an_updated_catalog_is_the_one_built_afresh(catalog: Catalog, data: st.DataObject
                                                    ) -> None:
    """update_catalog (the preview's quick rebuild) gives what build_catalog gives for the
    same records, whichever records were edited, moved, re-themed, added or removed."""
    from dataclasses import replace

    from second_classroom.catalog import update_catalog

    old = catalog
    records = list(old.records.values())
    ids = sorted(old.records)
    touched = data.draw(st.lists(st.sampled_from(ids), max_size=6, unique=True))
    new = {r.id: r for r in records}
    for rid in touched:
        record = new[rid]
        change = data.draw(st.sampled_from(["edit", "move", "theme", "remove", "copy"]))
        values = dict(record.data)
        if change == "remove":
            del new[rid]
            continue
        if change == "move" and "location" in values:
            shift = data.draw(st.floats(-3, 3))
            values["location"] = {**values["location"],
                                  "lat": values["location"]["lat"] + shift}
        elif change == "theme" and values.get("themes"):
            values["themes"] = list(reversed(old.vocab.terms("themes")))[:1]
        elif change == "copy":
            copy = replace(record, id=f"{rid}-copy", data=dict(values))
            new[copy.id] = copy
            continue
        values["summary"] = "改过的摘要"
        new[rid] = replace(record, data=values)
    updated, changed = update_catalog(old, list(new.values()), old.vocab)
    fresh = build_catalog(list(new.values()), old.vocab)
    assert list(updated.records) == list(fresh.records)
    assert updated.by_kind == fresh.by_kind
    assert updated.backlinks == fresh.backlinks
    assert updated.referrers == fresh.referrers
    assert updated.facets == fresh.facets
    assert updated.nearby == fresh.nearby
    assert changed == {i for i in old.records.keys() | new.keys()
                       if old.records.get(i) is not new.get(i)}
    # And back: removed records come again (their referrers become backlinks again).
    back, _ = update_catalog(updated, records, old.vocab)
    assert back.backlinks == old.backlinks
    assert back.referrers == old.referrers
    assert back.facets == old.facets
