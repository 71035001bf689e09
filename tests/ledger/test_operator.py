"""The operator's side: replay, cancel and edit, each leaving an audit row."""

from __future__ import annotations

from typing import Any

import pytest

from bots.errors import BadInput
from bots.ledger import ErrorInfo, IllegalTransition, State, Store
from tests.fixtures.ledger import FakeClock, order

# these pin the English texts (BOTS_LANG=en); the Chinese ones are pinned in tests/test_words.py
pytestmark = pytest.mark.usefixtures("english")

REFUSED = ErrorInfo(kind="business_exception", type="BusinessException", message="不符合办理条件")


def _failed(store: Store, *refs: str) -> None:
    store.enqueue([order(ref) for ref in refs])
    for _ in refs:
        item = store.claim("w1")
        assert item is not None
        store.fail_business(item.reference, "w1", REFUSED, token=item.lease_token)


def _needs_review(store: Store, ref: str) -> None:
    store.enqueue([order(ref)])
    token = store.claim("w1").lease_token  # type: ignore[union-attr]
    store.commit_started(ref, "w1", "submit", token=token)
    died = ErrorInfo("unknown_outcome", "UnknownOutcome", "died")
    store.fail_unknown(ref, "w1", died, token=token)


def test_replay_by_reference_marks_pending_with_the_replay_flag(store: Store) -> None:
    _failed(store, "E9-1")
    assert store.replay(["E9-1"], actor="王敏") == ["E9-1"]
    item = store.get("E9-1")
    assert (item.state, item.replay, item.run_attempts, item.attempts, item.error_message) == (
        State.PENDING, True, 0, 1, None,
    )  # fmt: skip
    assert store.history("E9-1")[-2].error_message == "不符合办理条件"
    note = store.history("E9-1")[-1]
    assert (note.kind, note.actor, note.note) == (
        "replay", "王敏", "replay from failed: 不符合办理条件",
    )  # fmt: skip
    assert store.claim("w2").replay is True  # type: ignore[union-attr]


def test_replay_by_state(store: Store) -> None:
    _failed(store, "F-1", "F-2")
    _needs_review(store, "N-1")
    assert store.replay(state=State.NEEDS_REVIEW) == ["N-1"]
    assert store.replay(state=State.FAILED) == ["F-1", "F-2"]
    assert store.counts()[State.PENDING] == 3
    assert store.get("N-1").commit_in_progress is None


def test_replay_is_all_or_nothing(store: Store) -> None:
    _failed(store, "E9-1")
    store.enqueue([order("E9-2")])
    with pytest.raises(IllegalTransition) as caught:
        store.replay(["E9-1", "E9-2"])
    assert str(caught.value) == (
        "cannot replay E9-2: it is pending (this needs an order that is failed, needs review"
        " or cancelled)"
    )
    assert store.get("E9-1").state is State.FAILED


EITHER = "replay needs either references or a state (failed or needs_review)"


@pytest.mark.parametrize(
    ("refs", "state", "message"),
    [
        ((), None, EITHER),
        (("E9-1",), State.FAILED, EITHER),
        ((), State.DONE, "replay by state takes failed or needs_review, not done"),
    ],
)
def test_replay_arguments(store: Store, refs: Any, state: State | None, message: str) -> None:
    with pytest.raises(BadInput) as caught:
        store.replay(refs, state=state)
    assert str(caught.value) == message


def test_cancel_and_its_audit_row(store: Store, clock: FakeClock) -> None:
    store.enqueue([order("E9-1")])
    cancelled = store.cancel("E9-1", actor="王敏")
    assert (cancelled.state, cancelled.finished_at) == (State.CANCELLED, clock.now)
    last = store.history("E9-1")[-1]
    assert (last.kind, last.actor, last.note) == ("cancel", "王敏", "cancelled from pending")
    assert store.claim("w1") is None


