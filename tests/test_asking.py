"""bots/asking.py: a question's form, the error of a question nobody answered, and the
askers that need no ledger (nobody; the terminal; the one that says an answer was refused)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bots.asking import Again, Nobody, Question, Terminal, refused_note, unanswered
from bots.errors import AwaitsPerson
from bots.messages import language_of

QUESTION = Question("请输入6位验证码", "code", 240, pattern=r"\d{6}", image=b"\x89PNG-ish")


def test_an_answer_must_have_the_asked_form() -> None:
    assert QUESTION.refusal("123456") is None
    assert QUESTION.refusal("12345") == "回答12345的格式不对,应为6位数字"
    assert Question("任意", "x", 1).refusal("anything at all") is None


@pytest.mark.parametrize(
    ("pattern", "form"),
    [
        (r"\d{4}", "4位数字"), (r"[0-9]{6}", "6位数字"), (r"\d{4,6}", "4到6位数字"),
        (r"[A-Za-z0-9]{5}", "5位字母或数字"), (r"[a-f]+", "[a-f]+"),  # as written: no words
    ],
)  # fmt: skip
def test_the_asked_form_is_said_in_words_where_it_can_be(pattern: str, form: str) -> None:
    assert Question("?", "x", 1, pattern=pattern).refusal("?") == f"回答?的格式不对,应为{form}"


def test_the_errors_of_a_question_nobody_answers() -> None:
    late = unanswered(QUESTION, 240.4)
    assert isinstance(late, AwaitsPerson)
    assert str(late) == "等待人工回答超时(240秒):请输入6位验证码;订单回到队列,下次运行时重新提问"
    assert (late.code, late.context["retryable"], late.context["step"]) == (
        "awaits_person", False, "code")
    with pytest.raises(AwaitsPerson) as nobody:
        Nobody().ask(QUESTION)
    assert str(nobody.value) == (
        "步骤需要人工回答,但没有人可问:请输入6位验证码(请通过bots work运行,用bots answer回答)")


def test_the_terminal_asks_until_the_answer_has_the_form(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = iter(["12 34", " 654321 "])
    monkeypatch.setattr("builtins.input", lambda prompt: next(typed))
    assert Terminal(str(tmp_path)).ask(QUESTION) == "654321"
    assert (tmp_path / "question-code.png").read_bytes() == b"\x89PNG-ish"
    err = capsys.readouterr().err
    assert f"图片:{tmp_path / 'question-code.png'}" in err
    assert "回答12 34的格式不对,应为6位数字" in err

    def closed(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", closed)
    with pytest.raises(AwaitsPerson) as refused:  # Ctrl-D: exit 12, not bad order data
        Terminal(str(tmp_path)).ask(QUESTION)
    assert str(refused.value) == "没有回答:请输入6位验证码"
    assert (refused.value.code, refused.value.exit_code) == ("awaits_person", 12)


@pytest.mark.parametrize("lang,first", [
    ("zh", "请输入6位验证码(上次的回答没有通过:验证码错误)"),
    ("en", "请输入6位验证码 (the previous answer did not pass: 验证码错误)"),
])  # fmt: skip
def test_the_question_after_a_refused_answer_says_why_once(lang: str, first: str) -> None:
    heard: list[str] = []

    class Person:
        def ask(self, question: Question) -> str:
            heard.append(question.text)
            return "123456"

    with language_of(lang):
        again = Again(Person(), refused_note("验证码错误"), "code")
        again.ask(replace(QUESTION, text="登录验证码", step="captcha"))  # not the one refused
        assert again.ask(QUESTION) == "123456"
        again.ask(QUESTION)  # a later question (after a later login) has nothing to say
    assert heard == ["登录验证码", first, "请输入6位验证码"]
