"""The one interface workers and operators use, and ``open_store`` that picks a backend.

URL rules (``--db`` / ``BOTS_DB`` / default ``sqlite:///runs/ledger.db``):
``sqlite:///relative/path.db`` and ``sqlite:////absolute/path.db`` (SQLAlchemy's spelling),
a plain file path → SQLite; ``postgresql://…`` or ``postgres://…`` → PostgreSQL.

Schema: a SQLite ledger is created and upgraded on open (one host, one file: nobody else to
coordinate with). A PostgreSQL ledger is shared by many hosts, so it is upgraded only on
purpose, by ``bots db upgrade``; opening an older one says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from bots.errors import BadInput
from bots.ledger.model import ErrorInfo, HistoryEntry, NewItem, State, WorkItem

DEFAULT_URL = "sqlite:///runs/ledger.db"


@runtime_checkable
class Store(Protocol):
    url: str
    clock: Callable[[], datetime]

    # schema
    def version(self) -> int: ...
    def upgrade(self) -> int: ...
    def migrations(self) -> list[dict[str, Any]]: ...
    def require_current(self) -> None: ...
    def close(self) -> None: ...

    # enqueue and the worker's side
    def enqueue(self, items: Sequence[NewItem]) -> int: ...
    def claim(self, worker: str, *, lease_seconds: float | None = None) -> WorkItem | None: ...
    def heartbeat(self, ref: str, worker: str, *, lease_seconds: float | None = None) -> bool: ...
    def commit_started(self, ref: str, worker: str, step: str) -> None: ...
    def commit_done(self, ref: str, worker: str, step: str) -> None: ...
    def complete(
        self, ref: str, worker: str, outputs: Mapping[str, Any], *, artifact_dir: str | None = None
    ) -> WorkItem: ...
    def fail(
        self, ref: str, worker: str, error: ErrorInfo, *, artifact_dir: str | None = None
    ) -> WorkItem: ...
    def fail_business(
        self, ref: str, worker: str, error: ErrorInfo, *, artifact_dir: str | None = None
    ) -> WorkItem: ...
    def fail_system(
        self, ref: str, worker: str, error: ErrorInfo, *, artifact_dir: str | None = None
    ) -> WorkItem: ...
    def fail_unknown(
        self, ref: str, worker: str, error: ErrorInfo, *, artifact_dir: str | None = None
    ) -> WorkItem: ...
    def release(
        self, ref: str, worker: str, reason: str, *, artifact_dir: str | None = None
    ) -> WorkItem: ...
    def reap(self) -> list[WorkItem]: ...

    # the operator's side
    def replay(
        self, refs: Sequence[str] = (), *, state: State | None = None, actor: str = "operator"
    ) -> list[str]: ...
    def cancel(self, ref: str, *, actor: str = "operator") -> WorkItem: ...
    def edit(
        self,
        ref: str,
        changes: Mapping[str, Any],
        validator: Callable[[dict[str, Any]], Mapping[str, Any]],
        *,
        actor: str = "operator",
    ) -> WorkItem: ...

    # queries
    def get(self, ref: str) -> WorkItem: ...
    def history(self, ref: str) -> list[HistoryEntry]: ...
    def counts(self) -> dict[State, int]: ...
    def items(
        self, *, states: Sequence[State] = (), batch: str | None = None
    ) -> list[WorkItem]: ...


def resolve_url(url: str | None = None) -> str:
    return url or os.environ.get("BOTS_DB") or DEFAULT_URL


def _sqlite(url: str, path: str, options: dict[str, Any]) -> Store:
    from bots.ledger.sqlite import SqliteStore

    return SqliteStore(url, Path(path), **options)


def _postgres(url: str, path: str, options: dict[str, Any]) -> Store:
    from bots.ledger.postgres import PostgresStore

    return PostgresStore(url, **options)


BACKENDS: dict[str, Callable[[str, str, dict[str, Any]], Store]] = {
    "sqlite": _sqlite,
    "postgresql": _postgres,
    "postgres": _postgres,
}


def _split(url: str) -> tuple[str, str]:
    """(scheme, what the backend opens): a SQLite file path, or the whole URL."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "sqlite", url
    if scheme != "sqlite":
        return scheme, url
    if not rest.startswith("/") or rest in ("/", "/:memory:"):
        raise BadInput(
            f"{url}: a SQLite ledger is a file: sqlite:///relative/path.db or "
            "sqlite:////absolute/path.db"
        )
    return scheme, rest[1:]


def open_store(url: str | None = None, *, check_schema: bool = True, **options: Any) -> Store:
    """Open the ledger at ``url`` (see the module's URL rules). ``options``: ``clock``,
    ``backoff``, ``max_attempts``, ``lease_seconds``. With ``check_schema`` a SQLite ledger
    is brought up to date and a PostgreSQL one must already be."""
    url = resolve_url(url)
    scheme, target = _split(url)
    opener = BACKENDS.get(scheme)
    if opener is None:
        known = ", ".join(f"{name}://" for name in BACKENDS)
        raise BadInput(f"unknown ledger URL {url}: it should start with {known} or be a path")
    store = opener(url, target, options)
    if check_schema and scheme == "sqlite":
        store.upgrade()
    elif check_schema:
        store.require_current()
    return store
