"""The live view of a ``bots work`` run: done / failed / remaining, rate and ETA.

Counts come from the ledger itself, so workers of other processes or hosts show too. On a
terminal it is a Rich progress bar; in a log file (no TTY) a plain line whenever the counts
change, at most every ``every`` seconds, because a redrawn bar there is just noise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bots.ledger.model import State
from bots.ledger.store import Store

OPEN = (State.PENDING, State.RUNNING, State.RETRY_WAIT)
ATTENTION = (State.FAILED, State.NEEDS_REVIEW)
POLL = 0.2  # seconds; the main thread must stay free to take signals


@dataclass(frozen=True)
class Snapshot:
    done: int
    failed: int
    remaining: int
    seconds: float

    @property
    def finished(self) -> int:
        return self.done + self.failed

    @property
    def per_minute(self) -> float:
        return 60.0 * self.finished / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta(self) -> str:
        if not self.remaining:
            return "0 s"
        if not self.finished:
            return "-"
        seconds = self.remaining * self.seconds / self.finished
        return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"

    def line(self) -> str:
        return (
            f"done {self.done} · failed {self.failed} · remaining {self.remaining} · "
            f"{self.per_minute:.1f}/min · ETA {self.eta}"
        )


class Tally:
    """Counts of this run: what the ledger closed since the start, and what is left."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.start = time.monotonic()
        self.base = self._closed()

    def _closed(self) -> dict[State, int]:
        counts = self.store.counts()
        return {state: counts.get(state, 0) for state in (State.DONE, *ATTENTION)}

    def now(self) -> Snapshot:
        counts = self.store.counts()
        closed = self._closed()
        return Snapshot(
            done=max(0, closed[State.DONE] - self.base[State.DONE]),
            failed=max(0, sum(closed[s] - self.base[s] for s in ATTENTION)),
            remaining=sum(counts.get(state, 0) for state in OPEN),
            seconds=time.monotonic() - self.start,
        )


def watch(
    store: Store,
    running: Callable[[], bool],
    console: Console,
    every: float = 10.0,
) -> Snapshot:
    """Show progress until ``running()`` is false; return the last counts."""
    tally = Tally(store)
    if console.is_terminal:
        return _bar(tally, running, console)
    last, shown_at = "", 0.0
    snapshot = tally.now()
    while running():
        snapshot = tally.now()
        text = snapshot.line()
        if text != last and time.monotonic() - shown_at >= every:
            console.print(f"orders: {text}")
            last, shown_at = text, time.monotonic()
        time.sleep(POLL)
    return tally.now()


def _bar(tally: Tally, running: Callable[[], bool], console: Console) -> Snapshot:
    columns = (
        TextColumn("[bold]orders"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[line]}"),
        TimeElapsedColumn(),
    )
    snapshot = tally.now()
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("orders", total=snapshot.finished + snapshot.remaining, line="")
        while running():
            snapshot = tally.now()
            progress.update(
                task,
                completed=snapshot.finished,
                total=snapshot.finished + snapshot.remaining,
                line=snapshot.line(),
            )
            time.sleep(POLL)
        snapshot = tally.now()
        progress.update(task, completed=snapshot.finished, line=snapshot.line())
    return snapshot
