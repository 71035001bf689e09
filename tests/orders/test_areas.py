"""Henan's area codes: the one list, and access numbers recognised by it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bots.flow.expressions import evaluate
from bots.flow.functions import FUNCTIONS
from bots.orders import areas

CITIES = {  # every prefecture-level city of Henan, and Jiyuan
    "郑州": "0371", "开封": "0378", "洛阳": "0379", "平顶山": "0375", "安阳": "0372",
    "鹤壁": "0392", "新乡": "0373", "焦作": "0391", "濮阳": "0393", "许昌": "0374",
    "漯河": "0395", "三门峡": "0398", "南阳": "0377", "商丘": "0370", "信阳": "0376",
    "周口": "0394", "驻马店": "0396", "济源": "0391",
}


def test_every_city_of_henan_has_its_code_in_the_list() -> None:
    for city, code in CITIES.items():
        assert city in areas.HENAN_AREA_CODES[code]
    assert set(areas.HENAN_AREA_CODES) == set(CITIES.values())


@pytest.mark.parametrize("code", sorted(set(CITIES.values())))
def test_access_numbers_of_every_henan_code_are_recognised(code: str) -> None:
    assert areas.is_henan_access_number(f"{code}60010001")  # an 8-digit line
    assert areas.is_henan_access_number(f"{code}6001000")  # a 7-digit line
    assert not areas.is_henan_access_number(f"{code}600100")
    assert not areas.is_henan_access_number(f"{code}600100011")


@pytest.mark.parametrize("number", ["010600100011", "02160010001", "038060010001",
                                    "039760010001", "37160010001", "0371-60010001"])
def test_other_numbers_are_not(number: str) -> None:
    assert not areas.is_henan_access_number(number)


def test_area_of_names_the_city() -> None:
    assert areas.area_of("037960010001") == "洛阳"
    assert areas.area_of("039160010001") == "焦作、济源"
    assert areas.area_of("010600100011") is None


def test_flows_get_the_pattern_from_the_same_list() -> None:
    pattern = evaluate("${{ fn.access_number_pattern() }}", {"fn": FUNCTIONS})
    assert pattern == areas.ACCESS_NUMBER_PATTERN
    text = "037970000001 / 18937100001"  # the fee page's 接入号码
    assert re.search(rf"\b({pattern})\b", text).group(1) == "037970000001"  # type: ignore[union-attr]
    assert re.search(rf"\b({pattern})\b", "18903711234567 / 0x") is None


def test_no_area_code_is_written_into_flows_or_selectors() -> None:
    root = Path(__file__).resolve().parents[2]
    files = sorted((root / "flows").glob("*.yaml")) + sorted((root / "selectors").glob("*.yaml"))
    assert len(files) > 10
    found = [f"{f.relative_to(root)}:{n}" for f in files
             for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1)
             if any(code in line for code in areas.HENAN_AREA_CODES)]
    assert found == []
