"""The worker's side: claim order, leases, commit steps and how an attempt ends."""

from __future__ import annotations

import pytest

from bots.errors import BusinessException, SystemException, UnknownOutcome
from bots.ledger import ErrorInfo, IllegalTransition, LeaseLost, NewItem, State, Store
from bots.ledger.model import Backoff
from tests.fixtures.ledger import FakeClock, order, running

TIMEOUT = ErrorInfo(kind="system_exception", type="TimeoutError", message="系统繁忙", step="fee")


def test_claim_takes_priority_then_age(store: Store, clock: FakeClock) -> None:
    store.enqueue([order("OLD")])
    clock.advance(1)
    store.enqueue([NewItem("URGENT", "renewal", {}, priority=-5), order("NEW")])
    claimed = [store.claim("w1") for _ in range(4)]
    assert [c.reference if c else None for c in claimed] == ["URGENT", "OLD", "NEW", None]


def test_claim_leases_the_item_and_opens_an_attempt(store: Store, clock: FakeClock) -> None:
    store.enqueue([order("E9-1")])
    item = store.claim("robot-7")
    assert item is not None
    assert (item.state, item.attempts, item.lease_owner) == (State.RUNNING, 1, "robot-7")
    assert (item.lease_expires_at - clock.now).total_seconds() == 300  # type: ignore[operator]
    attempt = store.history("E9-1")[-1]
    assert (attempt.kind, attempt.attempt, attempt.actor, attempt.finished_at) == (
        "attempt", 1, "robot-7", None,
    )  # fmt: skip


def test_heartbeat_extends_only_an_owned_lease(store: Store, clock: FakeClock) -> None:
    store.enqueue([order("E9-1")])
    store.claim("w1")
    clock.advance(200)
    assert store.heartbeat("E9-1", "w1") is True
    assert (store.get("E9-1").lease_expires_at - clock.now).total_seconds() == 300  # type: ignore[operator]
    assert store.heartbeat("E9-1", "w2") is False


def test_heartbeat_of_a_lost_lease_is_false_and_acting_on_it_is_refused(
    store: Store, clock: FakeClock
) -> None:
    store.enqueue([order("E9-1")])
    store.claim("w1")
    clock.advance(301)
    assert [i.state for i in store.reap()] == [State.PENDING]
    assert store.heartbeat("E9-1", "w1") is False
    store.claim("w2")
    with pytest.raises(LeaseLost) as caught:
        store.complete("E9-1", "w1", {"order_no": "X"})
    assert str(caught.value) == "w1 no longer holds the lease on E9-1: it is running held by w2"
    store.complete("E9-1", "w2", {"order_no": "Y"})
    with pytest.raises(LeaseLost) as caught:
        store.commit_started("E9-1", "w2", "submit")
    assert str(caught.value) == "w2 no longer holds the lease on E9-1: it is done"


def test_complete_keeps_outputs_and_closes_the_attempt(store: Store, clock: FakeClock) -> None:
    running(store, "E9-1", "w1", committed="submit")
    clock.advance(42)
    done = store.complete("E9-1", "w1", {"order_no": "P001"}, artifact_dir="runs/E9-1/1")
    assert (done.state, done.outputs, done.committed_step, done.lease_owner) == (
        State.DONE, {"order_no": "P001"}, "submit", None,
    )  # fmt: skip
    assert done.finished_at == clock.now
    attempt = store.history("E9-1")[-1]
    assert (attempt.outcome, attempt.artifact_dir, attempt.committed_step) == (
        "done", "runs/E9-1/1", "submit",
    )  # fmt: skip


def test_commit_steps_are_recorded_in_order(store: Store) -> None:
    running(store, "E9-1", "w1", started="submit")
    assert store.get("E9-1").commit_in_progress == "submit"
    store.commit_started("E9-1", "w1", "submit")  # re-run after a re-login: allowed
    with pytest.raises(Exception) as caught:
        store.commit_started("E9-1", "w1", "pay")
    assert str(caught.value) == (
        "cannot start commit step pay of E9-1: step submit is still in progress"
    )
    with pytest.raises(Exception) as caught:
        store.commit_done("E9-1", "w1", "pay")
    assert str(caught.value) == (
        "cannot finish commit step pay of E9-1: the step in progress is submit"
    )
    store.commit_done("E9-1", "w1", "submit")
    item = store.get("E9-1")
    assert (item.committed_step, item.commit_in_progress) == ("submit", None)


