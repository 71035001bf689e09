"""Customers found by their 证件号码: a new install for a customer the portal already has
uses that customer (once the name typed matches the one on record) instead of a second."""

from __future__ import annotations

import sqlite3
from typing import Any

NAME_MISMATCH = "该证件号码已登记,客户名称不符"
FOUND = "该证件号码已有客户资料,已选用该客户"


def by_id_number(conn: sqlite3.Connection, id_type: str, id_number: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT customer_id, name, id_type, id_number, phone, address, grp FROM customers"
        " WHERE id_type = ? AND id_number = ? ORDER BY customer_id LIMIT 1",
        (id_type, id_number),
    ).fetchone()
    return dict(row) if row else None


def chosen(conn: sqlite3.Connection, typed: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """The draft's customer for what the clerk typed, and the refusal if any: the record on
    file (its own contact data) when the ID number is known and the name matches."""
    known = by_id_number(conn, typed["id_type"], typed["id_number"])
    if known is None:
        return typed, None
    if known["name"] != typed["name"]:
        return typed, NAME_MISMATCH
    return {"customer_id": known["customer_id"], "name": known["name"],
            "id_type": known["id_type"], "id_number": known["id_number"],
            "phone": known["phone"] or "", "address": known["address"] or "",
            "group": known["grp"] or ""}, None
