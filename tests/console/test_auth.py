"""Signing in and out of the console: hashed passwords, cookies, the sign-in limit, the
language of a user; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

from tests.fixtures.console import PASSWORD, ConsoleKit, text_of


def _try(console: ConsoleKit, name: str, password: str) -> tuple[int, str]:
    page = console.client.get("/login")
    answer = console.client.post(
        "/login", data={"name": name, "password": password, "csrf": console.csrf(page.text)}
    )
    return answer.status_code, text_of(answer.text)


def test_a_user_signs_in_and_out_and_the_cookie_keeps_to_this_site(
    console: ConsoleKit, ledger_url: str
) -> None:
    console.add_user("wang", "clerk")
    page = console.client.get("/login")
    assert page.status_code == 200 and "请用控制台账号登录(不是营账系统的工号)" in page.text
    answer = console.client.post(
        "/login",
        data={"name": "wang", "password": PASSWORD, "csrf": console.csrf(page.text),
              "next": "/batches"},
    )  # fmt: skip
    assert (answer.status_code, answer.headers["location"]) == (303, "/batches")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("bots_console="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    if ledger_url.startswith("sqlite"):  # the ledger keeps a hash of the token, never it
        assert token.encode() not in Path(ledger_url.removeprefix("sqlite:///")).read_bytes()
    assert console.client.get("/batches").status_code == 200
    out = console.client.post("/logout", data={"csrf": console.page_csrf()})
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    console.client.cookies.set("bots_console", token)  # the old cookie no longer works
    assert console.client.get("/batches").headers["location"] == "/login?next=/batches"


def test_the_password_is_stored_hashed(console: ConsoleKit, ledger_url: str) -> None:
    console.add_user("wang", "operator")
    stored = console.store.user("wang")
    assert stored is not None and stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    if ledger_url.startswith("sqlite"):
        console.store.close()
        assert PASSWORD.encode() not in Path(ledger_url.removeprefix("sqlite:///")).read_bytes()


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(console: ConsoleKit) -> None:
    console.add_user("wang", "operator")
    assert _try(console, "wang", "wrong password")[0] == 401
    assert "用户名或密码错误" in _try(console, "wang", "wrong password")[1]
    assert "用户名或密码错误" in _try(console, "nobody", PASSWORD)[1]
    console.store.update_user("wang", disabled=True)
    assert _try(console, "wang", PASSWORD)[0] == 401


def test_sign_ins_are_limited_then_taken_again_after_the_window(console: ConsoleKit) -> None:
    console.add_user("wang", "operator")
    for _ in range(5):
        assert _try(console, "wang", "guess")[0] == 401
    status, text = _try(console, "wang", PASSWORD)  # even the right password waits
    assert status == 429 and "登录失败次数过多:请15分钟后再试" in text
    console.clock.now += 14 * 60
    assert "登录失败次数过多:请1分钟后再试" in _try(console, "wang", PASSWORD)[1]
    console.clock.now += 61
    assert _try(console, "wang", PASSWORD)[0] == 303


def test_one_address_guessing_many_names_is_limited_too(console: ConsoleKit) -> None:
    console.add_user("li", "operator")
    for n in range(5):
        assert _try(console, f"name{n}", "guess")[0] == 401
    assert _try(console, "li", PASSWORD)[0] == 429


def test_the_sign_in_form_needs_its_csrf_token(console: ConsoleKit) -> None:
    console.add_user("wang", "operator")
    console.client.get("/login")
    answer = console.client.post("/login", data={"name": "wang", "password": PASSWORD})
    assert answer.status_code == 403
    assert "表单缺少安全校验码:请刷新页面后重试" in text_of(answer.text)


def test_next_only_leads_inside_the_console(console: ConsoleKit) -> None:
    console.add_user("wang", "operator")
    page = console.client.get("/login")
    answer = console.client.post(
        "/login", data={"name": "wang", "password": PASSWORD, "csrf": console.csrf(page.text),
                        "next": "//evil.example/"},
    )  # fmt: skip
    assert answer.headers["location"] == "/"
    assert console.client.get("/").headers["location"] == "/queue"  # an operator's work


def test_a_user_chooses_english_and_keeps_it(console: ConsoleKit) -> None:
    console.sign_in("wang", "clerk")
    assert console.client.get("/").headers["location"] == "/batches"  # a clerk's work
    assert "上传订单文件" in console.client.get("/batches").text
    switched = console.client.post(
        "/language", data={"lang": "en", "next": "/batches", "csrf": console.page_csrf()}
    )
    assert switched.headers["location"] == "/batches"
    assert "Upload an order file" in console.client.get("/batches").text
    user = console.store.user("wang")
    assert user is not None and user.language == "en"
    other = console.sign_in("wang", client=console.new_client())  # another browser
    assert "Upload an order file" in other.get("/batches").text


def _switch_back(html: str) -> str:
    found = re.search(r'name="next" value="([^"]*)"', html)
    assert found is not None
    return found.group(1).replace("&amp;", "&")


def test_the_language_switch_leads_back_to_a_page_that_can_be_opened(console: ConsoleKit) -> None:
    # a page that answered a form has an address that takes only a POST: the switch led
    # there, to 不能这样打开 (405)
    console.sign_in("wang", "operator")
    shown = console.client.get("/queue?state=failed")
    assert _switch_back(shown.text) == "/queue?state=failed"
    csrf = console.page_csrf()
    bad = {"file": ("orders.txt", b"x")}  # (refused: not a sheet)
    answered = console.client.post("/batches/upload", data={"csrf": csrf, "batch": "b"}, files=bad)
    assert answered.status_code == 400
    assert _switch_back(answered.text) == "/batches"
    answered = console.client.post(
        "/batches/upload", data={"csrf": csrf, "batch": "b"}, files=bad,
        headers={"referer": "http://testserver/batches?page=2"},
    )  # fmt: skip
    assert _switch_back(answered.text) == "/batches?page=2"
    assert console.client.get(_switch_back(answered.text)).status_code == 200
