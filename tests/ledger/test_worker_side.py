"""The worker's side: claim order, leases, commit steps and how an attempt ends."""

from __future__ import annotations

from dataclasses import replace

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


def test_claim_order_mixes_due_retries_with_pending_and_skips_retries_not_due(
    store: Store, clock: FakeClock
) -> None:
    store.enqueue([order("DUE"), NewItem("LATER", "renewal", {}, priority=-5)])
    clock.advance(1)
    store.enqueue([order("PENDING")])

    def claim_and_fail(expected: str) -> None:
        item = store.claim("w1")
        assert item is not None and item.reference == expected
        store.fail_system(expected, "w1", TIMEOUT, token=item.lease_token)

    claim_and_fail("LATER")
    claim_and_fail("DUE")
    clock.advance(10)  # both first backoffs are over: LATER goes first, and waits longer
    claim_and_fail("LATER")
    assert store.get("LATER").next_attempt_at > clock.now  # type: ignore[operator]
    claimed = [store.claim("w2") for _ in range(3)]
    assert [c.reference if c else None for c in claimed] == ["DUE", "PENDING", None]


def test_claim_leases_the_item_and_opens_an_attempt(store: Store, clock: FakeClock) -> None:
    store.enqueue([order("E9-1")])
    item = store.claim("robot-7")
    assert item is not None
    assert (item.state, item.attempts, item.lease_owner) == (State.RUNNING, 1, "robot-7")
    assert item.lease_token is not None and len(item.lease_token) == 32
    assert (item.lease_expires_at - clock.now).total_seconds() == 300  # type: ignore[operator]
    attempt = store.history("E9-1")[-1]
    assert (attempt.kind, attempt.attempt, attempt.actor, attempt.finished_at) == (
        "attempt", 1, "robot-7", None,
    )  # fmt: skip


def test_heartbeat_extends_only_the_lease_of_its_token(store: Store, clock: FakeClock) -> None:
    store.enqueue([order("E9-1")])
    item = store.claim("w1")
    assert item is not None
    clock.advance(200)
    assert store.heartbeat("E9-1", "w1", token=item.lease_token) is True
    assert (store.get("E9-1").lease_expires_at - clock.now).total_seconds() == 300  # type: ignore[operator]
    assert store.heartbeat("E9-1", "w1", token="0" * 32) is False
    assert store.heartbeat("E9-1", "w1", token=None) is False


def test_heartbeat_of_a_lost_lease_is_false_and_acting_on_it_is_refused(
    store: Store, clock: FakeClock
) -> None:
    store.enqueue([order("E9-1")])
    first = store.claim("w1")
    assert first is not None
    clock.advance(301)
    assert [i.state for i in store.reap()] == [State.PENDING]
    assert store.heartbeat("E9-1", "w1", token=first.lease_token) is False
    second = store.claim("w2")
    assert second is not None
    with pytest.raises(LeaseLost) as caught:
        store.complete("E9-1", "w1", {"order_no": "X"}, token=first.lease_token)
    assert str(caught.value) == "w1已不再持有E9-1的租约:它已由w2重新领取"
    store.complete("E9-1", "w2", {"order_no": "Y"}, token=second.lease_token)
    with pytest.raises(LeaseLost) as caught:
        store.commit_started("E9-1", "w2", "submit", token=second.lease_token)
    assert str(caught.value) == "w2已不再持有E9-1的租约:它现在是已完成"


def test_a_worker_of_the_same_name_cannot_write_with_a_reclaimed_lease(
    store: Store, clock: FakeClock
) -> None:
    """Two processes that pass for one worker (the same --worker-id): the one frozen past
    its lease finds every write refused once the other claimed the item again."""
    store.enqueue([order("E9-1")])
    frozen = store.claim("vm/0")
    assert frozen is not None
    clock.advance(301)
    store.reap()
    again = store.claim("vm/0")
    assert again is not None and again.lease_token != frozen.lease_token
    assert store.heartbeat("E9-1", "vm/0", token=frozen.lease_token) is False
    writes = {
        "commit_started": lambda: store.commit_started(
            "E9-1", "vm/0", "submit", token=frozen.lease_token
        ),
        "commit_done": lambda: store.commit_done(
            "E9-1", "vm/0", "submit", token=frozen.lease_token
        ),
        "complete": lambda: store.complete("E9-1", "vm/0", {}, token=frozen.lease_token),
        "fail": lambda: store.fail("E9-1", "vm/0", TIMEOUT, token=frozen.lease_token),
        "release": lambda: store.release("E9-1", "vm/0", "stop", token=frozen.lease_token),
    }
    for name, write in writes.items():
        with pytest.raises(LeaseLost) as caught:
            write()
        assert str(caught.value) == "vm/0已不再持有E9-1的租约:它已由vm/0重新领取", name
    item = store.get("E9-1")
    assert (item.state, item.lease_token, item.commit_in_progress) == (
        State.RUNNING, again.lease_token, None,
    )  # fmt: skip
    assert store.heartbeat("E9-1", "vm/0", token=again.lease_token) is True


