"""What ties a run to its work item: commit steps reported to the ledger, stops between
steps, and a heartbeat thread that keeps the lease alive while a long step runs."""

from __future__ import annotations

import threading
from typing import Any

from loguru import logger

from bots.errors import SystemException
from bots.ledger.errors import LeaseLost
from bots.ledger.model import WorkItem
from bots.ledger.store import Store, open_store
from bots.runner.hooks import Hooks


class Interrupted(SystemException):
    """Ctrl-C / SIGTERM arrived: the item goes back to the queue between steps."""


class Heartbeat:
    """Extends the lease from its own thread and connection while a run is under way.

    Beats three times per lease, so one slow database write never lets the lease lapse."""

    def __init__(self, db_url: str, ref: str, worker: str, lease: float) -> None:
        self.db_url, self.ref, self.worker, self.lease = db_url, ref, worker, lease
        self.done = threading.Event()
        self.lost = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name=f"hb-{worker}")

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()

    def _beat(self) -> None:
        store = open_store(self.db_url, check_schema=False)
        try:
            while not self.done.wait(self.lease / 3):
                if not store.heartbeat(self.ref, self.worker, lease_seconds=self.lease):
                    logger.warning(f"{self.worker}: lost the lease on {self.ref}")
                    self.lost.set()
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
        lease_lost: threading.Event,
    ) -> None:
        self.store, self.item, self.worker = store, item, worker
        self.stop, self.lease_lost = stop, lease_lost
        self.in_commit = False

    def on_step_start(self, step: Any, record: dict[str, Any]) -> None:
        if self.in_commit:
            return
        if self.lease_lost.is_set():
            raise LeaseLost(
                f"{self.worker} lost the lease on {self.item.reference}; stopped between steps",
                reference=self.item.reference,
            )
        if self.stop.is_set():
            raise Interrupted("stopped by the operator between steps", code="interrupted")

    def on_commit_start(self, step: Any) -> None:
        self.in_commit = True
        self.store.commit_started(self.item.reference, self.worker, step.id)

    def on_commit_done(self, step: Any, outputs: dict[str, Any]) -> None:
        if not self.in_commit:
            # the guard found the effect in the portal and the runner skipped the action
            # (no on_commit_start): record it as committed all the same, so a later failure
            # in this attempt still makes the next one look in the portal first
            self.store.commit_started(self.item.reference, self.worker, step.id)
        self.store.commit_done(self.item.reference, self.worker, step.id)
        self.in_commit = False
