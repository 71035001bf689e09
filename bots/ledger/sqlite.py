"""The ledger in one SQLite file (WAL mode): any number of worker processes on one host.

A write transaction starts with ``BEGIN IMMEDIATE``, so it takes the file's one write lock
before it reads: two claimers can never pick the same row, and a busy file is waited on
(``busy_timeout``) rather than failed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bots.ledger.sqlstore import Cursor, SqlStore

TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f+00:00"  # fixed width, so text order is time order


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {col[0]: value for col, value in zip(cursor.description, row, strict=True)}


class SqliteStore(SqlStore):
    dialect = "sqlite"
    integrity_errors = (sqlite3.IntegrityError,)

    def __init__(self, url: str, path: Path, *, busy_seconds: float = 30.0, **options: Any):
        super().__init__(url, **options)
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, timeout=busy_seconds, isolation_level=None)
        self.conn.row_factory = _dict_row
        self.conn.execute(f"PRAGMA busy_timeout = {int(busy_seconds * 1000)}")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA foreign_keys = ON")

    @contextmanager
    def tx(self, write: bool = True) -> Iterator[Cursor]:
        raw = self.conn.cursor()
        raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield Cursor(raw, self)
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        raw.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    def to_db(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime(TIME_FORMAT)
        return value

    def _load_time(self, value: Any) -> datetime:
        return datetime.fromisoformat(value)

    def _has_version_table(self, cur: Cursor) -> bool:
        row = cur.one(
            "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        )
        return row is not None