def test_complete_keeps_outputs_and_closes_the_attempt(store: Store, clock: FakeClock) -> None:
    token = running(store, "E9-1", "w1", committed="submit").lease_token
    clock.advance(42)
    done = store.complete(
        "E9-1", "w1", {"order_no": "P001"}, token=token, artifact_dir="runs/E9-1/1"
    )
    assert (done.state, done.outputs, done.committed_step, done.lease_owner) == (
        State.DONE, {"order_no": "P001"}, "submit", None,
    )  # fmt: skip
    # the token stays, so a complete asked again after its answer was lost is known as its
    # own (bots.ledger.reconnect); the next claim replaces it
    assert done.lease_token == token
    assert store.ended_under("E9-1", token) == done
    assert done.finished_at == clock.now
    attempt = store.history("E9-1")[-1]
    assert (attempt.outcome, attempt.artifact_dir, attempt.committed_step) == (
        "done", "runs/E9-1/1", "submit",
    )  # fmt: skip


def test_commit_steps_are_recorded_in_order(store: Store) -> None:
    token = running(store, "E9-1", "w1", started="submit").lease_token
    assert store.get("E9-1").commit_in_progress == "submit"
    store.commit_started("E9-1", "w1", "submit", token=token)  # re-run after a re-login
    with pytest.raises(Exception) as caught:
        store.commit_started("E9-1", "w1", "pay", token=token)
    assert str(caught.value) == (
        "不能开始E9-1的提交步骤pay:步骤submit还在进行中"
    )
    with pytest.raises(Exception) as caught:
        store.commit_done("E9-1", "w1", "pay", token=token)
    assert str(caught.value) == (
        "不能结束E9-1的提交步骤pay:进行中的是submit"
    )
    store.commit_done("E9-1", "w1", "submit", token=token)
    item = store.get("E9-1")
    assert (item.committed_step, item.commit_in_progress) == ("submit", None)


def test_business_exception_fails_at_once_with_class_message_and_context(store: Store) -> None:
    store.enqueue([order("E9-1")])
    token = store.claim("w1").lease_token  # type: ignore[union-attr]
    error = ErrorInfo.from_exception(
        BusinessException("号码已被占用", code="number_taken", number="18937100001"), step="pick"
    )
    failed = store.fail("E9-1", "w1", error, token=token, artifact_dir="runs/E9-1/1")
    assert (failed.state, failed.error_kind, failed.error_type, failed.error_code) == (
        State.FAILED, "business_exception", "BusinessException", "number_taken",
    )  # fmt: skip
    assert (failed.error_message, failed.error_step, failed.error_context) == (
        "号码已被占用", "pick", {"number": "18937100001"},
    )  # fmt: skip
    assert failed.reason == "号码已被占用(步骤 pick)"
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
        claimed = store.claim("w1")
        assert claimed is not None
        waiting = store.fail_system("E9-1", "w1", TIMEOUT, token=claimed.lease_token)
        assert waiting.state is State.RETRY_WAIT
        delay = (waiting.next_attempt_at - clock.now).total_seconds()  # type: ignore[operator]
        delays.append(delay)
        clock.advance(delay - 1)
        assert store.claim("w1") is None, "claimed before its backoff was over"
        clock.advance(1)
    assert delays == [10, 30, 60, 60]
    claimed = store.claim("w1")
    assert claimed is not None
    failed = store.fail("E9-1", "w1", TIMEOUT, token=claimed.lease_token)
    assert (failed.state, failed.attempts, failed.next_attempt_at) == (State.FAILED, 5, None)
    assert failed.error_message == "系统繁忙(试了5次,放弃)"
    outcomes = [h.outcome for h in store.history("E9-1") if h.kind == "attempt"]
    assert outcomes == ["retry_wait"] * 4 + ["failed"]
    store.close()


