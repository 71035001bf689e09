from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from bots.errors import BadInput
from bots.orders.model import Order, load_order, mask, parse_order, validate_order

# these pin the English texts (BOTS_LANG=en); the Chinese ones are pinned in test_words.py
pytestmark = pytest.mark.usefixtures("english")
# a check digit that does not match: the number is invalid, and no "right" digit is named
ID_INVALID = ("is not a valid ID number (its check digit does not match): check the whole number"
              " against the ID card")
CARD_INVALID = ("is not a valid card number (its check digit does not match): check the whole"
                " number against the UIM card")
IMEI_INVALID = ("is not a valid IMEI (its check digit does not match): check the whole number"
                " against the phone")


NEW_INSTALL: dict[str, Any] = {
    "reference": "E9-20261127-0001",
    "procedure": "new_install",
    "pack": 19,
    "customer": {"name": "张伟", "id_number": "410105198503121315",
                 "contact_phone": "13937101234", "address": "郑州市金水区农业路1号院"},
    "account_manager": "马丽",
    "mobile": {"number": "18937100501", "uim": "8986031937100005014"},
    "broadband": {"account": "hn37100501", "standard_address": "4101-0001",
                  "install_address": "郑州市金水区农业路1号院3号楼2单元501", "bandwidth": "100M"},
    "phone": {"imei": "864712030005016", "model": "中兴 BA610C"},
}
RENEWAL: dict[str, Any] = {
    "reference": "E9-20261127-0012",
    "procedure": "renewal",
    "customer": {"name": "孙建国", "id_number": "410102196610014517",
                 "contact_phone": "0371-63451234", "address": "郑州市中原区建设西路70号"},
    "account_manager": "郭涛",
    "mobile": {"number": "any", "uim": "8986031937100005121"},
    "broadband": {"access_number": "037160010001"},
    "phone": {"imei": "864712030005123", "model": "海信 F23"},
}


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(base)
    *parents, leaf = path.split(".")
    node = raw
    for part in parents:
        node = node[part]
    if value is ...:
        del node[leaf]
    else:
        node[leaf] = value
    return raw


def problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    order, found = validate_order(raw)
    assert order is None
    return [tuple(p) for p in found]


def test_valid_orders_load() -> None:
    assert load_order(NEW_INSTALL, "x").customer.id_type == "居民身份证"
    assert load_order(RENEWAL, "x").mobile.number == "any"


def test_order_is_frozen() -> None:
    order = load_order(NEW_INSTALL, "x")
    with pytest.raises(ValidationError):
        order.reference = "other"  # type: ignore[misc]


def test_parse_order_new_install_derived_fields() -> None:
    data, sensitive = parse_order(NEW_INSTALL, "a.yaml")
    assert sensitive == ["410105198503121315", "13937101234"]
    assert data["plan"] == "e9-C"
    assert data["plan_label"] == "e9-C(虚用户对应套餐--手机+ADSL)"
    assert data["brand"] == "我的e家"
    assert data["pack"] == 19
    assert data["procedure_label"] == "新装"
    assert data["monthly_fee"] == 69
    assert data["customer"]["group"] == "家庭"
    assert data["mobile"] == {"number": "18937100501", "uim": "8986031937100005014",
                              "pick_any": False}
    assert [f["name"] for f in data["fees"]] == ["安装调测费", "UIM卡费", "自由话费"]
    assert data["fees_to_lower"] == [{"name": "UIM卡费", "original": 20, "action": "waive",
                                      "final": 0, "reason": "e9新装活动:UIM卡费免收"}]
    assert data["fee_total"] == 158
    assert data["free_credit"] == 100
    assert data["special_fund"] == {"amount": 600, "type": "ADSL月租+加装包功能费+宽带调整月租",
                                    "ledger": "账户账本"}
    assert data["stop_month"] == 6
    assert data["broadband_stops"] is False
    assert data["notice"].startswith("温馨提示:您办理的e9-C套餐")
    assert data["remark"] == "客户经理:马丽 业务参考:E9-20261127-0001"
    assert data["broadband"]["access_number"] is None
    assert data["broadband"]["bandwidth"] == "100M"


def test_parse_order_renewal_defaults_to_e9_g() -> None:
    data, sensitive = parse_order(RENEWAL, "b.yaml")
    assert sensitive == ["410102196610014517", "0371-63451234"]
    assert (data["plan"], data["plan_label"], data["pack"]) == ("e9-G", "e9-G", 29)
    assert data["brand"] == "我的E家"
    assert data["procedure_label"] == "续费"
    assert data["stop_month"] == 4
    assert data["broadband_stops"] is True
    assert data["mobile"]["pick_any"] is True
    assert [f["name"] for f in data["fees_to_lower"]] == ["安装调测费", "UIM卡费", "手机费用"]
    assert data["fee_total"] == 100
    assert data["broadband"] == {"access_number": "037160010001", "account": None,
                                 "standard_address": None, "install_address": None,
                                 "bandwidth": None}


