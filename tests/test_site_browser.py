"""The sample site in real Chromium on a 390x844 phone: layout, map links, QR codes and
no third-party requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from conftest import REPO, assert_fits_phone, open_recording
from PIL import Image

from second_classroom.catalog import Catalog
from second_classroom.render.maps import gcj02_to_bd09, wgs84_to_gcj02

PAGES = {"home": "", "listing": "sites/", "province": "province/广西壮族自治区/"}


def _located_site(catalog: Catalog) -> Any:
    located = [s for s in catalog.by_kind["sites"] if "location" in s.data]
    assert located, "the sample data should hold at least one site with verified coordinates"
    return located[0]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_fit_a_phone_and_load_only_from_the_site(name: str, phone: Any, site_url: str,
                                                       artifacts: Path) -> None:
    requested = open_recording(phone, site_url + PAGES[name])
    assert_fits_phone(phone)
    assert [u for u in requested if not u.startswith(site_url)] == []
    phone.screenshot(path=str(artifacts / f"site-{name}.png"), full_page=True)


@pytest.mark.parametrize("kind", ["people", "relics", "readings", "outlines", "routes"])
def test_record_pages_of_every_kind_fit_a_phone(kind: str, phone: Any, site_url: str,
                                                catalog: Catalog, artifacts: Path) -> None:
    # The longest title is the likeliest to push the layout wider than the screen.
    record = max(catalog.by_kind[kind], key=lambda r: len(r.title))
    open_recording(phone, site_url + record.url)
    assert_fits_phone(phone)
    phone.screenshot(path=str(artifacts / f"record-{kind}.png"), full_page=True)


def test_site_page_fits_and_navigation_links_carry_converted_coordinates(
        phone: Any, site_url: str, catalog: Catalog, artifacts: Path) -> None:
    site = _located_site(catalog)
    requested = open_recording(phone, site_url + site.url)
    assert_fits_phone(phone)
    assert [u for u in requested if not u.startswith(site_url)] == []
    phone.screenshot(path=str(artifacts / "site-record.png"), full_page=True)

    lat, lng = site.data["location"]["lat"], site.data["location"]["lng"]
    glat, glng = wgs84_to_gcj02(lat, lng)
    blat, blng = gcj02_to_bd09(glat, glng)
    links = {a.get_attribute("data-map"): a.get_attribute("href")
             for a in phone.locator(".sc-nav a").all()}
    assert set(links) == {"高德地图", "百度地图", "腾讯地图"}
    amap = parse_qs(urlsplit(links["高德地图"]).query)
    assert amap["position"] == [f"{glng:.6f},{glat:.6f}"]
    baidu = parse_qs(urlsplit(links["百度地图"]).query)
    assert baidu["location"] == [f"{blat:.6f},{blng:.6f}"]
    assert f"coord:{glat:.6f},{glng:.6f}" in parse_qs(urlsplit(links["腾讯地图"]).query)["marker"][0]
    # The nav buttons are big enough to tap.
    for box in (a.bounding_box() for a in phone.locator(".sc-nav a").all()):
        assert box is not None and box["height"] >= 44


def test_qr_code_decodes_to_the_page_url(phone: Any, site_url: str, catalog: Catalog,
                                         artifacts: Path, built_site: Path) -> None:
    import yaml

    base = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))["site_url"]
    for site in catalog.by_kind["sites"][:3]:
        open_recording(phone, site_url + site.url)
        shot = artifacts / f"qr-{site.id}.png"
        phone.locator(".sc-qr svg").screenshot(path=str(shot))
        decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(shot))]
        assert decoded == [base.rstrip("/") + "/" + site.url + "?at=qr"]  # check-in mode


def test_poster_is_printable_and_its_qr_decodes(phone: Any, site_url: str, catalog: Catalog,
                                                artifacts: Path) -> None:
    import yaml

    base = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))["site_url"]
    site = catalog.by_kind["sites"][0]
    requested = open_recording(phone, site_url + site.url + "poster.html")
    assert [u for u in requested if not u.startswith(site_url)] == []
    shot = artifacts / "poster-qr.png"
    phone.locator(".qr svg").screenshot(path=str(shot))
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(shot))] == [
        base.rstrip("/") + "/" + site.url + "?at=qr"]
    pdf = phone.pdf(format="A4")
    (artifacts / "poster.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
