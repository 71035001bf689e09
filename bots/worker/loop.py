"""One worker thread: one staff login, one browser context, items claimed one at a time.

It knows the ledger's verbs and the runner's result, nothing about SQL or selectors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from loguru import logger
from playwright.sync_api import Error as PwError

from bots.actions.failures import NO_ANSWER
from bots.actions.hygiene import tidy
from bots.actions.markers import UNAVAILABLE
from bots.asking import Again, Asker, refused_note
from bots.browser import new_context
from bots.errors import (
    BadInput,
    DefinitionError,
    SelectorError,
    SetupError,
    SystemException,
    reason,
)
from bots.flow import load_flow
from bots.ledger.errors import LedgerUnusable
from bots.ledger.model import Backoff, ErrorInfo, LeaseLost, State, WorkItem
from bots.ledger.store import Store, open_store
from bots.messages import t
from bots.messages.refusals import answer_refused
from bots.pause import pause
from bots.runner.records import RunResult
from bots.runner.runner import Runner
from bots.worker.asker import LedgerAsker, login_reference
from bots.worker.credentials import Credential
from bots.worker.hooks import Heartbeat, Interrupted, Lease, LedgerHooks

OPEN_STATES = (State.PENDING, State.RUNNING, State.RETRY_WAIT)
# kinds that say "the portal did not answer as it should", counted towards portal_down
TROUBLE = ("system_exception", "unknown_outcome")
# ... except these codes: the portal answered, it just cannot take this order yet
ANSWERED = ("refused_for_now", "awaits_person")


@dataclass
class WorkerConfig:
    db_url: str
    flows_dir: Path
    portal_url: str
    runs_dir: Path
    screenshots: str = "on_failure"
    trace: str = "off"
    lease_seconds: float = 120.0
    poll_seconds: float = 0.5
    until_empty: bool = True
    max_consecutive_system: int = 5
    login_flow: str = "login.yaml"
    backoff: Backoff = field(default_factory=Backoff)
    # at most this long waits a worker for a person's answer (None: what the flow says)
    answer_wait: float | None = None
    # at most this long a ledger call tries to connect again after its connection broke
    ledger_wait: float = 60.0


@dataclass
class Shared:
    """What the threads of one ``bots work`` process share."""

    stop: threading.Event = field(default_factory=threading.Event)
    stop_reason: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    flows: dict[str, Any] = field(default_factory=dict)
    # the one browser of the process: each worker opens its own context in it
    browser: Any = None
    # system failures in a row, whichever worker met them: an outage stops every worker
    # of the process after max_consecutive_system, instead of each burning its own orders
    failures: int = 0

    def portal_trouble(self) -> int:
        """Count one more system failure in a row; returns the count."""
        with self.lock:
            self.failures += 1
            return self.failures

    def portal_answered(self) -> None:
        with self.lock:
            self.failures = 0

    def halt(self, reason: str, why: str) -> None:
        """Stop every worker; the first reason given is the one reported. ``why`` is a tag:
        signal, portal_down, login, browser, ledger, setup or crash."""
        with self.lock:
            if not self.stop_reason:
                self.stop_reason.append((why, reason))
        self.stop.set()


# a login the portal did not answer (it may be restarting, or the address is wrong)
PORTAL_AWAY = (UNAVAILABLE, *NO_ANSWER)


def _login_stop(error: BaseException | None) -> tuple[str, str | None]:
    """How a failed login stops the pool (the stop kind, bots.cli.cmd_work.STOPS) and what
    to do, by the error's class: the portal refusing the staff login is the clerk's to put
    right; a portal that does not answer, or a login page without its fields (another
    address), is the set-up's — "replay later", said for an order, does not fit a login."""
    if isinstance(error, SystemException) and error.code in PORTAL_AWAY:
        return "portal_down", t("检查营账系统网址和网络,营账系统恢复后重新运行")
    if isinstance(error, SystemException) and error.code == "browser_closed":
        return "browser", None
    if isinstance(error, SelectorError):
        return "login_page", t(
            "先核对营账系统网址(portal_url)是否是营账系统的登录页;网址没错再按运行报告修正选择器"
        )
    return "login", None


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
        try:
            store = open_store(
                self.config.db_url, mode="write", check_schema=False,
                backoff=self.config.backoff, reconnect_seconds=self.config.ledger_wait,
            )  # fmt: skip
        except SetupError as error:  # the ledger went away as the pool started
            self._ledger_gone(error)
            return
        try:
            context = new_context(self.shared.browser)
            try:
                page = context.new_page()
                try:
                    if self._login(store, page):
                        self._loop(store, context, page)
                except LedgerUnusable as error:
                    self._ledger_gone(error)
            finally:
                try:
                    context.close()
                except PwError:
                    pass  # the browser went first (a halt says so): nothing left to close
            ended = True
        finally:
            store.close()
            if not ended:
                self.shared.halt(t("{worker}因意外错误停止", worker=self.worker_id), "crash")

    def _login(self, store: Store, page: Any) -> bool:
        flow = self.flow_for(self.config.login_flow)
        # a login flow may take the credentials as declared inputs or read them as secrets
        inputs = {name: value for name, value in self.secrets.items() if name in flow.inputs}
        # the login page's 验证码 is asked under the staff id (there is no order yet); while
        # nobody answers, this worker waits and asks again — the others go on working
        asker: Asker = LedgerAsker(store, login_reference(self.credential.staff_id),
                                   self.worker_id, self.shared.stop, None,
                                   self.config.answer_wait)  # fmt: skip
        while True:
            result = Runner(
                page,
                flow,
                inputs,
                secrets=self.secrets,
                portal_url=self.config.portal_url,
                run_dir=self.config.runs_dir / "logins" / self.worker_id.replace("/", "-"),
                screenshots="on_failure",
                asker=asker,
            ).run()
            # (a question or answer of the 验证码 lost on its way to or from the ledger: the
            # login is done again, and asks again)
            again = result.error is not None and result.error.code in ("awaits_person",
                                                                       "refused_for_now",
                                                                       "ledger_lost")
            if not again or self.shared.stop.is_set() or not self._work_left(store):
                break
            logger.warning(f"{self.worker_id}: {result.error}")
            refused = (result.error.what or "") if result.error is not None else ""
            if answer_refused(refused):  # a 验证码 misread: the new question says so
                asker = Again(asker, refused_note(refused))
        if result.ok:
            return True
        if isinstance(result.error, LedgerUnusable) and not again:
            raise result.error  # the ledger away (or refusing writes), not the login
        if self.shared.stop.is_set() or again:
            return False  # stopped, or nothing left to work while nobody answered
        kind, advice = _login_stop(result.error)
        error = result.error
        said = str(error)
        if advice:  # said again with the login's advice (the order's would be wrong)
            said = reason((error.what if error is not None else None) or said, advice)
        self.shared.halt(
            t("{worker}:工号{staff_id}登录失败:{error}", worker=self.worker_id,
              staff_id=self.credential.staff_id, error=said),
            kind,
        )  # fmt: skip
        return False

    def _ledger_gone(self, error: SetupError) -> None:
        """Gone past the wait, or no longer taking writes: no worker of this process can go
        on. An order this one held stays leased until the reaper takes it."""
        self.shared.halt(t("{worker}:{error}", worker=self.worker_id, error=error), "ledger")

    def _loop(self, store: Store, context: Any, page: Any) -> None:
        while not self.shared.stop.is_set():
            store.reap()
            item = store.claim(self.worker_id, lease_seconds=self.config.lease_seconds)
            if item is None:
                if self.config.until_empty and not self._work_left(store):
                    return
                pause(self.config.poll_seconds)  # not stop.wait: that would hold up every worker
                continue
            try:
                if page.is_closed():
                    page = context.new_page()
            except PwError as error:
                # claimed, not begun: back to the queue now, not when its lease runs out
                store.release(item.reference, self.worker_id, t("浏览器已退出"),
                              token=item.lease_token)  # fmt: skip
                self._browser_gone(error)
                return
            self._process(store, page, item)
            try:
                # done or failed, no window of this order is left for the next one (a refused
                # number's 选号 window, opened by name, would swallow the next order's popup)
                page = tidy(page)
            except PwError as error:
                self._browser_gone(error)
                return

    def _browser_gone(self, error: Exception) -> None:
        """The browser quit or was killed: no worker of this process can go on. Playwright's
        own words go to the debug log (-v); the reason says it in the user's language."""
        logger.debug(f"{self.worker_id}: {str(error).splitlines()[0] if str(error) else error!r}")
        self.shared.halt(
            t("{worker}:浏览器已退出({error});检查机器人电脑的内存后重新运行 bots work",
              worker=self.worker_id, error=t("Chromium 已关闭")),
            "browser",
        )  # fmt: skip

    @staticmethod
    def _work_left(store: Store) -> bool:
        counts = store.counts()
        return any(counts.get(state, 0) for state in OPEN_STATES)

    def _process(self, store: Store, page: Any, item: WorkItem) -> None:
        run_dir = self.config.runs_dir / item.reference / f"attempt-{item.attempts}"
        try:
            lease = Lease(item, self.worker_id, self.config.lease_seconds)
            with Heartbeat(self.config.db_url, lease, self.config.ledger_wait):
                result = self._run(store, page, item, run_dir, lease)
            ended = self._record(store, item, result, str(run_dir))
        except (DefinitionError, BadInput) as error:
            # a broken flow or an order the flow refuses: no retry helps, an operator must
            info = ErrorInfo.from_exception(error)
            ended = store.fail(item.reference, self.worker_id, info, token=item.lease_token)
        except LeaseLost as lost:
            logger.warning(f"{self.worker_id}: {lost.message}")
            return
        except LedgerUnusable as error:
            if error.code != "ledger_lost":
                raise
            # a write of this order that may or may not have been applied: nothing more is
            # written for it, and it goes on, or to an operator, when its lease runs out
            logger.warning(
                t("{worker}:{ref}:{error};它的租约到期后由账本收回", worker=self.worker_id,
                  ref=item.reference, error=error)
            )  # fmt: skip
            return
        self.on_result(self.worker_id, ended)

    def _run(
        self,
        store: Store,
        page: Any,
        item: WorkItem,
        run_dir: Path,
        lease: Lease,
    ) -> RunResult:
        hooks = LedgerHooks(store, item, self.worker_id, self.shared.stop, lease, str(run_dir))
        runner = Runner(
            page,
            self.flow_for(item.flow),
            {"order": item.payload},
            secrets=self.secrets,
            portal_url=self.config.portal_url,
            run_dir=run_dir,
            screenshots=self.config.screenshots,
            trace=self.config.trace,
            hooks=hooks,
            replay=item.replay,
            input_source=f"work item {item.reference}",
            asker=LedgerAsker(store, item.reference, self.worker_id, self.shared.stop,
                              lease.lost, self.config.answer_wait),
        )
        return runner.run()

    def _record(self, store: Store, item: WorkItem, result: RunResult, run_dir: str) -> WorkItem:
        ref, token = item.reference, item.lease_token
        if result.ok:
            self.shared.portal_answered()
            outputs = dict(result.outputs)
            if result.follow_ups:
                outputs.setdefault("follow_ups", result.follow_ups)
            return store.complete(ref, self.worker_id, outputs, token=token, artifact_dir=run_dir)
        error = result.error
        assert error is not None, "a failed run carries its error"
        if isinstance(error, LeaseLost | LedgerUnusable):
            raise error  # a ledger call of the run failed: nothing to record it with
        info = ErrorInfo.from_exception(error, step=result.failed_step)
        if result.failed_step_name:  # (bots status, bots show and the console name it so)
            info = replace(info, context={**info.context, "step_name": result.failed_step_name})
        if isinstance(error, Interrupted):
            return store.release(
                ref, self.worker_id, info.message, token=token, artifact_dir=run_dir
            )
        if isinstance(error, SetupError):
            # the robot lacks what every order reaching this step needs (a secret): failing
            # them one by one would spend the queue, so every worker stops and the order
            # waits, its committed steps looked for first when it runs again
            self.shared.halt(t("{worker}:{error}", worker=self.worker_id, error=error), "setup")
            return store.release(
                ref, self.worker_id, info.message, token=token, artifact_dir=run_dir
            )
        if info.kind in TROUBLE and info.code not in ANSWERED:
            failures = self.shared.portal_trouble()
            if failures >= self.config.max_consecutive_system:
                self.shared.halt(
                    t(
                        "{worker}:连续{count}次系统异常(最近一次:{last});营账系统像是停了,"
                        "已停止;恢复后再运行 bots work",
                        worker=self.worker_id,
                        count=failures,
                        last=info.message,
                    ),
                    "portal_down",
                )
        else:
            self.shared.portal_answered()
        if info.kind == "system_exception" and info.context.get("took_nothing"):
            # the portal answered each request of the commit under way itself (its busy
            # page, the login page): it took none of it, so no operator is needed before
            # the next run looks and acts
            return store.fail_system(
                ref, self.worker_id, info, token=token, artifact_dir=run_dir, answered=True
            )
        return store.fail(ref, self.worker_id, info, token=token, artifact_dir=run_dir)
