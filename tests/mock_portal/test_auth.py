"""Login, the shell and the one-session-per-staff-id rule over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.mock_portal import walk
from tests.mock_portal.conftest import make_client


@pytest.mark.parametrize(("staff_id", "password", "message"), [
    ("", "x", "工号不能为空"), ("GH1001", "", "密码不能为空"),
    ("GH1001", "Tele@1002", "工号或密码错误"), ("GH9999", "Tele@9999", "工号或密码错误")])
def test_login_rules(client: TestClient, staff_id: str, password: str, message: str) -> None:
    response = client.post("/login", data={"staff_id": staff_id, "password": password})
    assert walk.error_of(response) == message
    assert "YZSESSIONID" not in response.cookies


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/", "/install", "/addon/query", "/fees/1", "/funds", "/queries/orders",
                 "/popups/numbers", "/welcome"):
        response = client.get(path)
        assert str(response.url).endswith("/login"), path
        assert 'name="staff_id"' in response.text


def test_shell_has_menu_and_work_area(client: TestClient) -> None:
    page = walk.login(client, "GH1003")
    assert "GH1003" in page.text and "张伟" in page.text
    for item in ("新装", "加装", "资费变更", "业务查询", "营业缴费", "专款缴费", "缴费记录查询",
                 "退出"):
        assert item in page.text
    assert '<iframe name="workarea"' in page.text
    assert 'target="workarea"' in page.text


def test_login_page_targets_the_top_window(client: TestClient) -> None:
    assert 'target="_top"' in client.get("/login").text


def test_second_login_ends_the_first_session(tmp_path: Path) -> None:
    with make_client(tmp_path) as first:
        walk.login(first)
        second = TestClient(first.app)
        walk.login(second)
        kicked = first.get("/install")
        assert walk.error_of(kicked) == "您的工号已在别处登录"
        assert str(kicked.url).endswith("/login?reason=kicked")
        walk.ok(second.get("/install"))
        staff = {s["staff_id"]: s["logged_in"] for s in first.get("/qa/state").json()["staff"]}
        assert staff["GH1001"] is True and staff["GH1002"] is False


def test_other_staff_sessions_are_independent(tmp_path: Path) -> None:
    with make_client(tmp_path) as first:
        walk.login(first, "GH1001")
        second = TestClient(first.app)
        walk.login(second, "GH1002")
        walk.ok(first.get("/install"))
        walk.ok(second.get("/install"))


def test_logout(client: TestClient) -> None:
    walk.login(client)
    page = client.get("/logout")
    assert walk.error_of(page) == "您已安全退出"
    assert str(client.get("/install").url).endswith("/login")


def test_ajax_request_without_session_gets_json(client: TestClient) -> None:
    response = client.get("/install/plans", params={"brand": "我的e家"},
                          headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 401
    assert response.json() == {"error": "请先登录", "login": "/login"}
