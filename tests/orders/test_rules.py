from __future__ import annotations

import pytest

from bots.orders import rules, tables


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


def test_the_order_remark_follows_the_reference() -> None:
    text = rules.remark("马丽", "E9-20261127-0003", "客户要求周末上门装机")
    assert text == "客户经理:马丽 业务参考:E9-20261127-0003 客户要求周末上门装机"
    assert rules.reference_in_remark(text) == "E9-20261127-0003"


def test_a_remark_must_fit_the_portal_field() -> None:
    # 客户经理:马丽 业务参考:E9-20261127-0003 is 29 characters, then a space
    assert rules.remark_problem("马丽", "E9-20261127-0003", "备" * 170) is None
    assert rules.remark_problem("马丽", "E9-20261127-0003", "备" * 171) == (
        "连同客户经理和业务参考共201个字,超出营账备注上限200个字")


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


@pytest.mark.parametrize(
    ("term_end", "due"),
    [
        ("2026-12-31", True),  # the last day of the business month
        ("2026-12-15", True),  # mid-month
        ("2026-12-01", True),  # the case: business date 2026-12-01, term ends that day
        ("2027-01-01", False),  # the first day of the next month
        ("2026-11-30", False),  # the last day of the month before
    ],
)
def test_due_boundaries_of_the_business_month(term_end: str, due: bool) -> None:
    assert rules.renewal_due(term_end, "2026-12-01") is due


def test_renewal_problem_names_the_term_end_and_the_month() -> None:
    assert rules.renewal_problem("2026-11-30", "2026-11-27") is None
    assert (
        rules.renewal_problem("2027-02-28", "2026-11-27")
        == "不是当期到期续费用户:到期日期2027-02-28不在营业月份2026-11内"
    )


def test_renewal_due_refuses_what_is_not_a_date() -> None:
    with pytest.raises(ValueError, match=r"term_end must be a date like 2026-11-30, got '30/11'"):
        rules.renewal_due("30/11", "2026-11-27")


# ---- the checks around money --------------------------------------------------------

HEADER = "费用项目\t原始金额\t应收金额\t是否收取\t下调原因\t操作"


def fee_table(*lines: tuple[str, float, float], total: bool = True) -> str:
    """The fee table's text as the browser reads it (a 下调 button's form on a line of its
    own after each row, the total row trimmed)."""
    rows = [HEADER]
    for name, original, due in lines:
        collected = "是" if due > 0 else "否"
        rows.append(f"{name}\t{original:.2f}\t{due:.2f}\t{collected}\t\t\n下调\n")
    if total:
        rows.append(f"合计\t\t{sum(due for _, _, due in lines):.2f}")
    return "\n".join(rows)


NEW_FEES = [line.as_dict() for line in rules.fee_lines("new_install")]
RENEWAL_FEES = [line.as_dict() for line in rules.fee_lines("renewal")]
NEW_SHOWN = (("安装调测费", 58, 58), ("UIM卡费", 20, 20), ("自由话费", 100, 100))
NEW_WAIVED = (("安装调测费", 58, 58), ("UIM卡费", 20, 0), ("自由话费", 100, 100))
RENEWAL_SHOWN = (("安装调测费", 58, 58), ("UIM卡费", 20, 20), ("手机费用", 298, 298),
                 ("自由话费", 100, 100))
RENEWAL_LOWERED = (("安装调测费", 58, 0), ("UIM卡费", 20, 0), ("手机费用", 298, 0),
                   ("自由话费", 100, 100))


def test_the_fee_page_as_the_portal_shows_it_agrees_with_the_rules() -> None:
    assert rules.fee_problems(fee_table(*NEW_SHOWN), NEW_FEES) is None
    assert rules.fee_problems(fee_table(*RENEWAL_SHOWN), RENEWAL_FEES) is None


def test_the_fee_page_once_lowered_agrees_with_the_rules() -> None:
    assert rules.fee_problems(fee_table(*NEW_WAIVED), NEW_FEES, True) is None
    assert rules.fee_problems(fee_table(*RENEWAL_LOWERED), RENEWAL_FEES, True) is None
    # lowered already (a replay after a crash between 下调 and 收费): still fine to start
    assert rules.fee_problems(fee_table(*RENEWAL_LOWERED), RENEWAL_FEES) is None


def test_nothing_is_collected_until_every_line_is_lowered() -> None:
    assert rules.fee_problems(fee_table(*NEW_SHOWN), NEW_FEES, True) == (
        "费用与e9规则不符:UIM卡费 应收0.00 实际20.00")
    half = (("安装调测费", 58, 0), ("UIM卡费", 20, 0), ("手机费用", 298, 298),
            ("自由话费", 100, 100))
    assert rules.fee_problems(fee_table(*half), RENEWAL_FEES, True) == (
        "费用与e9规则不符:手机费用 应收0.00 实际298.00")


