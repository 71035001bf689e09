"""The ledger in PostgreSQL: many worker hosts share one queue.

Claims read with ``FOR UPDATE SKIP LOCKED`` inside one transaction, so concurrent claimers
pass over each other's rows instead of waiting or double-claiming; other changes lock
their row with ``FOR UPDATE``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import dict_row

from bots.errors import SetupError
from bots.ledger.errors import LedgerUnusable
from bots.ledger.mask import redact_url
from bots.ledger.sqlbase import Row
from bots.ledger.sqlstore import Cursor, SqlStore
from bots.messages import t

_UPGRADE_LOCK = 0x0B075_1ED6  # an advisory lock id only `bots db upgrade` takes
# what the server says about the ledger as a whole (not about our SQL), as one line
SERVER_PROBLEMS: dict[type[psycopg.Error], Callable[[str], LedgerUnusable]] = {
    psycopg.errors.ReadOnlySqlTransaction: LedgerUnusable.no_write_grant,
    psycopg.errors.InsufficientPrivilege: LedgerUnusable.no_write_grant,
}


@lru_cache(maxsize=512)
def _placeholders(text: str) -> str:
    return re.sub(r"\?", "%s", text.replace("%", "%%"))


class PostgresStore(SqlStore):
    dialect = "postgresql"
    lock_row = " FOR UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    integrity_errors = (psycopg.errors.UniqueViolation,)

    def __init__(self, url: str, **options: Any) -> None:
        super().__init__(url, **options)
        try:
            self.conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        except psycopg.OperationalError as error:
            reason = " ".join(str(error).split())  # the driver's message spans lines
            raise SetupError(
                t("连不上账本{url}:{reason}", url=redact_url(url), reason=reason)
            ) from error

    @contextmanager
    def tx(self, write: bool = True) -> Iterator[Cursor]:
        with self._translated(), self.conn.transaction(), self.conn.cursor() as raw:
            yield Cursor(raw, self)

    @contextmanager
    def statement(self) -> Iterator[Cursor]:
        # the connection is in autocommit: each statement is a transaction of its own
        with self._translated(), self.conn.cursor() as raw:
            yield Cursor(raw, self)

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except tuple(SERVER_PROBLEMS) as error:
            make = next(m for kind, m in SERVER_PROBLEMS.items() if isinstance(error, kind))
            raise make(redact_url(self.url)) from error

    def change_and_follow(
        self,
        cur: Cursor,
        change: str,
        change_params: Sequence[Any],
        follow: str,
        follow_params: Sequence[Any] = (),
    ) -> Row | None:
        # one statement, one round trip: the change and what follows it are data-modifying
        # parts of one WITH, which happen together or not at all
        return cur.one(
            f"WITH changed AS ({change} RETURNING *), followed AS ({follow})"
            " SELECT * FROM changed",
            *change_params, *follow_params,
        )  # fmt: skip

    def close(self) -> None:
        self.conn.close()

    def sql(self, text: str) -> str:
        return _placeholders(text)

    def insert_rows(
        self, raw: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        # COPY: an enqueue of 50,000 orders inserts some 400,000 rows (items, their history,
        # the values that must be distinct); row by row, the client's CPU would double
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def json_text(self, column: str, *keys: str) -> str:
        return f"({column} #>> '{{{','.join(keys)}}}')"

    def _lock_for_upgrade(self, cur: Cursor) -> None:
        cur.run("SELECT pg_advisory_xact_lock(?)", _UPGRADE_LOCK)

    def _has_version_table(self, cur: Cursor) -> bool:
        row = cur.one("SELECT to_regclass('schema_version') IS NOT NULL AS found")
        return bool(row and row["found"])
