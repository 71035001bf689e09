"""Worker processes in the ledger: started, heard from, stopped — on both backends."""

from __future__ import annotations

from datetime import timedelta

from bots.ledger import Store
from tests.fixtures.ledger import START, FakeClock


def test_a_process_records_its_workers_beats_and_stops(store: Store, clock: FakeClock) -> None:
    store.workers_started("h-1-ab", "h", 1, [("h-1-ab/0", "GH1001"), ("h-1-ab/1", "GH1002")])
    store.workers_started("h-2-cd", "h", 2, [("h-2-cd/0", "GH1003")])
    clock.advance(5)
    store.workers_beat("h-1-ab")
    rows = store.workers(since=START)
    assert [(r.worker, r.staff_id, r.heartbeat_at - START) for r in rows] == [
        ("h-1-ab/0", "GH1001", timedelta(seconds=5)),
        ("h-1-ab/1", "GH1002", timedelta(seconds=5)),
        ("h-2-cd/0", "GH1003", timedelta(0)),
    ]
    clock.advance(5)
    store.workers_stopped("h-1-ab", "portal_down", "5 system exceptions in a row")
    store.workers_beat("h-1-ab")  # a stopped process beats no more
    rows = {r.worker: r for r in store.workers(since=START)}
    stopped = rows["h-1-ab/1"]
    assert (stopped.stop_kind, stopped.stop_reason, stopped.stopped_at) == (
        "portal_down", "5 system exceptions in a row", START + timedelta(seconds=10),
    )  # fmt: skip
    assert rows["h-2-cd/0"].stopped_at is None
    assert [r.worker for r in store.workers(since=START + timedelta(seconds=1))] == [
        "h-1-ab/0", "h-1-ab/1",
    ]  # fmt: skip


def test_a_worker_id_used_again_starts_afresh_and_old_rows_go(
    store: Store, clock: FakeClock
) -> None:
    store.workers_started("p1", "h", 1, [("robot-07/0", "GH1001")])
    store.workers_stopped("p1", "signal", "stopped by SIGTERM")
    store.workers_started("old", "h", 9, [("gone/0", None)])
    clock.advance(8 * 24 * 3600)
    store.workers_started("p2", "h", 2, [("robot-07/0", "GH1002")])
    [row] = store.workers(since=START)
    assert (row.worker, row.process, row.staff_id, row.stopped_at) == (
        "robot-07/0", "p2", "GH1002", None,
    )  # fmt: skip
