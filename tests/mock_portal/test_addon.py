"""加装 (renewal) over HTTP: eligibility, every step's rule and what 提交 changes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mock_portal.fixtures import broadband_owner
from tests.mock_portal import walk


@pytest.fixture
def clerk(client: TestClient) -> TestClient:
    walk.login(client)
    return client


def test_query_shows_the_user_with_term_end(clerk: TestClient) -> None:
    page = walk.ok(clerk.get("/addon/query", params={"access_number": walk.DUE_USER}))
    assert "2026-05-31" in page.text
    # the owner as the clerk checks it against the customer's ID card: the ID in full
    name, id_number = broadband_owner(1)
    assert f'<td class="owner-name">{name}</td><td class="owner-id">{id_number}</td>' in page.text
    assert "天翼宽带" in page.text
    assert "组合产品包" in page.text
    # the bot compares the term end with the portal's own business date, not its clock
    assert '<span class="business-date">营业日期 2026-05-' in page.text


@pytest.mark.parametrize(("access", "message"), [
    ("", "宽带接入号不能为空"), ("037199999999", "宽带接入号不存在")])
def test_query_rules(clerk: TestClient, access: str, message: str) -> None:
    response = clerk.get("/addon/query", params={"access_number": access})
    assert walk.error_of(response) == message


def test_user_not_due_is_refused_before_anything_changes(clerk: TestClient) -> None:
    before = clerk.get("/qa/state").json()
    walk.ok(clerk.get("/addon"))
    response = clerk.post("/addon/start", data={"access_number": walk.NOT_DUE_USER})
    assert walk.error_of(response) == "该用户不是当期到期用户,不能办理续费(到期日期:2026-08-31)"
    assert clerk.get("/qa/state").json() == before
    # The refused user cannot be walked further either: the draft holds no user.
    assert "/addon/query" in str(clerk.post("/addon/pack", data={"pack": "e9-G"}).url)


def test_pack_must_be_chosen(clerk: TestClient) -> None:
    walk.ok(clerk.post("/addon/start", data={"access_number": walk.DUE_USER}))
    assert walk.error_of(clerk.post("/addon/pack", data={})) == "请选择组合产品包"


def test_brand_must_be_my_e_home(clerk: TestClient) -> None:
    walk.ok(clerk.post("/addon/start", data={"access_number": walk.DUE_USER}))
    walk.ok(clerk.post("/addon/pack", data={"pack": "e9-G"}))
    walk.ok(clerk.post("/addon/change"))
    assert walk.error_of(clerk.post("/addon/brand", data={"brand": ""})) == "品牌不能为空"
    wrong = clerk.post("/addon/brand", data={"brand": "天翼宽带"})
    assert walk.error_of(wrong) == "组合产品包要求品牌为我的E家"


def test_saving_the_brand_asks_for_the_attributes(clerk: TestClient) -> None:
    walk.ok(clerk.post("/addon/start", data={"access_number": walk.DUE_USER}))
    walk.ok(clerk.post("/addon/pack", data={"pack": "e9-G"}))
    walk.ok(clerk.post("/addon/change"))
    page = walk.ok(clerk.post("/addon/brand", data={"brand": "我的E家"}))
    assert 'alert("请完善用户属性信息")' in page.text
    assert 'aria-label="用户属性信息"' in page.text
    missing = clerk.post("/addon/attrs", data={"contact_name": "李四"})
    assert walk.error_of(missing) == "联系电话不能为空"
    assert "alert(" not in missing.text


def test_submit_needs_the_change_and_the_mobile(clerk: TestClient) -> None:
    walk.ok(clerk.post("/addon/start", data={"access_number": walk.DUE_USER}))
    assert walk.error_of(clerk.post("/addon/submit")) == "请先完成老宽带用户信息变更"
    walk.renew_until_members(clerk)
    assert walk.error_of(clerk.post("/addon/submit")) == "请先添加套餐内手机"


def test_account_list_offers_the_broadband_account(clerk: TestClient) -> None:
    walk.renew_until_members(clerk)
    walk.ok(clerk.post("/addon/mobile", data=walk.mobile()))
    page = walk.ok(clerk.get("/addon/mobile/account"))
    assert f"宽带 {walk.DUE_USER} 所用账户" in page.text
    assert walk.error_of(clerk.post("/addon/mobile/account", data={})) == "请选择账户"


def test_renewal_changes_broadband_and_adds_mobile_on_its_account(clerk: TestClient) -> None:
    order_no = walk.renew(clerk)
    state = clerk.get("/qa/state").json()
    net = next(s for s in state["services"] if s["number"] == walk.DUE_USER)
    assert (net["brand"], net["plan"], net["term_end"]) == ("我的E家", "e9-G", "2026-05-31")
    mobile = next(s for s in state["services"] if s["kind"] == "mobile")
    assert (mobile["number"], mobile["brand"], mobile["plan"]) == ("18937100005", "我的E家", "e9-G")
    assert (mobile["account_id"], mobile["customer_id"]) == (net["account_id"], net["customer_id"])
    assert len(state["accounts"]) == 100
    fees = [(f["line"], f["original_amount"]) for f in state["fees"] if f["order_no"] == order_no]
    assert fees == [("安装调测费", 58), ("UIM卡费", 20), ("手机费用", 298), ("自由话费", 100)]
    [order] = state["orders"]
    assert (order["kind"], order["status"], order["customer_id"]) == (
        "加装", "待收费", net["customer_id"])


def test_a_renewed_user_cannot_renew_again(clerk: TestClient) -> None:
    walk.renew(clerk)
    response = clerk.post("/addon/start", data={"access_number": walk.DUE_USER})
    assert walk.error_of(response) == "该用户已办理组合产品包"


def test_new_account_choice_opens_a_second_account(clerk: TestClient) -> None:
    walk.renew(clerk, account="new")
    state = clerk.get("/qa/state").json()
    net = next(s for s in state["services"] if s["number"] == walk.DUE_USER)
    mobile = next(s for s in state["services"] if s["kind"] == "mobile")
    assert mobile["account_id"] != net["account_id"]
    assert len(state["accounts"]) == 101


@pytest.mark.parametrize(("term_end", "due"), [
    ("2026-05-31", True),   # the last day of the business month (2026-05-15)
    ("2026-05-15", True),   # mid-month
    ("2026-05-01", True),   # the first day of the month
    ("2026-06-01", False),  # the first day of the next month
    ("2026-04-30", False),  # the last day of the month before
])
def test_a_term_end_anywhere_in_the_business_month_is_due(
        clerk: TestClient, term_end: str, due: bool) -> None:
    walk.ok(clerk.post("/qa/fixtures", json={"broadband_users": [{
        "access_number": "037760020001", "name": "钱七", "id_number": walk.ID_NUMBER,
        "term_end": term_end}]}))
    response = clerk.post("/addon/start", data={"access_number": "037760020001"})
    assert walk.error_of(response) == (
        None if due else f"该用户不是当期到期用户,不能办理续费(到期日期:{term_end})")
