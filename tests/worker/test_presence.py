"""A ``bots work`` process records its workers, a heartbeat and how it stopped, for the
console's workers page; which order each worker holds is the item's lease."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import pytest

from bots.ledger import Backoff, State, open_store
from bots.worker.presence import Presence
from tests.worker.test_pool import wait_for

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def test_the_heartbeat_runs_until_the_block_ends_and_a_crash_is_recorded(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/ledger.db"
    store = open_store(url)
    with pytest.raises(RuntimeError):
        with Presence(url, "p1", [("p1/0", "GH1001")], every=0.05):
            [first] = store.workers(since=EPOCH)
            assert (first.worker, first.staff_id, first.stopped_at) == ("p1/0", "GH1001", None)
            wait_for(lambda: store.workers(since=EPOCH)[0].heartbeat_at > first.heartbeat_at)
            raise RuntimeError("worker p1/0 died")
    [row] = store.workers(since=EPOCH)
    assert (row.stop_kind, row.stop_reason) == ("crash", "worker p1/0 died")
    assert row.stopped_at is not None
    store.close()


@pytest.mark.browser
def test_a_working_process_shows_its_workers_and_the_orders_they_hold(worker_kit) -> None:
    worker_kit.portal.slow_page["SLOW"] = 3.0
    worker_kit.enqueue("SLOW")
    process = subprocess.Popen(
        worker_kit.command("--workers", "2"), env=worker_kit.environ(), cwd=worker_kit.root,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: "SLOW" in worker_kit.portal.pages_asked, seconds=60)
        store = worker_kit.store()
        rows = store.workers(since=EPOCH)
        assert [(r.worker, r.staff_id, r.stopped_at) for r in rows] == [
            ("cli/0", "GH1001", None), ("cli/1", "GH1002", None),
        ]  # fmt: skip
        assert {r.process for r in rows} == {"cli"} and {r.pid for r in rows} == {process.pid}
        [held] = store.items(states=[State.RUNNING])
        assert (held.reference, held.lease_owner in ("cli/0", "cli/1")) == ("SLOW", True)
    finally:
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    rows = store.workers(since=EPOCH)
    assert {(r.stop_kind, r.stop_reason) for r in rows} == {("finished", None)}
    assert all(r.stopped_at is not None for r in rows)
    store.close()


@pytest.mark.browser
def test_a_portal_down_stop_is_recorded_with_its_reason(worker_kit) -> None:
    worker_kit.portal.busy.update(["D-1", "D-2"])
    worker_kit.enqueue("D-1", "D-2")
    summary = worker_kit.work(
        max_consecutive_system=2, backoff=Backoff(base=60, factor=1, cap=60)
    )
    assert summary.stop_kind == "portal_down"
    store = worker_kit.store()
    [row] = store.workers(since=EPOCH)
    assert (row.worker, row.stop_kind) == ("t/0", "portal_down")
    assert row.stop_reason is not None
    assert row.stop_reason.startswith("t/0:连续2次系统异常(最近一次:")
    assert row.stop_reason.endswith("营账系统像是停了,已停止;恢复后再运行 bots work")
    store.close()
