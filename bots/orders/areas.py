"""Henan's telephone area codes, and broadband access numbers recognised by them.

The e9 procedures are province-wide (Henan Telecom), so an access number is the area code of
one of Henan's cities followed by the line. This module is the one list: the order checks,
the business rules and the flows (through ``fn.access_number_pattern()``) all read it. It
knows nothing of the portal beyond the shape of a number.
"""

from __future__ import annotations

import re

# Source: the Ministry of Industry and Information Technology's national long-distance area
# code table (国内长途电话区号表), Henan section. Jiyuan (济源) shares Jiaozuo's 0391.
HENAN_AREA_CODES: dict[str, str] = {
    "0370": "商丘",
    "0371": "郑州",
    "0372": "安阳",
    "0373": "新乡",
    "0374": "许昌",
    "0375": "平顶山",
    "0376": "信阳",
    "0377": "南阳",
    "0378": "开封",
    "0379": "洛阳",
    "0391": "焦作、济源",
    "0392": "鹤壁",
    "0393": "濮阳",
    "0394": "周口",
    "0395": "漯河",
    "0396": "驻马店",
    "0398": "三门峡",
}
# the line after the area code: 7 or 8 digits (the cities' local numbering differs)
LINE_DIGITS = (7, 8)

ACCESS_NUMBER_PATTERN = r"(?:{codes})\d{{{fewest},{most}}}".format(
    codes="|".join(sorted(HENAN_AREA_CODES)), fewest=LINE_DIGITS[0], most=LINE_DIGITS[1]
)
_ACCESS_NUMBER = re.compile(ACCESS_NUMBER_PATTERN)


def access_number_pattern() -> str:
    """The regular expression of a Henan broadband access number (no group, no anchors),
    for flows that pick one out of a page: ``(${{ fn.access_number_pattern() }})``."""
    return ACCESS_NUMBER_PATTERN


def is_henan_access_number(value: str) -> bool:
    """Whether ``value`` is exactly a Henan area code followed by a 7- or 8-digit line."""
    return _ACCESS_NUMBER.fullmatch(value) is not None


def area_of(value: str) -> str | None:
    """The city (or cities) of the access number's area code, or None outside Henan."""
    return HENAN_AREA_CODES.get(value[:4])
