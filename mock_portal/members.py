"""The mobile package member, shared by the 新装 and 加装 wizards: checks and reservations."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from mock_portal.rules import first_missing, parse_amount, valid_imei

NUMBER_TAKEN = "号码已被占用"
MOBILE_NUMBER = re.compile(r"1\d{10}")
CARD_UNAVAILABLE = "该卡不在库存中或已使用"
REMARK_LIMIT = 200  # characters the 备注 field holds


def number_error(conn: sqlite3.Connection, token: str, number: str) -> str | None:
    row = conn.execute("SELECT status, holder FROM numbers WHERE number = ?", (number,)).fetchone()
    if row is None:
        return "号码不存在"
    if row["status"] == "used" or (row["status"] == "reserved" and row["holder"] != token):
        return NUMBER_TAKEN
    return None


def unavailable(conn: sqlite3.Connection, number: str) -> str | None:
    """Why the 选号 search for a whole mobile number finds nothing, when that is final: the
    number is used by another order, or the pool has no such number. None otherwise (a
    partial prefix, or a number another live session holds: it may come free again)."""
    if not MOBILE_NUMBER.fullmatch(number):
        return None
    row = conn.execute("SELECT status FROM numbers WHERE number = ?", (number,)).fetchone()
    if row is None or row["status"] == "used":
        return f"号码{number}已被占用或不存在"
    return None


def card_error(conn: sqlite3.Connection, token: str, iccid: str) -> str | None:
    row = conn.execute("SELECT status, holder FROM cards WHERE iccid = ?", (iccid,)).fetchone()
    if row is None or row["status"] == "used" or (
            row["status"] == "reserved" and row["holder"] != token):
        return CARD_UNAVAILABLE
    return None


def mobile_form(form: dict[str, str], with_prepaid: bool, evdo_offered: bool) -> dict[str, Any]:
    """The mobile member's fields; EVDO only counts when the portal offers the box."""
    data: dict[str, Any] = {
        "number": form.get("mobile_number", "").strip(),
        "uim": form.get("uim", "").strip(),
        "remark": form.get("remark", "").strip(),
        "evdo": evdo_offered and form.get("evdo") == "1",
    }
    if with_prepaid:
        data["prepaid"] = form.get("prepaid_amount", "").strip()
    return data


def mobile_error(conn: sqlite3.Connection, token: str, data: dict[str, Any]) -> str | None:
    missing = first_missing([("手机号码", data["number"]), ("UIM卡号", data["uim"])])
    if missing:
        return missing
    if len(data["remark"]) > REMARK_LIMIT:
        return f"备注不能超过{REMARK_LIMIT}个字"
    error = number_error(conn, token, data["number"]) or card_error(conn, token, data["uim"])
    if error:
        return error
    return prepaid_error(data.get("prepaid", ""))


def prepaid_error(value: str) -> str | None:
    if value and parse_amount(value) is None:
        return "预存金额格式不正确"
    return None


def device_error(imei: str) -> str | None:
    if not imei:
        return "串号不能为空"
    if not valid_imei(imei):
        return "串号无效"
    return None


def reserve(conn: sqlite3.Connection, token: str, number: str, iccid: str) -> str | None:
    """Take the number and the card for this session at 保存; the loser of a race is told."""
    with conn:
        taken = conn.execute(
            "UPDATE numbers SET status = 'reserved', holder = ? WHERE number = ?"
            " AND (status = 'free' OR (status = 'reserved' AND holder = ?))",
            (token, number, token),
        ).rowcount
        if not taken:
            return NUMBER_TAKEN
        got_card = conn.execute(
            "UPDATE cards SET status = 'reserved', holder = ? WHERE iccid = ?"
            " AND (status = 'stock' OR (status = 'reserved' AND holder = ?))",
            (token, iccid, token),
        ).rowcount
        if not got_card:
            conn.rollback()
            return CARD_UNAVAILABLE
    return None


def release(conn: sqlite3.Connection, token: str) -> None:
    """A fresh wizard gives back what an abandoned one reserved — its own, and what the
    drafts of ended sessions (expired, logged in elsewhere, logged out) still held: their
    drafts are gone, so nothing could ever use or free those numbers and cards again."""
    dead = ("holder = ? OR holder IN (SELECT token FROM sessions WHERE ended IS NOT NULL)"
            " OR holder NOT IN (SELECT token FROM sessions)")
    with conn:
        conn.execute(
            "UPDATE numbers SET status = 'free', holder = NULL"
            f" WHERE status = 'reserved' AND ({dead})", (token,))
        conn.execute(
            "UPDATE cards SET status = 'stock', holder = NULL"
            f" WHERE status = 'reserved' AND ({dead})", (token,))


def mark_used(conn: sqlite3.Connection, number: str, iccid: str) -> None:
    conn.execute("UPDATE numbers SET status = 'used' WHERE number = ?", (number,))
    conn.execute("UPDATE cards SET status = 'used' WHERE iccid = ?", (iccid,))
