"""费用收取 over HTTP: 下调 with a reason, 收费 once, the receipt."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.mock_portal import walk
from tests.mock_portal.conftest import make_client


@pytest.fixture
def order(client: TestClient) -> str:
    walk.login(client)
    return walk.install(client)


def _fees(client: TestClient, order_no: str) -> list[dict[str, object]]:
    return [f for f in client.get("/qa/state").json()["fees"] if f["order_no"] == order_no]


def test_fee_page_lists_each_line(client: TestClient, order: str) -> None:
    page = walk.ok(client.get(f"/fees/{order}"))
    for text in (order, "安装调测费", "58.00", "UIM卡费", "20.00", "自由话费", "100.00", "178.00"):
        assert text in page.text


@pytest.mark.parametrize(("amount", "reason", "message"), [
    ("0", "", "下调原因不能为空"),
    ("", "活动减免", "下调后金额不能为空"),
    ("-1", "活动减免", "金额格式不正确"),
    ("abc", "活动减免", "金额格式不正确"),
    ("30", "活动减免", "下调后金额不能大于原金额"),
])
def test_lowering_rules(client: TestClient, order: str, amount: str, reason: str,
                        message: str) -> None:
    uim_fee = _fees(client, order)[1]
    response = client.post(f"/fees/{order}/lower/{uim_fee['fee_id']}",
                           data={"amount": amount, "reason": reason})
    assert walk.error_of(response) == message
    assert _fees(client, order)[1]["final_amount"] == 20


def test_lower_then_collect(client: TestClient, order: str) -> None:
    uim_fee = _fees(client, order)[1]
    walk.ok(client.get(f"/fees/{order}/lower/{uim_fee['fee_id']}"))
    walk.ok(client.post(f"/fees/{order}/lower/{uim_fee['fee_id']}",
                        data={"amount": "0", "reason": "e9活动UIM卡费免收"}))
    receipt = walk.ok(client.post(f"/fees/{order}/collect"))
    assert "收费成功" in receipt.text and order in receipt.text and "158.00" in receipt.text
    assert [(f["line"], f["final_amount"], f["lowered_by"], f["lower_reason"], f["collected"])
            for f in _fees(client, order)] == [
        ("安装调测费", 58, None, None, True),
        ("UIM卡费", 0, "GH1001", "e9活动UIM卡费免收", True),
        ("自由话费", 100, None, None, True)]
    [state_order] = client.get("/qa/state").json()["orders"]
    assert state_order["status"] == "已收费"


def test_collecting_twice_is_refused(client: TestClient, order: str) -> None:
    walk.ok(client.post(f"/fees/{order}/collect"))
    again = client.post(f"/fees/{order}/collect")
    assert walk.error_of(again) == "该受理单已收费"
    lowered = client.post(f"/fees/{order}/lower/{_fees(client, order)[0]['fee_id']}",
                          data={"amount": "0", "reason": "x"})
    assert walk.error_of(lowered) == "该受理单已收费,不能下调"


def test_unknown_order(client: TestClient, order: str) -> None:
    assert walk.error_of(client.get("/fees/37100000000000")) == "受理单37100000000000不存在"


def test_fee_page_shows_whether_each_line_is_collected(client: TestClient, order: str) -> None:
    uim_fee = _fees(client, order)[1]
    walk.ok(client.post(f"/fees/{order}/lower/{uim_fee['fee_id']}",
                        data={"amount": "0", "reason": "e9活动UIM卡费免收"}))
    page = walk.ok(client.get(f"/fees/{order}")).text
    assert "<th>费用项目</th><th>原始金额</th><th>应收金额</th><th>是否收取</th>" in page
    assert "<td>UIM卡费</td><td>20.00</td><td>0.00</td><td>否</td>" in page
    assert "<td>安装调测费</td><td>58.00</td><td>58.00</td><td>是</td>" in page


def test_fee_changes_set_add_and_remove_lines(tmp_path: Path) -> None:
    changes = {"安装调测费": 68, "选号费": 50, "UIM卡费": None}
    with make_client(tmp_path, fee_changes=changes) as variant:
        walk.login(variant)
        order_no = walk.install(variant)
        assert [(f["line"], f["original_amount"], f["final_amount"])
                for f in _fees(variant, order_no)] == [
            ("安装调测费", 68, 68), ("自由话费", 100, 100), ("选号费", 50, 50)]


def test_a_surcharge_at_collect_is_on_the_receipt_only(tmp_path: Path) -> None:
    with make_client(tmp_path, collect_surcharge=5) as variant:
        walk.login(variant)
        order_no = walk.install(variant)
        assert "手续费" not in walk.ok(variant.get(f"/fees/{order_no}")).text
        receipt = walk.ok(variant.post(f"/fees/{order_no}/collect"))
        assert '<td class="total">183.00</td>' in receipt.text
        assert [(f["line"], f["final_amount"], f["collected"])
                for f in _fees(variant, order_no)][-1] == ("手续费", 5, True)
