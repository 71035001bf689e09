"""The names a person reads for the fields of an order and the outputs of a flow, and how
a value reads (a list item by item, never as Python writes it).

It knows field paths (``customer.name``, ``order_no``); it does not know where a value
comes from. A field it does not know keeps its own name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bots.messages import t


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
        "plan_label": t("套餐"),
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
        # a flow's outputs
        "order_no": t("受理单号"),
        "access_number": t("宽带接入号"),
        "serial_no": t("专款流水号"),
        "fees_collected": t("实收费用"),
        "follow_ups": t("后续事项"),
    }


def label(path: str) -> str:
    """The name of a field, by its dotted path; an input's own name (``order.``) and list
    positions do not count (``order.customer.name`` is ``customer.name``)."""
    names = _names()
    parts = [part for part in path.split(".") if part and not part.isdigit()]
    for start in range(len(parts)):
        found = names.get(".".join(parts[start:]))
        if found is not None:
            return found
    return parts[-1] if parts else path


# a flow's outputs in the order a person reads them (the ledger may keep them in another:
# PostgreSQL's jsonb orders keys by length)
OUTPUTS = ("order_no", "access_number", "serial_no", "plan", "fees_collected", "follow_ups",
           "notice")  # fmt: skip


def in_reading_order(outputs: dict[str, Any]) -> list[tuple[str, Any]]:
    """``outputs``' entries, the known ones first in ``OUTPUTS``' order, then the rest by
    name."""
    rank = {key: n for n, key in enumerate(OUTPUTS)}
    return sorted(outputs.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def value_text(value: Any) -> str:
    """A value as a person reads it: nothing for None, a list's items with ``; ``, a
    mapping's entries as ``key value``."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {value_text(v)}" for k, v in value.items())
    return str(value)


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
