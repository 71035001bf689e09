"""bots/console/progress.py: a batch's pace over the minutes it was worked, at most the last
ten, at least one; and the time left at that pace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bots.console.progress import progress_of
from bots.ledger import State

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


class Ledger:
    def __init__(self, finished: int, first: datetime | None) -> None:
        self.finished, self.first = finished, first

    def finished_since(self, since: datetime, *, batch: str | None = None) -> int:
        assert since == NOW - timedelta(minutes=10)
        return self.finished

    def first_attempt(self, batch: str) -> datetime | None:
        return self.first

    def counts(self, *, batch: str | None = None) -> dict[State, int]:
        return {**dict.fromkeys(State, 0), State.DONE: self.finished, State.PENDING: 30}


@pytest.mark.parametrize("finished,first,pace,eta", [
    (12, NOW - timedelta(minutes=3), 4.0, "约8分钟"),  # worked three minutes: over three
    (12, NOW - timedelta(hours=2), 1.2, "约25分钟"),  # worked long: the last ten minutes
    (2, NOW - timedelta(seconds=5), 2.0, "约15分钟"),  # the first seconds: at least a minute
    (0, None, 0.0, "暂无(最近10分钟没有处理完的订单)"),
])  # fmt: skip
def test_the_pace_counts_the_minutes_the_batch_was_worked(
    finished: int, first: datetime | None, pace: float, eta: str
) -> None:
    progress = progress_of(Ledger(finished, first), "b1", NOW)  # type: ignore[arg-type]
    assert (progress.per_minute, progress.eta) == (pytest.approx(pace), eta)
