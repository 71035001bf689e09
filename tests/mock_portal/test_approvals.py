"""What needs a person at the portal, over HTTP: the 金库 approval of a 下调 (an approver's
工号, a 6-digit code sent to the approver's phone — /qa/approvals — valid approval_ttl_s)
and the login page's 验证码 (/qa/captchas)."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.mock_portal import walk

APPROVER = "JK0001"


@pytest.fixture
def order(client: TestClient) -> str:
    walk.login(client)
    order_no = walk.install(client)
    client.post("/qa/habits", json={"approval": True})
    return order_no


def _uim(client: TestClient, order_no: str) -> dict[str, object]:
    fees = [f for f in client.get("/qa/state").json()["fees"] if f["order_no"] == order_no]
    return next(f for f in fees if f["line"] == "UIM卡费")


def _lower(client: TestClient, order_no: str, fee_id: object, **fields: str) -> httpx.Response:
    return client.post(f"/fees/{order_no}/lower/{fee_id}",
                       data={"amount": "0", "reason": "e9活动免收", **fields})


def _sent_code(client: TestClient, order_no: str) -> str:
    sent = client.get("/qa/approvals").json()["approvals"]
    return str([a for a in sent if a["order_no"] == order_no][-1]["code"])


def test_a_lowering_waits_for_the_approvers_code(client: TestClient, order: str) -> None:
    fee = _uim(client, order)
    form = walk.ok(client.get(f"/fees/{order}/lower/{fee['fee_id']}"))
    assert "审批工号" in form.text and "短信验证码" in form.text and "发送验证码" in form.text
    # 确定 without a code: refused, nothing lowered
    assert walk.error_of(_lower(client, order, fee["fee_id"], approver=APPROVER)) == (
        "请填写审批工号和短信验证码")
    assert walk.error_of(_lower(client, order, fee["fee_id"], approver=APPROVER,
                                sms_code="123456")) == "请先发送审批验证码"
    sent = walk.ok(_lower(client, order, fee["fee_id"], approver=APPROVER, action="send_code"))
    assert f"验证码已发送至审批人{APPROVER}的手机,5分钟内有效" in sent.text
    # what was typed stays in the form
    assert 'value="e9活动免收"' in sent.text and f'value="{APPROVER}"' in sent.text
    code = _sent_code(client, order)
    assert re.fullmatch(r"\d{6}", code)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert walk.error_of(_lower(client, order, fee["fee_id"], approver=APPROVER,
                                sms_code=wrong)) == "审批验证码错误"
    assert _uim(client, order)["final_amount"] == 20
    done = _lower(client, order, fee["fee_id"], approver=APPROVER, sms_code=code)
    assert done.status_code == 200 and walk.error_of(done) is None
    assert _uim(client, order)["final_amount"] == 0
    [approval] = client.get("/qa/approvals").json()["approvals"]
    assert (approval["status"], approval["wrong"], approval["approver"]) == (
        "approved", 1, APPROVER)
    # approved once for the order: its next 下调 asks nothing more
    install = next(f for f in client.get("/qa/state").json()["fees"]
                   if f["order_no"] == order and f["line"] == "安装调测费")
    again = walk.ok(client.get(f"/fees/{order}/lower/{install['fee_id']}"))
    assert "审批工号" not in again.text


def test_an_expired_code_is_refused(client: TestClient, order: str) -> None:
    client.post("/qa/habits", json={"approval_ttl_s": 0.2})
    fee = _uim(client, order)
    walk.ok(_lower(client, order, fee["fee_id"], approver=APPROVER, action="send_code"))
    code = _sent_code(client, order)
    time.sleep(0.3)
    assert walk.error_of(_lower(client, order, fee["fee_id"], approver=APPROVER,
                                sms_code=code)) == "审批验证码已过期"
    assert _uim(client, order)["final_amount"] == 20
    assert client.get("/qa/approvals").json()["approvals"][0]["valid"] is False


def test_an_unknown_approver_gets_no_code(client: TestClient, order: str) -> None:
    fee = _uim(client, order)
    refused = _lower(client, order, fee["fee_id"], approver="GH1001", action="send_code")
    assert walk.error_of(refused) == "审批工号不存在"
    assert client.get("/qa/approvals").json()["approvals"] == []


def test_without_the_habit_nothing_is_asked(client: TestClient) -> None:
    walk.login(client)
    order = walk.install(client)
    fee = _uim(client, order)
    assert "审批工号" not in walk.ok(client.get(f"/fees/{order}/lower/{fee['fee_id']}")).text


def test_the_login_captcha(client: TestClient) -> None:
    client.post("/qa/habits", json={"login_captcha": True})
    page = walk.ok(client.get("/login"))
    key = re.search(r'name="captcha_key" value="([0-9a-f]+)"', page.text)
    assert key is not None
    picture = client.get(f"/captcha/{key.group(1)}.svg")
    assert picture.headers["content-type"] == "image/svg+xml"
    [shown] = client.get("/qa/captchas").json()["captchas"]
    assert shown["key"] == key.group(1) and re.fullmatch(r"\d{4}", shown["code"])
    login = {"staff_id": "GH1001", "password": "Tele@1001", "captcha_key": shown["key"]}
    assert walk.error_of(client.post("/login", data=login)) == "验证码不能为空"
    # a 验证码 is good for one try: the refused login's page has a new one
    assert walk.error_of(client.post("/login", data={**login, "captcha": shown["code"]})) == (
        "验证码已失效,请重新输入")
    fresh = client.get("/qa/captchas").json()["captchas"][-1]
    wrong = f"{(int(fresh['code']) + 1) % 10**4:04d}"
    assert walk.error_of(client.post("/login", data={
        **login, "captcha_key": fresh["key"], "captcha": wrong})) == "验证码错误"
    last = client.get("/qa/captchas").json()["captchas"][-1]
    walk.ok(client.post("/login", data={**login, "captcha_key": last["key"],
                                        "captcha": last["code"]}))
    assert client.get("/").status_code == 200
