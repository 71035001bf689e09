"""``bots work``: one browser, N contexts, each worker with its own staff login; a live
progress line; clean stops.

The workers run as fibers on one Playwright connection in a browser thread
(``bots.worker.fibers``); the main thread shows progress and takes the signals.
SIGINT/SIGTERM set a flag; each worker finishes the commit step it is in (if any), puts
its item back, and returns; Chromium is closed last, so nothing is left running.
"""

from __future__ import annotations

import os
import queue
import secrets
import signal
import socket
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import FrameType

from loguru import logger
from rich.console import Console

from bots.browser import check_display, find_chromium, launch_options
from bots.errors import BadInput
from bots.flow import load_flow
from bots.ledger.errors import LedgerUnusable
from bots.ledger.model import WorkItem
from bots.ledger.store import Store, open_store
from bots.messages import t
from bots.worker.credentials import Credential
from bots.worker.fibers import DriverGone, Fibers
from bots.worker.loop import Shared, Worker, WorkerConfig
from bots.worker.presence import Presence
from bots.worker.progress import Snapshot, watch

POLL_LEDGER = 1.0  # seconds the progress view tries to reach a ledger it lost


@dataclass
class Summary:
    counts: dict[str, int] | None  # the ledger's, at the end (None: it could not be read)
    snapshot: Snapshot
    finished: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    stop_kind: str | None = None  # a key of bots.cli.cmd_work.STOPS, or signal
    stop_reason: str | None = None

    @property
    def per_minute(self) -> float:
        done = self.finished.get("done", 0)
        return 60.0 * done / self.seconds if self.seconds else 0.0


def _counts(store: Store) -> dict[str, int] | None:
    """The ledger's counts at the end, or None when it cannot be reached."""
    try:
        return {state.value: n for state, n in store.counts().items()}
    except LedgerUnusable:
        return None


def default_worker_id() -> str:
    """Unique per process — host, pid and a random part — so two ``bots work`` on one host
    never pass for each other in the ledger, the logs or ``bots status``."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def check_workers(workers: int, credentials: list[Credential]) -> None:
    if workers < 1:
        raise BadInput(t("--workers 至少为1,实际为{workers}", workers=workers))
    if workers > len(credentials):
        raise BadInput(
            t(
                "{workers}个工作进程需要{workers}个工号登录,但工号密码文件里只有{count}个:"
                "营账系统每个工号只允许一个在线会话",
                workers=workers,
                count=len(credentials),
            )
        )


def run_workers(
    config: WorkerConfig,
    credentials: list[Credential],
    workers: int,
    worker_id: str | None = None,
    headed: bool = False,
    console: Console | None = None,
) -> Summary:
    check_workers(workers, credentials)
    load_flow(config.flows_dir / config.login_flow)  # a broken login flow: stop before Chromium
    # no browser, or windows without a desktop: say so before anything starts
    check_display(headed)
    find_chromium(headed)
    # a ledger that cannot take writes (read-only, locked, damaged, of another schema
    # version) stops the run here, before any browser starts or anyone logs in
    # (its calls are the progress shown: a broken connection is tried again briefly, and
    # the workers, each with its own, decide whether the ledger is gone)
    store = open_store(config.db_url, backoff=config.backoff, reconnect_seconds=POLL_LEDGER)
    console = console or Console(stderr=True)
    prefix = worker_id or default_worker_id()
    shared = Shared()
    finished: Counter[str] = Counter()
    results: queue.SimpleQueue[WorkItem] = queue.SimpleQueue()

    def on_result(worker: str, item: WorkItem) -> None:
        with shared.lock:
            finished[item.state.value] += 1
        results.put(item)  # its line is printed by the main thread, above the bar

    def stop(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if shared.stop.is_set():
            logger.warning(t("{signal}:仍在完成进行中的步骤", signal=name))
        shared.halt(t("已被{signal}停止;进行中的订单已交回队列", signal=name), "signal")

    def drive() -> None:
        """The browser thread: one Playwright, one Chromium, every worker a fiber on it."""
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            # Chromium runs in a process group of its own; a Ctrl-C at the terminal also
            # reaches the driver, which must not close the browser under the workers
            # that are finishing their commit steps: we close it ourselves, last.
            shared.browser = pw.chromium.launch(
                **launch_options(headed),  # type: ignore[arg-type]
                handle_sigint=False,
                handle_sigterm=False,
                handle_sighup=False,
            )
            gone = False
            try:
                fibers = Fibers(pw)
                for n in range(workers):
                    worker = Worker(f"{prefix}/{n}", credentials[n], config, shared, on_result)
                    fibers.spawn(worker.run)
                fibers.join()
            except DriverGone:
                # the orders under way stay leased until a reap takes them back
                gone = True
                shared.halt(t("浏览器已退出({error});检查机器人电脑的内存后重新运行 bots work",
                              error=t("Playwright 驱动已断开")), "browser")  # fmt: skip
            finally:
                if not gone:  # (a driver gone took its Chromium with it)
                    shared.browser.close()

    started = time.monotonic()
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    # the console's workers page: who runs here, a heartbeat, and how this process stopped
    staff = [(f"{prefix}/{n}", credentials[n].staff_id) for n in range(workers)]
    try:
        with Presence(config.db_url, prefix, staff) as presence:
            with ThreadPoolExecutor(1, thread_name_prefix="browser") as pool:
                browser = pool.submit(drive)
                snapshot = watch(store, lambda: not browser.done(), console, results)
                browser.result()  # a worker's crash, re-raised here for the one error handler
            if shared.stop_reason:
                presence.stopped(*shared.stop_reason[0])
        counts = _counts(store)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        store.close()
    kind, reason = shared.stop_reason[0] if shared.stop_reason else (None, None)
    return Summary(
        counts=counts,
        snapshot=snapshot,
        finished=finished,
        seconds=time.monotonic() - started,
        stop_kind=kind,
        stop_reason=reason,
    )