def test_cancel_refuses_a_running_item(store: Store) -> None:
    store.enqueue([order("E9-1")])
    store.claim("w1")
    with pytest.raises(IllegalTransition) as caught:
        store.cancel("E9-1")
    assert str(caught.value) == (
        "cannot cancel E9-1: it is running (this needs an order that is pending, failed,"
        " waiting to retry or needs review)"
    )
    assert store.get("E9-1").state is State.RUNNING


def _validator(payload: dict[str, Any]) -> dict[str, Any]:
    if payload.get("broadband", {}).get("bandwidth") not in {"50M", "100M", "200M"}:
        raise BadInput(f"order {payload['reference']}, field broadband.bandwidth: not offered")
    return {**payload, "derived": "fee-" + payload["broadband"]["bandwidth"]}


def test_edit_revalidates_and_keeps_before_and_after(store: Store) -> None:
    store.enqueue([order("E9-1", broadband={"bandwidth": "20M"})])
    token = store.claim("w1").lease_token  # type: ignore[union-attr]
    store.fail_business("E9-1", "w1", REFUSED, token=token)
    edited = store.edit("E9-1", {"broadband.bandwidth": "100M"}, _validator, actor="王敏")
    assert edited.payload["broadband"] == {"bandwidth": "100M"}
    assert edited.payload["derived"] == "fee-100M"
    assert edited.state is State.FAILED
    last = store.history("E9-1")[-1]
    assert (last.kind, last.actor, last.note, last.changes) == (
        "edit", "王敏", "edited broadband.bandwidth",
        {"broadband.bandwidth": {"before": "20M", "after": "100M"}},
    )  # fmt: skip
    # a history row shows the changes; the note that only restates them is left out there
    assert last.note_shown == ""
    # two fields (PostgreSQL keeps a JSON object's keys in an order of its own)
    store.edit("E9-1", {"note": "改两项", "broadband.bandwidth": "50M"}, _validator)
    both = store.history("E9-1")[-1]
    assert (both.note, both.note_shown) == ("edited broadband.bandwidth, note", "")


def test_an_edit_after_a_commit_went_out_says_it_does_not_reach_the_portal(
    store: Store,
) -> None:
    # 提交 went through, then the portal refused the 600 (the order failed after it)
    store.enqueue([order("E9-1", broadband={"bandwidth": "20M"})])
    first = store.claim("w1")
    assert first is not None
    store.commit_started("E9-1", "w1", "submit", token=first.lease_token)
    store.commit_done("E9-1", "w1", "submit", token=first.lease_token)
    store.fail_business("E9-1", "w1", REFUSED, token=first.lease_token)
    store.edit("E9-1", {"broadband.bandwidth": "100M"}, _validator, actor="王敏")
    assert store.history("E9-1")[-1].note == (
        "edited broadband.bandwidth; Note: commit step 'submit' has (or may have) taken the "
        "earlier data to the portal; a replay looks first and skips what is already done "
        "there, so this change does not reach it: check in the portal first and correct it "
        "there if needed"
    )


def test_an_edit_after_an_unknown_outcome_names_the_commit_under_way(store: Store) -> None:
    _needs_review(store, "E9-1")
    store.replay(["E9-1"])  # the row forgets the commit; its attempt does not
    store.edit("E9-1", {"broadband": {"bandwidth": "100M"}}, _validator)
    assert "commit step 'submit' has (or may have)" in str(store.history("E9-1")[-1].note)


def test_an_edit_the_validator_refuses_changes_nothing(store: Store) -> None:
    store.enqueue([order("E9-1", broadband={"bandwidth": "100M"})])
    with pytest.raises(BadInput) as caught:
        store.edit("E9-1", {"broadband.bandwidth": "30M"}, _validator)
    assert str(caught.value) == "order E9-1, field broadband.bandwidth: not offered"
    assert store.get("E9-1").payload["broadband"] == {"bandwidth": "100M"}
    assert [h.kind for h in store.history("E9-1")] == ["enqueue"]


