"""业务查询 and 缴费记录查询 over HTTP: what a bot looks at before it repeats anything."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.mock_portal import walk
from tests.mock_portal.test_funds import FUND


@pytest.fixture
def order(client: TestClient) -> str:
    walk.login(client)
    return walk.install(client, remark="客户经理:王敏 业务参考:B-0042")


def _rows(html: str) -> list[str]:
    body = html.split('class="grid results"', 1)[1]
    return re.findall(r"<tr><td>(\d+)</td>", body)


@pytest.mark.parametrize("query", [
    {"id_number": walk.ID_NUMBER}, {"number": "18937100005"}, {"remark": "B-0042"},
    {"remark": "业务参考:B-0042", "number": "18937100005"}])
def test_orders_found(client: TestClient, order: str, query: dict[str, str]) -> None:
    page = walk.ok(client.get("/queries/orders", params=query))
    assert _rows(page.text) == [order]
    assert "新装" in page.text and "待收费" in page.text


def test_order_found_by_broadband_access_number(client: TestClient, order: str) -> None:
    net = next(s for s in client.get("/qa/state").json()["services"]
               if s["order_no"] == order and s["kind"] == "broadband")
    page = walk.ok(client.get("/queries/orders", params={"number": net["number"]}))
    assert _rows(page.text) == [order]
    assert net["number"] in page.text


@pytest.mark.parametrize("query", [{"remark": "B-0043"}, {"number": "1893710000"},
                                   {"id_number": "410105198503121239"}])
def test_orders_not_found(client: TestClient, order: str, query: dict[str, str]) -> None:
    page = walk.ok(client.get("/queries/orders", params=query))
    assert _rows(page.text) == [] and "没有查询到数据" in page.text


def test_orders_need_a_condition(client: TestClient, order: str) -> None:
    empty = client.get("/queries/orders", params={"remark": " "})
    assert walk.error_of(empty) == "请至少输入一个查询条件"
    assert 'class="grid results"' not in walk.ok(client.get("/queries/orders")).text


def test_payments_by_access_number(client: TestClient, order: str) -> None:
    assert "没有查询到数据" in walk.ok(client.get(
        "/queries/payments", params={"access_number": walk.DUE_USER})).text
    walk.ok(client.post("/funds", data=FUND))
    page = walk.ok(client.get("/queries/payments", params={"access_number": walk.DUE_USER}))
    for text in ("ADSL月租+加装包功能费+宽带调整月租", "账户账本", "600.00", "GH1001", "LS2026"):
        assert text in page.text
    assert walk.error_of(client.get("/queries/payments", params={"access_number": ""})) == (
        "接入号码不能为空")


def test_tariff_change_opens_evdo(client: TestClient, order: str) -> None:
    page = walk.ok(client.get("/tariff", params={"number": "18937100005"}))
    assert "EVDO上网" in page.text
    walk.ok(client.post("/tariff", data={"number": "18937100005", "evdo": "1"}))
    mobile = next(s for s in client.get("/qa/state").json()["services"] if s["kind"] == "mobile")
    assert mobile["evdo"] is True
    assert walk.error_of(client.get("/tariff", params={"number": "18900000000"})) == "号码不存在"