def test_a_changed_amount_and_an_extra_line_are_both_named() -> None:
    shown = (("安装调测费", 68, 68), ("UIM卡费", 20, 20), ("自由话费", 100, 100),
             ("选号费", 50, 50))
    assert rules.fee_problems(fee_table(*shown), NEW_FEES) == (
        "费用与e9规则不符:安装调测费 应收58.00 实际68.00;多出 选号费 50.00")


def test_an_extra_line_on_a_renewal() -> None:
    shown = (*RENEWAL_SHOWN, ("加装功能费", 30, 30))
    assert rules.fee_problems(fee_table(*shown), RENEWAL_FEES) == (
        "费用与e9规则不符:多出 加装功能费 30.00")


def test_a_missing_line() -> None:
    shown = (("安装调测费", 58, 58), ("自由话费", 100, 100))
    assert rules.fee_problems(fee_table(*shown), NEW_FEES) == (
        "费用与e9规则不符:缺少 UIM卡费 20.00")


def test_a_line_to_lower_with_another_price_is_not_lowered_on_the_rules_authority() -> None:
    shown = (("安装调测费", 58, 58), ("UIM卡费", 20, 20), ("手机费用", 398, 398),
             ("自由话费", 100, 100))
    assert rules.fee_problems(fee_table(*shown), RENEWAL_FEES) == (
        "费用与e9规则不符:手机费用 原价298.00 实际398.00")


def test_a_line_lowered_to_another_amount() -> None:
    shown = (("安装调测费", 58, 58), ("UIM卡费", 20, 5), ("自由话费", 100, 100))
    assert rules.fee_problems(fee_table(*shown), NEW_FEES) == (
        "费用与e9规则不符:UIM卡费 应收0.00 实际5.00")


def test_a_line_the_portal_will_not_collect_counts_as_zero() -> None:
    shown = "自由话费\t100.00\t100.00\t"
    text = fee_table(*NEW_WAIVED).replace(shown + "是", shown + "否")
    assert rules.fee_problems(text, NEW_FEES, True) == (
        "费用与e9规则不符:自由话费 应收100.00 实际0.00")


def test_a_line_shown_twice_counts_once_and_the_second_is_extra() -> None:
    shown = (*NEW_SHOWN, ("自由话费", 100, 100))
    assert rules.fee_problems(fee_table(*shown), NEW_FEES) == (
        "费用与e9规则不符:多出 自由话费 100.00")


def test_columns_are_found_by_their_header_not_their_place() -> None:
    text = "操作\t应收金额\t原始金额\t费用项目\n下调\t58.00\t58.00\t安装调测费\n" \
           "下调\t20.00\t20.00\tUIM卡费\n下调\t100.00\t100.00\t自由话费"
    assert rules.fee_problems(text, NEW_FEES) is None


def test_a_page_that_is_not_the_fee_table_is_refused() -> None:
    assert rules.fee_problems("费用项目\t金额\n安装调测费\t58.00", NEW_FEES) == (
        "费用收取表无法核对:表格缺少列:原始金额、应收金额")
    assert rules.fee_problems("", NEW_FEES) == (
        "费用收取表无法核对:表格缺少列:费用项目、原始金额、应收金额")


@pytest.mark.parametrize("total", ["158", "158.00", 158, 158.0])
def test_a_receipt_of_the_rules_total(total: object) -> None:
    assert rules.receipt_problem(total, 158) is None  # type: ignore[arg-type]


def test_a_receipt_of_another_total_names_both_figures() -> None:
    assert rules.receipt_problem("163.00", 158) == (
        "实收金额合计163.00与e9规则应收158.00不符:费用已收取,请人工核对")
    assert rules.receipt_problem(None, 100) == (
        "实收金额合计?与e9规则应收100.00不符:费用已收取,请人工核对")


OWNER = ("赵卫东", "41010519650114686X")


def test_the_owner_is_the_order_customer() -> None:
    assert rules.owner_problem("037160010007", *OWNER, *OWNER) is None
    # ID numbers compare in full, whatever the case of the X
    assert rules.owner_problem("037160010007", " 赵卫东 ", "41010519650114686x", *OWNER) is None


def test_another_owner_is_named_masked() -> None:
    assert rules.owner_problem("037160010007", "张三", "410105198001010016", *OWNER) == (
        "宽带接入号 037160010007的客户(张*)与订单客户(赵**)不符")


def test_the_same_name_with_another_id_number_is_another_customer() -> None:
    problem = rules.owner_problem("037160010007", "赵卫东", "410105196501146851", *OWNER)
    assert problem == (
        "宽带接入号 037160010007的客户(赵**)与订单客户(赵**)不符:证件号码不同")
    assert "4101051965" not in problem  # never an ID number, not even part of one


def test_an_owner_the_page_did_not_show() -> None:
    assert rules.owner_problem("037960010001", None, None, *OWNER) == (
        "宽带接入号 037960010001的客户(*)与订单客户(赵**)不符")


def test_masked_names() -> None:
    assert [rules.masked_name(n) for n in ("张伟", "欧阳娜娜", "王", "")] == [
        "张*", "欧***", "*", "*"]


