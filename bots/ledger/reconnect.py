"""What a ledger verb does when the database connection breaks under it: connect again and
ask again, when asking again cannot make the change twice.

It knows, verb by verb, what asking again means (``AGAIN``), and how long to keep trying
before giving up (the store's ``reconnect_seconds``). It does not know how a backend
connects or finds a connection broken: ``PostgresStore`` raises ``LedgerUnusable.lost``,
saying whether the break came before the write's COMMIT went out (nothing applied) or
after (maybe applied), and reconnects when asked (``reconnect``). SQLite has no connection
to lose and does not use this.

Fenced leases make most of a worker's verbs safe to ask twice: a second end of an attempt
names a token the first one cleared, so the ledger refuses it (``LeaseLost``), and the
worker already treats that as "this order is no longer mine". An operator's change asked
twice would instead meet its own result and be refused for a reason the operator did not
cause, so those are asked again only when they surely did not apply.
"""

from __future__ import annotations

import enum
import functools
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from bots.ledger.errors import LedgerUnusable


class Again(enum.Enum):
    ALWAYS = "always"  # a read, or a write that leaves what it left the first time
    UNSENT = "unsent"  # only when the break came before the COMMIT went out


A, U = Again.ALWAYS, Again.UNSENT
AGAIN: dict[str, Again] = {
    # reads
    "version": A, "migrations": A, "require_current": A, "get": A, "history": A,
    "counts": A, "items": A, "page": A, "batches": A, "finished_since": A, "existing": A,
    "rejects": A, "user": A, "users": A, "workers": A, "questions": A,
    # writes that leave the same ledger when done twice
    "upgrade": A,  # the second finds nothing left to migrate
    "check_writable": A, "heartbeat": A, "reap": A, "workers_beat": A, "workers_stopped": A,
    "session": A, "close_session": A,
    "commit_started": A, "commit_done": A,  # the same step again is accepted as it is
    # a claim applied but unanswered leaves its order to the reaper when its lease runs
    # out, exactly as if it had not been asked again
    "claim": A,
    # fenced by the lease token: the second is refused (LeaseLost) once the first applied
    "complete": A, "fail": A, "fail_business": A, "fail_system": A, "fail_unknown": A,
    "release": A,
    # everything else is done once
    "enqueue": U, "replay": U, "cancel": U, "edit": U, "review": U, "add_user": U,
    "update_user": U, "open_session": U, "workers_started": U, "ask": U, "answer": U,
    "take_answer": U,
}  # fmt: skip


class Reconnects(Protocol):
    reconnect_seconds: float
    _asking: bool

    def reconnect(self, deadline: float, reason: str) -> None: ...


R = TypeVar("R", bound=type)


def reconnecting(cls: R) -> R:
    """Give every verb of ``cls`` named in ``AGAIN`` its way of surviving a lost connection."""
    for name, again in AGAIN.items():
        setattr(cls, name, _asked_again(getattr(cls, name), again))
    return cls


def _asked_again(verb: Callable[..., Any], again: Again) -> Callable[..., Any]:
    @functools.wraps(verb)
    def call(store: Reconnects, *args: Any, **kwargs: Any) -> Any:
        if store._asking:
            # a verb called by another verb: the outer one is asked again, as a whole
            return verb(store, *args, **kwargs)
        store._asking = True
        deadline: float | None = None
        try:
            while True:
                try:
                    return verb(store, *args, **kwargs)
                except LedgerUnusable as error:
                    if error.code != "ledger_lost":
                        raise
                    if again is Again.UNSENT and error.context["sent"]:
                        raise
                    if deadline is None:
                        deadline = time.monotonic() + store.reconnect_seconds
                    store.reconnect(deadline, error.context["reason"])
        finally:
            store._asking = False

    return call
