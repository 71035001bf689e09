"""A worker that dies leaves a lease that expires: pending if nothing was committed (the
attempt not spent, the expiry counted apart), else needs_review with the reason."""

from __future__ import annotations

import pytest

from bots.ledger import ErrorInfo, State, Store, open_store
from bots.ledger.errors import IllegalTransition
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
    assert (item.reference, item.state, item.lease_owner, item.lease_token) == (
        "E9-1", State.PENDING, None, None,
    )  # fmt: skip
    # the worker died, not the order: no attempt of its budget spent, one expiry counted
    assert (item.attempts, item.run_attempts, item.expiries) == (1, 0, 1)
    attempt = store.history("E9-1")[-1]
    assert (attempt.attempt, attempt.outcome, attempt.note) == (
        1, "pending", "租约过期,没有留下任何改动",
    )  # fmt: skip
    again = store.claim("w2")
    assert again is not None and again.attempts == 2


def test_expired_lease_inside_a_commit_step_needs_review(store: Store, clock: FakeClock) -> None:
    store.enqueue([order("E9-1"), order("E9-2")])
    token = store.claim("robot-3").lease_token  # type: ignore[union-attr]
    store.commit_started("E9-1", "robot-3", "submit_order", token=token)
    clock.advance(301)
    (item,) = store.reap()
    assert item.state is State.NEEDS_REVIEW
    assert item.reason == (
        "工作进程robot-3在提交步骤“submit_order”进行中失去了租约;重放前先到营账系统里查看"
        "(步骤 submit_order)"
    )
    assert item.error_kind == "unknown_outcome"
    # the reaper ended the claim, not its worker: an end it asks for again is refused
    assert item.lease_token is None and store.ended_under("E9-1", token) is None
    assert store.history("E9-1")[-1].outcome == "needs_review"
    assert store.claim("w2").reference == "E9-2"  # type: ignore[union-attr]


def test_expired_lease_after_a_commit_step_needs_review(store: Store, clock: FakeClock) -> None:
    running(store, "E9-1", "robot-3", committed="submit_order")
    clock.advance(301)
    (item,) = store.reap()
    assert (item.state, item.error_message) == (
        State.NEEDS_REVIEW,
        "工作进程robot-3在提交步骤“submit_order”之后失去了租约;重放前先到营账系统里查看",
    )
    assert store.history("E9-1")[-1].committed_step == "submit_order"


def test_a_reaped_commit_leads_to_its_attempt_s_run_folder(store: Store, clock: FakeClock) -> None:
    # a worker killed after 提交: the operator must see what it did before replaying
    store.enqueue([order("E9-1")])
    first = store.claim("w1")
    assert first is not None
    store.fail("E9-1", "w1", ErrorInfo("system_exception", "SystemException", "忙"),
               token=first.lease_token, artifact_dir="runs/E9-1/attempt-1")  # fmt: skip
    clock.advance(60)
    second = store.claim("w2")
    assert second is not None and second.attempts == 2
    store.commit_started("E9-1", "w2", "submit", token=second.lease_token,
                         artifact_dir="runs/E9-1/attempt-2")  # fmt: skip
    clock.advance(301)
    (item,) = store.reap()
    assert (item.state, item.artifact_dir) == (State.NEEDS_REVIEW, "runs/E9-1/attempt-2")
    attempts = [(e.attempt, e.artifact_dir) for e in store.history("E9-1") if e.kind == "attempt"]
    assert attempts == [(1, "runs/E9-1/attempt-1"), (2, "runs/E9-1/attempt-2")]


def test_a_heartbeat_keeps_the_item(store: Store, clock: FakeClock) -> None:
    store.enqueue([order("E9-1")])
    token = store.claim("w1").lease_token  # type: ignore[union-attr]
    for _ in range(5):
        clock.advance(250)
        assert store.heartbeat("E9-1", "w1", token=token)
        assert store.reap() == []
    assert store.get("E9-1").heartbeat_at == clock.now


