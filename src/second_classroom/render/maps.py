"""Map deep links for 高德, 百度 and 腾讯, with the coordinate system each one expects.

Records hold WGS-84 (GPS) coordinates. 高德 and 腾讯 expect GCJ-02, 百度 expects BD-09;
handing them WGS-84 puts the pin a few hundred metres off inside China.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323
_SOURCE = "second-classroom"


def _outside_china(lat: float, lng: float) -> bool:
    return not (0.8293 <= lat <= 55.8271 and 72.004 <= lng <= 137.8347)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """Return (lat, lng) in GCJ-02 for a WGS-84 point (unchanged outside China)."""
    if _outside_china(lat, lng):
        return lat, lng
    dlat = _transform_lat(lng - 105.0, lat - 35.0)
    dlng = _transform_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lat + dlat, lng + dlng


def gcj02_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    """Return (lat, lng) in BD-09 for a GCJ-02 point."""
    x_pi = math.pi * 3000.0 / 180.0
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * x_pi)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


@dataclass(frozen=True)
class MapLink:
    """One navigation link: the app's Chinese name and the URL to open."""

    app: str
    url: str


def _query(values: tuple[tuple[str, str], ...], constants: tuple[tuple[str, str], ...]
           ) -> str:
    """Return the pairs `values` and then `constants` as urllib.parse.urlencode writes
    them. Only the values are quoted: the keys and constants are ones quote_plus leaves as
    they are (tests/test_maps.py), and quoting them took a tenth of a site page's render."""
    return "&".join([f"{key}={quote_plus(value)}" for key, value in values]
                    + [f"{key}={value}" for key, value in constants])


def map_links(name: str, lat: float | None = None, lng: float | None = None,
              address: str = "", city: str = "") -> list[MapLink]:
    """Return 高德, 百度 and 腾讯 links to a place: a pin when located, else a search."""
    if lat is None or lng is None:
        query = f"{name} {address}".strip()
        return [
            MapLink("高德地图", "https://uri.amap.com/search?" + _query(
                (("keyword", query), ("city", city)), (("src", _SOURCE), ("callnative", "1")))),
            MapLink("百度地图", "https://api.map.baidu.com/place/search?" + _query(
                (("query", query), ("region", city or "全国")),
                (("output", "html"), ("src", _SOURCE)))),
            MapLink("腾讯地图", "https://apis.map.qq.com/uri/v1/search?" + _query(
                (("keyword", query), ("region", city or "全国")), (("referer", _SOURCE),))),
        ]
    glat, glng = wgs84_to_gcj02(lat, lng)
    blat, blng = gcj02_to_bd09(glat, glng)
    return [
        MapLink("高德地图", "https://uri.amap.com/marker?" + _query(
            (("position", f"{glng:.6f},{glat:.6f}"), ("name", name)),
            (("src", _SOURCE), ("coordinate", "gaode"), ("callnative", "1")))),
        MapLink("百度地图", "https://api.map.baidu.com/marker?" + _query(
            (("location", f"{blat:.6f},{blng:.6f}"), ("title", name),
             ("content", address or name)),
            (("output", "html"), ("coord_type", "bd09ll"), ("src", _SOURCE)))),
        MapLink("腾讯地图", "https://apis.map.qq.com/uri/v1/marker?marker="
                + quote(f"coord:{glat:.6f},{glng:.6f};title:{name};addr:{address or name}",
                        safe=":,;") + f"&referer={_SOURCE}"),
    ]