@pytest.mark.parametrize(("procedure", "pack", "plan"), [
    ("new_install", 29, "e9-G"), ("renewal", 19, "e9-C"), ("新装", "29元", "e9-G"),
    ("续费", 19.0, "e9-C"), ("renewal", "", "e9-G"),
])
def test_pack_choice_and_spellings(procedure: str, pack: Any, plan: str) -> None:
    base = NEW_INSTALL if procedure in ("new_install", "新装") else RENEWAL
    raw = changed(changed(base, "procedure", procedure), "pack", pack)
    assert parse_order(raw, "x")[0]["plan"] == plan


def test_bad_order_raises_bad_input_naming_source_field_and_reason() -> None:
    raw = changed(NEW_INSTALL, "customer.id_number", "410105198503121316")
    with pytest.raises(BadInput) as caught:
        parse_order(raw, "orders/a.yaml")
    error = caught.value
    assert str(error) == ("orders/a.yaml: customer.id_number: " + ID_INVALID)
    assert error.code == "bad_order"
    assert error.exit_code == 4
    assert error.context["field"] == "customer.id_number"
    assert error.context["reason"] == ID_INVALID
    assert error.context["source"] == "orders/a.yaml"


def test_every_problem_is_reported_at_once() -> None:
    raw = changed(changed(NEW_INSTALL, "phone.imei", "864712030005017"), "mobile.uim", "123")
    with pytest.raises(BadInput) as caught:
        load_order(raw, "s")
    assert str(caught.value) == (
        "s: mobile.uim: must be 19-20 digits starting with 89, got '123'\n"
        "s: phone.imei: " + IMEI_INVALID)
    assert caught.value.context["problems"] == [
        ("mobile.uim", "must be 19-20 digits starting with 89, got '123'"),
        ("phone.imei", IMEI_INVALID)]


@pytest.mark.parametrize(
    ("path", "value", "field", "reason"),
    [
        ("reference", "E9", "reference",
         "must be 3-40 letters, digits, '-' or '_' (like E9-20261127-0001), got 'E9'"),
        ("reference", "E9 0001", "reference",
         "must be 3-40 letters, digits, '-' or '_' (like E9-20261127-0001), got 'E9 0001'"),
        ("reference", "A" * 41, "reference",
         "must be 3-40 letters, digits, '-' or '_' (like E9-20261127-0001), got "
         + repr("A" * 40 + "…")),
        ("reference", ..., "reference", "is required"),
        ("procedure", "install", "procedure",
         "must be new_install (新装) or renewal (续费), got 'install'"),
        ("pack", 39, "pack", "must be 19 or 29 (the mobile pack in yuan), got '39'"),
        ("pack", True, "pack", "must be a number of yuan, got true/false"),
        ("customer.name", "", "customer.name", "is required"),
        ("customer.name", None, "customer.name", "is required"),
        ("customer.name", "王" * 31, "customer.name", "is too long (31 characters, at most 30)"),
        ("customer.name", "王\x1b敏", "customer.name",
         "contains a control character (U+001B) at character 2"),
        ("customer.id_type", "护照", "customer.id_type", "must be 居民身份证, got '护照'"),
        ("customer.id_number", 4.10105198503121e17, "customer.id_number",
         "is stored as a number, which loses digits: store it as text"
         " (format the column as text, or quote it in YAML)"),
        ("customer.contact_phone", "12345", "customer.contact_phone",
         "must be an 11-digit mobile number or a landline with area code"
         " (area code-number, such as 0371- and eight digits); got 5 characters"),
        ("customer.address", "郑" * 101, "customer.address",
         "is too long (101 characters, at most 100)"),
        ("account_manager", "马丽 业务参考:X", "account_manager", "must not contain 业务参考"),
        ("account_manager", "马" * 21, "account_manager",
         "is too long (21 characters, at most 20)"),
        ("mobile.number", "1893710050", "mobile.number",
         'must be "any" or an 11-digit mobile number starting 13-19, got \'1893710050\''),
        ("mobile.uim", "8986031937100005015", "mobile.uim",
         CARD_INVALID),
        ("broadband.bandwidth", "150M", "broadband.bandwidth",
         "must be one of 20M 50M 100M 200M 300M 500M 1000M, got '150M'"),
        ("broadband.account", "HN_1", "broadband.account",
         "must be 6-20 lowercase letters and digits, got 'HN_1'"),
        ("broadband.standard_address", "41010001", "broadband.standard_address",
         "must be an address code like 4101-0001, got '41010001'"),
        ("broadband.install_address", "", "broadband.install_address",
         "is required for a new install"),
        ("broadband.access_number", "037160010001", "broadband.access_number",
         "is assigned by the portal on a new install: leave it empty"),
        ("broadband", ..., "broadband.account", "is required for a new install"),
        ("phone.model", "型" * 41, "phone.model", "is too long (41 characters, at most 40)"),
        ("phone", "x", "phone", "must be a mapping of fields"),
        ("note", "备" * 201, "note", "is too long (201 characters, at most 200)"),
        ("colour", "red", "colour", "is not a known field"),
        ("customer.nmae", "x", "customer.nmae", "is not a known field (did you mean name?)"),
    ],
)
def test_new_install_field_checks(path: str, value: Any, field: str, reason: str) -> None:
    assert (field, reason) in problems(changed(NEW_INSTALL, path, value))