def test_business_exception_fails_at_once_with_class_message_and_context(store: Store) -> None:
    store.enqueue([order("E9-1")])
    store.claim("w1")
    error = ErrorInfo.from_exception(
        BusinessException("号码已被占用", code="number_taken", number="18937100001"), step="pick"
    )
    failed = store.fail("E9-1", "w1", error, artifact_dir="runs/E9-1/1")
    assert (failed.state, failed.error_kind, failed.error_type, failed.error_code) == (
        State.FAILED, "business_exception", "BusinessException", "number_taken",
    )  # fmt: skip
    assert (failed.error_message, failed.error_step, failed.error_context) == (
        "号码已被占用", "pick", {"number": "18937100001"},
    )  # fmt: skip
    assert failed.reason == "BusinessException at step pick: 号码已被占用"
    assert failed.artifact_dir == "runs/E9-1/1"


def test_system_exceptions_back_off_exponentially_then_fail(
    ledger_url: str, clock: FakeClock
) -> None:
    from bots.ledger import open_store

    store = open_store(
        ledger_url, check_schema=False, clock=clock, backoff=Backoff(10, 3, 60), max_attempts=5
    )
    store.upgrade()
    store.enqueue([order("E9-1")])
    delays = []
    for _ in range(4):
        assert store.claim("w1") is not None
        waiting = store.fail_system("E9-1", "w1", TIMEOUT)
        assert waiting.state is State.RETRY_WAIT
        delay = (waiting.next_attempt_at - clock.now).total_seconds()  # type: ignore[operator]
        delays.append(delay)
        clock.advance(delay - 1)
        assert store.claim("w1") is None, "claimed before its backoff was over"
        clock.advance(1)
    assert delays == [10, 30, 60, 60]
    assert store.claim("w1") is not None
    failed = store.fail("E9-1", "w1", TIMEOUT)
    assert (failed.state, failed.attempts, failed.next_attempt_at) == (State.FAILED, 5, None)
    assert failed.error_message == "系统繁忙 (gave up after 5 attempts)"
    outcomes = [h.outcome for h in store.history("E9-1") if h.kind == "attempt"]
    assert outcomes == ["retry_wait"] * 4 + ["failed"]
    store.close()


def test_system_exception_inside_a_commit_step_needs_review(store: Store) -> None:
    running(store, "E9-1", "w1", started="submit")
    item = store.fail_system("E9-1", "w1", TIMEOUT)
    assert item.state is State.NEEDS_REVIEW
    assert item.error_message == (
        "系统繁忙 (system error during commit step submit; check the portal before replay)"
    )


def test_a_retry_after_a_committed_step_is_flagged_to_check_guards(store: Store) -> None:
    running(store, "E9-1", "w1", committed="submit")
    assert store.fail_system("E9-1", "w1", TIMEOUT).replay is True


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (BusinessException("不符合办理条件"), State.FAILED),
        (SystemException("timeout"), State.RETRY_WAIT),
        (UnknownOutcome("browser died during submit"), State.NEEDS_REVIEW),
        (KeyError("surprise"), State.RETRY_WAIT),
    ],
)
def test_fail_dispatches_on_the_error_kind(
    store: Store, error: BaseException, state: State
) -> None:
    store.enqueue([order("E9-1")])
    store.claim("w1")
    assert store.fail("E9-1", "w1", ErrorInfo.from_exception(error)).state is state


@pytest.mark.parametrize("action", ["complete", "fail", "commit_started", "commit_done"])
def test_worker_actions_need_a_running_item(store: Store, action: str) -> None:
    store.enqueue([order("E9-1")])
    args = {
        "complete": ({},),
        "fail": (TIMEOUT,),
        "commit_started": ("submit",),
        "commit_done": ("submit",),
    }[action]
    with pytest.raises(LeaseLost) as caught:
        getattr(store, action)("E9-1", "w1", *args)
    assert str(caught.value) == "w1 no longer holds the lease on E9-1: it is pending"


def test_retry_wait_is_claimable_only_when_due_and_keeps_counting(
    store: Store, clock: FakeClock
) -> None:
    store.enqueue([order("E9-1")])
    store.claim("w1")
    store.fail_system("E9-1", "w1", TIMEOUT)
    assert store.claim("w2") is None
    clock.advance(10)
    again = store.claim("w2")
    assert again is not None and (again.attempts, again.lease_owner) == (2, "w2")
    with pytest.raises(IllegalTransition) as caught:
        store.replay(["E9-1"])
    assert str(caught.value) == (
        "cannot replay E9-1: it is running (replay needs failed, needs_review or cancelled)"
    )
