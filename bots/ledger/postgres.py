"""The ledger in PostgreSQL: many worker hosts share one queue.

Claims read with ``FOR UPDATE SKIP LOCKED`` inside one transaction, so concurrent claimers
pass over each other's rows instead of waiting or double-claiming; other changes lock
their row with ``FOR UPDATE``.

A connection the server ended (a restart, a failover, an administrator) is found broken at
its next use; the verb is then asked again on a new connection, as ``bots.ledger.reconnect``
allows, for up to ``reconnect_seconds``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from bots.errors import SetupError
from bots.ledger.errors import LedgerUnusable
from bots.ledger.mask import redact_url
from bots.ledger.reconnect import reconnecting
from bots.ledger.sqlbase import Row
from bots.ledger.sqlstore import Cursor, SqlStore
from bots.messages import t
from bots.pause import pause

# a server gone without a word (a failover that moved its address, a cable) would leave a
# call waiting for ever, and with it every worker of the process (one thread): TCP's own
# probes find it dead within about half a minute. Unless the URL, libpq's environment
# variable or a service file (pg_service.conf) says otherwise
NETWORK = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,  # ms a sent request may go unacknowledged
}
NETWORK_ENV = {"connect_timeout": "PGCONNECT_TIMEOUT"}  # (libpq reads no others of these)
_UPGRADE_LOCK = 0x0B075_1ED6  # an advisory lock id only `bots db upgrade` takes
_ENQUEUE_LOCK = _UPGRADE_LOCK + 1  # one enqueue at a time (references in any case)
# what the server says about the ledger as a whole (not about our SQL), as one line
SERVER_PROBLEMS: dict[type[psycopg.Error], Callable[[str], LedgerUnusable]] = {
    psycopg.errors.ReadOnlySqlTransaction: LedgerUnusable.no_write_grant,
    psycopg.errors.InsufficientPrivilege: LedgerUnusable.no_write_grant,
}


@lru_cache(maxsize=512)
def _placeholders(text: str) -> str:
    return re.sub(r"\?", "%s", text.replace("%", "%%"))


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())  # the driver's message spans lines


# why a connection failed, in words, from libpq's message (the driver gives no code before
# the server answers; this process runs in the C locale, so libpq writes English)
_WHY: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r'database "([^"]*)" does not exist'),
     lambda m: t("数据库“{name}”不存在", name=m.group(1))),
    (re.compile(r'database "([^"]*)" is not currently accepting connections'),
     lambda m: t("数据库“{name}”暂时不接受连接", name=m.group(1))),
    (re.compile(r"failed to resolve host|could not translate host name"),
     lambda m: t("找不到这个主机名")),
    (re.compile(r"Connection refused"),
     lambda m: t("服务器拒绝连接:这个地址和端口上没有运行数据库")),
    (re.compile(r"No such file or directory"),
     lambda m: t("本机的数据库没有运行(找不到它的套接字)")),
    (re.compile(r'password authentication failed for user "([^"]*)"'),
     lambda m: t("用户{user}的密码不对", user=m.group(1))),
    (re.compile(r'(?:Peer|Ident) authentication failed for user "([^"]*)"|'
                r'role "([^"]*)" does not exist|no pg_hba\.conf entry'),
     lambda m: t("数据库不让这个用户登录(用户不存在,或 pg_hba.conf 不允许)")),
    (re.compile(r"no password supplied"),
     lambda m: t("数据库要密码,但没有给出:把密码写进 ~/.pgpass(或 PGPASSFILE 所指的文件)")),
    (re.compile(r'invalid sslmode value: "([^"]*)"'),
     lambda m: t("sslmode 不能是“{value}”:应为 disable、allow、prefer、require、verify-ca、"
                 "verify-full 之一", value=m.group(1))),
    (re.compile(r'invalid port number: "([^"]*)"'),
     lambda m: t("端口“{port}”不对:应为 1 到 65535 之间的数", port=m.group(1))),
    (re.compile(r"timeout expired"), lambda m: t("连接超时")),
    (re.compile(r"server closed the connection unexpectedly|terminating connection|"
                r"consuming input failed|the connection is lost"),
     lambda m: t("数据库服务器断开了连接")),
)


def _why(error: Exception) -> str:
    """A failed connection's reason in words; the driver's own line when none fits."""
    line = _one_line(error)
    for pattern, said in _WHY:
        if found := pattern.search(line):
            return said(found)
    return line


class _Sent:
    """Whether a transaction's COMMIT has gone out: a connection lost after it may have
    been applied; before it, the server rolled the transaction back."""

    def __init__(self, commit: bool = False) -> None:
        self.commit = commit


@reconnecting
class PostgresStore(SqlStore):
    dialect = "postgresql"
    lock_row = " FOR UPDATE"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    integrity_errors = (psycopg.errors.UniqueViolation,)

    def __init__(self, url: str, *, reconnect_seconds: float = 60.0, **options: Any) -> None:
        super().__init__(url, **options)
        self.reconnect_seconds = reconnect_seconds
        self._asking = False  # inside a verb (bots.ledger.reconnect)
        try:
            self.conn = self._connect()
        except psycopg.ProgrammingError:
            # the driver's words would quote the part it could not read: maybe the password
            raise SetupError(
                t("账本网址{url}写错了:应是 postgresql://用户@主机:端口/数据库(密码放在 ~/.pgpass)",
                  url=redact_url(url))
            ) from None  # fmt: skip
        except psycopg.OperationalError as error:
            raise SetupError(
                t("连不上账本{url}:{reason}", url=redact_url(url), reason=_why(error))
            ) from error

    def _connect(self) -> psycopg.Connection[Any]:
        given = conninfo_to_dict(self.url)
        if "service" in given or "PGSERVICE" in os.environ:
            limits = {}
        else:
            limits = {
                key: value for key, value in NETWORK.items()
                if key not in given and NETWORK_ENV.get(key, "-") not in os.environ
            }  # fmt: skip
        conninfo = make_conninfo(self.url, **limits)
        return psycopg.connect(conninfo, autocommit=True, row_factory=dict_row)

    def reconnect(self, deadline: float, reason: str) -> None:
        """A new connection instead of the broken one, trying until ``deadline`` (on the
        monotonic clock); then ``LedgerUnusable.unreachable``."""
        wait = 0.1
        while True:
            if time.monotonic() >= deadline:
                raise LedgerUnusable.unreachable(
                    redact_url(self.url), self.reconnect_seconds, reason
                )
            try:
                self.conn.close()
                self.conn = self._connect()
                return
            except psycopg.OperationalError as error:
                reason = _why(error)
            pause(min(wait, max(0.0, deadline - time.monotonic())))
            wait = min(wait * 2, 2.0)

    def _mended(self) -> None:
        if self.conn.broken:  # broken earlier, in a call that gave up: start on a new one
            self.reconnect(time.monotonic() + self.reconnect_seconds, t("连接已断开"))

    @contextmanager
    def tx(self, write: bool = True) -> Iterator[Cursor]:
        self._mended()
        sent = _Sent()
        with self._translated(sent), self.conn.transaction(), self.conn.cursor() as raw:
            yield Cursor(raw, self)
            sent.commit = True

    @contextmanager
    def statement(self) -> Iterator[Cursor]:
        # the connection is in autocommit: each statement is a transaction of its own, so
        # a break at any point may come after the server applied it
        self._mended()
        with self._translated(_Sent(commit=True)), self.conn.cursor() as raw:
            yield Cursor(raw, self)

    @contextmanager
    def _translated(self, sent: _Sent) -> Iterator[None]:
        try:
            yield
        except tuple(SERVER_PROBLEMS) as error:
            make = next(m for kind, m in SERVER_PROBLEMS.items() if isinstance(error, kind))
            raise make(redact_url(self.url)) from error
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            if not (self.conn.closed or self.conn.broken):
                raise  # the server answered: about our SQL, not about the connection
            where, reason = redact_url(self.url), _why(error)
            raise LedgerUnusable.lost(where, reason, sent=sent.commit) from error

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

    def _lock_for_enqueue(self, cur: Cursor) -> None:
        # enqueues wait for each other, never for the workers (claims take no such lock)
        cur.run("SELECT pg_advisory_xact_lock(?)", _ENQUEUE_LOCK)

    def _has_version_table(self, cur: Cursor) -> bool:
        row = cur.one("SELECT to_regclass('schema_version') IS NOT NULL AS found")
        return bool(row and row["found"])
