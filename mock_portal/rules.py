"""Checks the portal applies to what clerks type (the messages are the portal's own)."""

from __future__ import annotations

import re

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
BROADBAND_ACCOUNT = re.compile(r"[a-z0-9]{6,20}")
PHONE = re.compile(r"1\d{10}|0\d{2,3}-?\d{7,8}|\d{7,8}")
AMOUNT = re.compile(r"\d{1,7}(\.\d{1,2})?")


def id_check_digit(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def valid_id_number(value: str) -> bool:
    """18-digit resident ID with its ISO 7064 check character."""
    return (
        len(value) == 18
        and value[:17].isdigit()
        and id_check_digit(value[:17]) == value[17].upper()
    )


def luhn_digit(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def valid_imei(value: str) -> bool:
    return len(value) == 15 and value.isdigit() and luhn_digit(value[:14]) == value[14]


def valid_phone(value: str) -> bool:
    return PHONE.fullmatch(value) is not None


def valid_broadband_account(value: str) -> bool:
    return BROADBAND_ACCOUNT.fullmatch(value) is not None


def parse_amount(value: str) -> float | None:
    """A non-negative yuan amount with at most two decimals, or None."""
    value = value.strip()
    return float(value) if AMOUNT.fullmatch(value) else None


def mask_id(value: str | None) -> str:
    """410105********1234: how read-only screens show ID numbers."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * (len(value) - 2)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def first_missing(fields: list[tuple[str, str]]) -> str | None:
    """The portal's "XX不能为空" for the first empty (label, value) pair."""
    for label, value in fields:
        if not value.strip():
            return f"{label}不能为空"
    return None
