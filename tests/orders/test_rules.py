from __future__ import annotations

import pytest

from bots.orders import rules


@pytest.mark.parametrize(
    ("procedure", "pack", "plan"),
    [
        ("new_install", None, "e9-C"),  # new install default
        ("new_install", 19, "e9-C"),
        ("new_install", 29, "e9-G"),  # "如果用户选择29元手机优惠包选择e9-G套餐"
        ("renewal", None, "e9-G"),  # renewal default
        ("renewal", 29, "e9-G"),
        ("renewal", 19, "e9-C"),  # "19元优惠包选择E9-C"
    ],
)
def test_plan_for_procedure_and_pack(
    procedure: rules.Procedure, pack: int | None, plan: str
) -> None:
    assert rules.plan_for(procedure, pack).code == plan


def test_plan_for_unknown_pack_names_the_choices() -> None:
    with pytest.raises(ValueError) as caught:
        rules.plan_for("new_install", 39)
    assert str(caught.value) == "mobile pack must be one of 19, 29, got 39"


def test_default_packs() -> None:
    assert rules.default_pack("new_install") == 19
    assert rules.default_pack("renewal") == 29


def test_plan_labels_as_the_portal_shows_them() -> None:
    c, g = rules.PLANS["e9-C"], rules.PLANS["e9-G"]
    assert rules.plan_label("new_install", c) == "e9-C(虚用户对应套餐--手机+ADSL)"
    assert rules.plan_label("new_install", g) == "e9-G(虚用户对应套餐--手机+ADSL,29元手机优惠包)"
    assert rules.plan_label("renewal", c) == "e9-C"
    assert rules.plan_label("renewal", g) == "e9-G"


def test_monthly_fees() -> None:
    assert rules.PLANS["e9-C"].monthly_fee == 69  # "包月69元,即宽带月租50元+手机费用19元"
    assert rules.PLANS["e9-G"].monthly_fee == 79


def test_stop_month_is_derived_from_credit_and_mobile_fee() -> None:
    assert rules.stop_month(rules.PLANS["e9-C"]) == 6  # 100 // 19 + 1
    assert rules.stop_month(rules.PLANS["e9-G"]) == 4  # 100 // 29 + 1


@pytest.mark.parametrize(("credit", "month"), [(18, 1), (19, 2), (37, 2), (38, 3), (0, 1)])
def test_stop_month_boundaries(credit: int, month: int) -> None:
    assert rules.stop_month(rules.PLANS["e9-C"], credit) == month


def test_broadband_stops_only_with_e9_g() -> None:
    assert rules.PLANS["e9-G"].broadband_stops is True
    assert rules.PLANS["e9-C"].broadband_stops is False


def test_fee_lines_new_install() -> None:
    assert [line.as_dict() for line in rules.fee_lines("new_install")] == [
        {"name": "安装调测费", "original": 58, "action": "collect", "final": 58, "reason": ""},
        {"name": "UIM卡费", "original": 20, "action": "waive", "final": 0,
         "reason": "e9新装活动:UIM卡费免收"},
        {"name": "自由话费", "original": 100, "action": "collect", "final": 100, "reason": ""},
    ]
    assert rules.fee_total("new_install") == 158


def test_fee_lines_renewal() -> None:
    assert [line.as_dict() for line in rules.fee_lines("renewal")] == [
        {"name": "安装调测费", "original": 58, "action": "lower", "final": 0,
         "reason": "e9续费活动:安装调测费下调为0元"},
        {"name": "UIM卡费", "original": 20, "action": "lower", "final": 0,
         "reason": "e9续费活动:UIM卡费下调为0元"},
        {"name": "手机费用", "original": 298, "action": "lower", "final": 0,
         "reason": "e9续费活动:手机费用下调为0元"},
        {"name": "自由话费", "original": 100, "action": "collect", "final": 100, "reason": ""},
    ]
    assert rules.fee_total("renewal") == 100  # "仅收取100元自由话费"


def test_amounts_and_names() -> None:
    assert rules.SPECIAL_FUND == 600
    assert rules.FREE_CREDIT == 100
    assert rules.SPECIAL_FUND_TYPE == "ADSL月租+加装包功能费+宽带调整月租"
    assert rules.SPECIAL_FUND_LEDGER == "账户账本"
    assert rules.BRANDS == {"new_install": "我的e家", "renewal": "我的E家"}
    assert rules.CUSTOMER_GROUP == "家庭"


def test_customer_notice_e9_c() -> None:
    assert rules.customer_notice(rules.PLANS["e9-C"]) == (
        "温馨提示:您办理的e9-C套餐含自由话费100元,若每月不超套餐使用,第6个月手机将停机。"
        "请在第6个月前续存话费,或参加届时的预存话费维系活动,以免带来不便。"
    )


def test_customer_notice_e9_g_says_the_broadband_stops_too() -> None:
    assert rules.customer_notice(rules.PLANS["e9-G"]) == (
        "温馨提示:您办理的e9-G套餐含自由话费100元,若每月不超套餐使用,第4个月手机将停机,"
        "宽带同时停机。请在第4个月前续存话费,或参加届时的预存话费维系活动,以免带来不便。"
    )


def test_remark_format_and_reference_round_trip() -> None:
    text = rules.remark("马丽", "E9-20261127-0001")
    assert text == "客户经理:马丽 业务参考:E9-20261127-0001"
    assert rules.reference_in_remark(text) == "E9-20261127-0001"


@pytest.mark.parametrize(
    ("remark", "reference"),
    [
        ("客户经理:马丽 业务参考:E9-1 其他", "E9-1"),
        ("业务参考:abc_9", "abc_9"),
        ("客户经理:马丽", None),
        ("业务参考:E9-1,另一单", None),  # a reference runs to a space or the end
        ("", None),
    ],
)
def test_reference_in_remark(remark: str, reference: str | None) -> None:
    assert rules.reference_in_remark(remark) == reference


@pytest.mark.parametrize(
    "term_end,business_date,due",
    [
        ("2026-11-30", "2026-11-27", True),  # the source's case: ends at the end of the month
        ("2026-11-01", "2026-11-27", True),  # any day of the business month
        ("2026-12-31", "2026-11-27", False),  # next period
        ("2027-02-28", "2026-11-27", False),  # three months later (the portal's not-due users)
        ("2026-10-31", "2026-11-27", False),  # already ended last period
        ("2025-11-30", "2026-11-27", False),  # same month, another year
        ("2027-01-31", "2027-01-01", True),
    ],
)
def test_renewal_due_in_the_business_month(term_end: str, business_date: str, due: bool) -> None:
    assert rules.renewal_due(term_end, business_date) is due


def test_renewal_problem_names_the_term_end() -> None:
    assert rules.renewal_problem("2026-11-30", "2026-11-27") is None
    assert (
        rules.renewal_problem("2027-02-28", "2026-11-27")
        == "not a current-period renewal: term ends 2027-02-28"
    )


def test_renewal_due_refuses_what_is_not_a_date() -> None:
    with pytest.raises(ValueError, match=r"term_end must be a date like 2026-11-30, got '30/11'"):
        rules.renewal_due("30/11", "2026-11-27")
