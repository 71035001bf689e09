"""The e9 business rules, from the source document (seed 000, Henan Telecom 2018).

Everything a flow needs to know about plans, fees, the special fund and the customer notice
is computed here and handed to flows as derived order fields; flows do no arithmetic.
Amounts and labels that the source or the portal fixes are constants; everything that can be
derived from them (plan from pack, stop month, fee finals, notice) is computed.

The checks a flow makes before and after money moves are here too, as named functions that
take what the portal shows (a table's text, a name) and return the operator's reason in
Chinese, or None when the portal agrees with the rules: the fee page before 收费, the
receipt after it, the broadband's owner, the special-fund record after 专款缴费.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from bots.messages import money, t
from bots.orders import tables

Procedure = Literal["new_install", "renewal"]
FeeAction = Literal["collect", "waive", "lower"]

NEW_INSTALL: Procedure = "new_install"
RENEWAL: Procedure = "renewal"
PROCEDURE_LABELS: dict[str, str] = {NEW_INSTALL: "新装", RENEWAL: "续费"}

SPECIAL_FUND = 600  # prepaid broadband, 12 months
SPECIAL_FUND_MONTHS = 12
SPECIAL_FUND_TYPE = "ADSL月租+加装包功能费+宽带调整月租"
SPECIAL_FUND_LEDGER = "账户账本"
FREE_CREDIT = 100  # 自由话费, collected on both procedures
BROADBAND_MONTHLY_FEE = 50
CUSTOMER_GROUP = "家庭"  # 客户分群 for a new customer

BRANDS: dict[str, str] = {NEW_INSTALL: "我的e家", RENEWAL: "我的E家"}  # the portal's spelling

INSTALL_FEE_NAME = "安装调测费"
UIM_FEE_NAME = "UIM卡费"
PHONE_FEE_NAME = "手机费用"
FREE_CREDIT_NAME = "自由话费"
FEE_AMOUNTS: dict[str, int] = {  # original amounts on the portal's fee page
    INSTALL_FEE_NAME: 58,
    UIM_FEE_NAME: 20,
    PHONE_FEE_NAME: 298,
    FREE_CREDIT_NAME: FREE_CREDIT,
}
# Per procedure, in the order of the fee page. New install: 58 collected, UIM card fee waived,
# 100 credit collected (no phone line: the phone is a gift). Renewal: install fee, UIM fee and
# phone price all lowered to 0, only the 100 credit collected.
FEE_ACTIONS: dict[str, tuple[tuple[str, FeeAction], ...]] = {
    NEW_INSTALL: (
        (INSTALL_FEE_NAME, "collect"),
        (UIM_FEE_NAME, "waive"),
        (FREE_CREDIT_NAME, "collect"),
    ),
    RENEWAL: (
        (INSTALL_FEE_NAME, "lower"),
        (UIM_FEE_NAME, "lower"),
        (PHONE_FEE_NAME, "lower"),
        (FREE_CREDIT_NAME, "collect"),
    ),
}


@dataclass(frozen=True)
class Plan:
    """An e9 plan: the broadband plus a mobile pack of ``mobile_fee`` yuan a month."""

    code: str
    label: str  # as listed in the new-install 计划 drop-down
    mobile_fee: int
    # The source: "若选择E9-G套餐,第4个月手机即会停机,同时会对宽带停机" — only the e9-G sentence
    # says the broadband stops with the phone; the e9-C sentence names the phone alone.
    broadband_stops: bool

    @property
    def monthly_fee(self) -> int:
        return BROADBAND_MONTHLY_FEE + self.mobile_fee


PLANS: dict[str, Plan] = {
    "e9-C": Plan("e9-C", "e9-C(虚用户对应套餐--手机+ADSL)", 19, broadband_stops=False),
    "e9-G": Plan(
        "e9-G", "e9-G(虚用户对应套餐--手机+ADSL,29元手机优惠包)", 29, broadband_stops=True
    ),
}
PACKS: tuple[int, ...] = tuple(sorted(p.mobile_fee for p in PLANS.values()))
# The plan an order gets when the customer names no pack.
DEFAULT_PLANS: dict[str, str] = {NEW_INSTALL: "e9-C", RENEWAL: "e9-G"}

REMARK_TEMPLATE = "客户经理:{manager} 业务参考:{reference}"
# the portal's 备注 holds at most this many characters (manager line, reference and remark)
REMARK_LIMIT = 200
_REMARK_REFERENCE = re.compile(r"业务参考:([A-Za-z0-9_-]+)(?=\s|$)")


def default_pack(procedure: Procedure) -> int:
    """The mobile pack of the procedure's default plan (new install 19, renewal 29)."""
    return PLANS[DEFAULT_PLANS[procedure]].mobile_fee


