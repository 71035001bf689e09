"""The hooks between a run and its work item, on a real ledger (no browser needed)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bots.ledger import LeaseLost, NewItem, State, open_store
from bots.worker.hooks import Interrupted, Lease, LedgerHooks

STEP = SimpleNamespace(id="submit", name="点击提交")


@pytest.fixture
def hooks(tmp_path: Path):
    store = open_store(f"sqlite:///{tmp_path / 'ledger.db'}")
    store.enqueue([NewItem("R-1", "toy.yaml", {"reference": "R-1"})])
    item = store.claim("w")
    assert item is not None
    made = LedgerHooks(store, item, "w", threading.Event(), Lease(item, "w", 60))
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
        "操作员要求停止,已在两步之间停下",
        "interrupted",
    )
    assert hooks.store.get("R-1").committed_step == "submit"


def test_a_lost_lease_ends_the_run_at_the_next_step(hooks) -> None:
    hooks.lease.lost.set()
    with pytest.raises(LeaseLost) as caught:
        hooks.on_step_start(STEP, {})
    assert caught.value.message == "w失去了R-1的租约;已在两步之间停下"


def test_an_overdue_lease_is_asked_for_before_the_next_step(hooks) -> None:
    """A worker frozen past its lease (SIGSTOP) wakes before its heartbeat thread does: the
    next step asks the ledger itself, and stops when the item was taken meanwhile."""
    store = hooks.store
    hooks.on_step_start(STEP, {})  # just claimed: nothing to ask
    hooks.lease.confirmed -= 31  # half the 60 s lease without a word from the ledger
    hooks.on_step_start(STEP, {})  # still ours: the lease is extended and the run goes on
    assert not hooks.lease.overdue
    with store.tx() as cur:  # the lease runs out while the process is frozen...
        cur.run("UPDATE work_items SET lease_expires_at = ? WHERE reference = 'R-1'",
                store.clock() - timedelta(seconds=1))  # fmt: skip
    assert [i.state for i in store.reap()] == [State.PENDING]
    assert store.claim("other/0") is not None  # ...and another worker takes the item
    hooks.lease.confirmed -= 31
    with pytest.raises(LeaseLost) as caught:
        hooks.on_step_start(STEP, {})
    assert caught.value.message == "w失去了R-1的租约;已在两步之间停下"
    with pytest.raises(LeaseLost):
        hooks.on_commit_start(STEP)  # and no commit of it is recorded either
    assert store.get("R-1").lease_owner == "other/0"
    assert store.get("R-1").commit_in_progress is None


def test_a_renewal_holds_from_when_it_was_asked_not_from_its_answer(hooks) -> None:
    """Frozen (SIGSTOP) after the ledger extended the lease but before the answer was read:
    when the answer arrives the lease has run out and another worker holds the item. The
    renewal counts from the question, so the next step asks the ledger again and stops."""
    store, now = hooks.store, [1000.0]

    class HeldUp:
        """The ledger, with a freeze longer than the lease while its answer is in flight."""

        def heartbeat(self, *args: object, **kwargs: object) -> bool:
            extended = store.heartbeat(*args, **kwargs)
            with store.tx() as cur:
                cur.run("UPDATE work_items SET lease_expires_at = ? WHERE reference = 'R-1'",
                        store.clock() - timedelta(seconds=1))  # fmt: skip
            assert [i.state for i in store.reap()] == [State.PENDING]
            assert store.claim("other/0") is not None
            now[0] += 61
            return extended

    lease = Lease(hooks.item, "w", 60, clock=lambda: now[0])
    assert lease.renew(HeldUp())  # type: ignore[arg-type]  # the answer: "extended"
    assert lease.overdue  # ...but asked for 61 s ago
    late = LedgerHooks(store, hooks.item, "w", threading.Event(), lease)
    with pytest.raises(LeaseLost) as caught:
        late.on_step_start(STEP, {})
    assert caught.value.message == "w失去了R-1的租约;已在两步之间停下"
    assert store.get("R-1").lease_owner == "other/0"


def test_a_commit_the_guard_found_done_is_recorded_as_committed(hooks) -> None:
    hooks.on_commit_done(STEP, {"found": True})  # no on_commit_start: the runner skipped it
    item = hooks.store.get("R-1")
    assert (item.committed_step, item.commit_in_progress) == ("submit", None)
    assert item.step_names == {"submit": "点击提交"}  # (what bots show and the console say)


def test_a_change_is_not_sent_once_the_order_was_reaped_and_taken(hooks) -> None:
    """Frozen inside a commit (its start recorded) past its lease: the order was reaped to
    an operator, replayed and taken by another worker. Resumed, the worker asks the ledger
    right before the change goes out, and does not send it."""
    store = hooks.store
    hooks.on_commit_start(STEP)
    # still ours: the lease is extended and the change goes out
    hooks.before_send(STEP, {"id": "deposit/submit"})
    assert store.get("R-1").lease_expires_at > store.clock() + timedelta(seconds=30)
    with store.tx() as cur:
        cur.run("UPDATE work_items SET lease_expires_at = ? WHERE reference = 'R-1'",
                store.clock() - timedelta(seconds=1))  # fmt: skip
    assert [i.state for i in store.reap()] == [State.NEEDS_REVIEW]
    store.replay(["R-1"], actor="ops")
    assert store.claim("other/0") is not None
    with pytest.raises(LeaseLost) as caught:
        hooks.before_send(STEP, {"id": "deposit/submit"})
    assert caught.value.message == "w失去了R-1的租约;没有发出“deposit/submit”"
    assert store.get("R-1").lease_owner == "other/0"
