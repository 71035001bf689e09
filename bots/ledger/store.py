"""The one interface workers and operators use, and ``open_store`` that picks a backend.

URL rules (``--db``, else the configuration's ``db``: ``BOTS_DB``, ``bots.toml``, default
``sqlite:///runs/ledger.db``):
``sqlite:///relative/path.db`` and ``sqlite:////absolute/path.db`` (SQLAlchemy's spelling,
with its ``?timeout=SECONDS`` for how long a locked file is waited on), a plain file path →
SQLite; ``postgresql://…`` or ``postgres://…`` → PostgreSQL.

Modes: ``create`` (enqueue, work, db upgrade) makes a missing SQLite file and its folders;
``write`` (edit, cancel, replay) and ``read`` (status, show, report, db status) need the
ledger to exist, and ``read`` never writes to it. A command that writes checks at open that
the ledger takes writes, so it fails before it does anything else.

Schema: a SQLite ledger is upgraded when opened to write (one host, one file: nobody else to
coordinate with). A PostgreSQL ledger is shared by many hosts, so it is upgraded only on
purpose, by ``bots db upgrade``; opening an older one says so, as does reading an older
SQLite one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable
from urllib.parse import parse_qs

from bots.config import DEFAULT_DB
from bots.errors import BadInput
from bots.flow.problems import did_you_mean_name
from bots.ledger.model import (
    Asked,
    BatchSummary,
    ConsoleSession,
    ConsoleUser,
    ErrorInfo,
    HistoryEntry,
    ItemQuery,
    NewItem,
    Reject,
    State,
    WorkerRecord,
    WorkItem,
)
from bots.messages import t

if TYPE_CHECKING:
    from bots.ledger.operations import Enqueuing

DEFAULT_URL = DEFAULT_DB
Mode = Literal["create", "write", "read"]


@runtime_checkable
class Store(Protocol):
    url: str
    clock: Callable[[], datetime]

    # schema
    def version(self) -> int: ...
    def upgrade(self) -> int: ...
    def migrations(self) -> list[dict[str, Any]]: ...
    def require_current(self) -> None: ...
    def check_writable(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Store: ...
    def __exit__(self, *exc: object) -> None: ...

    # enqueue and the worker's side: every write for a claimed item names its lease token
    def enqueue(self, items: Iterable[NewItem]) -> int: ...
    def enqueuing(self, skip_known: bool = False) -> AbstractContextManager[Enqueuing]: ...
    def claim(
        self, worker: str, *, lease_seconds: float | None = None, token: str | None = None
    ) -> WorkItem | None: ...
    def claimed_under(self, token: str) -> WorkItem | None: ...
    def ended_under(self, ref: str, token: str | None) -> WorkItem | None: ...
    def heartbeat(
        self, ref: str, worker: str, *, token: str | None, lease_seconds: float | None = None
    ) -> bool: ...
    def commit_started(
        self, ref: str, worker: str, step: str, *, token: str | None,
        artifact_dir: str | None = None, name: str | None = None,
    ) -> None: ...
    def commit_done(self, ref: str, worker: str, step: str, *, token: str | None) -> None: ...
    def complete(
        self,
        ref: str,
        worker: str,
        outputs: Mapping[str, Any],
        *,
        token: str | None,
        artifact_dir: str | None = None,
    ) -> WorkItem: ...
    def fail(
        self,
        ref: str,
        worker: str,
        error: ErrorInfo,
        *,
        token: str | None,
        artifact_dir: str | None = None,
    ) -> WorkItem: ...
    def fail_business(
        self,
        ref: str,
        worker: str,
        error: ErrorInfo,
        *,
        token: str | None,
        artifact_dir: str | None = None,
    ) -> WorkItem: ...
    def fail_system(
        self,
        ref: str,
        worker: str,
        error: ErrorInfo,
        *,
        token: str | None,
        artifact_dir: str | None = None,
        answered: bool = False,
    ) -> WorkItem: ...
    def fail_unknown(
        self,
        ref: str,
        worker: str,
        error: ErrorInfo,
        *,
        token: str | None,
        artifact_dir: str | None = None,
    ) -> WorkItem: ...
    def release(
        self,
        ref: str,
        worker: str,
        reason: str,
        *,
        token: str | None,
        artifact_dir: str | None = None,
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
    def review(
        self, ref: str, *, actor: str = "operator", note: str | None = None
    ) -> WorkItem: ...

    # queries
    def get(self, ref: str) -> WorkItem: ...
    def history(self, ref: str) -> list[HistoryEntry]: ...
    def counts(self, *, batch: str | None = None) -> dict[State, int]: ...
    def items(
        self, *, states: Sequence[State] = (), batch: str | None = None
    ) -> list[WorkItem]: ...
    def page(self, query: ItemQuery) -> tuple[list[WorkItem], int]: ...
    def batches(self) -> list[BatchSummary]: ...
    def finished_since(self, since: datetime, *, batch: str | None = None) -> int: ...
    def first_attempt(self, batch: str) -> datetime | None: ...
    def existing(self, refs: Iterable[str]) -> set[str]: ...

    # the console's people: users and their sessions (found by a hash of the token)
    def add_user(
        self, name: str, role: str, password_hash: str, *, language: str | None = None
    ) -> ConsoleUser: ...
    def user(self, name: str) -> ConsoleUser | None: ...
    def users(self) -> list[ConsoleUser]: ...
    def update_user(
        self,
        name: str,
        *,
        role: str | None = None,
        password_hash: str | None = None,
        language: str | None = None,
        disabled: bool | None = None,
    ) -> ConsoleUser: ...
    def open_session(
        self, token_hash: str, name: str, csrf: str, *, lifetime: timedelta
    ) -> None: ...
    def session(self, token_hash: str, *, idle: timedelta) -> ConsoleSession | None: ...
    def close_session(self, token_hash: str) -> None: ...

    # worker processes: who runs, their heartbeat, how they stopped
    def workers_started(
        self, process: str, host: str, pid: int, workers: Sequence[tuple[str, str | None]]
    ) -> None: ...
    def workers_beat(self, process: str) -> None: ...
    def workers_stopped(self, process: str, kind: str, reason: str | None = None) -> None: ...
    def workers(self, *, since: datetime) -> list[WorkerRecord]: ...
    def rejects(self, batch: str | None = None) -> list[Reject]: ...

    # questions a flow asks a person (bots.ledger.questions)
    def ask(
        self,
        reference: str,
        step: str,
        question: str,
        *,
        wait_seconds: float,
        pattern: str | None = None,
        image: str | None = None,
        worker: str | None = None,
    ) -> int: ...
    def questions(
        self, reference: str | None = None, *, open_only: bool = True
    ) -> list[Asked]: ...
    def answer(self, reference: str, value: str, *, actor: str = "operator") -> Asked: ...
    def take_answer(self, question_id: int, *, give_up: bool = False) -> str | None: ...


def resolve_url(url: str | None = None) -> str:
    """``url``, else the ledger of the configuration (``BOTS_DB``, ``bots.toml``, the
    default ``DEFAULT_URL``: ``bots.config``)."""
    if url:
        return url
    from bots import config

    return str(config.current()["db"])


def _sqlite(url: str, path: str, options: dict[str, Any]) -> Store:
    from bots.ledger.sqlite import SqliteStore

    options.pop("reconnect_seconds", None)  # a file: no connection to lose
    file, _, query = path.partition("?") if url.startswith("sqlite://") else (path, "", "")
    for name, values in parse_qs(query, keep_blank_values=True).items():
        if name != "timeout":
            raise BadInput(t("{url}:SQLite 账本没有选项{name},只有 timeout", url=url, name=name))
        try:
            options["busy_seconds"] = float(values[-1])
        except ValueError:
            raise BadInput(t("{url}:timeout 应是秒数", url=url)) from None
    return SqliteStore(url, Path(file), **options)


def _postgres(url: str, path: str, options: dict[str, Any]) -> Store:
    from bots.ledger.postgres import PostgresStore

    options.pop("mode", None)  # the database exists or the connection fails: nothing to make
    return PostgresStore(url, **options)


BACKENDS: dict[str, Callable[[str, str, dict[str, Any]], Store]] = {
    "sqlite": _sqlite,
    "postgresql": _postgres,
    "postgres": _postgres,
}


# a word of three letters or more right before ':' or '//': a URL typed wrong, not a file
# (a Windows drive is one letter; a file really named so is written ./name)
_SCHEME_LIKE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]{2,})(?=:|//)")


def _not_a_mistyped_url(path: str) -> None:
    """A path that is a ledger URL typed wrong (``postgresql//host/db``) is refused: read as
    a file, it would make a new, empty SQLite ledger no worker reads."""
    head = _SCHEME_LIKE.match(path)
    near = head and did_you_mean_name(head.group(1).lower(), BACKENDS)
    if near:
        raise BadInput(
            t("{url} 像是写错的账本网址:网址应以 {scheme}:// 开头;若真是一个文件,请写成 ./{url}",
              url=path, scheme=near)  # fmt: skip
        )


def _split(url: str) -> tuple[str, str]:
    """(scheme, what the backend opens): a SQLite file path, or the whole URL."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        _not_a_mistyped_url(url)
        return "sqlite", url
    if scheme != "sqlite":
        return scheme, url
    if not rest.startswith("/") or rest.partition("?")[0] in ("/", "/:memory:"):
        raise BadInput(
            t(
                "{url}:SQLite 账本是一个文件:sqlite:///相对路径.db 或 sqlite:////绝对路径.db",
                url=url,
            )
        )
    return scheme, rest[1:]


def would_create(url: str | None = None) -> bool:
    """Whether opening ``url`` to write would create its ledger (a SQLite file not there
    yet): a mistyped ``--db`` makes a new, empty ledger no worker reads."""
    scheme, target = _split(resolve_url(url))
    return scheme == "sqlite" and not Path(target.partition("?")[0]).exists()


def open_store(
    url: str | None = None, *, mode: Mode = "create", check_schema: bool = True, **options: Any
) -> Store:
    """Open the ledger at ``url`` in ``mode`` (see the module's URL rules and modes).
    ``options``: ``clock``, ``backoff``, ``max_attempts``, ``max_expiries``,
    ``lease_seconds``, ``reconnect_seconds`` (PostgreSQL: how long a verb whose connection
    broke tries to connect again). With ``check_schema`` the schema must be current (a SQLite ledger
    opened to write is brought up to date) and a ledger opened to write must take writes;
    a ledger that cannot serve raises one line (``LedgerUnusable``, ``SchemaOutOfDate``)."""
    url = resolve_url(url)
    scheme, target = _split(url)
    opener = BACKENDS.get(scheme)
    if opener is None:
        known = ", ".join(f"{name}://" for name in BACKENDS)
        raise BadInput(t("不认识的账本网址{url}:应以 {known} 开头,或是一个文件路径", url=url,
                         known=known))  # fmt: skip
    store = opener(url, target, {**options, "mode": mode})
    if not check_schema:
        return store
    checked = False
    try:
        if scheme == "sqlite" and mode != "read":
            store.upgrade()
        else:
            store.require_current()
        if mode != "read":
            store.check_writable()
        checked = True
    finally:
        if not checked:
            store.close()
    return store
