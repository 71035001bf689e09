"""The transition table itself: every action against every state, with the exact refusal."""

from __future__ import annotations

import pytest

from bots.ledger import IllegalTransition, State
from bots.ledger.transitions import TRANSITIONS, check
from bots.messages.terms import action_name, state_name

LEGAL = {
    "claim": {"pending", "retry_wait"},
    "heartbeat": {"running"},
    "commit_started": {"running"},
    "commit_done": {"running"},
    "complete": {"running"},
    "fail_business": {"running"},
    "fail_system": {"running"},
    "fail_unknown": {"running"},
    "reap": {"running"},
    "release": {"running"},
    "replay": {"failed", "needs_review", "cancelled"},
    "cancel": {"pending", "retry_wait", "failed", "needs_review"},
    "edit": {"pending", "failed", "needs_review", "cancelled"},
    "review": {"failed", "needs_review"},
}

CASES = [(action, state) for action in TRANSITIONS for state in State]


def test_the_table_is_the_one_written_down() -> None:
    assert {a: {s.value for s in t.sources} for a, t in TRANSITIONS.items()} == LEGAL


@pytest.mark.parametrize(("action", "state"), CASES, ids=[f"{a}-{s.value}" for a, s in CASES])
def test_every_action_in_every_state(action: str, state: State) -> None:
    if state.value in LEGAL[action]:
        assert check(action, "ORD-1", state) in TRANSITIONS[action].targets | {state}
        return
    with pytest.raises(IllegalTransition) as caught:
        check(action, "ORD-1", state)
    verb = action_name(action).lower()
    expected = f"不能{verb}ORD-1:它是{state_name(state)}(这需要订单是"
    assert str(caught.value).startswith(expected)


def test_refusal_names_the_states_that_would_do() -> None:
    with pytest.raises(IllegalTransition) as caught:
        check("cancel", "ORD-7", State.RUNNING)
    assert str(caught.value) == (
        "不能取消ORD-7:它是处理中(这需要订单是待处理、失败、等待重试或待人工核查)"
    )


def test_a_target_the_action_cannot_reach() -> None:
    with pytest.raises(IllegalTransition) as caught:
        check("reap", "ORD-7", State.RUNNING, State.DONE)
    assert str(caught.value) == (
        "“回收”之后ORD-7不能是已完成,只能是待处理、失败或待人工核查"
    )


@pytest.mark.parametrize(
    ("action", "target"),
    [("claim", State.RUNNING), ("complete", State.DONE), ("replay", State.PENDING)],
)
def test_single_target_actions_say_where_they_lead(action: str, target: State) -> None:
    source = next(iter(TRANSITIONS[action].sources))
    assert check(action, "ORD-1", source) is target
