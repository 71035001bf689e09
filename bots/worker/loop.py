"""One worker thread: one staff login, one browser context, items claimed one at a time.

It knows the ledger's verbs and the runner's result, nothing about SQL or selectors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger

from bots.browser import shared_context
from bots.errors import SystemException
from bots.flow import load_flow
from bots.ledger.model import ErrorInfo, LeaseLost, State, WorkItem
from bots.ledger.store import Store, open_store
from bots.runner.hooks import Hooks
from bots.runner.records import RunResult
from bots.runner.runner import Runner
from bots.worker.credentials import Credential

OPEN_STATES = (State.PENDING, State.RUNNING, State.RETRY_WAIT)


class Interrupted(SystemException):
    """Ctrl-C / SIGTERM arrived: the item goes back to the queue between steps."""


@dataclass
class WorkerConfig:
    db_url: str
    flows_dir: Path
    portal_url: str
    runs_dir: Path
    screenshots: str = "on_failure"
    lease_seconds: float = 120.0
    poll_seconds: float = 0.5
    until_empty: bool = True
    max_consecutive_system: int = 5
    login_flow: str = "login.yaml"


@dataclass
class Shared:
    """What the threads of one ``bots work`` process share."""

    stop: threading.Event = field(default_factory=threading.Event)
    stop_reason: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    flows: dict[str, Any] = field(default_factory=dict)

    def halt(self, reason: str) -> None:
        with self.lock:
            if not self.stop_reason:
                self.stop_reason.append(reason)
        self.stop.set()


class LedgerHooks(Hooks):
    """Tells the ledger when a step that changes the portal starts and ends, and stops
    between steps (never inside a commit step) once a stop was asked for."""

    def __init__(self, store: Store, item: WorkItem, worker: str, stop: threading.Event):
        self.store, self.item, self.worker, self.stop = store, item, worker, stop
        self.in_commit = False

    def on_step_start(self, step: Any, record: dict[str, Any]) -> None:
        if self.stop.is_set() and not self.in_commit:
            raise Interrupted("stopped by the operator between steps", code="interrupted")

    def on_commit_start(self, step: Any) -> None:
        self.in_commit = True
        self.store.commit_started(self.item.reference, self.worker, step.id)

    def on_commit_done(self, step: Any, outputs: dict[str, Any]) -> None:
        self.store.commit_done(self.item.reference, self.worker, step.id)
        self.in_commit = False


class Heartbeat:
    """Extends the lease from its own thread and connection while a run is under way."""

    def __init__(self, db_url: str, ref: str, worker: str, lease: float) -> None:
        self.db_url, self.ref, self.worker, self.lease = db_url, ref, worker, lease
        self.done = threading.Event()
        self.lost = False
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
                    self.lost = True
                    return
        finally:
            store.close()


class Worker:
    def __init__(
        self,
        worker_id: str,
        credential: Credential,
        endpoint: str,
        config: WorkerConfig,
        shared: Shared,
        on_result: Callable[[str, WorkItem], None] | None = None,
    ) -> None:
        self.worker_id = worker_id
        self.credential = credential
        self.endpoint = endpoint
        self.config = config
        self.shared = shared
        self.on_result = on_result or (lambda worker, item: None)
        self.consecutive_system = 0

    def flow_for(self, item: WorkItem) -> Any:
        name = item.flow
        with self.shared.lock:
            if name not in self.shared.flows:
                self.shared.flows[name] = load_flow(self.config.flows_dir / name)
            return self.shared.flows[name]

    def run(self) -> None:
        store = open_store(self.config.db_url, check_schema=False)
        try:
            with shared_context(self.endpoint) as context:
                self._loop(store, context)
        finally:
            store.close()

    def _loop(self, store: Store, context: Any) -> None:
        page = context.new_page()
        while not self.shared.stop.is_set():
            store.reap()
            item = store.claim(self.worker_id, lease_seconds=self.config.lease_seconds)
            if item is None:
                if self.config.until_empty and not self._work_left(store):
                    return
                self.shared.stop.wait(self.config.poll_seconds)
                continue
            if page.is_closed():
                page = context.new_page()
            self._process(store, page, item)

    @staticmethod
    def _work_left(store: Store) -> bool:
        counts = store.counts()
        return any(counts.get(state, 0) for state in OPEN_STATES)

    def _process(self, store: Store, page: Any, item: WorkItem) -> None:
        run_dir = self.config.runs_dir / item.reference / f"attempt-{item.attempts}"
        hooks = LedgerHooks(store, item, self.worker_id, self.shared.stop)
        secrets = {"staff_id": self.credential.staff_id, "password": self.credential.password}
        with Heartbeat(self.config.db_url, item.reference, self.worker_id,
                       self.config.lease_seconds):
            runner = Runner(
                page,
                self.flow_for(item),
                {"order": item.payload},
                secrets=secrets,
                portal_url=self.config.portal_url,
                run_dir=run_dir,
                screenshots=self.config.screenshots,
                hooks=hooks,
                replay=item.replay,
                input_source=f"work item {item.reference}",
            )
            result = runner.run()
        try:
            ended = self._record(store, item, result, str(run_dir))
        except LeaseLost as lost:
            logger.warning(f"{self.worker_id}: {lost.message}")
            return
        self.on_result(self.worker_id, ended)

    def _record(self, store: Store, item: WorkItem, result: RunResult, run_dir: str) -> WorkItem:
        ref = item.reference
        if result.ok:
            self.consecutive_system = 0
            outputs = dict(result.outputs)
            if result.follow_ups:
                outputs.setdefault("follow_ups", result.follow_ups)
            return store.complete(ref, self.worker_id, outputs, artifact_dir=run_dir)
        error = result.error
        assert error is not None
        info = ErrorInfo.from_exception(error, step=result.failed_step)
        if isinstance(error, Interrupted):
            return store.release(ref, self.worker_id, info.message, artifact_dir=run_dir)
        if info.kind == "system_exception":
            self.consecutive_system += 1
            if self.consecutive_system >= self.config.max_consecutive_system:
                self.shared.halt(
                    f"{self.worker_id}: {self.consecutive_system} system exceptions in a row "
                    f"(last: {info.message}); the portal looks down — stopping"
                )
        else:
            self.consecutive_system = 0
        return store.fail(ref, self.worker_id, info, artifact_dir=run_dir)
