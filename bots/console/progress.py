"""A batch's live progress as its page shows it: counts by state, orders finished per
minute over the last minutes, and when the rest should be done at that pace.

It reads the ledger's counts; it does not know pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bots.ledger import State, Store
from bots.messages import t
from bots.messages.terms import state_name

WINDOW = timedelta(minutes=10)  # the pace is the pace of the last ten minutes
MINIMUM = timedelta(minutes=1)  # nor over less than a minute: the first order alone is no pace
OPEN = (State.PENDING, State.RUNNING, State.RETRY_WAIT)


@dataclass(frozen=True)
class Progress:
    counts: dict[State, int]
    per_minute: float

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def remaining(self) -> int:
        return sum(self.counts[state] for state in OPEN)

    @property
    def finished(self) -> int:
        return self.total - self.remaining

    @property
    def eta(self) -> str:
        if not self.remaining:
            return t("已全部处理")
        if not self.per_minute:
            return t("暂无(最近10分钟没有处理完的订单)")
        minutes = self.remaining / self.per_minute
        if minutes < 1:
            return t("不到1分钟")
        return t("约{minutes}分钟", minutes=round(minutes))

    def as_json(self) -> dict[str, object]:
        return {
            "counts": {state.value: n for state, n in self.counts.items()},
            "names": {state.value: state_name(state.value) for state in self.counts},
            "total": self.total,
            "finished": self.finished,
            "remaining": self.remaining,
            "per_minute": round(self.per_minute, 1),
            "eta": self.eta,
        }


def progress_of(store: Store, batch: str, now: datetime) -> Progress:
    since = now - WINDOW
    recent = store.finished_since(since, batch=batch)
    # a batch worked for less than the window: its pace over the minutes it was worked
    # (over ten, three minutes' work read as a third of its pace, the rest thrice as long)
    first = store.first_attempt(batch) if recent else None
    span = now - max(since, first) if first is not None else WINDOW
    minutes = max(span.total_seconds(), MINIMUM.total_seconds()) / 60
    return Progress(store.counts(batch=batch), recent / minutes)