@pytest.mark.parametrize(
    ("path", "value", "field", "reason"),
    [
        ("broadband.access_number", ..., "broadband.access_number",
         "is required for a renewal"),
        ("broadband.access_number", " ", "broadband.access_number",
         "is required for a renewal"),
        ("broadband.bandwidth", "100M", "broadband.bandwidth",
         "is only for a new install: leave it empty for a renewal"),
        ("broadband.access_number", 37160010001, "broadband.access_number",
         "must be 10-12 digits starting with 0, got '37160010001'"
         " (stored as a number, the leading 0 is lost: store it as text)"),
        ("broadband.access_number", "010600100011", "broadband.access_number",
         "is not a Henan broadband access number: a Henan area code (0370 0371 0372 0373 0374"
         " 0375 0376 0377 0378 0379 0391 0392 0393 0394 0395 0396 0398) and a 7-8 digit line"
         " expected, got '010600100011'"),
    ],
)
def test_renewal_field_checks(path: str, value: Any, field: str, reason: str) -> None:
    assert problems(changed(RENEWAL, path, value)) == [(field, reason)]


def test_missing_fields_in_every_part() -> None:
    assert problems({"procedure": "renewal"}) == [
        ("reference", "is required"), ("customer", "is required"),
        ("account_manager", "is required"), ("mobile", "is required"),
        ("phone", "is required"), ("broadband.access_number", "is required for a renewal"),
    ]


def test_not_a_mapping() -> None:
    assert validate_order(["x"]) == (None, [("order", "must be a mapping of fields")])


def test_values_are_normalised() -> None:
    raw = changed(NEW_INSTALL, "customer.id_number", "11010519491231002x")
    raw = changed(raw, "broadband.bandwidth", 1000)
    raw = changed(raw, "mobile.number", "任意")
    raw = changed(raw, "phone.imei", 864712030005016)  # YAML/Excel whole numbers are exact
    raw = changed(raw, "customer.id_type", "身份证")
    raw = changed(raw, "customer.name", "  𠮷田  ")
    order = load_order(raw, "x")
    assert order.customer.id_number == "11010519491231002X"
    assert order.broadband.bandwidth == "1000M"
    assert order.mobile.number == "any"
    assert order.phone.imei == "864712030005016"
    assert order.customer.id_type == "居民身份证"
    assert order.customer.name == "𠮷田"


def test_html_in_names_is_kept_as_text() -> None:
    raw = changed(NEW_INSTALL, "customer.name", "<script>alert(1)</script>")
    assert parse_order(raw, "x")[0]["customer"]["name"] == "<script>alert(1)</script>"


def test_sensitive_values_never_in_messages_or_reprs() -> None:
    order = load_order(NEW_INSTALL, "x")
    assert "410105198503121315" not in repr(order)
    assert "13937101234" not in repr(order)
    assert "id_number='410*************15'" in repr(order)


def test_masked() -> None:
    masked = load_order(NEW_INSTALL, "x").masked()
    assert masked["customer"]["id_number"] == "410*************15"
    assert masked["customer"]["contact_phone"] == "139******34"
    assert masked["customer"]["name"] == "张伟"
    assert masked["mobile"]["uim"] == "8986031937100005014"


@pytest.mark.parametrize(("value", "shown"), [
    ("", ""), ("123456789", "*********"), ("1234567890", "123*****90"),
])
def test_mask(value: str, shown: str) -> None:
    assert mask(value) == shown


def test_direct_construction_enforces_procedure_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        Order.model_validate(changed(RENEWAL, "broadband.access_number", ...))
    assert "broadband.access_number: is required for a renewal [type=value_error" in str(
        caught.value
    )


def test_data_round_trips_through_model_dump() -> None:
    order = load_order(RENEWAL, "x")
    assert load_order(order.model_dump(mode="json"), "again") == order


def test_a_renewal_outside_zhengzhou() -> None:
    order = load_order(changed(RENEWAL, "broadband.access_number", "037960010001"), "t")
    assert order.data()["broadband"]["access_number"] == "037960010001"


def test_the_order_remark_reaches_the_portal_remark() -> None:
    data, _ = parse_order(changed(NEW_INSTALL, "note", " 客户要求周末上门 "), "t")
    assert data["note"] == "客户要求周末上门"
    assert data["remark"] == "客户经理:马丽 业务参考:E9-20261127-0001 客户要求周末上门"


@pytest.mark.parametrize(("note", "reason"), [
    ("见业务参考:E9-1", "must not contain 业务参考"),
    ("备" * 200, "with the account manager and the reference it makes 230 characters, more than"
                 " the 200 the portal's remark (备注) holds"),
])
def test_a_remark_that_does_not_fit_the_portal_is_refused(note: str, reason: str) -> None:
    assert problems(changed(NEW_INSTALL, "note", note)) == [("note", reason)]
