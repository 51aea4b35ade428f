"""Rendering helpers: map coordinate systems, numbering, page URLs."""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from second_classroom.render import Page, cn_number, facet_url
from second_classroom.render.maps import gcj02_to_bd09, map_links, wgs84_to_gcj02


def test_wgs84_to_gcj02_matches_reference_values() -> None:
    # Reference pair published with the widely used coordtransform library.
    lat, lng = wgs84_to_gcj02(39.915, 116.404)
    assert lat == pytest.approx(39.91640428150164, abs=1e-9)
    assert lng == pytest.approx(116.41024449916938, abs=1e-9)


def test_gcj02_to_bd09_matches_reference_values() -> None:
    lat, lng = gcj02_to_bd09(39.915, 116.404)
    assert lat == pytest.approx(39.92133699351021, abs=1e-9)
    assert lng == pytest.approx(116.41036949371029, abs=1e-9)


def test_outside_china_is_not_shifted() -> None:
    assert wgs84_to_gcj02(48.8566, 2.3522) == (48.8566, 2.3522)


def test_map_links_pin_each_app_in_its_own_coordinate_system() -> None:
    amap, baidu, tencent = map_links("中共一大纪念馆", 31.2190, 121.4700, "黄陂南路374号")
    glat, glng = wgs84_to_gcj02(31.2190, 121.4700)
    blat, blng = gcj02_to_bd09(glat, glng)
    q = parse_qs(urlsplit(amap.url).query)
    assert q["position"] == [f"{glng:.6f},{glat:.6f}"] and q["coordinate"] == ["gaode"]
    assert q["name"] == ["中共一大纪念馆"]
    q = parse_qs(urlsplit(baidu.url).query)
    assert q["location"] == [f"{blat:.6f},{blng:.6f}"] and q["coord_type"] == ["bd09ll"]
    q = parse_qs(urlsplit(tencent.url).query)
    assert q["marker"][0].startswith(f"coord:{glat:.6f},{glng:.6f};title:中共一大纪念馆")
    assert [link.app for link in (amap, baidu, tencent)] == ["高德地图", "百度地图", "腾讯地图"]


def test_map_links_without_coordinates_search_by_name() -> None:
    links = map_links("遵义会议会址", address="子尹路96号", city="遵义市")
    assert all("search" in link.url for link in links)
    assert parse_qs(urlsplit(links[0].url).query)["keyword"] == ["遵义会议会址 子尹路96号"]


@pytest.mark.parametrize(("n", "text"), [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"),
                                         (23, "二十三"), (99, "九十九")])
def test_cn_number(n: int, text: str) -> None:
    assert cn_number(n) == text


@pytest.mark.parametrize(("uri", "url"), [("index.md", ""), ("sites/index.md", "sites/"),
                                          ("sites/x.md", "sites/x/"),
                                          ("theme/长征/2.md", "theme/长征/2/")])
def test_page_url(uri: str, url: str) -> None:
    assert Page(uri, "t", "").url == url


def test_facet_url_is_percent_encoded() -> None:
    assert facet_url("theme", "长征") == "theme/%E9%95%BF%E5%BE%81/"
    assert facet_url("theme", "长征", 3) == "theme/%E9%95%BF%E5%BE%81/3/"


def test_front_matter_is_valid_yaml_for_any_title() -> None:
    import yaml

    page = Page("x.md", 'a: "b" # c', "<p>x</p>", "d\ne")
    front = page.as_markdown().split("---")[1]
    assert yaml.safe_load(front) == {"title": 'a: "b" # c', "description": "d\ne"}


