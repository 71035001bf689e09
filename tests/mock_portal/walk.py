"""HTTP walks through the portal's wizards, step by step, for the TestClient tests."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from mock_portal.fixtures import iccid
from mock_portal.rules import id_check_digit, luhn_digit

ID_NUMBER = "41010519850312123" + id_check_digit("41010519850312123")
IMEI = "35693803564380" + luhn_digit("35693803564380")
DUE_USER = "037160010001"
NOT_DUE_USER = "037160010090"
ERROR = re.compile(r'<div class="error" role="alert">([^<]*)</div>')


def error_of(response: httpx.Response) -> str | None:
    """The red message on a page, if any."""
    match = ERROR.search(response.text)
    return match.group(1) if match else None


def ok(response: httpx.Response) -> httpx.Response:
    assert response.status_code == 200, response.text[:500]
    assert error_of(response) is None, error_of(response)
    return response


def login(client: TestClient, staff_id: str = "GH1001") -> httpx.Response:
    return ok(client.post("/login", data={"staff_id": staff_id,
                                          "password": "Tele@" + staff_id[2:]}))


def customer(**overrides: str) -> dict[str, str]:
    return {"name": "张三", "id_type": "身份证", "id_number": ID_NUMBER, "phone": "13812345678",
            "address": "郑州市金水区农业路1号", "group": "家庭", **overrides}


def mobile(number: str = "18937100005", card: int = 5, **overrides: str) -> dict[str, str]:
    return {"mobile_number": number, "uim": iccid(card),
            "remark": "客户经理:王敏 业务参考:REF-1", **overrides}


def broadband(**overrides: str) -> dict[str, str]:
    return {"standard_address": "郑州市金水区花园路街道农业路1号院", "address_code": "4101-0001",
            "broadband_account": "hn37100001", "bandwidth": "100M",
            "install_address": "农业路1号院3号楼2单元501", **overrides}


def install_until_members(client: TestClient, **cust: str) -> None:
    ok(client.get("/install"))
    ok(client.post("/install/customer", data=customer(**cust)))
    ok(client.post("/install/product", data={
        "brand": "我的e家", "plan": "e9-C(虚用户对应套餐--手机+ADSL)"}))


def install_mobile(client: TestClient, prepaid: str = "100", imei: str = IMEI,
                   **fields: str) -> httpx.Response:
    ok(client.post("/install/mobile", data={**mobile(**fields), "prepaid_amount": prepaid}))
    return client.post("/install/mobile/device", data={"imei": imei, "model": "天翼 X1"})


def install_broadband(client: TestClient, account: str = "new-mobile",
                      **fields: str) -> httpx.Response:
    ok(client.post("/install/broadband", data=broadband(**fields)))
    ok(client.post("/install/broadband/account", data={"account": account}))
    return client.post("/install/broadband/confirm")


def submit(client: TestClient, path: str) -> str:
    response = ok(client.post(path))
    match = re.search(r"/fees/(\d+)$", str(response.url))
    assert match, response.url
    return match.group(1)


def install(client: TestClient, account: str = "new-mobile", **mobile_fields: str) -> str:
    """A whole 新装 up to the fee page; returns the order number."""
    install_until_members(client)
    ok(install_mobile(client, **mobile_fields))
    ok(install_broadband(client, account=account))
    return submit(client, "/install/submit")


def renew_until_members(client: TestClient, access: str = DUE_USER, pack: str = "e9-G") -> None:
    ok(client.get("/addon"))
    ok(client.get("/addon/query", params={"access_number": access}))
    ok(client.post("/addon/start", data={"access_number": access}))
    ok(client.post("/addon/pack", data={"pack": pack}))
    ok(client.get("/addon/change"))
    ok(client.post("/addon/change"))
    ok(client.post("/addon/brand", data={"brand": "我的E家"}))
    ok(client.post("/addon/attrs", data={
        "contact_name": "李四", "contact_phone": "13900001111",
        "install_address": "郑州市金水区农业路8号院", "user_type": "家庭用户"}))


def renew_mobile(client: TestClient, account: str, prepaid: str = "100",
                 **fields: str) -> httpx.Response:
    ok(client.post("/addon/mobile", data=mobile(**fields)))
    ok(client.post("/addon/mobile/account", data={"account": account,
                                                 "prepaid_amount": prepaid}))
    return client.post("/addon/mobile/device", data={"imei": IMEI, "model": "天翼 X1"})


def renew(client: TestClient, access: str = DUE_USER, account: str | None = None,
          **fields: str) -> str:
    """A whole 加装 up to the fee page; returns the order number."""
    renew_until_members(client, access)
    if account is None:
        state = client.get("/qa/state").json()
        account = next(s["account_id"] for s in state["services"] if s["number"] == access)
    ok(renew_mobile(client, account, **fields))
    return submit(client, "/addon/submit")
