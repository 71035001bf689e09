"""The `ask` action (bots/actions/questions.py): the question and the element's picture go
to the run's asker, the answer comes out as the step's output and is typed by the next
step; with nobody to ask the run ends waiting for a person, nothing typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from bots.asking import Question
from bots.errors import AwaitsPerson
from bots.flow import load_flow
from bots.runner import Runner

pytestmark = pytest.mark.browser

SELECTORS = """
pages:
  login:
    elements:
      captcha_image: [{css: "img.captcha"}]
      code: [{caption: 验证码}]
      submit: [{role: button, name: 登录}]
      typed: [{css: "#typed"}]
"""
FLOW = """
name: a 验证码 read by a person
inputs:
  page: {type: string}
defaults:
  timeout: 5
  retry: {attempts: 2}
steps:
  - id: open
    goto: ${{ page }}
  - id: captcha
    name: 请人工识别验证码
    ask:
      question: "请输入图片中的验证码(${{ page[-13:] }})"
      image: login.captcha_image
      into: code
      pattern: '\\d{4}'
      wait: 30
  - id: fill
    fill: {target: login.code, value: "${{ steps.captcha.outputs.code }}"}
  - id: submit
    click: login.submit
  - id: typed
    extract: {target: login.typed, into: typed}
outputs:
  typed: ${{ steps.typed.outputs.typed }}
"""


class Person:
    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.asked: list[Question] = []

    def ask(self, question: Question) -> str:
        self.asked.append(question)
        return self.answer


def _run(page: Page, pages_url: str, tmp_path: Path, asker: object) -> object:
    (tmp_path / "selectors").mkdir(exist_ok=True)
    (tmp_path / "selectors" / "login.yaml").write_text(SELECTORS, encoding="utf-8")
    (tmp_path / "flow.yaml").write_text(FLOW, encoding="utf-8")
    return Runner(page, load_flow(tmp_path / "flow.yaml"), {"page": pages_url + "question.html"},
                  run_dir=tmp_path / "run", screenshots="off", trace="off",
                  asker=asker).run()  # type: ignore[arg-type]


def test_the_answer_is_the_steps_output(page: Page, pages_url: str, tmp_path: Path) -> None:
    person = Person("4711")
    result = _run(page, pages_url, tmp_path, person)
    assert result.status == "passed", result.error  # type: ignore[attr-defined]
    assert result.outputs == {"typed": "4711"}  # type: ignore[attr-defined]
    [question] = person.asked
    assert (question.text, question.step, question.pattern, question.wait_seconds) == (
        "请输入图片中的验证码(question.html)", "captcha", r"\d{4}", 30)
    assert question.image is not None and question.image.startswith(b"\x89PNG")
    [step] = [s for s in result.steps if s["id"] == "captcha"]  # type: ignore[attr-defined]
    assert (step["status"], step["outputs"]) == ("passed", {"code": "4711"})


def test_with_nobody_to_ask_the_run_waits_for_a_person(page: Page, pages_url: str,
                                                      tmp_path: Path) -> None:
    result = _run(page, pages_url, tmp_path, None)
    error = result.error  # type: ignore[attr-defined]
    assert isinstance(error, AwaitsPerson)
    assert (error.code, error.exit_code, result.failed_step) == (  # type: ignore[attr-defined]
        "awaits_person", 12, "captcha")
    assert str(error) == (
        "步骤需要人工回答,但没有人可问:请输入图片中的验证码(question.html)"
        "(请通过bots work运行,用bots answer回答)")
    # asked once, never retried: a person's answer does not come by trying again
    [step] = [s for s in result.steps if s["id"] == "captcha"]  # type: ignore[attr-defined]
    assert step["attempts"] == 1
    assert page.locator("#typed").inner_text() == ""