def plan_for(procedure: Procedure, pack: int | None) -> Plan:
    """The plan for a procedure and the customer's mobile pack choice (None: the default).

    Both procedures map a pack to the plan with that mobile fee (19 → e9-C, 29 → e9-G); they
    differ in the default: new install e9-C, renewal e9-G ("19元优惠包选择E9-C").
    """
    if pack is None:
        return PLANS[DEFAULT_PLANS[procedure]]
    for plan in PLANS.values():
        if plan.mobile_fee == pack:
            return plan
    raise ValueError(f"mobile pack must be one of {', '.join(map(str, PACKS))}, got {pack}")


def plan_label(procedure: Procedure, plan: Plan) -> str:
    """The plan as the portal shows it: the 计划 label (new install), the pack code (renewal)."""
    return plan.label if procedure == NEW_INSTALL else plan.code


def stop_month(plan: Plan, credit: int = FREE_CREDIT) -> int:
    """The month the phone stops when the customer only uses the package: whole months the
    credit pays for, plus one (100/19 → 6, 100/29 → 4)."""
    return credit // plan.mobile_fee + 1


@dataclass(frozen=True)
class FeeLine:
    """One row of the fee page and what the clerk does with it."""

    name: str
    original: int
    action: FeeAction
    final: int
    reason: str  # the 下调 reason; empty for a collected line

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "original": self.original,
            "action": self.action,
            "final": self.final,
            "reason": self.reason,
        }


def lower_reason(procedure: Procedure, fee_name: str, action: FeeAction) -> str:
    """The reason typed into the 下调 dialog."""
    verb = "免收" if action == "waive" else "下调为0元"
    return f"e9{PROCEDURE_LABELS[procedure]}活动:{fee_name}{verb}"


def fee_lines(procedure: Procedure) -> tuple[FeeLine, ...]:
    """The fee page for a procedure. Waived and lowered lines both go to 0 through 下调."""
    lines = []
    for name, action in FEE_ACTIONS[procedure]:
        original = FEE_AMOUNTS[name]
        collected = action == "collect"
        lines.append(
            FeeLine(
                name=name,
                original=original,
                action=action,
                final=original if collected else 0,
                reason="" if collected else lower_reason(procedure, name, action),
            )
        )
    return tuple(lines)


def fee_total(procedure: Procedure) -> int:
    """What the customer pays at the fee page (the special fund comes in step 2)."""
    return sum(line.final for line in fee_lines(procedure))


def customer_notice(plan: Plan, credit: int = FREE_CREDIT) -> str:
    """The notice every finished order carries (the source's "一定要告知用户…")."""
    month = stop_month(plan, credit)
    stops = "手机将停机,宽带同时停机" if plan.broadband_stops else "手机将停机"
    return (
        f"温馨提示:您办理的{plan.code}套餐含自由话费{credit}元,若每月不超套餐使用,"
        f"第{month}个月{stops}。请在第{month}个月前续存话费,"
        "或参加届时的预存话费维系活动,以免带来不便。"
    )


def remark(manager: str, reference: str, note: str | None = None) -> str:
    """The mobile line's 备注: names the account manager, carries the order reference (how
    guards find the order in 业务查询 later), then the order's own remark, if any."""
    text = REMARK_TEMPLATE.format(manager=manager, reference=reference)
    return f"{text} {note}" if note else text


def remark_problem(manager: str, reference: str, note: str | None) -> str | None:
    """Why the 备注 would not fit the portal's field, or None."""
    length = len(remark(manager, reference, note))
    if length <= REMARK_LIMIT:
        return None
    return t(
        "连同客户经理和业务参考共{length}个字,超出营账备注上限{limit}个字",
        length=length,
        limit=REMARK_LIMIT,
    )


def reference_in_remark(text: str) -> str | None:
    """The business reference written into a remark by :func:`remark`, or None."""
    found = _REMARK_REFERENCE.search(text)
    return found.group(1) if found else None


