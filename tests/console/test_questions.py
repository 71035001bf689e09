"""The questions page: an operator sees what the flows are asking (with the picture of a
验证码) and answers through the ledger, as ``bots answer`` would; a wrong form or a
question no longer open is refused on the page; a clerk reads but cannot answer — on
SQLite and PostgreSQL."""

from __future__ import annotations

import base64

from tests.fixtures.console import ConsoleKit, sample_items, text_of

REF = "E9-20261127-0001"
PICTURE = base64.b64encode(b"\x89PNG\r\n\x1a\n-a-captcha-").decode("ascii")


def test_an_operator_answers_a_question_and_the_worker_can_take_it(console: ConsoleKit) -> None:
    console.store.enqueue(sample_items()[:1])
    asked = console.store.ask(REF, "approve/code", "请输入金库审批短信验证码(6位)",
                              wait_seconds=300, pattern=r"\d{6}")  # fmt: skip
    console.store.ask("login:GH1001", "login/captcha", "请输入登录验证码", wait_seconds=300,
                      image=PICTURE)  # fmt: skip
    console.sign_in("wang", "operator")
    page = console.client.get("/questions").text
    text = text_of(page)
    assert f"{REF} 请输入金库审批短信验证码(6位) 20" in text  # (its time next: no step id)
    assert "approve/code" not in text
    assert "login:GH1001 请输入登录验证码 20" in text
    assert f'src="data:image/png;base64,{PICTURE}"' in page
    assert f'href="/orders/{REF}"' in page and 'href="/orders/login:' not in page
    csrf = console.csrf(page)
    bad = console.client.post("/questions/answer", data={
        "csrf": csrf, "reference": REF, "value": "12345"})  # fmt: skip
    assert bad.status_code == 409
    assert "回答12345的格式不对,应为6位数字" in text_of(bad.text)
    good = console.client.post("/questions/answer", data={
        "csrf": csrf, "reference": REF, "value": " 123456 "})  # fmt: skip
    assert (good.status_code, good.headers["location"]) == (303, f"/questions?answered={REF}")
    assert f"已回答 {REF} 的问题:工作进程会接着办理" in text_of(console.client.get(
        good.headers["location"]).text)  # fmt: skip
    assert console.store.take_answer(asked) == "123456"  # what the waiting worker gets
    [answered] = console.store.questions(REF, open_only=False)
    assert (answered.answered_by, answered.state) == ("console:wang", "taken")
    again = console.client.post("/questions/answer", data={
        "csrf": csrf, "reference": REF, "value": "123456"})  # fmt: skip
    assert again.status_code == 409
    assert f"{REF}没有等待回答的问题" in text_of(again.text)
    assert [q.reference for q in console.store.questions()] == ["login:GH1001"]


def test_a_clerk_sees_the_questions_but_cannot_answer(console: ConsoleKit) -> None:
    console.store.ask("login:GH1002", "login/captcha", "请输入登录验证码", wait_seconds=300)
    console.sign_in("li", "clerk")
    page = console.client.get("/questions").text
    assert "运维员才能回答" in text_of(page) and 'action="/questions/answer"' not in page
    refused = console.client.post("/questions/answer", data={
        "csrf": console.csrf(page), "reference": "login:GH1002", "value": "abcd"})  # fmt: skip
    assert refused.status_code == 403
    assert [q.state for q in console.store.questions()] == ["open"]


def test_no_question_says_so(console: ConsoleKit) -> None:
    console.sign_in("wang", "operator")
    page = console.client.get("/questions").text
    assert 'id="none"' in page and "没有等待回答的问题" in text_of(page)
