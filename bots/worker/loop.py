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

from bots.actions.hygiene import tidy
from bots.browser import new_context
from bots.errors import BadInput, DefinitionError
from bots.flow import load_flow
from bots.ledger.model import Backoff, ErrorInfo, LeaseLost, State, WorkItem
from bots.ledger.store import Store, open_store
from bots.pause import pause
from bots.runner.records import RunResult
from bots.runner.runner import Runner
from bots.worker.credentials import Credential
from bots.worker.hooks import Heartbeat, Interrupted, LedgerHooks

OPEN_STATES = (State.PENDING, State.RUNNING, State.RETRY_WAIT)
# kinds that say "the portal did not answer as it should", counted towards portal_down
TROUBLE = ("system_exception", "unknown_outcome")
# ... except these codes: the portal answered, it just cannot take this order yet
ANSWERED = ("refused_for_now",)


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
    backoff: Backoff = field(default_factory=Backoff)


@dataclass
class Shared:
    """What the threads of one ``bots work`` process share."""

    stop: threading.Event = field(default_factory=threading.Event)
    stop_reason: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    flows: dict[str, Any] = field(default_factory=dict)
    # the one browser of the process: each worker opens its own context in it
    browser: Any = None

    def halt(self, reason: str, why: str) -> None:
        """Stop every worker; the first reason given is the one reported. ``why`` is a tag:
        signal, portal_down, login or crash."""
        with self.lock:
            if not self.stop_reason:
                self.stop_reason.append((why, reason))
        self.stop.set()


class Worker:
    def __init__(
        self,
        worker_id: str,
        credential: Credential,
        config: WorkerConfig,
        shared: Shared,
        on_result: Callable[[str, WorkItem], None] | None = None,
    ) -> None:
        self.worker_id = worker_id
        self.credential = credential
        self.config = config
        self.shared = shared
        self.on_result = on_result or (lambda worker, item: None)
        self.consecutive_system = 0
        self.secrets = {"staff_id": credential.staff_id, "password": credential.password}

    def flow_for(self, name: str) -> Any:
        with self.shared.lock:
            if name not in self.shared.flows:
                self.shared.flows[name] = load_flow(self.config.flows_dir / name)
            return self.shared.flows[name]

    def run(self) -> None:
        """The thread's body. Whatever ends it early stops the whole pool: a worker that
        dies quietly would leave the others working a batch nobody watches."""
        ended = False
        store = open_store(self.config.db_url, check_schema=False, backoff=self.config.backoff)
        try:
            context = new_context(self.shared.browser)
            try:
                page = context.new_page()
                if self._login(page):
                    self._loop(store, context, page)
            finally:
                context.close()
            ended = True
        finally:
            store.close()
            if not ended:
                self.shared.halt(f"{self.worker_id} stopped on an unexpected error", "crash")

    def _login(self, page: Any) -> bool:
        flow = self.flow_for(self.config.login_flow)
        # a login flow may take the credentials as declared inputs or read them as secrets
        inputs = {name: value for name, value in self.secrets.items() if name in flow.inputs}
        result = Runner(
            page,
            flow,
            inputs,
            secrets=self.secrets,
            portal_url=self.config.portal_url,
            run_dir=self.config.runs_dir / "logins" / self.worker_id.replace("/", "-"),
            screenshots="on_failure",
        ).run()
        if not result.ok:
            self.shared.halt(
                f"{self.worker_id}: login as {self.credential.staff_id} failed: {result.error}",
                "login",
            )
        return result.ok

    def _loop(self, store: Store, context: Any, page: Any) -> None:
        while not self.shared.stop.is_set():
            store.reap()
            item = store.claim(self.worker_id, lease_seconds=self.config.lease_seconds)
            if item is None:
                if self.config.until_empty and not self._work_left(store):
                    return
                pause(self.config.poll_seconds)  # not stop.wait: that would hold up every worker
                continue
            if page.is_closed():
                page = context.new_page()
            self._process(store, page, item)
            # done or failed, no window of this order is left for the next one (a refused
            # number's 选号 window, opened by name, would swallow the next order's popup)
            page = tidy(page)

    @staticmethod
    def _work_left(store: Store) -> bool:
        counts = store.counts()
        return any(counts.get(state, 0) for state in OPEN_STATES)

    def _process(self, store: Store, page: Any, item: WorkItem) -> None:
        run_dir = self.config.runs_dir / item.reference / f"attempt-{item.attempts}"
        try:
            with Heartbeat(
                self.config.db_url, item.reference, self.worker_id, self.config.lease_seconds
            ) as heartbeat:
                result = self._run(store, page, item, run_dir, heartbeat.lost)
            ended = self._record(store, item, result, str(run_dir))
        except (DefinitionError, BadInput) as error:
            # a broken flow or an order the flow refuses: no retry helps, an operator must
            ended = store.fail(item.reference, self.worker_id, ErrorInfo.from_exception(error))
        except LeaseLost as lost:
            logger.warning(f"{self.worker_id}: {lost.message}")
            return
        self.on_result(self.worker_id, ended)

    def _run(
        self,
        store: Store,
        page: Any,
        item: WorkItem,
        run_dir: Path,
        lease_lost: threading.Event,
    ) -> RunResult:
        hooks = LedgerHooks(store, item, self.worker_id, self.shared.stop, lease_lost)
        runner = Runner(
            page,
            self.flow_for(item.flow),
            {"order": item.payload},
            secrets=self.secrets,
            portal_url=self.config.portal_url,
            run_dir=run_dir,
            screenshots=self.config.screenshots,
            hooks=hooks,
            replay=item.replay,
            input_source=f"work item {item.reference}",
        )
        return runner.run()

    def _record(self, store: Store, item: WorkItem, result: RunResult, run_dir: str) -> WorkItem:
        ref = item.reference
        if result.ok:
            self.consecutive_system = 0
            outputs = dict(result.outputs)
            if result.follow_ups:
                outputs.setdefault("follow_ups", result.follow_ups)
            return store.complete(ref, self.worker_id, outputs, artifact_dir=run_dir)
        error = result.error
        assert error is not None, "a failed run carries its error"
        if isinstance(error, LeaseLost):
            raise error
        info = ErrorInfo.from_exception(error, step=result.failed_step)
        if isinstance(error, Interrupted):
            return store.release(ref, self.worker_id, info.message, artifact_dir=run_dir)
        if info.kind in TROUBLE and info.code not in ANSWERED:
            self.consecutive_system += 1
            if self.consecutive_system >= self.config.max_consecutive_system:
                self.shared.halt(
                    f"{self.worker_id}: {self.consecutive_system} system exceptions in a row "
                    f"(last: {info.message}); the portal looks down — stopping",
                    "portal_down",
                )
        else:
            self.consecutive_system = 0
        return store.fail(ref, self.worker_id, info, artifact_dir=run_dir)
