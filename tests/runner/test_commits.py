"""Which answers to a sending action prove the portal did nothing, and when a commit's run
took nothing (the ledger then needs no operator)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.errors import BusinessException, SystemException, UnknownOutcome
from bots.flow import load_flow
from bots.runner.commits import CommitScope, Where, did_nothing, scope_for

TOY = Path(__file__).resolve().parents[1] / "worker" / "flows" / "toy.yaml"


def _busy(**context: object) -> SystemException:
    return SystemException("营账系统繁忙", code="busy", **context)


@pytest.mark.parametrize(
    ("error", "nothing"),
    [
        (_busy(after_send="did_nothing"), True),
        (SystemException("要求重新登录", code="session_lost"), True),
        (SystemException("稍后再办", code="refused_for_now"), True),
        (BusinessException("客户已欠费", code="portal_refused"), True),
        # the busy page answered a redirect's next hop: the portal took the request before it
        (_busy(after_send="did_nothing", redirected=True), False),
        # a busy page the portal also shows to a request it may have done (selectors say so)
        (_busy(after_send="unknown"), False),
        (SystemException("没有响应", code="unreachable"), False),
        (SystemException("连接断开", code="connection_lost"), False),
        (SystemException("超时", code="timeout"), False),
        (UnknownOutcome("结果不明", code="commit_interrupted"), False),
    ],
)
def test_only_the_portals_own_answer_proves_it_did_nothing(
    error: SystemException, nothing: bool
) -> None:
    assert did_nothing(error) is nothing


def _scope(went_out: dict[Where, str], doubts: set[Where]) -> CommitScope:
    flow = load_flow(TOY)
    step = flow.steps[2]
    return scope_for(flow, step, "submit", (1, 2), went_out, doubts)


def test_a_commit_took_nothing_while_each_send_was_answered_by_the_portal() -> None:
    went_out: dict[Where, str] = {(9,): "other"}  # another commit's send: not this one's
    doubts: set[Where] = {(9,)}
    scope = _scope(went_out, doubts)
    scope.met(_busy(after_send="did_nothing"))
    scope.met(SystemException("要求重新登录", code="session_lost"))
    assert scope.took_nothing() is True


def test_a_send_that_met_no_answer_of_the_portal_is_doubted_for_the_rest_of_the_run() -> None:
    went_out: dict[Where, str] = {}
    doubts: set[Where] = set()
    scope = _scope(went_out, doubts)
    scope.met(_busy(after_send="did_nothing", redirected=True))
    assert scope.took_nothing() is False
    # the commit step run again (after a re-login) in a new scope: the doubt stays
    assert _scope(went_out, doubts).took_nothing() is False


def test_a_send_of_the_commit_that_went_out_means_it_took_something() -> None:
    went_out: dict[Where, str] = {}
    scope = _scope(went_out, set())
    scope.went((1, 2, 7), "submit/confirm")  # a sending step of its sub-flow
    # a login page afterwards answers a later request, not the change
    scope.met(SystemException("要求重新登录", code="session_lost"))
    assert _scope(went_out, set()).took_nothing() is False


def test_a_commit_in_doubt_is_not_sent_again_in_the_run() -> None:
    doubts: set[Where] = set()
    scope = _scope({}, doubts)
    assert scope.again((1, 2, 5), "submit/send") is None
    scope.met(_busy(after_send="did_nothing", redirected=True))
    refused = scope.again((1, 2, 5), "submit/send")
    assert refused is not None and refused.code == "commit_interrupted"
    assert refused.what == "“提交订单”的请求可能已被营账系统受理,不再重复发出"  # (its name)


def test_a_login_page_keeps_what_its_marker_knew() -> None:
    from bots.runner.recovery import SessionLost

    marker = SystemException("要求重新登录", code="session_lost", redirected=True)
    assert did_nothing(SessionLost.of(marker)) is False
