"""Both procedures end to end: real Chromium, the running mock portal, its QA state.

Effects are asserted on ``portal.state()`` only; the run's outputs must agree with it.
The same flows run on the portal's legacy mode (frameset, GBK, captions in cells,
showModalDialog pickers, form tokens): both packs, one EVDO variant each.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from bots.orders import rules
from tests.e2e import orders
from tests.fixtures.portal import PortalClient

pytestmark = pytest.mark.browser
EVDO_FOLLOW_UP = "开通EVDO: 竣工后通过资费变更"
# (pack, evdo_defect, legacy): every pack and EVDO variant on the modern portal, each pack
# once on the legacy one
VARIANTS = pytest.mark.parametrize(("pack", "evdo_defect", "legacy"), [
    pytest.param(19, True, False, id="19-evdo-defect"),
    pytest.param(19, False, False, id="19-evdo-fixed"),
    pytest.param(29, True, False, id="29-evdo-defect"),
    pytest.param(29, False, False, id="29-evdo-fixed"),
    pytest.param(19, True, True, id="19-evdo-defect-legacy"),
    pytest.param(29, False, True, id="29-evdo-fixed-legacy"),
])


def _fees(state: dict[str, Any], order_no: str) -> list[tuple[str, float, float, bool]]:
    return [(f["line"], f["original_amount"], f["final_amount"], f["collected"])
            for f in state["fees"] if f["order_no"] == order_no]


def _money(text: str) -> Decimal:
    return Decimal(text)


@VARIANTS
def test_new_install(page: Page, portal: PortalClient, tmp_path: Path, pack: int,
                     evdo_defect: bool, legacy: bool) -> None:
    portal.habits(evdo_defect=evdo_defect, legacy=legacy)
    order = orders.new_install(3, pack=pack)
    result = orders.run(page, portal.url, "e9_new_install.yaml", order, tmp_path)
    assert result.ok, result.error

    state = portal.state()
    plan = rules.plan_for("new_install", pack)
    [placed] = state["orders"]
    assert (placed["kind"], placed["status"]) == ("新装", "已收费")
    assert placed["staff_id"] == orders.STAFF
    assert placed["remark"] == f"客户经理:王敏 业务参考:{order['reference']}"
    [customer] = [c for c in state["customers"] if c["customer_id"] == placed["customer_id"]]
    assert (customer["name"], customer["group"], customer["id_number"]) == (
        "张三丰", "家庭", order["customer"]["id_number"])
    services = {s["kind"]: s for s in state["services"] if s["order_no"] == placed["order_no"]}
    mobile, net = services["mobile"], services["broadband"]
    assert mobile["account_id"] == net["account_id"]  # 合账户
    assert {a["customer_id"] for a in state["accounts"]
            if a["account_id"] == mobile["account_id"]} == {customer["customer_id"]}
    for service in (mobile, net):
        assert (service["brand"], service["plan"]) == ("我的e家", plan.label)
    assert (mobile["number"], mobile["uim"], mobile["imei"], mobile["evdo"]) == (
        order["mobile"]["number"], order["mobile"]["uim"], order["phone"]["imei"],
        not evdo_defect)
    assert (net["broadband_account"], net["bandwidth"], net["install_address"]) == (
        order["broadband"]["account"], "100M", order["broadband"]["install_address"])
    assert net["standard_address"] == "郑州市金水区花园路街道农业路3号院"
    assert _fees(state, placed["order_no"]) == [
        ("安装调测费", 58, 58, True), ("UIM卡费", 20, 0, True), ("自由话费", 100, 100, True)]
    [fund] = state["special_funds"]
    assert (fund["access_number"], fund["fund_type"], fund["ledger"], fund["amount"]) == (
        net["number"], orders.FUND_TYPE, "账户账本", 600)

    out = result.outputs
    assert (out["order_no"], out["access_number"], out["serial_no"]) == (
        placed["order_no"], net["number"], fund["serial_no"])
    assert out["plan"] == plan.label
    assert _money(out["fees_collected"]) == sum(
        Decimal(str(f["final_amount"])) for f in state["fees"] if f["collected"])
    assert out["notice"] == rules.customer_notice(plan)
    assert result.follow_ups == ([EVDO_FOLLOW_UP] if evdo_defect else [])


@VARIANTS
def test_renewal(page: Page, portal: PortalClient, tmp_path: Path, pack: int,
                 evdo_defect: bool, legacy: bool) -> None:
    portal.habits(evdo_defect=evdo_defect, legacy=legacy)
    before = {s["number"]: s for s in portal.state()["services"]}[orders.DUE_USER]
    order = orders.renewal(4, pack=pack)
    result = orders.run(page, portal.url, "e9_renewal.yaml", order, tmp_path)
    assert result.ok, result.error

    state = portal.state()
    plan = rules.plan_for("renewal", pack)
    [placed] = state["orders"]
    assert (placed["kind"], placed["status"]) == ("加装", "已收费")
    assert placed["staff_id"] == orders.STAFF
    assert placed["remark"] == f"客户经理:李强 业务参考:{order['reference']}"
    services = {s["number"]: s for s in state["services"]}
    net, mobile = services[orders.DUE_USER], services[order["mobile"]["number"]]
    assert (net["brand"], net["plan"]) == ("我的E家", plan.code)
    assert net["term_end"] == before["term_end"]
    assert (mobile["brand"], mobile["plan"], mobile["evdo"]) == ("我的E家", plan.code,
                                                                  not evdo_defect)
    assert mobile["account_id"] == net["account_id"] == before["account_id"]
    assert (mobile["uim"], mobile["imei"]) == (order["mobile"]["uim"], order["phone"]["imei"])
    assert _fees(state, placed["order_no"]) == [
        ("安装调测费", 58, 0, True), ("UIM卡费", 20, 0, True), ("手机费用", 298, 0, True),
        ("自由话费", 100, 100, True)]
    assert {f["lowered_by"] for f in state["fees"] if f["final_amount"] == 0} == {orders.STAFF}
    [fund] = state["special_funds"]
    assert (fund["access_number"], fund["fund_type"], fund["ledger"], fund["amount"]) == (
        orders.DUE_USER, orders.FUND_TYPE, "账户账本", 600)

    out = result.outputs
    assert (out["order_no"], out["access_number"], out["serial_no"]) == (
        placed["order_no"], orders.DUE_USER, fund["serial_no"])
    assert out["plan"] == plan.code
    assert _money(out["fees_collected"]) == 100
    assert out["notice"] == rules.customer_notice(plan)
    assert result.follow_ups == ([EVDO_FOLLOW_UP] if evdo_defect else [])
