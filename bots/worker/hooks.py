"""What ties a run to its work item: commit steps reported to the ledger, stops between
steps, and a heartbeat thread that keeps the lease alive while a long step runs.

Every write names the lease token of the claim; a worker whose lease was lost (frozen past
it, then reaped) learns it at its next write or step, and touches the item no more."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from loguru import logger

from bots.errors import SetupError, SystemException
from bots.ledger.errors import LeaseLost, LedgerUnusable
from bots.ledger.model import WorkItem
from bots.ledger.store import Store, open_store
from bots.messages import t
from bots.runner.hooks import Hooks

JOIN_SECONDS = 0.5


class Interrupted(SystemException):
    """Ctrl-C / SIGTERM arrived: the item goes back to the queue between steps."""


class Lease:
    """A worker's claim on one item: the token every write for it names, whether it was
    found lost, and when the ledger last confirmed it."""

    def __init__(
        self,
        item: WorkItem,
        worker: str,
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ref, self.worker, self.token = item.reference, worker, item.lease_token
        self.seconds, self.clock = seconds, clock
        self.lost = threading.Event()
        self.confirmed = clock()

    def renew(self, store: Store) -> bool:
        """Extend the lease; once the ledger says it is gone, it stays lost."""
        # a renewal holds from when it was asked for, not from when its answer was read: a
        # process frozen in between (SIGSTOP) reads "extended" after the lease ran out
        asked = self.clock()
        if not self.lost.is_set() and store.heartbeat(
            self.ref, self.worker, token=self.token, lease_seconds=self.seconds
        ):
            self.confirmed = max(self.confirmed, asked)
            return True
        self.lost.set()
        return False

    @property
    def overdue(self) -> bool:
        """Half a lease without a confirmation: the heartbeat was held up (the process was
        frozen, the ledger slow), so the lease may have expired and gone meanwhile."""
        return self.clock() - self.confirmed > self.seconds / 2


class Heartbeat:
    """Extends the lease from its own thread and connection while a run is under way.

    Beats three times per lease, so one slow database write never lets the lease lapse."""

    def __init__(self, db_url: str, lease: Lease, ledger_wait: float = 60.0) -> None:
        self.db_url, self.lease, self.ledger_wait = db_url, lease, ledger_wait
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name=f"hb-{lease.worker}")

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        # not for long: this is a worker's greenlet, and every worker waits while it does;
        # a thread still trying to reach the ledger ends by itself (its beats are fenced)
        self.thread.join(timeout=JOIN_SECONDS)

    def _not_renewed(self, error: SetupError) -> None:
        logger.warning(t("{worker}:没能延长{ref}的租约:{error}",
                         worker=self.lease.worker, ref=self.lease.ref, error=error))  # fmt: skip

    def _beat(self) -> None:
        try:
            # a broken connection is tried again until the next beat, which tries anew
            store = open_store(
                self.db_url, mode="write", check_schema=False,
                reconnect_seconds=min(self.ledger_wait, self.lease.seconds / 3),
            )  # fmt: skip
        except SetupError as error:  # the run's own steps renew the lease when it is overdue
            self._not_renewed(error)
            return
        try:
            while not self.done.wait(self.lease.seconds / 3):
                try:
                    renewed = self.lease.renew(store)
                except LedgerUnusable as error:
                    # the run finds out itself: before its next step the lease is overdue,
                    # and the ledger is asked from there
                    self._not_renewed(error)
                    continue
                if not renewed:
                    if self.done.is_set():
                        return  # the attempt ended while this beat was asked for: not lost
                    logger.warning(
                        t(
                            "{worker}:失去了{ref}的租约",
                            worker=self.lease.worker,
                            ref=self.lease.ref,
                        )
                    )
                    return
        finally:
            store.close()


class LedgerHooks(Hooks):
    """Tells the ledger when a step that changes the portal starts and ends; between steps
    (never inside a commit step) stops the run once a stop was asked for or the lease is
    gone, because another worker may already hold the item."""

    def __init__(
        self,
        store: Store,
        item: WorkItem,
        worker: str,
        stop: threading.Event,
        lease: Lease,
        run_dir: str | None = None,
    ) -> None:
        self.store, self.item, self.worker = store, item, worker
        self.stop, self.lease, self.run_dir = stop, lease, run_dir
        self.in_commit = False

    def on_step_start(self, step: Any, record: dict[str, Any]) -> None:
        if self.in_commit:
            return
        if self.lease.overdue:
            # ask the ledger before this step touches the portal: after a freeze the
            # heartbeat thread may not have run yet, and the item may be someone else's
            self.lease.renew(self.store)
        if self.lease.lost.is_set():
            raise LeaseLost(
                t(
                    "{worker}失去了{ref}的租约;已在两步之间停下",
                    worker=self.worker,
                    ref=self.item.reference,
                ),
                reference=self.item.reference,
            )
        if self.stop.is_set():
            raise Interrupted(t("操作员要求停止,已在两步之间停下"), code="interrupted")

    def on_commit_start(self, step: Any) -> None:
        self.in_commit = True
        self.store.commit_started(
            self.item.reference, self.worker, step.id, token=self.lease.token,
            artifact_dir=self.run_dir, name=step.name or None,
        )  # fmt: skip

    def before_send(self, step: Any, record: dict[str, Any]) -> None:
        """Ask the ledger, right before a change goes out, whether the item is still ours:
        a process frozen inside a commit (SIGSTOP, a paused machine) past its lease has had
        its order reaped, looked at and replayed by another worker meanwhile; sent now, the
        change would be made twice. Inside the commit, so the run stops without sending
        and the order stays with whoever holds it now."""
        if not self.lease.renew(self.store):
            raise LeaseLost(
                t("{worker}失去了{ref}的租约;没有发出“{step}”",
                  worker=self.worker, ref=self.item.reference, step=record["id"]),
                reference=self.item.reference,
            )  # fmt: skip

    def on_commit_done(self, step: Any, outputs: dict[str, Any]) -> None:
        if not self.in_commit:
            # the guard found the effect in the portal and the runner skipped the action
            # (no on_commit_start): record it as committed all the same, so a later failure
            # in this attempt still makes the next one look in the portal first
            self.store.commit_started(
                self.item.reference, self.worker, step.id, token=self.lease.token,
                name=step.name or None,
            )
        self.store.commit_done(self.item.reference, self.worker, step.id, token=self.lease.token)
        self.in_commit = False
