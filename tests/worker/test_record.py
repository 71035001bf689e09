"""How one attempt's result lands in the ledger and counts towards "the portal looks down"."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.errors import SystemException
from bots.ledger import NewItem, State, open_store
from bots.runner.records import RunResult
from bots.worker.credentials import Credential
from bots.worker.loop import Shared, Worker, WorkerConfig


def failed(code: str) -> RunResult:
    error = SystemException(f"portal said {code}", code=code, retryable=True)
    return RunResult("failed", {}, error, [], None, failed_step="pick_number")


@pytest.mark.parametrize(
    ("code", "stopped"),
    [("timeout", True), ("refused_for_now", False)],
)
def test_only_a_silent_portal_counts_towards_portal_down(
    tmp_path: Path, code: str, stopped: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    store = open_store(url)
    refs = [f"R-{n}" for n in range(3)]
    store.enqueue([NewItem(ref, "flow.yaml", {"ref": ref}) for ref in refs])
    config = WorkerConfig(url, tmp_path, "http://portal/", tmp_path, max_consecutive_system=3)
    shared = Shared()
    worker = Worker("w/0", Credential("GH1001", "secret"), config, shared)
    for _ in refs:
        item = store.claim("w/0", lease_seconds=60)
        assert item is not None
        ended = worker._record(store, item, failed(code), str(tmp_path))
        assert ended.state is State.RETRY_WAIT
    assert shared.stop.is_set() is stopped
    assert [kind for kind, _ in shared.stop_reason] == (["portal_down"] if stopped else [])
    store.close()


def test_the_portal_down_count_is_shared_by_the_workers_of_one_process(tmp_path: Path) -> None:
    """Three workers each meeting one silent portal: three failures in a row for the
    process, which stops them all, instead of every worker spending three orders."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    store = open_store(url)
    refs = [f"R-{n}" for n in range(6)]
    store.enqueue([NewItem(ref, "flow.yaml", {"ref": ref}) for ref in refs])
    config = WorkerConfig(url, tmp_path, "http://portal/", tmp_path, max_consecutive_system=3)
    shared = Shared()
    workers = [
        Worker(f"w/{n}", Credential(f"GH100{n + 1}", "secret"), config, shared) for n in range(3)
    ]
    passed = RunResult("passed", {"order_no": "NO-1"}, None, [], None)
    # an answer from the portal in between starts the count afresh
    for worker, result in [(workers[0], failed("timeout")), (workers[1], passed)]:
        item = store.claim(worker.worker_id, lease_seconds=60)
        assert item is not None
        worker._record(store, item, result, str(tmp_path))
    assert shared.failures == 0
    for worker in workers:
        item = store.claim(worker.worker_id, lease_seconds=60)
        assert item is not None
        assert not shared.stop.is_set()
        worker._record(store, item, failed("timeout"), str(tmp_path))
    assert shared.stop.is_set()
    assert shared.stop_reason == [(
        "portal_down",
        "w/2:连续3次系统异常(最近一次:portal said timeout);营账系统像是停了,"
        "已停止;恢复后再运行 bots work",
    )]  # fmt: skip
    assert [item.state for item in store.items()] == [
        State.RETRY_WAIT, State.DONE, State.RETRY_WAIT, State.RETRY_WAIT, State.RETRY_WAIT,
        State.PENDING,
    ]  # fmt: skip
    store.close()
