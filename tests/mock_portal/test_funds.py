"""专款缴费 over HTTP: the query, the rules, the 受理成功 page and the ledger entry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mock_portal.fixtures import broadband_owner
from tests.mock_portal import walk
from tests.mock_portal.conftest import make_client

FUND = {"access_number": walk.DUE_USER, "fund_type": "ADSL月租+加装包功能费+宽带调整月租",
        "ledger": "账户账本", "amount": "600"}


@pytest.fixture
def clerk(client: TestClient) -> TestClient:
    walk.login(client, "GH1002")
    return client


def test_query_shows_the_broadband_user(clerk: TestClient) -> None:
    page = walk.ok(clerk.get("/funds", params={"access_number": walk.DUE_USER}))
    assert "天翼宽带" in page.text and "专款类型" in page.text and "确定提交吗?" in page.text
    name, id_number = broadband_owner(1)
    assert f'<td class="owner-name">{name}</td><td class="owner-id">{id_number}</td>' in page.text


@pytest.mark.parametrize(("access", "message"), [
    ("", "宽带接入号不能为空"), ("18937100000", "宽带接入号不存在")])
def test_query_rules(clerk: TestClient, access: str, message: str) -> None:
    assert walk.error_of(clerk.get("/funds", params={"access_number": access})) == message


def test_payment_is_accepted_with_a_serial_number(clerk: TestClient) -> None:
    page = walk.ok(clerk.post("/funds", data=FUND))
    assert "受理成功" in page.text
    serial = re.search(r'class="serial-no">(LS\d{14})<', page.text)
    assert serial
    [entry] = clerk.get("/qa/state").json()["special_funds"]
    assert entry == {"serial_no": serial.group(1), "access_number": walk.DUE_USER,
                     "fund_type": "ADSL月租+加装包功能费+宽带调整月租", "ledger": "账户账本",
                     "amount": 600, "staff_id": "GH1002", "time": entry["time"]}
    assert entry["time"].startswith("2026-05-15 ")


@pytest.mark.parametrize(("fields", "message"), [
    ({"fund_type": ""}, "专款类型不能为空"),
    ({"ledger": ""}, "账本不能为空"),
    ({"amount": ""}, "金额不能为空"),
    ({"amount": "0"}, "金额格式不正确"),
    ({"amount": "6OO"}, "金额格式不正确"),
    ({"fund_type": "随便"}, "专款类型或账本不正确"),
    ({"access_number": "037199999999"}, "宽带接入号不存在"),
])
def test_payment_rules(clerk: TestClient, fields: dict[str, str], message: str) -> None:
    assert walk.error_of(clerk.post("/funds", data={**FUND, **fields})) == message
    assert clerk.get("/qa/state").json()["special_funds"] == []


def test_paying_twice_records_two_entries(clerk: TestClient) -> None:
    walk.ok(clerk.post("/funds", data=FUND))
    walk.ok(clerk.post("/funds", data=FUND))
    assert len(clerk.get("/qa/state").json()["special_funds"]) == 2


@pytest.mark.parametrize(("defect", "recorded"), [
    ("twice", [("账户账本", 600), ("账户账本", 600)]),
    ("wrong_ledger", [("专款账本", 600)]),
])
def test_deposit_defects_show_in_the_records_only(
        tmp_path: Path, defect: str, recorded: list[tuple[str, float]]) -> None:
    with make_client(tmp_path, deposit_defect=defect) as variant:
        walk.login(variant)
        page = walk.ok(variant.post("/funds", data=FUND))
        assert "<td>账户账本</td>" in page.text  # the screen says what was asked for
        funds = variant.get("/qa/state").json()["special_funds"]
        assert [(f["ledger"], f["amount"]) for f in funds] == recorded
        records = walk.ok(variant.get("/queries/payments",
                                      params={"access_number": walk.DUE_USER})).text
        assert all(f["serial_no"] in records for f in funds)
