"""The ledger over any DB-API connection: the part every query shares.

A backend (``bots.ledger.sqlite``, ``bots.ledger.postgres``) supplies the connection, the
transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL ``BEGIN``), the row-locking suffixes
(``FOR UPDATE [SKIP LOCKED]`` on PostgreSQL, nothing on SQLite where the transaction already
holds the one write lock) and how it spells placeholders and timestamps. The verbs live in
``bots.ledger.leases`` (a worker's) and ``bots.ledger.operations`` (enqueue and an
operator's); ``SqlStore`` is all of them together.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Self

from bots.ledger import schema
from bots.ledger.errors import NotFound, SchemaOutOfDate
from bots.ledger.mask import redact_url
from bots.ledger.model import Backoff, HistoryEntry, Reject, State, WorkItem, utcnow
from bots.messages import t

Row = dict[str, Any]
Validator = Callable[[dict[str, Any]], Mapping[str, Any]]

_ITEM_FIELDS = [f.name for f in fields(WorkItem)]
_HISTORY_FIELDS = [f.name for f in fields(HistoryEntry)]
_JSON = {"payload", "outputs", "error_context", "changes", "data", "step_names"}
_TIMES = {
    "lease_expires_at", "heartbeat_at", "next_attempt_at", "created_at", "updated_at",
    "finished_at", "started_at", "applied_at", "reviewed_at", "seen_at", "expires_at",
    "s_created", "u_created_at", "u_updated_at", "stopped_at", "first_enqueued", "last_change",
    "asked_at", "answered_at", "first_attempt",
}  # fmt: skip


class Cursor:
    """The little of DB-API the store uses, with the backend's placeholder and value rules."""

    def __init__(self, raw: Any, store: SqlBase) -> None:
        self.raw = raw
        self.store = store

    def run(self, sql: str, *params: Any) -> int:
        self.raw.execute(self.store.sql(sql), tuple(self.store.to_db(p) for p in params))
        return int(self.raw.rowcount)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert many rows at once, the backend's fastest way (``insert_rows``)."""
        if rows:
            self.store.insert_rows(self.raw, table, columns, rows)

    def one(self, sql: str, *params: Any) -> Row | None:
        self.run(sql, *params)
        row = self.raw.fetchone()
        return None if row is None else self.store.from_db(row)

    def all(self, sql: str, *params: Any) -> list[Row]:
        self.run(sql, *params)
        return [self.store.from_db(row) for row in self.raw.fetchall()]