def test_system_exception_inside_a_commit_step_needs_review(store: Store) -> None:
    token = running(store, "E9-1", "w1", started="submit").lease_token
    item = store.fail_system("E9-1", "w1", TIMEOUT, token=token)
    assert item.state is State.NEEDS_REVIEW
    assert item.error_message == (
        "系统繁忙(提交步骤“submit”进行中出了系统错误;重放前先到营账系统里查看)"
    )


def test_a_commit_step_is_named_as_its_flow_names_it(store: Store) -> None:
    token = running(store, "E9-1", "w1").lease_token
    store.commit_started("E9-1", "w1", "collect", token=token, name="安装调测费收58元:点击收费")
    store.commit_done("E9-1", "w1", "collect", token=token)
    store.commit_started("E9-1", "w1", "deposit", token=token, name="第二步:存入宽带专款600元")
    item = store.fail_system("E9-1", "w1", replace(TIMEOUT, step=None), token=token)
    assert item.error_message == (
        "系统繁忙(提交步骤“第二步:存入宽带专款600元”进行中出了系统错误;重放前先到营账系统里查看)"
    )
    assert item.step_names == {
        "collect": "安装调测费收58元:点击收费", "deposit": "第二步:存入宽带专款600元",
    }  # fmt: skip
    # what bots show and the console name: the step's name; an id nobody named stays an id
    assert item.step_shown == "第二步:存入宽带专款600元"
    assert (item.step_named("collect"), item.step_named("enter_order/eligible")) == (
        "安装调测费收58元:点击收费", "enter_order/eligible",
    )  # fmt: skip


def test_a_commit_request_the_portal_answered_waits_for_a_run_that_looks_first(
    store: Store,
) -> None:
    token = running(store, "E9-1", "w1", started="submit").lease_token
    item = store.fail_system("E9-1", "w1", TIMEOUT, token=token, answered=True)
    # (the step stays named until the next claim, as on a needs_review item: bots show says it)
    assert (item.state, item.replay, item.commit_in_progress) == (
        State.RETRY_WAIT, True, "submit",
    )  # fmt: skip
    assert item.error_message == (
        "系统繁忙(营账系统没有受理提交步骤“submit”的请求;下次运行先查询再办理)"
    )
    assert store.history("E9-1")[-1].note == (
        "营账系统没有受理提交步骤“submit”的请求;下次运行先查询再办理"
    )


def test_the_last_run_answered_inside_a_commit_fails_and_still_looks_first(
    ledger_url: str, clock: FakeClock
) -> None:
    from bots.ledger import open_store

    store = open_store(ledger_url, check_schema=False, clock=clock, max_attempts=1)
    store.upgrade()
    token = running(store, "E9-1", "w1", started="submit").lease_token
    item = store.fail_system("E9-1", "w1", TIMEOUT, token=token, answered=True)
    assert (item.state, item.replay) == (State.FAILED, True)
    assert item.error_message == "系统繁忙(试了1次,放弃)"
    store.close()


def test_an_answered_error_outside_a_commit_is_an_ordinary_retry(store: Store) -> None:
    token = running(store, "E9-1", "w1").lease_token
    item = store.fail_system("E9-1", "w1", TIMEOUT, token=token, answered=True)
    assert (item.state, item.replay, item.error_message) == (State.RETRY_WAIT, False, "系统繁忙")


def test_a_retry_after_a_committed_step_is_flagged_to_check_guards(store: Store) -> None:
    token = running(store, "E9-1", "w1", committed="submit").lease_token
    assert store.fail_system("E9-1", "w1", TIMEOUT, token=token).replay is True


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
    token = store.claim("w1").lease_token  # type: ignore[union-attr]
    assert store.fail("E9-1", "w1", ErrorInfo.from_exception(error), token=token).state is state


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
        getattr(store, action)("E9-1", "w1", *args, token="0" * 32)
    assert str(caught.value) == "w1已不再持有E9-1的租约:它现在是待处理"


def test_retry_wait_is_claimable_only_when_due_and_keeps_counting(
    store: Store, clock: FakeClock
) -> None:
    store.enqueue([order("E9-1")])
    token = store.claim("w1").lease_token  # type: ignore[union-attr]
    store.fail_system("E9-1", "w1", TIMEOUT, token=token)
    assert store.claim("w2") is None
    clock.advance(10)
    again = store.claim("w2")
    assert again is not None and (again.attempts, again.lease_owner) == (2, "w2")
    with pytest.raises(IllegalTransition) as caught:
        store.replay(["E9-1"])
    assert str(caught.value) == (
        "不能重放E9-1:它是处理中(这需要订单是失败、待人工核查或已取消)"
    )