def test_an_edit_to_the_value_a_field_has_is_no_change(store: Store) -> None:
    # (bots edit --set 赠机串号=<the same IMEI> wrote "x -> x" into the history)
    store.enqueue([order("E9-1", broadband={"bandwidth": "100M"})])
    with pytest.raises(BadInput) as caught:
        store.edit("E9-1", {"broadband.bandwidth": "100M"}, _validator, actor="王敏")
    assert str(caught.value) == "E9-1 unchanged: the values given are the ones it had"
    assert caught.value.code == "no_change"
    assert [h.kind for h in store.history("E9-1")] == ["enqueue"]
    edited = store.edit("E9-1", {"broadband.bandwidth": "100M", "customer": "李四"}, _validator)
    assert edited.payload["customer"] == "李四"
    assert store.history("E9-1")[-1].changes == {
        "customer": {"before": "张三", "after": "李四"},  # only what changed
    }


def test_edit_of_a_missing_group_is_refused(store: Store) -> None:
    store.enqueue([order("E9-1")])
    with pytest.raises(BadInput) as caught:
        store.edit("E9-1", {"mobile.imei": "1"}, dict)
    assert str(caught.value) == "E9-1 has no field mobile.imei: mobile is not a group of fields"


@pytest.mark.parametrize("state", ["running", "done", "retry_wait"])
def test_edit_is_refused_while_a_worker_may_use_the_order(store: Store, state: str) -> None:
    store.enqueue([order("E9-1")])
    token = store.claim("w1").lease_token  # type: ignore[union-attr]
    if state == "done":
        store.complete("E9-1", "w1", {}, token=token)
    if state == "retry_wait":
        slow = ErrorInfo("system_exception", "TimeoutError", "slow")
        store.fail_system("E9-1", "w1", slow, token=token)
    with pytest.raises(IllegalTransition) as caught:
        store.edit("E9-1", {"customer": "李四"}, dict)
    shown = {"retry_wait": "waiting to retry"}.get(state, state)
    assert str(caught.value) == (
        f"cannot edit E9-1: it is {shown} (this needs an order that is pending, failed,"
        " needs review or cancelled)"
    )


def test_an_edit_of_a_personal_field_keeps_it_masked_in_the_history(store: Store) -> None:
    # the history is read by operators and outlives the order: never the personal value
    store.enqueue([order("E9-1", contact_phone="13937100001", broadband={"bandwidth": "50M"})])
    store.edit(
        "E9-1",
        {"contact_phone": "13937100002", "id_number": "410101199001015678"},
        _validator,
        actor="王敏",
    )
    last = store.history("E9-1")[-1]
    assert last.changes == {
        "contact_phone": {"before": "139******01", "after": "139******02"},
        "id_number": {"before": "410*************34", "after": "410*************78"},
    }
    assert store.get("E9-1").payload["contact_phone"] == "13937100002"


def test_review_marks_an_item_an_operator_looked_at(store: Store) -> None:
    _failed(store, "E9-1")
    reviewed = store.review("E9-1", actor="console:王敏", note=" 已在营账系统核实:未受理 ")
    assert (reviewed.state, reviewed.reviewed_by) == (State.FAILED, "console:王敏")
    note = store.history("E9-1")[-1]
    assert (note.kind, note.actor, note.note) == (
        "review", "console:王敏", "已在营账系统核实:未受理",
    )  # fmt: skip
    store.edit("E9-1", {"customer": "李四"}, lambda data: data, actor="console:王敏")
    assert store.get("E9-1").reviewed_at is None  # an edit means it waits for a replay
    store.review("E9-1", actor="console:王敏")
    assert store.history("E9-1")[-1].note is None
    store.replay(["E9-1"], actor="console:王敏")
    assert store.get("E9-1").reviewed_by is None
    with pytest.raises(IllegalTransition) as caught:
        store.review("E9-1")
    assert str(caught.value) == (
        "cannot mark reviewed E9-1: it is pending (this needs an order that is failed or"
        " needs review)"
    )
