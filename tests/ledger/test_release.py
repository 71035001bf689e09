"""A worker told to stop hands its item back between steps."""

from __future__ import annotations

from bots.ledger import State, Store
from tests.fixtures.ledger import order, running


def test_release_between_steps_puts_the_item_back_without_spending_an_attempt(
    store: Store,
) -> None:
    store.enqueue([order("E9-1")])
    token = store.claim("w1").lease_token  # type: ignore[union-attr]
    item = store.release(
        "E9-1", "w1", "stopped by the operator", token=token, artifact_dir="runs/E9-1/1"
    )
    assert (item.state, item.attempts, item.run_attempts, item.lease_owner, item.replay) == (
        State.PENDING, 1, 0, None, False,
    )  # fmt: skip
    attempt = store.history("E9-1")[-1]
    assert (attempt.outcome, attempt.note, attempt.artifact_dir) == (
        "pending", "交回队列:stopped by the operator", "runs/E9-1/1",
    )  # fmt: skip
    assert store.claim("w2").attempts == 2  # type: ignore[union-attr]


def test_release_after_a_committed_step_flags_the_replay(store: Store) -> None:
    token = running(store, "E9-1", "w1", committed="submit").lease_token
    assert store.release("E9-1", "w1", "stopped", token=token).replay is True


def test_release_inside_a_commit_step_needs_review(store: Store) -> None:
    token = running(store, "E9-1", "w1", started="submit").lease_token
    item = store.release("E9-1", "w1", "stopped", token=token)
    assert (item.state, item.error_message) == (
        State.NEEDS_REVIEW,
        "stopped(在提交步骤“submit”进行中);重放前先到营账系统里查看",
    )
