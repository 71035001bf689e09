"""What a ledger verb does when the database connection breaks under it: connect again and
ask again, when asking again cannot make the change twice.

It knows, verb by verb, whether and how to ask again (``AGAIN``), and how long to keep trying
before giving up (the store's ``reconnect_seconds``). It does not know how a backend
connects or finds a connection broken: ``PostgresStore`` raises ``LedgerUnusable.lost``,
saying whether the break came before the write's COMMIT went out (nothing applied) or
after (maybe applied), and reconnects when asked (``reconnect``). SQLite has no connection
to lose and does not use this.

Fenced leases make a worker's verbs safe to ask twice: a claim names its token and an end
of an attempt finds the token it left, so each is first looked for, and asked again only
if the first try left no trace. An operator's change asked twice would instead meet its
own result and be refused for a reason the operator did not cause, so those are asked
again only when they surely did not apply.
"""

from __future__ import annotations

import enum
import functools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bots.ledger.errors import LedgerUnusable


class When(enum.Enum):
    ALWAYS = "always"  # a read, or a write that leaves what it left the first time
    UNSENT = "unsent"  # only when the break came before the COMMIT went out


Found = Callable[["Reconnects", tuple[Any, ...], dict[str, Any]], Any]


@dataclass(frozen=True)
class Again:
    when: When
    # before the first try, on its arguments (positional, keyword): what the call needs to
    # be recognised later (a claim's token), or to be made again (items read once)
    prepare: Callable[[list[Any], dict[str, Any]], None] | None = None
    # before asking again: the first try's result if it was applied after all, else None
    found: Found | None = None


def _with_token(args: list[Any], kwargs: dict[str, Any]) -> None:
    kwargs["token"] = kwargs.get("token") or secrets.token_hex(16)


def _items_kept(args: list[Any], kwargs: dict[str, Any]) -> None:
    # a generator would be spent by the first try: the second would enqueue nothing
    if args:
        args[0] = list(args[0])
    elif "items" in kwargs:
        kwargs["items"] = list(kwargs["items"])


def _claimed(store: Reconnects, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return store.claimed_under(kwargs["token"])


def _ended(store: Reconnects, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return store.ended_under(args[0], kwargs["token"])


A, U = Again(When.ALWAYS), Again(When.UNSENT)
# a claim applied but unanswered would strand its order under a token nobody holds until
# the reaper took it (an expiry counted against it): the claim names its token, found again
CLAIM = Again(When.ALWAYS, _with_token, _claimed)
# fenced by the lease token: asked again after it was applied, an end would be refused
# (LeaseLost) as if the order had been taken away; the token it leaves says it was this one
END = Again(When.ALWAYS, found=_ended)
AGAIN: dict[str, Again] = {
    # reads
    "version": A, "migrations": A, "require_current": A, "get": A, "history": A,
    "counts": A, "items": A, "page": A, "batches": A, "finished_since": A, "first_attempt": A,
    "existing": A, "rejects": A, "user": A, "users": A, "workers": A, "questions": A,
    "claimed_under": A, "ended_under": A,
    # writes that leave the same ledger when done twice
    "upgrade": A,  # the second finds nothing left to migrate
    "check_writable": A, "heartbeat": A, "reap": A, "workers_beat": A, "workers_stopped": A,
    "session": A, "close_session": A,
    "commit_started": A, "commit_done": A,  # the same step again is accepted as it is
    "claim": CLAIM,
    "complete": END, "fail": END, "fail_business": END, "fail_system": END,
    "fail_unknown": END, "release": END,
    # everything else is done once
    "enqueue": Again(When.UNSENT, _items_kept), "replay": U, "cancel": U, "edit": U,
    "review": U, "add_user": U, "update_user": U, "open_session": U, "workers_started": U,
    "ask": U, "answer": U, "take_answer": U,
}  # fmt: skip


class Reconnects(Protocol):
    reconnect_seconds: float
    _asking: bool

    def reconnect(self, deadline: float, reason: str) -> None: ...
    def claimed_under(self, token: str) -> Any: ...
    def ended_under(self, ref: str, token: str | None) -> Any: ...


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
        if again.prepare is not None:
            listed = list(args)
            again.prepare(listed, kwargs)
            args = tuple(listed)
        deadline: float | None = None  # set at the first lost connection
        try:
            while True:
                try:
                    if deadline is not None and again.found is not None:
                        found = again.found(store, args, kwargs)
                        if found is not None:
                            return found
                    return verb(store, *args, **kwargs)
                except LedgerUnusable as error:
                    if error.code != "ledger_lost":
                        raise
                    if again.when is When.UNSENT and error.context["sent"]:
                        raise
                    if deadline is None:
                        deadline = time.monotonic() + store.reconnect_seconds
                    store.reconnect(deadline, error.context["reason"])
        finally:
            store._asking = False

    return call
