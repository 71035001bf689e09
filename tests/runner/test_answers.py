"""bots/runner/answers.py: which question asked again says why, and which says nothing."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from bots.asking import Question
from bots.errors import SystemException
from bots.masking import Masker
from bots.runner.answers import Answers

CODE = Question("请输入6位验证码", "code", 240)


class Person:
    def __init__(self) -> None:
        self.heard: list[str] = []

    def ask(self, question: Question) -> str:
        self.heard.append(question.text)
        return "123456"


def _step(action: str, step_id: str = "x") -> Any:
    return SimpleNamespace(id=step_id, action=action, args=SimpleNamespace())


def _answers() -> tuple[Answers, Any, Person]:
    person = Person()
    session = SimpleNamespace(asker=person)
    return Answers(session, Masker(["13912345678"])), session, person  # type: ignore[arg-type]


def _refusal(text: str) -> SystemException:
    return SystemException.said(text, "…", code="refused_for_now")


def test_a_refused_answer_is_said_with_the_question_of_its_step_only() -> None:
    answers, session, person = _answers()
    answers.passed(_step("ask", "code"))
    answers.refused(_refusal("审批验证码错误(13912345678)"))
    session.asker.ask(Question("登录验证码", "captcha", 240))  # another step's question
    session.asker.ask(CODE)
    session.asker.ask(CODE)
    assert person.heard == [
        "登录验证码",
        "请输入6位验证码(上次的回答没有通过:审批验证码错误(***))",  # masked as the run masks
        "请输入6位验证码",
    ]


def test_a_refusal_of_order_data_or_before_any_answer_says_nothing() -> None:
    answers, session, person = _answers()
    answers.refused(_refusal("验证码错误"))  # nothing was answered in this run
    answers.passed(_step("ask", "code"))
    answers.refused(_refusal("号码已被占用"))  # not an answer's refusal
    assert session.asker is person


def test_an_answer_lost_with_the_session_only_before_a_click_sent_it() -> None:
    answers, session, person = _answers()
    answers.passed(_step("ask", "code"))
    answers.passed(_step("fill"))  # typed in: not sent
    answers.lost()
    session.asker.ask(CODE)
    assert person.heard == ["请输入6位验证码(上次回答后营账系统的会话已失效,那次的回答没有用上)"]

    answers, session, person = _answers()
    answers.passed(_step("ask", "code"))
    answers.passed(_step("click"))  # 确定: the answer went with it
    answers.lost()
    assert session.asker is person
