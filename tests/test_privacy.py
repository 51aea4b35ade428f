"""Personal data is refused; the many numbers of a history text are not mistaken for it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from second_classroom.check import check_tree
from second_classroom.privacy import personal_data_in

FIXTURES = Path(__file__).parent / "fixtures" / "privacy"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_checksum(first17: str) -> str:
    """Return a resident ID number with its correct check character."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


@pytest.mark.parametrize(("text", "found"), [
    ("电话13812345678", [(2, "手机号码")]),
    ("手机：139 1234 5678。", [(3, "手机号码")]),
    ("+86 138-1234-5678", [(0, "手机号码")]),
    ("8613812345678", [(0, "手机号码")]),
    ("００８６１３８１２３４５６７８", [(0, "手机号码")]),  # full-width, as a Chinese IME types
    ("第13812345678号", [(1, "手机号码")]),
    ("身份证11010519491231002X。", [(3, "居民身份证号码")]),
    ("身份证11010519491231002x", [(3, "居民身份证号码")]),
])
def test_personal_data_is_found(text: str, found: list[tuple[int, str]]) -> None:
    assert personal_data_in(text) == found


@pytest.mark.parametrize("text", [
    "1921—1949年",
    "1937-1945年间",
    "1949 1978 2012",
    "（1893-1976）",
    "ISBN 978-7-01-023191-4",
    "ISBN：9787139123456",
    "978-7-5139-1234-5",
    "咨询电话 021-53832171",
    "(0771)2801234",
    "热线 400-810-1921",
    "0851-28222470",
    "http://www.qstheory.cn/dukan/qs/2021-05/16/c_13912345678.htm",
    "www.example.cn/13812345678.html",
    "0.13912345678",
    "档案号A13912345678",
    "138123456789",  # 12 digits: not a mobile number
    "110105194912310021",  # wrong check character
    "110105194913310028",  # month 13
])
def test_numbers_that_are_not_personal_data(text: str) -> None:
    assert personal_data_in(text) == []


@given(st.lists(st.tuples(st.integers(1840, 2100), st.integers(1840, 2100),
                          st.sampled_from(["-", "—", "～", " ", "至", "、"]),
                          st.sampled_from(["", "年", "年间", "，"])), min_size=1, max_size=6))
def test_year_ranges_never_trigger(ranges: list[tuple[int, int, str, str]]) -> None:
    text = "".join(f"{a}{sep}{b}{tail}" for a, b, sep, tail in ranges)
    assert personal_data_in(text) == []


@given(st.sampled_from(["010", "021", "0771", "0851", "0797"]),
       st.integers(2000000, 89999999), st.sampled_from(["-", " ", ""]))
def test_landline_numbers_never_trigger(area: str, number: int, sep: str) -> None:
    assert personal_data_in(f"咨询电话：{area}{sep}{number}") == []


@given(st.integers(3, 9), st.integers(0, 9), st.integers(0, 99999999),
       st.sampled_from(["", "-", " "]))
def test_every_mobile_number_is_found(second: int, third: int, rest: int, sep: str) -> None:
    digits = f"1{second}{third}{rest:08d}"
    text = f"联系{digits[:3]}{sep}{digits[3:7]}{sep}{digits[7:]}。"
    assert personal_data_in(text) == [(2, "手机号码")]


@given(st.integers(110000, 659999), st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)),
       st.integers(0, 999))
def test_every_valid_id_number_is_found(area: int, born: dt.date, serial: int) -> None:
    number = with_checksum(f"{area}{born:%Y%m%d}{serial:03d}")
    assert personal_data_in(f"证件{number}，") == [(2, "居民身份证号码")]


def test_check_reports_personal_data_at_file_line_col(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    result = check_tree(Path("."), dt.date(2026, 11, 25))
    # (not-personal.yml's bare `www.` address is another finding: see body-bare-link)
    got = [p.format() for p in result.problems if p.code == "personal-data"]
    want = (FIXTURES / "expected.txt").read_text("utf-8").splitlines()
    assert got == want
    assert not [line for line in got if "not-personal.yml" in line]
