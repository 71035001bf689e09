"""The ledger in one SQLite file (WAL mode): any number of worker processes on one host.

A write transaction starts with ``BEGIN IMMEDIATE``, so it takes the file's one write lock
before it reads: two claimers can never pick the same row, and a busy file is waited on
(``busy_timeout``, ``?timeout=SECONDS`` in the URL, 30 s by default) rather than failed.

The file holds ID numbers and phone numbers: it is created 0600 (SQLite gives its ``-wal``
and ``-shm`` files the same mode) and the folders made for it 0700. How it is opened
depends on the command: ``create`` makes what is missing; ``write`` and ``read`` need the
file to exist, and ``read`` never writes to it. Whatever the driver says about the file
itself (read-only, locked, damaged, cannot open) becomes one ``LedgerUnusable`` line.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bots.ledger.errors import LedgerUnusable
from bots.ledger.sqlstore import Cursor, SqlStore
from bots.messages import t

TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f+00:00"  # fixed width, so text order is time order
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {col[0]: value for col, value in zip(cursor.description, row, strict=True)}


# the driver's primary result codes that say something about the file, not about our SQL
FILE_PROBLEMS: dict[int, Callable[[SqliteStore, sqlite3.Error], LedgerUnusable]] = {
    sqlite3.SQLITE_BUSY: lambda s, e: LedgerUnusable.locked(str(s.path), s.busy_seconds),
    sqlite3.SQLITE_LOCKED: lambda s, e: LedgerUnusable.locked(str(s.path), s.busy_seconds),
    sqlite3.SQLITE_READONLY: lambda s, e: LedgerUnusable.read_only(str(s.path)),
    sqlite3.SQLITE_PERM: lambda s, e: LedgerUnusable.read_only(str(s.path)),
    sqlite3.SQLITE_CORRUPT: lambda s, e: LedgerUnusable.damaged(str(s.path)),
    sqlite3.SQLITE_NOTADB: lambda s, e: LedgerUnusable.damaged(str(s.path)),
    # (SQLite's own words say only "unable to open database file")
    sqlite3.SQLITE_CANTOPEN: lambda s, e: LedgerUnusable.cannot_open(
        str(s.path), t("SQLite 打不开这个文件(它是一个文件夹,或所在的文件夹不存在或不可写)")
    ),
    sqlite3.SQLITE_FULL: lambda s, e: LedgerUnusable.disk(str(s.path), str(e)),
    sqlite3.SQLITE_IOERR: lambda s, e: LedgerUnusable.disk(str(s.path), str(e)),
}


def _writable(path: Path) -> bool:
    # WAL needs to create its -wal and -shm files next to the ledger
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _make(path: Path) -> None:
    """The ledger's folders (0700) and an empty file (0600), where missing."""
    for folder in reversed([path.parent, *path.parent.parents]):
        if not folder.exists():
            folder.mkdir(mode=FOLDER_MODE)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))


class SqliteStore(SqlStore):
    dialect = "sqlite"
    integrity_errors = (sqlite3.IntegrityError,)
    # without statistics SQLite prefers the (state, ...) index and sorts what it finds
    claim_index = " INDEXED BY work_items_claimable"
    path: Path
    busy_seconds: float

    def __init__(
        self,
        url: str,
        path: Path,
        *,
        mode: str = "create",
        busy_seconds: float = 30.0,
        **options: Any,
    ):
        super().__init__(url, **options)
        self.path = path
        self.busy_seconds = busy_seconds
        uri = self._uri(mode)
        with self._translated():
            # one connection may pass from thread to thread, never used by two at once: the
            # console opens it for a request in one thread of its pool and uses it in another
            self.conn = sqlite3.connect(
                uri, timeout=busy_seconds, uri=True, isolation_level=None, check_same_thread=False
            )
            try:
                self.conn.row_factory = _dict_row
                self.conn.execute(f"PRAGMA busy_timeout = {int(busy_seconds * 1000)}")
                if mode == "read":
                    self.conn.execute("PRAGMA query_only = ON")
                else:
                    self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA foreign_keys = ON")
            except sqlite3.Error:
                self.conn.close()
                raise

    def _uri(self, mode: str) -> str:
        path = self.path
        if mode == "create":
            with self._translated_os():
                _make(path)
        elif not path.exists():
            raise LedgerUnusable.missing(str(path))
        if mode != "read" and not _writable(path):
            raise LedgerUnusable.read_only(str(path))
        uri = f"file:{quote(str(path.absolute()))}"
        if mode != "read" or _writable(path):
            # to read, too: ``query_only`` keeps it from writing rows, and a connection
            # that may write tidies SQLite's -wal and -shm files away when it closes
            return uri + "?mode=rw"
        if not Path(f"{path}-wal").exists():
            # nobody can be writing it, and there is no WAL to replay: read the file as it
            # is, without making -wal/-shm files next to it
            return uri + "?mode=ro&immutable=1"
        return uri + "?mode=ro"

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as error:
            problem = FILE_PROBLEMS.get(error.sqlite_errorcode & 0xFF)
            if problem is None:
                raise
            raise problem(self, error) from error

    @contextmanager
    def _translated_os(self) -> Iterator[None]:
        try:
            yield
        except OSError as error:
            reason = error.strerror or str(error)
            raise LedgerUnusable.cannot_open(str(self.path), reason) from error

    @contextmanager
    def tx(self, write: bool = True) -> Iterator[Cursor]:
        with self._translated():
            raw = self.conn.cursor()
            raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield Cursor(raw, self)
            except BaseException:
                if self.conn.in_transaction:
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

    def json_text(self, column: str, *keys: str) -> str:
        return f"json_extract({column}, '$.{'.'.join(keys)}')"

    def _has_version_table(self, cur: Cursor) -> bool:
        row = cur.one(
            "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        )
        return row is not None
