"""The process's own record in the ledger, for the console's workers page: which workers it
runs (host, pid, staff id), a heartbeat while it lives, and how it stopped (the portal
looked down, a signal, the queue ran empty).

The record is written from a thread of its own with its own connection, so a long order or
a busy browser never holds the heartbeat up. It knows the ledger's presence verbs; it knows
nothing of orders (which order a worker holds is the item's lease).
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from loguru import logger

from bots.errors import SetupError
from bots.ledger.errors import LedgerUnusable
from bots.ledger.store import open_store
from bots.messages import t

EVERY = 10.0  # seconds between heartbeats; the console calls a worker gone after a few missed


class Presence:
    """``with Presence(db_url, process, [(worker, staff_id), …]) as presence: …`` records
    the workers when the block starts, beats every ``every`` seconds, and records the stop
    (``presence.stopped(kind, reason)`` before the block ends; ``crash`` if it ends on an
    exception, else ``finished``)."""

    def __init__(
        self,
        db_url: str,
        process: str,
        workers: Sequence[tuple[str, str | None]],
        every: float = EVERY,
    ) -> None:
        self.db_url, self.process, self.workers, self.every = db_url, process, workers, every
        self.kind: str = "finished"
        self.reason: str | None = None
        self._done = threading.Event()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"presence-{process}")

    def stopped(self, kind: str, reason: str | None) -> None:
        self.kind, self.reason = kind, reason

    def __enter__(self) -> Presence:
        self._thread.start()
        self._started.wait()
        return self

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if error is not None and self.kind == "finished":
            self.stopped("crash", str(error))
        self._done.set()
        self._thread.join()

    def _warn(self, error: SetupError) -> None:
        logger.warning(t("{process}:没能写入工作进程的心跳:{error}", process=self.process,
                         error=error))  # fmt: skip

    def _write(self, verb: Callable[..., None], *args: Any) -> None:
        try:
            verb(*args)
        except LedgerUnusable as error:  # a locked or unreachable ledger: the next beat tries
            self._warn(error)

    def _run(self) -> None:
        # (the record is for people: without a ledger the workers still decide for
        # themselves, and the process must not wait on this thread to begin)
        try:
            # a broken connection is tried again for one beat at most: the next tries anew
            store = open_store(
                self.db_url, mode="write", check_schema=False, reconnect_seconds=self.every
            )
        except SetupError as error:
            self._warn(error)
            self._started.set()
            return
        try:
            self._write(store.workers_started, self.process, socket.gethostname(), os.getpid(),
                        self.workers)  # fmt: skip
            self._started.set()
            while not self._done.wait(self.every):
                self._write(store.workers_beat, self.process)
            self._write(store.workers_stopped, self.process, self.kind, self.reason)
        finally:
            self._started.set()
            store.close()


SILENT_AFTER = EVERY * 6  # six heartbeats missed: the process is not there


def any_alive(store: Any) -> bool:
    """Whether a worker process of the ledger ``store`` is running now (it beat its heart
    lately and did not stop): orders queued or replayed with none are done by nobody."""
    since = datetime.now(UTC) - timedelta(seconds=SILENT_AFTER)
    return any(w.stopped_at is None for w in store.workers(since=since))


def nobody_works() -> str:
    """What a clerk is told when no worker runs (``bots enqueue``, ``bots replay``)."""
    return t("现在没有工作进程在运行:订单要等有人运行 bots work 才会处理")
