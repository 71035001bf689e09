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
