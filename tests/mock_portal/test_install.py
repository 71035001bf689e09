"""新装 over HTTP: every server-side rule of the wizard and what 提交 creates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mock_portal.fixtures import broadband_owner
from tests.mock_portal import walk
from tests.mock_portal.conftest import make_client
from tests.mock_portal.legacy import GbkClerk


@pytest.fixture
def clerk(client: TestClient) -> TestClient:
    walk.login(client)
    return client


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "客户名称不能为空"),
    ("id_number", "", "证件号码不能为空"),
    ("id_number", "410105198503121230", "证件号码格式不正确"),
    ("id_number", "41010519850312", "证件号码格式不正确"),
    ("phone", "", "联系电话不能为空"),
    ("phone", "12ab", "联系电话格式不正确"),
    ("address", "", "联系地址不能为空"),
    ("group", "", "客户分群不能为空"),
])
def test_customer_rules(clerk: TestClient, field: str, value: str, message: str) -> None:
    walk.ok(clerk.get("/install"))
    if field == "id_number" and value == "410105198503121230":
        value = walk.ID_NUMBER[:17] + ("0" if walk.ID_NUMBER[17] != "0" else "1")
    response = clerk.post("/install/customer", data=walk.customer(**{field: value}))
    assert walk.error_of(response) == message
    assert "/install/customer" in str(response.url)


def test_plans_load_only_for_a_brand(clerk: TestClient) -> None:
    assert clerk.get("/install/plans").json() == {"plans": []}
    assert clerk.get("/install/plans", params={"brand": "我的e家"}).json() == {"plans": [
        "e9-C(虚用户对应套餐--手机+ADSL)", "e9-G(虚用户对应套餐--手机+ADSL,29元手机优惠包)"]}


def test_product_rules(clerk: TestClient) -> None:
    walk.ok(clerk.get("/install"))
    walk.ok(clerk.post("/install/customer", data=walk.customer()))
    empty = clerk.post("/install/product", data={"brand": "我的e家", "plan": ""})
    assert walk.error_of(empty) == "计划不能为空"
    wrong = clerk.post("/install/product", data={"brand": "天翼宽带",
                                                 "plan": "e9-C(虚用户对应套餐--手机+ADSL)"})
    assert walk.error_of(wrong) == "计划与品牌不符"


@pytest.mark.parametrize(("fields", "message"), [
    ({"mobile_number": ""}, "手机号码不能为空"),
    ({"mobile_number": "13000000000"}, "号码不存在"),
    ({"uim": ""}, "UIM卡号不能为空"),
    ({"uim": "89860319371999999999"}, "该卡不在库存中或已使用"),
    ({"prepaid_amount": "abc"}, "预存金额格式不正确"),
    ({"remark": "备" * 201}, "备注不能超过200个字"),
])
def test_mobile_rules(clerk: TestClient, fields: dict[str, str], message: str) -> None:
    walk.install_until_members(clerk)
    data = {**walk.mobile(), "prepaid_amount": "100", **fields}
    assert walk.error_of(clerk.post("/install/mobile", data=data)) == message


@pytest.mark.parametrize(("imei", "message"), [
    ("", "串号不能为空"), ("123456789012345", "串号无效"), ("3569380356438", "串号无效")])
def test_device_rules(clerk: TestClient, imei: str, message: str) -> None:
    walk.install_until_members(clerk)
    assert walk.error_of(walk.install_mobile(clerk, imei=imei)) == message


def test_used_number_and_card_are_refused(clerk: TestClient) -> None:
    walk.install(clerk)
    walk.install_until_members(clerk)
    taken = clerk.post("/install/mobile", data={**walk.mobile(card=6)})
    assert walk.error_of(taken) == "号码已被占用"
    used_card = clerk.post("/install/mobile", data={**walk.mobile("18937100006", card=5)})
    assert walk.error_of(used_card) == "该卡不在库存中或已使用"


@pytest.mark.parametrize(("fields", "message"), [
    ({"standard_address": ""}, "标准化地址不能为空"),
    ({"broadband_account": ""}, "宽带账号不能为空"),
    ({"bandwidth": ""}, "带宽不能为空"),
    ({"install_address": ""}, "装机地址不能为空"),
    ({"broadband_account": "HN-1"}, "宽带账号格式不正确(6-20位小写字母或数字)"),
    ({"broadband_account": "zz60010001"}, "宽带账号已存在"),
    ({"bandwidth": "64M"}, "带宽不正确"),
])
def test_broadband_rules(clerk: TestClient, fields: dict[str, str], message: str) -> None:
    walk.install_until_members(clerk)
    assert walk.error_of(clerk.post("/install/broadband", data=walk.broadband(**fields))) == message


def test_account_must_be_chosen(clerk: TestClient) -> None:
    walk.install_until_members(clerk)
    walk.ok(walk.install_mobile(clerk))
    walk.ok(clerk.post("/install/broadband", data=walk.broadband()))
    page = walk.ok(clerk.get("/install/broadband/account"))
    assert "随套餐内手机 18937100005 新开" in page.text
    assert walk.error_of(clerk.post("/install/broadband/account", data={})) == "请选择账户"


def test_submit_needs_both_members(clerk: TestClient) -> None:
    walk.install_until_members(clerk)
    assert walk.error_of(clerk.post("/install/submit")) == "请先添加套餐内手机"
    walk.ok(walk.install_mobile(clerk))
    assert walk.error_of(clerk.post("/install/submit")) == "请先添加套餐内宽带"


def test_new_install_creates_customer_account_services_order_fees(clerk: TestClient) -> None:
    order_no = walk.install(clerk)
    assert re.fullmatch(r"37120260515\d{5}", order_no)
    state = clerk.get("/qa/state").json()
    [customer] = [c for c in state["customers"] if c["name"] == "张三"]
    assert customer["group"] == "家庭"
    assert customer["id_number"] == walk.ID_NUMBER
    [account] = [a for a in state["accounts"] if a["customer_id"] == customer["customer_id"]]
    services = [s for s in state["services"] if s["order_no"] == order_no]
    assert {s["kind"] for s in services} == {"mobile", "broadband"}
    assert {s["account_id"] for s in services} == {account["account_id"]}
    mobile = next(s for s in services if s["kind"] == "mobile")
    net = next(s for s in services if s["kind"] == "broadband")
    assert (mobile["number"], mobile["brand"], mobile["plan"], mobile["evdo"]) == (
        "18937100005", "我的e家", "e9-C(虚用户对应套餐--手机+ADSL)", False)
    assert (mobile["imei"], mobile["uim"]) == (walk.IMEI, walk.mobile()["uim"])
    assert re.fullmatch(r"0371\d{8}", net["number"])
    assert (net["broadband_account"], net["bandwidth"], net["term_end"]) == (
        "hn37100001", "100M", "2027-05-31")
    fees = [(f["line"], f["original_amount"], f["final_amount"], f["collected"])
            for f in state["fees"] if f["order_no"] == order_no]
    assert fees == [("安装调测费", 58, 58, False), ("UIM卡费", 20, 20, False),
                    ("自由话费", 100, 100, False)]
    [order] = state["orders"]
    assert order == {"order_no": order_no, "kind": "新装", "staff_id": "GH1001",
                     "remark": "客户经理:王敏 业务参考:REF-1", "time": order["time"],
                     "status": "待收费", "customer_id": customer["customer_id"]}
    fee_page = walk.ok(clerk.get(f"/fees/{order_no}"))
    assert net["number"] in fee_page.text


def test_choosing_another_account_shows_in_state(clerk: TestClient) -> None:
    order_no = walk.install(clerk, account="new-broadband")
    state = clerk.get("/qa/state").json()
    services = [s for s in state["services"] if s["order_no"] == order_no]
    assert len({s["account_id"] for s in services}) == 2


def test_no_prepaid_means_no_credit_line(clerk: TestClient) -> None:
    order_no = walk.install(clerk, prepaid="")
    lines = [f["line"] for f in clerk.get("/qa/state").json()["fees"]
             if f["order_no"] == order_no]
    assert lines == ["安装调测费", "UIM卡费"]


def test_double_submit_creates_a_second_order(clerk: TestClient) -> None:
    first = walk.install(clerk)
    second = walk.submit(clerk, "/install/submit")
    assert first != second
    orders = clerk.get("/qa/state").json()["orders"]
    assert [o["order_no"] for o in orders] == [first, second]


def test_pages_mask_id_numbers(clerk: TestClient) -> None:
    walk.install_until_members(clerk)
    page = walk.ok(clerk.get("/install/members"))
    assert walk.ID_NUMBER not in page.text
    assert walk.ID_NUMBER[:6] + "********" + walk.ID_NUMBER[-4:] in page.text


@pytest.mark.parametrize(
    ("phone", "valid"),
    [("13937100001", True), ("0371-63451234", True), ("037163451234", True),
     ("63451234", True), ("12ab", False), ("0371-6345", False)],
)
def test_contact_phone_formats(phone: str, valid: bool) -> None:
    """A landline written with its area code and a hyphen is what back offices type."""
    from mock_portal.rules import valid_phone

    assert valid_phone(phone) is valid


def test_the_remark_holds_200_characters(clerk: TestClient) -> None:
    order_no = walk.install(clerk, remark="备" * 200)
    [order] = clerk.get("/qa/state").json()["orders"]
    assert (order["order_no"], order["remark"]) == (order_no, "备" * 200)


def test_new_access_numbers_under_another_area_code(tmp_path: Path) -> None:
    with make_client(tmp_path, area_code="0379") as luoyang:
        walk.login(luoyang)
        order_no = walk.install(luoyang)
        [net] = [s for s in luoyang.get("/qa/state").json()["services"]
                 if s["order_no"] == order_no and s["kind"] == "broadband"]
        assert net["number"] == "037970000001"
        assert "037970000001 / 18937100005" in walk.ok(luoyang.get(f"/fees/{order_no}")).text


@pytest.mark.parametrize("legacy", [False, True], ids=["modern", "legacy"])
def test_a_known_id_number_selects_the_customer_instead_of_a_second(tmp_path: Path,
                                                                     legacy: bool) -> None:
    with make_client(tmp_path, legacy=legacy) as client:
        clerk = GbkClerk(client) if legacy else client
        walk.login(client)
        first = walk.install(clerk)  # type: ignore[arg-type]
        walk.ok(clerk.get("/install"))
        product = walk.ok(clerk.post("/install/customer", data=walk.customer(
            phone="13700000000", address="郑州市二七区建中街2号", group="个人")))
        assert '<div class="msg" role="status">该证件号码已有客户资料,已选用该客户</div>' in (
            product.text)
        walk.ok(clerk.post("/install/product", data={
            "brand": "我的e家", "plan": "e9-C(虚用户对应套餐--手机+ADSL)"}))
        walk.ok(walk.install_mobile(clerk, number="18937100006", card=6))  # type: ignore[arg-type]
        walk.ok(walk.install_broadband(clerk, broadband_account="hn37100002"))  # type: ignore[arg-type]
        second = walk.submit(clerk, "/install/submit")  # type: ignore[arg-type]
        state = client.get("/qa/state").json()
        [customer] = [c for c in state["customers"] if c["id_number"] == walk.ID_NUMBER]
        assert (customer["phone"], customer["group"]) == ("13812345678", "家庭")  # as on file
        owners = {o["order_no"]: o["customer_id"] for o in state["orders"]}
        assert owners == {first: customer["customer_id"], second: customer["customer_id"]}
        accounts = {a["account_id"] for a in state["accounts"]
                    if a["customer_id"] == customer["customer_id"]}
        assert len(accounts) == 2  # each new install opens its own account


@pytest.mark.parametrize("legacy", [False, True], ids=["modern", "legacy"])
def test_a_known_id_number_under_another_name_is_refused(tmp_path: Path, legacy: bool) -> None:
    with make_client(tmp_path, legacy=legacy) as client:
        clerk = GbkClerk(client) if legacy else client
        walk.login(client)
        name, id_number = broadband_owner(7)  # a customer the fixtures already have
        walk.ok(clerk.get("/install"))
        refused = clerk.post("/install/customer", data=walk.customer(
            name=name + "某", id_number=id_number))
        assert walk.error_of(refused) == "该证件号码已登记,客户名称不符"
        assert "/install/customer" in str(refused.url)
        walk.ok(clerk.post("/install/customer", data=walk.customer(
            name=name, id_number=id_number)))
        walk.ok(clerk.post("/install/product", data={
            "brand": "我的e家", "plan": "e9-C(虚用户对应套餐--手机+ADSL)"}))
        walk.ok(walk.install_mobile(clerk))  # type: ignore[arg-type]
        walk.ok(walk.install_broadband(clerk))  # type: ignore[arg-type]
        walk.submit(clerk, "/install/submit")  # type: ignore[arg-type]
        state = client.get("/qa/state").json()
        assert [c["name"] for c in state["customers"] if c["id_number"] == id_number] == [name]