PAYMENTS = "流水号\t接入号码\t专款类型\t账本\t金额\t操作工号\t缴费时间"
FUND = "ADSL月租+加装包功能费+宽带调整月租"
SERIAL = "LS20261130000002"
TODAY = "2026-11-30 10:00:00"


def payments(*rows: tuple[str, str, str, float, str]) -> str:
    lines = [PAYMENTS] + [
        f"{serial}\t037160010007\t{kind}\t{ledger}\t{amount:.2f}\tGH1003\t{when}"
        for serial, kind, ledger, amount, when in rows
    ]
    return "\n".join(lines)


def deposit_problem(text: str, serial: str | None = SERIAL) -> str | None:
    return rules.deposit_problem(text, "037160010007", serial, 600, FUND, "账户账本")


def test_one_deposit_of_the_order() -> None:
    assert deposit_problem(payments((SERIAL, FUND, "账户账本", 600, TODAY))) is None


def test_a_deposit_of_an_earlier_year_is_not_this_orders() -> None:
    text = payments(("LS20251130000007", FUND, "账户账本", 600, "2025-11-30 09:00:00"),
                    (SERIAL, FUND, "账户账本", 600, TODAY))
    assert deposit_problem(text) is None


def test_no_deposit_found() -> None:
    assert deposit_problem(PAYMENTS + "\n没有查询到数据") == (
        "专款缴费记录不符:037160010007应有一笔 600.00 " + FUND + " 账户账本,实际0笔")
    # the serial the deposit answered is not in the records
    other = payments(("LS20261130000009", FUND, "账户账本", 600, TODAY))
    assert deposit_problem(other) == (
        "专款缴费记录不符:037160010007应有一笔 600.00 " + FUND + " 账户账本,实际0笔")


def test_a_deposit_recorded_twice() -> None:
    text = payments(("LS20261130000001", FUND, "账户账本", 600, TODAY),
                    (SERIAL, FUND, "账户账本", 600, TODAY))
    assert deposit_problem(text) == (
        "专款缴费记录不符:037160010007应有一笔 600.00 " + FUND + " 账户账本,实际2笔:"
        "LS20261130000001 600.00 " + FUND + " 账户账本;"
        f"{SERIAL} 600.00 " + FUND + " 账户账本")


@pytest.mark.parametrize(("kind", "ledger", "amount"), [
    (FUND, "专款账本", 600), (FUND, "账户账本", 60), ("ADSL月租", "账户账本", 600)])
def test_a_deposit_of_another_ledger_amount_or_type(kind: str, ledger: str, amount: float) -> None:
    problem = deposit_problem(payments((SERIAL, kind, ledger, amount, TODAY)))
    assert problem == (
        "专款缴费记录不符:037160010007应有一笔 600.00 " + FUND + " 账户账本,实际1笔:"
        f"{SERIAL} {amount:.2f} {kind} {ledger}")


def test_a_records_page_that_is_not_the_table() -> None:
    assert deposit_problem("受理成功") == (
        "专款缴费记录不符:037160010007应有一笔 600.00 " + FUND + " 账户账本,实际0笔"
        "(表格缺少列:流水号、接入号码、专款类型、账本、金额、缴费时间)")


def deposit_serial(text: str, since: str | None = "") -> str | None:
    return rules.deposit_serial(text, "037160010007", FUND, 600, since)


def test_the_guard_finds_the_deposit_made_since_the_order_was_entered() -> None:
    text = payments(("LS20251130000007", FUND, "账户账本", 600, "2025-11-30 09:00:00"),
                    (SERIAL, FUND, "账户账本", 600, TODAY))
    assert deposit_serial(text, "2026-11-30 09:58:12") == SERIAL
    assert deposit_serial(text, TODAY) == SERIAL  # the same second counts
    # last year's 600 on a renewing line is not this order's
    assert deposit_serial(text, "2026-11-30 10:00:01") is None
    assert deposit_serial(payments(("LS20251130000007", FUND, "账户账本", 600,
                                    "2025-11-30 09:00:00")), "2026-11-30 09:58:12") is None
    # without the order's time (it was not found), any time: the first of them
    assert deposit_serial(text) == deposit_serial(text, None) == "LS20251130000007"


@pytest.mark.parametrize(("kind", "amount"), [(FUND, 60), ("ADSL月租", 600)])
def test_the_guard_finds_no_deposit_of_another_type_or_amount(kind: str, amount: float) -> None:
    assert deposit_serial(payments((SERIAL, kind, "账户账本", amount, TODAY))) is None
    assert deposit_serial(PAYMENTS + "\n没有查询到数据") is None


def test_the_guard_does_not_take_an_unreadable_page_for_no_deposit() -> None:
    with pytest.raises(tables.TableProblem) as caught:
        deposit_serial("受理成功")
    assert str(caught.value) == "表格缺少列:流水号、接入号码、专款类型、账本、金额、缴费时间"