def test_crashes_of_the_process_spend_none_of_an_orders_attempts(
    store: Store, clock: FakeClock
) -> None:
    """Six kills in a row on the oldest orders (three attempts each): they all go back to
    pending, their retry budget untouched, and still have all three attempts for real
    errors."""
    store.enqueue([order("E9-1"), order("E9-2"), order("E9-3")])
    for _ in range(2):
        for n in range(3):
            store.claim(f"w{n}")
        clock.advance(301)
        assert [i.state for i in store.reap()] == [State.PENDING] * 3
    items = store.items()
    assert [(i.state, i.run_attempts, i.expiries) for i in items] == [(State.PENDING, 0, 2)] * 3
    timeout = ErrorInfo("system_exception", "TimeoutError", "系统繁忙")
    for _ in range(3):
        claimed = store.claim("w9")
        assert claimed is not None and claimed.reference == "E9-1"
        ended = store.fail_system("E9-1", "w9", timeout, token=claimed.lease_token)
        clock.advance(60)
    assert (ended.state, ended.run_attempts, ended.error_message) == (
        State.FAILED, 3, "系统繁忙(试了3次,放弃)",
    )  # fmt: skip


def test_an_item_whose_workers_keep_dying_is_parked_after_five_expiries(
    store: Store, clock: FakeClock
) -> None:
    store.enqueue([order("E9-1")])
    for n in range(5):
        store.claim(f"w{n}")
        clock.advance(301)
        (item,) = store.reap()
    assert (item.state, item.attempts, item.expiries, item.error_type) == (
        State.FAILED, 5, 5, "LeaseExpired",
    )  # fmt: skip
    assert item.error_message == (
        "租约已过期5次(最后由w4持有),从未开始提交步骤:这个订单一再让工作进程中断,查看日志后再重放"
    )
    outcomes = [h.outcome for h in store.history("E9-1") if h.kind == "attempt"]
    assert outcomes == ["pending"] * 4 + ["failed"]
    # the operator's replay starts the count afresh
    assert store.replay(["E9-1"]) == ["E9-1"]
    assert (store.get("E9-1").expiries, store.get("E9-1").run_attempts) == (0, 0)


def test_the_expiry_limit_is_a_ledger_option(ledger_url: str, clock: FakeClock) -> None:
    store = open_store(ledger_url, check_schema=False, clock=clock, max_expiries=2)
    store.upgrade()
    store.enqueue([order("E9-1")])
    states = []
    for _ in range(2):
        store.claim("w1")
        clock.advance(store.lease.total_seconds() + 1)  # type: ignore[attr-defined]
        states += [i.state for i in store.reap()]
    assert states == [State.PENDING, State.FAILED]
    store.close()


def test_an_operator_cancels_an_order_whose_worker_is_gone(store: Store, clock: FakeClock) -> None:
    # no worker left to reap it: the order would stay running, and refuse to be cancelled
    store.enqueue([order("E9-1")])
    store.claim("w1")
    clock.advance(301)
    item = store.cancel("E9-1")
    assert item.state is State.CANCELLED
    assert [(e.kind, e.outcome, e.note) for e in store.history("E9-1")[-2:]] == [
        ("attempt", "pending", "租约过期,没有留下任何改动"),
        ("cancel", None, "从待处理取消"),
    ]


def test_an_operator_replays_an_order_its_worker_left_inside_a_commit(
    store: Store, clock: FakeClock
) -> None:
    store.enqueue([order("E9-1")])
    token = store.claim("robot-3").lease_token  # type: ignore[union-attr]
    store.commit_started("E9-1", "robot-3", "submit_order", token=token)
    clock.advance(301)
    assert store.replay(["E9-1"]) == ["E9-1"]
    item = store.get("E9-1")
    assert (item.state, item.replay) == (State.PENDING, True)
    assert [e.outcome for e in store.history("E9-1") if e.kind == "attempt"] == ["needs_review"]


def test_a_running_order_whose_lease_holds_is_still_refused(store: Store, clock: FakeClock) -> None:
    store.enqueue([order("E9-1")])
    store.claim("w1")
    clock.advance(300)
    with pytest.raises(IllegalTransition) as refused:
        store.cancel("E9-1")
    assert str(refused.value) == (
        "不能取消E9-1:它是处理中(这需要订单是待处理、失败、等待重试或待人工核查)")
    assert store.get("E9-1").state is State.RUNNING
