"""``bots work``: one shared Chromium, N worker threads, a live progress line, clean stops.

SIGINT/SIGTERM set a flag; each thread finishes the commit step it is in (if any), puts
its item back, and returns; Chromium is closed last, so nothing is left running.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from types import FrameType

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from bots.browser import SharedChromium
from bots.errors import BadInput
from bots.ledger.model import State, WorkItem
from bots.ledger.store import Store, open_store
from bots.worker.credentials import Credential
from bots.worker.loop import Shared, Worker, WorkerConfig

OPEN = (State.PENDING, State.RUNNING, State.RETRY_WAIT)


@dataclass
class Summary:
    counts: dict[str, int]
    finished: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    stop_reason: str | None = None

    @property
    def per_minute(self) -> float:
        done = self.finished.get("done", 0)
        return 60.0 * done / self.seconds if self.seconds else 0.0


def default_worker_id() -> str:
    return socket.gethostname()


def run_workers(
    config: WorkerConfig,
    credentials: list[Credential],
    workers: int,
    worker_id: str | None = None,
    headed: bool = False,
    console: Console | None = None,
) -> Summary:
    if workers < 1:
        raise BadInput(f"--workers must be at least 1, found {workers}")
    if workers > len(credentials):
        raise BadInput(
            f"{workers} workers need {workers} staff logins, but the credentials name only "
            f"{len(credentials)}: the portal allows one live session per staff id"
        )
    console = console or Console(stderr=True)
    prefix = worker_id or default_worker_id()
    shared = Shared()
    finished: Counter[str] = Counter()

    def on_result(worker: str, item: WorkItem) -> None:
        with shared.lock:
            finished[item.state.value] += 1

    def stop(signum: int, frame: FrameType | None) -> None:
        shared.halt(f"stopped by signal {signal.Signals(signum).name}")

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    started = time.monotonic()
    store = open_store(config.db_url)
    try:
        with SharedChromium(headed=headed) as chromium:
            threads = [
                threading.Thread(
                    target=Worker(
                        f"{prefix}/{n}", credentials[n], chromium.endpoint, config, shared,
                        on_result,
                    ).run,
                    name=f"worker-{n}",
                )
                for n in range(workers)
            ]
            for thread in threads:
                thread.start()
            _watch(store, threads, console)
            for thread in threads:
                thread.join()
        counts = {state.value: n for state, n in store.counts().items()}
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        store.close()
    return Summary(
        counts=counts,
        finished=finished,
        seconds=time.monotonic() - started,
        stop_reason=shared.stop_reason[0] if shared.stop_reason else None,
    )


def _watch(store: Store, threads: list[threading.Thread], console: Console) -> None:
    """A live line: done / failed / remaining, rate and ETA, read from the ledger itself."""
    counts = store.counts()
    total = sum(counts.values())
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("orders", total=total, detail="")
        while any(thread.is_alive() for thread in threads):
            counts = store.counts()
            closed = sum(n for state, n in counts.items() if state not in OPEN)
            detail = " ".join(
                f"{state.value}={n}" for state, n in sorted(counts.items()) if n
            )
            progress.update(task, completed=closed, total=sum(counts.values()), detail=detail)
            time.sleep(0.5)