def test_qr_codes_encoded_ahead_in_a_worker_match_inline_ones(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from second_classroom.render import qr

    items = [(f"https://example.invalid/sites/s-{i}/", f"旧址 {i}") for i in range(30)]
    inline = [qr.qr_svg(url, title) for url, title in items]
    qr.finish()
    monkeypatch.setattr(qr, "_AHEAD_MIN", 1)
    monkeypatch.setattr(qr, "_BATCH", 7)
    qr.encode_ahead(items)
    try:
        def encode_here(url: str, title: str) -> str:
            raise AssertionError("encoded in this process, not by the worker")

        monkeypatch.setattr(qr, "_encode", encode_here)  # really handed to the worker
        # Each batch goes to the spool (on disk) as it comes in, not waiting in memory
        # until its page asks for it.
        deadline = time.monotonic() + 60
        while qr._pending and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not qr._pending and len(qr._done) == len(items)
        assert [qr.qr_svg(url, title) for url, title in items] == inline
    finally:
        qr.finish()
    assert 'viewBox="0 0' in inline[0] and "width=" not in inline[0].split(">")[0]


def test_a_running_qr_worker_takes_a_few_more_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fewer codes than `_AHEAD_MIN` start no worker; once one runs (the records a check
    read first), it takes them too (the rest of the check's records)."""
    from second_classroom.render import qr

    qr.finish()
    monkeypatch.setattr(qr, "_AHEAD_MIN", 20)
    items = [(f"https://example.invalid/sites/w-{i}/", f"旧址 {i}") for i in range(30)]
    try:
        qr.encode_ahead(items[25:])  # 5: too few to start one
        assert qr._pool is None and not qr._pending
        qr.encode_ahead(items[:25])
        assert qr._pool is not None
        qr.encode_ahead(items)  # 5 more, to the worker running
        assert all(key in qr._pending or f"{key[0]}\n{key[1]}" in qr._done for key in items)
        qr.settle()
        assert len(qr._done) >= len(items)
    finally:
        qr.finish()


def test_qr_codes_are_segnos_byte_for_byte() -> None:
    """The fast encoder (a blank code per version with the 1 bits flipped, SVG written
    here) gives exactly what segno.make_qr(...).save(kind="svg") gives: page addresses,
    every version 1–40, the three data modes, titles that need escaping, no title."""
    import random

    import segno

    from second_classroom.render import qr

    rng = random.Random(16)
    items = [(f"https://second-classroom.example/sites/site-{i:05d}/?at=qr",
              f"纪念馆{i} 页面二维码") for i in range(40)]
    items += [("".join(rng.choice("abz/-_.?=09AZ中文") for _ in range(rng.randint(1, 200))),
               rng.choice(["", 'a<b>&"c\'', "标题"])) for _ in range(120)]
    items += [("1234567890" * k, "") for k in (1, 7)] + [("HELLO WORLD 42", "t")]
    items += [("https://x.example/" + "ab/-_0" * n, "t") for n in range(20, 380, 4)]
    versions = set()
    for url, title in items:
        versions.add(segno.make_qr(url, error="m", mask=qr._MASK).version)
        assert qr._encode(url, title) == qr._encode_segno(url, title), (url, title)
    assert versions >= set(range(1, 41))
    m = tuple(bytearray(row) for row in qr._matrix("x"))
    m[0][0] = 0  # segno's writer starts with an empty run before a light first module
    out = io.BytesIO()
    segno.writers.write_svg(m, (len(m), len(m)), out, border=4, xmldecl=False, omitsize=True,
                            title="t", svgclass="qr", lineclass=None, dark="#000",
                            light="#fff")
    assert qr._svg(m, "t") == out.getvalue().decode("utf-8")


def test_qr_error_correction_is_segnos_for_every_version_and_level() -> None:
    import random

    from segno import consts, encoder

    from second_classroom.render import qr

    rng = random.Random(16)
    for version in range(1, 41):
        for level in (consts.ERROR_LEVEL_L, consts.ERROR_LEVEL_M, consts.ERROR_LEVEL_Q,
                      consts.ERROR_LEVEL_H):
            infos = consts.ECC[version][level]
            data = [rng.randrange(256) for _ in range(sum(i.num_data * i.num_blocks
                                                          for i in infos))]
            data[:3] = [0, 0, 255]  # a zero feedback byte too
            buff = encoder.Buffer()
            for byte in data:
                buff.append_bits(byte, 8)
            assert qr._blocks(infos, data) == encoder.make_blocks(infos, buff), (version, level)


def test_qr_codes_started_from_the_checked_records_are_the_catalog_s(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The build starts encoding the QR codes as soon as the records pass the check
    (before the catalog is built): the same codes, in the same order, as from the
    catalog; drafts (never published) left out."""
    from dataclasses import replace as replaced

    from conftest import REPO

    from second_classroom import render
    from second_classroom.catalog import build_catalog
    from second_classroom.check import check_tree
    from second_classroom.render import RenderOptions, qr

    result = check_tree(REPO / "site_data")
    records = list(result.records)
    site = next(i for i, r in enumerate(records) if r.spec.qr)
    records[site] = replaced(records[site], data={**records[site].data, "draft": True})
    records.reverse()  # not in the catalog's order
    started: list[list[tuple[str, str]]] = []
    monkeypatch.setattr(qr, "encode_ahead", started.append)
    url = "https://second-classroom.example/"
    render.encode_checked_codes_ahead(records, url)
    render.encode_codes_ahead(build_catalog(records, result.vocab), RenderOptions(site_url=url))
    early, late = started
    assert early == late and len(early) > 10
    assert not any(records[-1 - site].url in address for address, _ in early)
