"""Questions in the ledger, on SQLite and PostgreSQL: asked, answered in the asked form,
taken once, expired when the asker gives up or the time is out, superseded by a newer one."""

from __future__ import annotations

import pytest

from bots.errors import BadInput
from bots.ledger import Store
from tests.fixtures.ledger import FakeClock

CODE = r"\d{6}"


def test_an_answer_reaches_the_asker_once(store: Store, clock: FakeClock) -> None:
    asked = store.ask("E9-1", "code", "金库审批:请输入验证码", wait_seconds=240, pattern=CODE,
                      image="aW1n", worker="w1")
    [waiting] = store.questions()
    assert (waiting.id, waiting.reference, waiting.step, waiting.question, waiting.image,
            waiting.asked_by, waiting.state) == (
        asked, "E9-1", "code", "金库审批:请输入验证码", "aW1n", "w1", "open")
    assert store.take_answer(asked) is None
    clock.advance(5)
    answered = store.answer("E9-1", " 123456 ", actor="王敏")
    assert (answered.answer, answered.answered_by, answered.state) == ("123456", "王敏", "answered")
    assert store.questions() == []
    assert store.take_answer(asked) == "123456"
    assert store.take_answer(asked) is None
    [kept] = store.questions("E9-1", open_only=False)
    assert (kept.state, kept.answer) == ("taken", "123456")


def test_an_answer_of_another_form_is_refused_and_nothing_written(store: Store) -> None:
    asked = store.ask("E9-1", "code", "验证码?", wait_seconds=240, pattern=CODE)
    with pytest.raises(BadInput) as refused:
        store.answer("E9-1", "12345")
    assert str(refused.value) == "回答12345的格式不对,应为6位数字"
    assert store.take_answer(asked) is None
    assert [q.state for q in store.questions()] == ["open"]


def test_no_question_no_answer(store: Store, clock: FakeClock) -> None:
    with pytest.raises(BadInput) as refused:
        store.answer("E9-9", "123456")
    assert str(refused.value) == "E9-9没有等待回答的问题"
    # a question whose time is out takes no answer either: its worker has stopped waiting
    store.ask("E9-1", "code", "验证码?", wait_seconds=60)
    clock.advance(61)
    assert store.questions() == []
    with pytest.raises(BadInput):
        store.answer("E9-1", "123456")


def test_giving_up_expires_an_unanswered_question_but_takes_a_late_answer(
        store: Store) -> None:
    first = store.ask("E9-1", "code", "验证码?", wait_seconds=240)
    assert store.take_answer(first, give_up=True) is None
    assert store.questions() == []
    second = store.ask("E9-1", "code", "验证码?", wait_seconds=240)
    store.answer("E9-1", "654321")
    assert store.take_answer(second, give_up=True) == "654321"
    assert [q.state for q in store.questions("E9-1", open_only=False)] == ["expired", "taken"]


def test_a_newer_question_supersedes_an_older_one(store: Store) -> None:
    # the worker that asked first was killed; the order's next run asks again
    old = store.ask("E9-1", "code", "验证码?", wait_seconds=240, worker="w1")
    new = store.ask("E9-1", "code", "验证码?", wait_seconds=240, worker="w2")
    store.ask("login:GH1001", "captcha", "登录验证码?", wait_seconds=240)
    assert [(q.reference, q.asked_by) for q in store.questions()] == [
        ("E9-1", "w2"), ("login:GH1001", None)]
    store.answer("E9-1", "111111")
    assert (store.take_answer(old), store.take_answer(new)) == (None, "111111")
