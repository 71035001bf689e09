"""The portal's SQLite state: schema, connections, counters and the business date."""

from __future__ import annotations

import calendar
import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS staff (
    staff_id TEXT PRIMARY KEY, name TEXT NOT NULL, password TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, staff_id TEXT NOT NULL, created REAL NOT NULL,
    last_seen REAL NOT NULL, ended TEXT, notice_pending INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS drafts (
    token TEXT NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (token, kind));
CREATE TABLE IF NOT EXISTS numbers (
    number TEXT PRIMARY KEY, status TEXT NOT NULL DEFAULT 'free', holder TEXT);
CREATE TABLE IF NOT EXISTS cards (
    iccid TEXT PRIMARY KEY, status TEXT NOT NULL DEFAULT 'stock', holder TEXT);
CREATE TABLE IF NOT EXISTS addresses (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, district TEXT NOT NULL, street TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customers (
    customer_id TEXT PRIMARY KEY, name TEXT NOT NULL, id_type TEXT NOT NULL,
    id_number TEXT NOT NULL, phone TEXT, address TEXT, grp TEXT);
CREATE TABLE IF NOT EXISTS accounts (
    account_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS services (
    service_id TEXT PRIMARY KEY, kind TEXT NOT NULL, number TEXT NOT NULL, brand TEXT,
    plan TEXT, evdo INTEGER, account_id TEXT, customer_id TEXT, term_end TEXT, uim TEXT,
    imei TEXT, bandwidth TEXT, broadband_account TEXT, standard_address TEXT,
    install_address TEXT, order_no TEXT, attrs TEXT);
CREATE TABLE IF NOT EXISTS orders (
    order_no TEXT PRIMARY KEY, kind TEXT NOT NULL, staff_id TEXT NOT NULL, remark TEXT,
    time TEXT NOT NULL, status TEXT NOT NULL, customer_id TEXT, numbers TEXT);
CREATE TABLE IF NOT EXISTS fees (
    fee_id INTEGER PRIMARY KEY AUTOINCREMENT, order_no TEXT NOT NULL, line TEXT NOT NULL,
    original_amount REAL NOT NULL, final_amount REAL NOT NULL, lowered_by TEXT,
    lower_reason TEXT, collected INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS special_funds (
    serial_no TEXT PRIMARY KEY, access_number TEXT NOT NULL, fund_type TEXT NOT NULL,
    ledger TEXT NOT NULL, amount REAL NOT NULL, staff_id TEXT NOT NULL, time TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS approvals (
    approval_id INTEGER PRIMARY KEY AUTOINCREMENT, order_no TEXT NOT NULL,
    approver TEXT NOT NULL, code TEXT NOT NULL, staff_id TEXT NOT NULL, issued REAL NOT NULL,
    expires REAL NOT NULL, status TEXT NOT NULL, approved REAL,
    wrong INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS captchas (
    key TEXT PRIMARY KEY, code TEXT NOT NULL, issued REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0);
"""

TABLES = ("meta", "staff", "sessions", "drafts", "numbers", "cards", "addresses", "customers",
          "accounts", "services", "orders", "fees", "special_funds", "approvals", "captchas")


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


def drop_all(conn: sqlite3.Connection) -> None:
    with conn:
        for table in TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")


def get_meta(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row["value"] if row else default


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def next_counter(conn: sqlite3.Connection, name: str, start: int = 1) -> int:
    """Next value of a named counter; call inside the caller's transaction."""
    current = int(get_meta(conn, f"counter.{name}", str(start - 1)) or start - 1)
    set_meta(conn, f"counter.{name}", str(current + 1))
    return current + 1


def business_date(conn: sqlite3.Connection) -> date:
    return date.fromisoformat(get_meta(conn, "business_date") or date.today().isoformat())


def month_end(day: date, months_after: int = 0) -> date:
    """Last day of the month ``months_after`` months after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months_after
    year, month = divmod(index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def load_draft(conn: sqlite3.Connection, token: str, kind: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT data FROM drafts WHERE token = ? AND kind = ?", (token, kind)
    ).fetchone()
    return json.loads(row["data"]) if row else {}


def save_draft(conn: sqlite3.Connection, token: str, kind: str, data: dict[str, Any]) -> None:
    with conn:
        conn.execute(
            "INSERT OR REPLACE INTO drafts (token, kind, data) VALUES (?, ?, ?)",
            (token, kind, json.dumps(data, ensure_ascii=False)),
        )