def _day(value: str | date, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{what} must be a date like 2026-11-30, got {value!r}") from None


def renewal_due(term_end: str | date, business_date: str | date) -> bool:
    """Whether a broadband user may renew (procedure B): the source's "当期到期续费用户", a
    user whose term ends in the current period — the calendar month of the portal's
    business date (not the robot's clock)."""
    end, today = _day(term_end, "term_end"), _day(business_date, "business_date")
    return (end.year, end.month) == (today.year, today.month)


def renewal_problem(term_end: str | date, business_date: str | date) -> str | None:
    """Why a renewal must not be entered (the operator's message), or None when it may."""
    if renewal_due(term_end, business_date):
        return None
    today = _day(business_date, "business_date")
    return t(
        "不是当期到期续费用户:到期日期{term_end}不在营业月份{month}内",
        term_end=_day(term_end, "term_end").isoformat(),
        month=f"{today:%Y-%m}",
    )


# ---- what the portal shows, against the rules -------------------------------------------

FEE_COLUMNS = ("费用项目", "原始金额", "应收金额")
FEE_COLLECTED_COLUMN = "是否收取"  # optional: "否" means the line is shown, not collected
PAYMENT_COLUMNS = ("流水号", "接入号码", "专款类型", "账本", "金额", "缴费时间")
TOTAL_ROW = "合计"


@dataclass(frozen=True)
class ShownFee:
    """One line of the 费用收取 table: what it costs and what 收费 would take for it now."""

    name: str
    original: Decimal | None
    due: Decimal | None  # the amount 收费 collects (0 when the line says it is not collected)


def shown_fees(table_text: str | None) -> list[ShownFee]:
    """The lines of the fee table's text (see ``bots.orders.tables``), without the total."""
    lines = []
    for row in tables.rows(table_text, FEE_COLUMNS):
        if row["费用项目"] == TOTAL_ROW:
            continue
        collected = row.get(FEE_COLLECTED_COLUMN, "是") != "否"
        due = tables.amount(row["应收金额"]) if collected else Decimal(0)
        lines.append(ShownFee(row["费用项目"], tables.amount(row["原始金额"]), due))
    return lines


def _shown(value: Decimal | None) -> str:
    return "?" if value is None else money(str(value))


def _fee_line_problem(fee: Mapping[str, Any], line: ShownFee, lowered: bool) -> str | None:
    name, final = fee["name"], Decimal(str(fee["final"]))
    if fee["action"] != "collect":
        original = Decimal(str(fee["original"]))
        if line.original != original:
            # an unknown price is not lowered on the rules' authority
            return t(
                "{name} 原价{expected} 实际{shown}",
                name=name,
                expected=_shown(original),
                shown=_shown(line.original),
            )
        # before 下调 a line may still show its original amount (or be lowered already, on a
        # replay); once lowered it must show exactly the rules' amount
        if line.due == final or (not lowered and line.due == original):
            return None
    elif line.due == final:
        return None
    return t(
        "{name} 应收{expected} 实际{shown}",
        name=name,
        expected=_shown(final),
        shown=_shown(line.due),
    )


def fee_problems(
    table_text: str | None, fees: Sequence[Mapping[str, Any]], lowered: bool = False
) -> str | None:
    """Compare the 费用收取 table with the order's fee table (``Order.data()["fees"]``).

    Before any 下调 (``lowered`` False) every expected line must be there with the rules'
    original amount, collected lines at the rules' amount, lines to lower at their original
    (or already at the lowered amount); once lowered (``lowered`` True), every line must show
    exactly what the rules collect. Any line the rules do not name is refused. The reason
    names each differing line with the expected and the shown amount, in Chinese; None when
    the page agrees with the rules.
    """
    try:
        shown = shown_fees(table_text)
    except tables.TableProblem as unreadable:
        return t("费用收取表无法核对:{problem}", problem=str(unreadable))
    left = list(shown)
    problems = []
    for fee in fees:
        line = next((line for line in left if line.name == fee["name"]), None)
        if line is None:
            problems.append(
                t("缺少 {name} {amount}", name=fee["name"], amount=money(fee["original"]))
            )
            continue
        left.remove(line)
        problem = _fee_line_problem(fee, line, lowered)
        if problem:
            problems.append(problem)
    for line in left:
        problems.append(
            t("多出 {name} {amount}", name=line.name, amount=_shown(line.due or line.original))
        )
    if not problems:
        return None
    return t("费用与e9规则不符:{problems}", problems=";".join(problems))


def receipt_problem(total: str | float | None, expected: str | float) -> str | None:
    """After 收费: the receipt's 合计 must be the rules' total, else the operator must look
    (the money has moved)."""
    shown = tables.amount(None if total is None else str(total))
    if shown == Decimal(str(expected)):
        return None
    return t(
        "实收金额合计{shown}与e9规则应收{expected}不符:费用已收取,请人工核对",
        shown=_shown(shown),
        expected=money(expected),
    )


def masked_name(name: str) -> str:
    """A customer's name as messages show it: the surname, the rest as ``*``."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if len(name) > 1 else "*"


def owner_problem(
    access_number: str,
    shown_name: str | None,
    shown_id_number: str | None,
    name: str,
    id_number: str,
) -> str | None:
    """Whether the portal's customer of a broadband is the order's customer: the name, and
    the ID number compared in full. The reason shows names masked, never an ID number."""
    same_name = (shown_name or "").strip() == name.strip()
    same_id = (shown_id_number or "").strip().upper() == id_number.strip().upper()
    if same_name and same_id:
        return None
    shown, ordered = masked_name(shown_name or ""), masked_name(name)
    if same_name:
        return t(
            "宽带接入号 {access_number}的客户({shown})与订单客户({ordered})不符:证件号码不同",
            access_number=access_number, shown=shown, ordered=ordered,
        )  # fmt: skip
    return t(
        "宽带接入号 {access_number}的客户({shown})与订单客户({ordered})不符",
        access_number=access_number, shown=shown, ordered=ordered,
    )  # fmt: skip


def deposit_serial(
    records_text: str | None,
    access_number: str,
    fund_type: str,
    amount: str | float,
    since: str | None = "",
) -> str | None:
    """The 流水号 of the first deposit 缴费记录查询 shows on ``access_number`` of this type and
    amount, made at or after ``since`` (the order's 受理时间, ``YYYY-MM-DD HH:MM:SS`` as the
    portal writes both; empty: at any time), else None. A renewing line shows last year's
    600 too: a guard that took it for this order's would leave this year's undone. A table
    that cannot be read raises: a guard must not take "unreadable" for "not paid"."""
    since = (since or "").strip()
    for row in tables.rows(records_text, PAYMENT_COLUMNS):
        if (
            row["接入号码"] == access_number
            and row["专款类型"] == fund_type
            and tables.amount(row["金额"]) == Decimal(str(amount))
            and row["缴费时间"] >= since
        ):
            return row["流水号"]
    return None


def deposit_problem(
    records_text: str | None,
    access_number: str,
    serial_no: str | None,
    amount: str | float,
    fund_type: str,
    ledger: str,
) -> str | None:
    """After 专款缴费: 缴费记录查询 of the access number must show the deposit just made
    (its 流水号 ``serial_no``) with the order's amount, type and ledger, and no other deposit
    that day — earlier years' deposits of a renewing user are not this order's. Anything
    else is for an operator (the money has moved); the reason says what was found."""
    try:
        rows = [
            row for row in tables.rows(records_text, PAYMENT_COLUMNS)
            if row["接入号码"] == access_number
        ]  # fmt: skip
    except tables.TableProblem as problem:
        rows, unreadable = [], str(problem)
    else:
        unreadable = ""
    made = next((row for row in rows if row["流水号"] == serial_no), None)
    day = made["缴费时间"][:10] if made else None
    found = [row for row in rows if row["缴费时间"][:10] == day]
    expected = f"{money(amount)} {fund_type} {ledger}"
    if (
        found == [made]
        and made is not None
        and (tables.amount(made["金额"]), made["专款类型"], made["账本"])
        == (Decimal(str(amount)), fund_type, ledger)
    ):
        return None
    shown = ";".join(
        f"{row['流水号']} {_shown(tables.amount(row['金额']))} {row['专款类型']} {row['账本']}"
        for row in found
    )
    return t(
        "专款缴费记录不符:{access_number}应有一笔 {expected},实际{count}笔{shown}",
        access_number=access_number,
        expected=expected,
        count=len(found),
        shown=t("{where}:{reason}", where="", reason=shown)
        if shown
        else (f"({unreadable})" if unreadable else ""),
    )
