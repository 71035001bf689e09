"""The e9 business rules, from the source document (seed 000, Henan Telecom 2018).

Everything a flow needs to know about plans, fees, the special fund and the customer notice
is computed here and handed to flows as derived order fields; flows do no arithmetic.
Amounts and labels that the source or the portal fixes are constants; everything that can be
derived from them (plan from pack, stop month, fee finals, notice) is computed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

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


def remark(manager: str, reference: str) -> str:
    """The mobile line's 备注: names the account manager and carries the order reference,
    which is how guards find the order in 业务查询 later."""
    return REMARK_TEMPLATE.format(manager=manager, reference=reference)


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
    return f"not a current-period renewal: term ends {_day(term_end, 'term_end').isoformat()}"
