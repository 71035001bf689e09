"""The live view of a ``bots work`` run: one progress bar (done / failed / left, rate, ETA)
and one line per finished order (reference, outcome in words, reason).

Counts come from the ledger itself, so workers of other processes or hosts show too. The
ETA counts only the orders that can still run now — pending, running, and retries whose
time has come — at this run's pace; an order waiting for its retry time is shown apart, so
the ETA does not creep while it waits. On a terminal it is a Rich progress bar; in a log
file (no TTY) a plain line whenever the counts change, at most every ``every`` seconds,
because a redrawn bar there is just noise. The step lines go to each run folder only.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from bots.ledger.errors import LedgerUnusable
from bots.ledger.mask import mask_text, sensitive_values
from bots.ledger.model import State, WorkItem, utcnow
from bots.ledger.store import Store
from bots.messages import t
from bots.messages.terms import state_name

OPEN = (State.PENDING, State.RUNNING, State.RETRY_WAIT)
ATTENTION = (State.FAILED, State.NEEDS_REVIEW)
FINISHED = (State.DONE, *ATTENTION)
POLL = 0.2  # seconds; the main thread must stay free to take signals
MARKS = {State.DONE: "✓", State.FAILED: "✗", State.NEEDS_REVIEW: "!"}


@dataclass(frozen=True)
class Snapshot:
    done: int
    failed: int  # failed or needs_review
    remaining: int  # pending, running or waiting to retry
    seconds: float
    waiting: int = 0  # waiting for their retry time: not counted in the ETA

    @property
    def finished(self) -> int:
        return self.done + self.failed

    @property
    def runnable(self) -> int:
        return self.remaining - self.waiting

    @property
    def per_minute(self) -> float:
        return 60.0 * self.finished / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta(self) -> str:
        if not self.runnable:
            return t("{seconds}秒", seconds=0)
        if not self.finished:
            return "-"
        seconds = self.runnable * self.seconds / self.finished
        if seconds < 120:
            return t("{seconds}秒", seconds=f"{seconds:.0f}")
        return t("{minutes}分钟", minutes=f"{seconds / 60:.0f}")

    def line(self) -> str:
        text = t(
            "完成 {done} · 失败或待核查 {failed} · 剩余 {remaining} · 每分钟 {rate} 单 · "
            "预计还需 {eta}",
            done=self.done,
            failed=self.failed,
            remaining=self.remaining,
            rate=f"{self.per_minute:.1f}",
            eta=self.eta,
        )
        if self.waiting:
            text += t(" · 等待重试 {count}", count=self.waiting)
        return text


class Tally:
    """Counts of this run: what the ledger closed since the start, and what is left."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.start = time.monotonic()
        self.base: dict[State, int] | None = None  # what was closed at the start
        self.last = Snapshot(done=0, failed=0, remaining=0, seconds=0.0)
        self.now()

    def now(self) -> Snapshot:
        """The counts now, or the last ones read while the ledger cannot be reached (the
        workers meet it too, and decide whether to stop)."""
        try:
            self.last = self._read()
        except LedgerUnusable:
            self.last = replace(self.last, seconds=time.monotonic() - self.start)
        return self.last

    @staticmethod
    def _closed(counts: dict[State, int]) -> dict[State, int]:
        return {state: counts.get(state, 0) for state in FINISHED}

    def _read(self) -> Snapshot:
        counts = self.store.counts()
        closed = self._closed(counts)
        if self.base is None:
            self.base = closed
        waiting = 0
        if counts.get(State.RETRY_WAIT):
            now = utcnow()
            waiting = sum(
                1
                for item in self.store.items(states=[State.RETRY_WAIT])
                if item.next_attempt_at is not None and item.next_attempt_at > now
            )
        return Snapshot(
            done=max(0, closed[State.DONE] - self.base[State.DONE]),
            failed=max(0, sum(closed[s] - self.base[s] for s in ATTENTION)),
            remaining=sum(counts.get(state, 0) for state in OPEN),
            seconds=time.monotonic() - self.start,
            waiting=waiting,
        )


def outcome_line(item: WorkItem) -> str | None:
    """The line of an order this run finished (None for one that goes on: a retry, an
    order handed back): its reference, the outcome in words, the reason or the order no."""
    mark = MARKS.get(item.state)
    if mark is None:
        return None
    line = f"{mark} {item.reference}  {state_name(item.state)}"
    if item.state == State.DONE:
        number = (item.outputs or {}).get("order_no")
        return line + (t("  订单号 {order_no}", order_no=number) if number else "")
    return t("{where}:{reason}", where=line,
             reason=mask_text(item.reason, sensitive_values(item.payload)))  # fmt: skip


def watch(
    store: Store,
    running: Callable[[], bool],
    console: Console,
    results: queue.SimpleQueue[WorkItem] | None = None,
    every: float = 10.0,
) -> Snapshot:
    """Show progress and the orders ``results`` brings until ``running()`` is false; return
    the last counts."""
    tally = Tally(store)
    results = results or queue.SimpleQueue()
    if console.is_terminal:
        return _bar(tally, running, console, results)
    last, shown_at = "", 0.0
    while running():
        _print_results(results, console)
        text = tally.now().line()
        if text != last and time.monotonic() - shown_at >= every:
            console.print(Text(t("订单:{line}", line=text)))
            last, shown_at = text, time.monotonic()
        time.sleep(POLL)
    _print_results(results, console)
    return tally.now()


def _print_results(results: queue.SimpleQueue[WorkItem], console: Console) -> None:
    while not results.empty():
        line = outcome_line(results.get())
        if line:
            console.print(Text(line))  # data, never markup


def _bar(
    tally: Tally,
    running: Callable[[], bool],
    console: Console,
    results: queue.SimpleQueue[WorkItem],
) -> Snapshot:
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[line]}"),
        TimeElapsedColumn(),
    )
    snapshot = tally.now()
    with Progress(*columns, console=console, transient=False) as progress:
        total = snapshot.finished + snapshot.remaining
        task = progress.add_task(t("订单"), total=total, line="")
        while running():
            _print_results(results, progress.console)
            snapshot = tally.now()
            progress.update(
                task,
                completed=snapshot.finished,
                total=snapshot.finished + snapshot.remaining,
                line=snapshot.line(),
            )
            time.sleep(POLL)
        _print_results(results, progress.console)
        snapshot = tally.now()
        progress.update(task, completed=snapshot.finished, line=snapshot.line())
    return snapshot
