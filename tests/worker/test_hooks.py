"""The hooks between a run and its work item, on a real ledger (no browser needed)."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from bots.ledger import LeaseLost, NewItem, open_store
from bots.worker.hooks import Interrupted, LedgerHooks

STEP = SimpleNamespace(id="submit")


@pytest.fixture
def hooks(tmp_path: Path):
    store = open_store(f"sqlite:///{tmp_path / 'ledger.db'}")
    store.enqueue([NewItem("R-1", "toy.yaml", {"reference": "R-1"})])
    item = store.claim("w")
    assert item is not None
    made = LedgerHooks(store, item, "w", threading.Event(), threading.Event())
    yield made
    store.close()


def test_a_stop_ends_the_run_between_steps_but_never_inside_a_commit(hooks) -> None:
    hooks.on_step_start(STEP, {})  # nothing asked yet
    hooks.stop.set()
    hooks.on_commit_start(STEP)
    hooks.on_step_start(STEP, {})  # a sub-step of the commit: carries on
    hooks.on_commit_done(STEP, {})
    with pytest.raises(Interrupted) as caught:
        hooks.on_step_start(STEP, {})
    assert (caught.value.message, caught.value.code) == (
        "stopped by the operator between steps",
        "interrupted",
    )
    assert hooks.store.get("R-1").committed_step == "submit"


def test_a_lost_lease_ends_the_run_at_the_next_step(hooks) -> None:
    hooks.lease_lost.set()
    with pytest.raises(LeaseLost) as caught:
        hooks.on_step_start(STEP, {})
    assert caught.value.message == "w lost the lease on R-1; stopped between steps"


def test_a_commit_the_guard_found_done_is_recorded_as_committed(hooks) -> None:
    hooks.on_commit_done(STEP, {"found": True})  # no on_commit_start: the runner skipped it
    item = hooks.store.get("R-1")
    assert (item.committed_step, item.commit_in_progress) == ("submit", None)
