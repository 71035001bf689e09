"""The batch report's figures: counts by procedure and state, money of done orders only,
the time from the first start to the last end, orders finished per hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bots.report.summary import REJECTED, Figures, amount, clock, summarise

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_counts_money_and_time() -> None:
    summary = summarise([
        Figures("new_install", "done", Decimal("158.00"), Decimal(600), T0,
                T0 + timedelta(minutes=5)),
        Figures("renewal", "done", Decimal("100.00"), Decimal(600), T0 + timedelta(minutes=1),
                T0 + timedelta(minutes=20)),
        # held for review: the portal may have charged it, the summary does not count it
        Figures("renewal", "needs_review", Decimal("100.00"), None, T0, T0 + timedelta(minutes=9)),
        Figures("renewal", "failed", None, None, T0, T0 + timedelta(minutes=3)),
        Figures("new_install", "pending"),
        Figures("", REJECTED),
    ])  # fmt: skip
    assert summary.counts == {
        "new_install": {"done": 1, "pending": 1},
        "renewal": {"done": 1, "needs_review": 1, "failed": 1},
        "": {REJECTED: 1},
    }
    assert summary.states == ["done", "failed", "needs_review", "pending", REJECTED]
    assert summary.procedures == ["new_install", "renewal", ""]
    assert (summary.total(), summary.total("done"), summary.total(REJECTED)) == (5, 2, 1)
    assert summary.total(procedure="renewal") == 3
    assert (summary.fees_collected, summary.deposited) == (Decimal("258.00"), Decimal(1200))
    assert summary.duration == timedelta(minutes=20)
    assert summary.per_hour == 12.0  # 4 orders over (done, failed, held) in a third of an hour
    assert clock(summary.duration) == "0:20:00"


def test_nothing_worked_yet() -> None:
    summary = summarise([Figures("new_install", "pending")])
    assert (summary.duration, summary.per_hour, clock(summary.duration)) == (None, None, "—")


def test_amounts_as_the_portal_writes_them() -> None:
    assert [amount(x) for x in ("158.00", "¥1,158.00", "100元", "", None, "未知")] == [
        Decimal("158.00"), Decimal("1158.00"), Decimal(100), None, None, None,
    ]  # fmt: skip
    assert clock(timedelta(hours=26, seconds=61)) == "26:01:01"
