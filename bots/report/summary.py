"""The figures on top of the batch report: orders by procedure and state, the money, the time.

It knows the report's rows as plain values (a state, a procedure, amounts, the times of
the attempts); it does not read the ledger or the run folders. The amounts are what the
ledger holds for orders that are done: a failed or held order's money is not counted here
(an order held for review may have been charged: its row says so).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

REJECTED = "rejected"  # a row refused at enqueue: not in the ledger as an order
STATES = ("done", "failed", "needs_review", "retry_wait", "running", "pending", "cancelled")


@dataclass(frozen=True)
class Figures:
    """What one row of the report brings to the summary."""

    procedure: str  # new_install | renewal | "" (a rejected row may name none)
    state: str  # a ledger state's value, or REJECTED
    fees_collected: Decimal | None = None
    deposited: Decimal | None = None
    started: datetime | None = None  # the first attempt's start
    finished: datetime | None = None  # the last attempt's end


@dataclass
class Summary:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # procedure → state → n
    fees_collected: Decimal = Decimal(0)
    deposited: Decimal = Decimal(0)
    started: datetime | None = None
    finished: datetime | None = None
    ended: int = 0  # orders whose work is over: done, failed, held for review

    @property
    def states(self) -> list[str]:
        """The states that occur, in the order the report lists them."""
        found = {state for by_state in self.counts.values() for state in by_state}
        return [s for s in (*STATES, REJECTED) if s in found] + sorted(
            found - {*STATES, REJECTED}
        )

    @property
    def procedures(self) -> list[str]:
        return sorted(self.counts, key=lambda p: (p == "", p))

    def total(self, state: str | None = None, procedure: str | None = None) -> int:
        return sum(
            n
            for p, by_state in self.counts.items()
            if procedure is None or p == procedure
            for s, n in by_state.items()
            if (state is None and s != REJECTED) or s == state
        )

    @property
    def duration(self) -> timedelta | None:
        if self.started is None or self.finished is None:
            return None
        return max(self.finished - self.started, timedelta(0))

    @property
    def per_hour(self) -> float | None:
        """Orders whose work is over, per hour of the batch's duration."""
        duration = self.duration
        if duration is None or duration.total_seconds() <= 0 or not self.ended:
            return None
        return self.ended / (duration.total_seconds() / 3600)


ENDED = ("done", "failed", "needs_review")


def summarise(rows: Iterable[Figures]) -> Summary:
    summary = Summary()
    for row in rows:
        by_state = summary.counts.setdefault(row.procedure, {})
        by_state[row.state] = by_state.get(row.state, 0) + 1
        if row.state == "done":
            summary.fees_collected += row.fees_collected or 0
            summary.deposited += row.deposited or 0
        if row.state in ENDED:
            summary.ended += 1
        if row.started is not None and (summary.started is None or row.started < summary.started):
            summary.started = row.started
        if row.finished is not None and (
            summary.finished is None or row.finished > summary.finished
        ):
            summary.finished = row.finished
    return summary


def clock(duration: timedelta | None) -> str:
    """``1:02:03`` for a duration (hours may pass 24), ``—`` for none."""
    if duration is None:
        return "—"
    seconds = round(duration.total_seconds())
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def amount(text: object) -> Decimal | None:
    """An amount as the portal wrote it (``158.00``, ``¥1,158.00``), or None."""
    cleaned = str(text or "").replace(",", "").replace("¥", "").replace("元", "").strip()
    try:
        return Decimal(cleaned) if cleaned else None
    except ArithmeticError:
        return None
