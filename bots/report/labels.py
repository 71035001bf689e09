"""The names a person reads for the fields of an order and the outputs of a flow, and how
a value reads (a list item by item, never as Python writes it).

It knows field paths (``customer.name``, ``order_no``); it does not know where a value
comes from. A field it does not know keeps its own name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from bots.messages import t
from bots.messages.terms import fee_action_name, procedure_name

T = TypeVar("T")


def _names() -> dict[str, str]:
    return {
        "order": t("订单"),
        "reference": t("业务参考号"),
        "procedure": t("办理类型"),
        "procedure_label": t("办理类型"),
        "pack": t("手机包"),
        "customer": t("客户"),
        "customer.name": t("客户姓名"),
        "customer.id_type": t("证件类型"),
        "customer.id_number": t("证件号码"),
        "customer.contact_phone": t("联系电话"),
        "customer.address": t("客户地址"),
        "customer.group": t("客户分群"),
        "account_manager": t("客户经理"),
        "mobile": t("手机"),
        "mobile.number": t("手机号码"),
        "mobile.uim": t("UIM卡号"),
        "mobile.pick_any": t("任选号码"),
        "broadband": t("宽带"),
        "broadband.access_number": t("宽带接入号"),
        "broadband.account": t("宽带账号"),
        "broadband.standard_address": t("标准化地址编码"),
        "broadband.install_address": t("装机地址"),
        "broadband.bandwidth": t("带宽"),
        "phone": t("赠机"),
        "phone.imei": t("赠机串号(IMEI)"),
        "phone.model": t("赠机型号"),
        "note": t("备注"),
        "plan": t("套餐"),
        "plan_label": t("营账系统中的套餐名"),
        "brand": t("品牌"),
        "monthly_fee": t("月费"),
        "fees": t("费用"),
        "fees_to_lower": t("下调的费用"),
        "fee_total": t("应收合计"),
        "free_credit": t("自由话费"),
        "special_fund": t("专款"),
        "stop_month": t("停机月份"),
        "broadband_stops": t("宽带同时停机"),
        "notice": t("客户告知"),
        "remark": t("营账备注"),
        # a fee line of the order's rules
        "fees.name": t("费用项目"),
        "fees.original": t("原始金额"),
        "fees.action": t("处理"),
        "fees.final": t("应收金额"),
        "fees.reason": t("下调原因"),
        "fees_to_lower.name": t("费用项目"),
        "fees_to_lower.original": t("原始金额"),
        "fees_to_lower.action": t("处理"),
        "fees_to_lower.final": t("应收金额"),
        "fees_to_lower.reason": t("下调原因"),
        "special_fund.amount": t("金额"),
        "special_fund.type": t("专款类型"),
        "special_fund.ledger": t("账户账本"),
        # a flow's outputs, and what its steps read from the portal
        "order_no": t("受理单号"),
        "access_number": t("宽带接入号"),
        "serial_no": t("专款流水号"),
        "fees_collected": t("实收费用"),
        "follow_ups": t("后续事项"),
        "status": t("受理单状态"),
        "entered_at": t("受理时间"),
        "term_end": t("到期日期"),
        "business_date": t("营业日期"),
        "found": t("查到"),
        "records": t("缴费记录"),
        "table": t("页面上的表"),
        "total": t("实收金额合计"),
        "number": t("手机号码"),
        "mobile_number": t("手机号码"),
        "evdo": t("EVDO上网"),
        "address": t("标准化地址"),
        "install_address": t("装机地址"),
        "name": t("客户名称"),
        "id_number": t("证件号码"),
        "code": t("验证码"),
        "dialog": t("对话框"),
    }


# coded values, by the field that holds them
_CODES: dict[str, Callable[[str], str]] = {
    "procedure": procedure_name,
    "fees.action": fee_action_name,
    "fees_to_lower.action": fee_action_name,
}


def _known(path: str, table: Mapping[str, T]) -> T | None:
    """What ``table`` holds for ``path``, or for its longest tail it knows: an input's own
    name (``order.``) and list positions do not count."""
    parts = [part for part in path.split(".") if part and not part.isdigit()]
    for start in range(len(parts)):
        found = table.get(".".join(parts[start:]))
        if found is not None:
            return found
    return None


def label(path: str) -> str:
    """The name of a field, by its dotted path (``order.customer.name`` is
    ``customer.name``); a field it does not know keeps its own name."""
    found = _known(path, _names())
    if found is not None:
        return found
    parts = [part for part in path.split(".") if part and not part.isdigit()]
    return parts[-1] if parts else path


def coded(path: str, value: Any) -> Any:
    """A coded value as a person reads it (``new_install`` → 新装), by its field."""
    name = _known(path, _CODES)
    return name(value) if name is not None and isinstance(value, str) else value


# a flow's outputs in the order a person reads them (the ledger may keep them in another:
# PostgreSQL's jsonb orders keys by length)
OUTPUTS = ("order_no", "access_number", "serial_no", "plan", "fees_collected", "follow_ups",
           "notice")  # fmt: skip


def in_reading_order(outputs: dict[str, Any]) -> list[tuple[str, Any]]:
    """``outputs``' entries, the known ones first in ``OUTPUTS``' order, then the rest by
    name."""
    rank = {key: n for n, key in enumerate(OUTPUTS)}
    return sorted(outputs.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def value_text(value: Any, path: str = "") -> str:
    """A value as a person reads it: nothing for None, a list's items with ``; ``, a
    mapping's entries as ``key value``. Given the field's ``path``, keys are named and
    coded values said (``处理 免收``) as the run report does."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(value_text(v, path) for v in value)
    if isinstance(value, dict):
        if not path:
            return ", ".join(f"{k} {value_text(v)}" for k, v in value.items())
        return ", ".join(
            f"{label(f'{path}.{k}')} {value_text(v, f'{path}.{k}')}" for k, v in value.items()
        )
    return str(coded(path, value)) if path else str(value)


def leaves(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted path, value) of every field of ``data`` that is not itself a group."""
    if not isinstance(data, dict):
        return [(prefix, data)] if prefix else []
    found: list[tuple[str, Any]] = []
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        found += leaves(value, path) if isinstance(value, dict) else [(path, value)]
    return found


def change_text(changes: dict[str, Any], name: Callable[[str], str] = label) -> str:
    """An edit's changes as a person reads them: ``手机号码: 18937100501 → any; …``."""

    def side(value: Any, which: str) -> str:
        found = value.get(which) if isinstance(value, dict) else value
        return "-" if found is None else value_text(found)

    return "; ".join(
        f"{name(path)}: {side(value, 'before')} → {side(value, 'after')}"
        for path, value in changes.items()
    )
