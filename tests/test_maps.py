"""Map links: the query strings are urllib.parse.urlencode's."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from second_classroom.render.maps import _SOURCE, gcj02_to_bd09, map_links, wgs84_to_gcj02

_TEXT = st.text(st.sampled_from("红色旧址&=?+ #%/:;,'\"<>·，a1="), max_size=10)


def _reference(name: str, lat: float | None, lng: float | None, address: str,
               city: str) -> list[tuple[str, str]]:
    """The links as urlencode writes every key and value."""
    if lat is None or lng is None:
        query = f"{name} {address}".strip()
        return [
            ("高德地图", "https://uri.amap.com/search?" + urlencode(
                {"keyword": query, "city": city, "src": _SOURCE, "callnative": "1"})),
            ("百度地图", "https://api.map.baidu.com/place/search?" + urlencode(
                {"query": query, "region": city or "全国", "output": "html", "src": _SOURCE})),
            ("腾讯地图", "https://apis.map.qq.com/uri/v1/search?" + urlencode(
                {"keyword": query, "region": city or "全国", "referer": _SOURCE})),
        ]
    glat, glng = wgs84_to_gcj02(lat, lng)
    blat, blng = gcj02_to_bd09(glat, glng)
    return [
        ("高德地图", "https://uri.amap.com/marker?" + urlencode({
            "position": f"{glng:.6f},{glat:.6f}", "name": name, "src": _SOURCE,
            "coordinate": "gaode", "callnative": "1"})),
        ("百度地图", "https://api.map.baidu.com/marker?" + urlencode({
            "location": f"{blat:.6f},{blng:.6f}", "title": name, "content": address or name,
            "output": "html", "coord_type": "bd09ll", "src": _SOURCE})),
        ("腾讯地图", "https://apis.map.qq.com/uri/v1/marker?marker="
         + quote(f"coord:{glat:.6f},{glng:.6f};title:{name};addr:{address or name}",
                 safe=":,;") + f"&referer={_SOURCE}"),
    ]


@settings(max_examples=200, deadline=None)
@given(_TEXT, _TEXT, _TEXT, st.one_of(st.none(), st.tuples(
    st.floats(-60, 60, allow_nan=False), st.floats(-170, 170, allow_nan=False))))
def test_links_are_urlencode_s(name: str, address: str, city: str,
                               where: tuple[float, float] | None) -> None:
    lat, lng = where if where is not None else (None, None)
    links = map_links(name, lat, lng, address, city)
    assert [(link.app, link.url) for link in links] == _reference(name, lat, lng, address,
                                                                   city)
