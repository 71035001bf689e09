"""A worker that dies leaves a lease that expires: pending if nothing was committed, else
needs_review with the reason."""

from __future__ import annotations

from bots.ledger import State, Store
from tests.fixtures.ledger import FakeClock, order, running


def test_nothing_is_reaped_before_the_lease_expires(store: Store, clock: FakeClock) -> None:
    store.enqueue([order("E9-1")])
    store.claim("w1")
    clock.advance(300)
    assert store.reap() == []
    assert store.get("E9-1").state is State.RUNNING


def test_expired_lease_without_commit_goes_back_to_pending(store: Store, clock: FakeClock) -> None:
    store.enqueue([order("E9-1")])
    store.claim("w1")
    clock.advance(301)
    (item,) = store.reap()
    assert (item.reference, item.state, item.lease_owner, item.attempts) == (
        "E9-1", State.PENDING, None, 1,
    )  # fmt: skip
    attempt = store.history("E9-1")[-1]
    assert (attempt.attempt, attempt.outcome, attempt.note) == (
        1, "pending", "lease expired, no side effects",
    )  # fmt: skip
    again = store.claim("w2")
    assert again is not None and again.attempts == 2


def test_expired_lease_inside_a_commit_step_needs_review(store: Store, clock: FakeClock) -> None:
    store.enqueue([order("E9-1"), order("E9-2")])
    store.claim("robot-3")
    store.commit_started("E9-1", "robot-3", "submit_order")
    clock.advance(301)
    (item,) = store.reap()
    assert item.state is State.NEEDS_REVIEW
    assert item.reason == (
        "LeaseExpired at step submit_order: worker robot-3 lost its lease during commit step "
        "submit_order; check the portal before replay"
    )
    assert item.error_kind == "unknown_outcome"
    assert store.history("E9-1")[-1].outcome == "needs_review"
    assert store.claim("w2").reference == "E9-2"  # type: ignore[union-attr]


def test_expired_lease_after_a_commit_step_needs_review(store: Store, clock: FakeClock) -> None:
    running(store, "E9-1", "robot-3", committed="submit_order")
    clock.advance(301)
    (item,) = store.reap()
    assert (item.state, item.error_message) == (
        State.NEEDS_REVIEW,
        "worker robot-3 lost its lease after commit step submit_order; "
        "check the portal before replay",
    )
    assert store.history("E9-1")[-1].committed_step == "submit_order"


def test_a_heartbeat_keeps_the_item(store: Store, clock: FakeClock) -> None:
    store.enqueue([order("E9-1")])
    store.claim("w1")
    for _ in range(5):
        clock.advance(250)
        assert store.heartbeat("E9-1", "w1")
        assert store.reap() == []
    assert store.get("E9-1").heartbeat_at == clock.now


def test_an_item_whose_workers_keep_dying_fails_after_max_attempts(
    store: Store, clock: FakeClock
) -> None:
    store.enqueue([order("E9-1")])
    for n in range(3):
        store.claim(f"w{n}")
        clock.advance(301)
        (item,) = store.reap()
    assert (item.state, item.attempts, item.error_type) == (State.FAILED, 3, "LeaseExpired")
    assert item.error_message == (
        "the lease expired 3 times running this item (last held by w2), no commit step "
        "started; check the logs before replay"
    )
    outcomes = [h.outcome for h in store.history("E9-1") if h.kind == "attempt"]
    assert outcomes == ["pending", "pending", "failed"]