class SqlBase:
    dialect: ClassVar[str]
    lock_row: ClassVar[str] = ""
    skip_locked: ClassVar[str] = ""
    claim_index: ClassVar[str] = ""  # how a backend's planner is told to read claim order
    integrity_errors: ClassVar[tuple[type[Exception], ...]] = ()

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], datetime] = utcnow,
        backoff: Backoff | None = None,
        max_attempts: int = 3,
        lease_seconds: float = 300.0,
        max_expiries: int = 5,
    ) -> None:
        self.url = url
        self.clock = clock
        self.backoff = backoff or Backoff()
        self.max_attempts = max_attempts
        self.max_expiries = max_expiries
        self.lease = timedelta(seconds=lease_seconds)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- what a backend provides -------------------------------------------------------
    def tx(self, write: bool = True) -> AbstractContextManager[Cursor]:
        raise NotImplementedError

    def statement(self) -> AbstractContextManager[Cursor]:
        """A cursor for writes that need no lock held between them (the default: a write
        transaction). PostgreSQL sends each statement on its own, one round trip, instead of
        BEGIN, the statement and COMMIT: three round trips, each a wait for the server."""
        return self.tx()

    def close(self) -> None:
        raise NotImplementedError

    def sql(self, text: str) -> str:
        return text

    def to_db(self, value: Any) -> Any:
        return value

    def _load_time(self, value: Any) -> datetime:
        return value

    def _has_version_table(self, cur: Cursor) -> bool:
        raise NotImplementedError

    def insert_rows(
        self, raw: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """One ``INSERT`` run for every row (PostgreSQL copies instead)."""
        marks = ", ".join("?" * len(columns))
        sql = self.sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})")
        raw.executemany(sql, [tuple(self.to_db(value) for value in row) for row in rows])

    def change_and_follow(
        self,
        cur: Cursor,
        change: str,
        change_params: Sequence[Any],
        follow: str,
        follow_params: Sequence[Any] = (),
    ) -> Row | None:
        """Run ``change`` (an ``UPDATE work_items`` of at most one row) and, if it changed a
        row, ``follow``, a statement that reads that row, as it is now, as ``changed``.
        Returns the row as it is now, or None. Here two statements in ``cur``'s
        transaction; PostgreSQL makes them one (``postgres.py``)."""
        row = cur.one(f"{change} RETURNING *", *change_params)
        if row is not None:
            with_changed = "WITH changed AS (SELECT * FROM work_items WHERE id = ?) "
            cur.run(with_changed + follow, row["id"], *follow_params)
        return row

    def _lock_for_upgrade(self, cur: Cursor) -> None:
        """Stop two processes from migrating at once (SQLite: the write lock already does)."""

    def _lock_for_enqueue(self, cur: Cursor) -> None:
        """Let one enqueue at a time look for its references and insert them, so one that
        differs only in letter case (the unique key would not stop it) is seen by the next
        (SQLite: the write lock already does)."""

    def from_db(self, row: Row) -> Row:
        out = dict(row)
        for key, value in out.items():
            if value is None:
                continue
            if key in _JSON and isinstance(value, str):
                out[key] = json.loads(value)
            elif key in _TIMES:
                out[key] = self._load_time(value).astimezone(UTC)
        return out

    # --- schema -------------------------------------------------------------------------
    def version(self) -> int:
        with self.tx(write=False) as cur:
            return self._version(cur)

    def _version(self, cur: Cursor) -> int:
        if not self._has_version_table(cur):
            return 0
        row = cur.one("SELECT MAX(version) AS v FROM schema_version")
        return int(row["v"] or 0) if row else 0

    def migrations(self) -> list[Row]:
        with self.tx(write=False) as cur:
            if not self._has_version_table(cur):
                return []
            return cur.all("SELECT * FROM schema_version ORDER BY version")

    def upgrade(self) -> int:
        """Apply the pending migrations in one transaction; return the version reached."""
        with self.tx() as cur:
            self._lock_for_upgrade(cur)
            cur.run(schema.VERSION_TABLE.format(**schema.TYPES[self.dialect]))
            current = self._version(cur)
            self._refuse_newer(current)
            for version, description, migration in schema.MIGRATIONS:
                if version <= current:
                    continue
                for statement in schema.statements(self.dialect, migration):
                    cur.run(statement)
                cur.run(
                    "INSERT INTO schema_version (version, description, applied_at)"
                    " VALUES (?, ?, ?)",
                    version, description, self.clock(),
                )  # fmt: skip
            return self._version(cur)

    def _refuse_newer(self, current: int) -> None:
        if current > schema.LATEST:
            raise SchemaOutOfDate(
                t(
                    "账本{url}的结构版本是{version},比这个 bots 认识的({latest})新:"
                    "在这台机器上升级 bots",
                    url=redact_url(self.url),
                    version=current,
                    latest=schema.LATEST,
                )
            )

    def require_current(self) -> None:
        current = self.version()
        self._refuse_newer(current)
        if current < schema.LATEST:
            shown = redact_url(self.url)
            raise SchemaOutOfDate(
                t(
                    "账本{url}的结构版本是{version},这个 bots 需要{latest}:"
                    "运行 `bots db upgrade --db {url}`",
                    url=shown,
                    version=current,
                    latest=schema.LATEST,
                )
            )

    def check_writable(self) -> None:
        """Raise the backend's one-line error now if the ledger cannot take writes (a
        read-only file or server, a lock held elsewhere): better before a worker logs in
        or an enqueue reads its files than at the first write."""
        with self.tx() as cur:
            cur.run("UPDATE work_items SET priority = priority WHERE 1 = 0")

    def _note(
        self, cur: Cursor, ref: str, kind: str, actor: str | None, now: datetime, **extra: Any
    ) -> None:
        columns = ["reference", "kind", "actor", "started_at", "finished_at", *extra]
        values = [ref, kind, actor, now, now, *extra.values()]
        marks = ", ".join("?" * len(values))
        cur.run(f"INSERT INTO history ({', '.join(columns)}) VALUES ({marks})", *values)

    # --- queries ------------------------------------------------------------------------
    def get(self, ref: str) -> WorkItem:
        with self.tx(write=False) as cur:
            return self._get(cur, ref)

    def history(self, ref: str) -> list[HistoryEntry]:
        with self.tx(write=False) as cur:
            self._row(cur, ref, lock=False)
            return self._history(cur, ref)

    @staticmethod
    def _history(cur: Cursor, ref: str) -> list[HistoryEntry]:
        rows = cur.all("SELECT * FROM history WHERE reference = ? ORDER BY id", ref)
        return [HistoryEntry(**{k: row[k] for k in _HISTORY_FIELDS}) for row in rows]

    def counts(self, *, batch: str | None = None) -> dict[State, int]:
        """Items by state (of ``batch`` only, if given); every state is a key."""
        with self.tx(write=False) as cur:
            if batch is None:
                rows = cur.all("SELECT state, COUNT(*) AS n FROM work_items GROUP BY state")
            else:
                rows = cur.all(
                    "SELECT state, COUNT(*) AS n FROM work_items WHERE batch = ? GROUP BY state",
                    batch,
                )
        found = {State(r["state"]): int(r["n"]) for r in rows}
        return {state: found.get(state, 0) for state in State}

    def items(self, *, states: Sequence[State] = (), batch: str | None = None) -> list[WorkItem]:
        """Items in any of ``states`` (all when empty), of one batch if given, oldest first."""
        where, params = ["1 = 1"], []
        if states:
            where.append(f"state IN ({', '.join('?' * len(states))})")
            params += [s.value for s in states]
        if batch is not None:
            where.append("batch = ?")
            params.append(batch)
        with self.tx(write=False) as cur:
            rows = cur.all(
                f"SELECT * FROM work_items WHERE {' AND '.join(where)} ORDER BY created_at, id",
                *params,
            )
        return [_item(row) for row in rows]

    def rejects(self, batch: str | None = None) -> list[Reject]:
        """Rows refused at enqueue (of one batch if given), in the order they were refused —
        but not one whose order is in the ledger now (fixed and enqueued since: the batch
        page and report listed it as refused, and counted it twice)."""
        where, params = ("AND r.batch = ?", [batch]) if batch is not None else ("", [])
        with self.tx(write=False) as cur:
            rows = cur.all(
                "SELECT r.* FROM rejects r WHERE (r.reference IS NULL OR NOT EXISTS"
                " (SELECT 1 FROM work_items w WHERE upper(w.reference) = upper(r.reference)))"
                f" {where} ORDER BY r.id",
                *params,
            )
        return [
            Reject(
                batch=row["batch"], file=row["file"], row=row["row_number"],
                reference=row["reference"], field=row["field"], reason=row["reason"],
                data=row["data"], created_at=row["created_at"],
            )
            for row in rows
        ]  # fmt: skip

    def _row(self, cur: Cursor, ref: str, lock: bool = True) -> Row:
        suffix = self.lock_row if lock else ""
        row = cur.one(f"SELECT * FROM work_items WHERE reference = ?{suffix}", ref)
        if row is None:
            # typed in another letter case (e9-… for E9-…): the same order to an enqueue,
            # so it is named; the caller's later statements need its own spelling
            other = cur.one(
                "SELECT reference FROM work_items WHERE upper(reference) = ?", ref.upper()
            )
            if other is not None:
                raise NotFound(
                    t("没有业务参考号为{ref}的订单;是不是 {meant}?", ref=ref,
                      meant=other["reference"]),
                    reference=ref,
                )  # fmt: skip
            raise NotFound(t("没有业务参考号为{ref}的订单", ref=ref), reference=ref)
        return row

    def _current(self, cur: Cursor, ref: str) -> Row:
        """``ref``'s row for an operator's action: a running order whose lease expired is
        taken back first (``Leases``), as a worker's next reap would, since no worker may
        be left to do it and the order would stay running for good."""
        return self._row(cur, ref)

    def _get(self, cur: Cursor, ref: str) -> WorkItem:
        return _item(self._row(cur, ref, lock=False))


def _item(row: Row) -> WorkItem:
    values = {k: row[k] for k in _ITEM_FIELDS}
    values["state"] = State(values["state"])
    values["replay"] = bool(values["replay"])
    return WorkItem(**values)


item_from_row = _item


def dump_json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(dict(value), ensure_ascii=False, default=str)
