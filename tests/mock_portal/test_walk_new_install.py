"""Procedure A (新装) walked in Chromium click by click, then checked in the QA state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from mock_portal.fixtures import iccid
from tests.fixtures.portal import PortalClient
from tests.fixtures.windows import click_closing
from tests.mock_portal import clicks, walk

pytestmark = pytest.mark.browser
REMARK = "客户经理:王敏 业务参考:A-0001"


@pytest.mark.parametrize("random_ids", [False, True], ids=["stable-ids", "random-ids"])
def test_new_install_procedure(page: Page, portal: PortalClient, random_ids: bool) -> None:
    portal.habits(random_ids=random_ids)
    clicks.login(page, portal.url)
    clicks.shot(page, "01-shell")
    # 1. 建立客户信息, 客户分群 = 家庭
    work = clicks.menu(page, "新装")
    name_id = work.get_by_label("客户名称").get_attribute("id") or ""
    assert name_id.startswith("ext-gen") is random_ids
    work.get_by_label("客户名称").fill("张三")
    work.get_by_label("证件类型").select_option("身份证")
    work.get_by_label("证件号码").fill(walk.ID_NUMBER)
    work.get_by_label("联系电话").fill("13812345678")
    work.get_by_label("联系地址").fill("郑州市金水区农业路1号")
    work.get_by_label("客户分群").select_option("家庭")
    work.get_by_role("button", name="下一步").click()
    # 2. 品牌 我的e家 → 计划 (loads after the brand) e9-C
    work.get_by_label("品牌").select_option("我的e家")
    work.get_by_label("计划").select_option("e9-C(虚用户对应套餐--手机+ADSL)")
    work.get_by_role("button", name="下一步").click()
    # 3. 套餐内手机: 选号, 选卡, 备注, EVDO (absent: the defect), 自由话费 100, 设备信息
    work.get_by_role("row", name="套餐内手机").get_by_role("button", name="增加").click()
    clicks.pick_number(page, work, "18937100042")
    clicks.pick_card(work, iccid(42))
    work.get_by_label("备注").fill(REMARK)
    expect(work.get_by_label("EVDO上网")).to_have_count(0)
    work.get_by_role("button", name="增加").click()
    work.get_by_label("预存金额").fill("100")
    clicks.shot(page, "02-mobile-member")
    work.get_by_role("button", name="下一步").click()
    clicks.add_device(work, walk.IMEI)
    # 4. 套餐内宽带: 标准化地址 (popup), 宽带账号, 带宽, 装机地址 → 账户信息 → 保存
    work.get_by_role("row", name="套餐内宽带").get_by_role("button", name="增加").click()
    with page.expect_popup() as popup_info:
        work.get_by_role("button", name="选择地址").click()
    popup = popup_info.value
    popup.get_by_label("地址编码或名称").fill("4101-0003")
    popup.get_by_role("button", name="查询").click()
    click_closing(
        popup, popup.get_by_role("row", name="4101-0003").get_by_role("button", name="选择")
    )
    expect(work.get_by_label("标准化地址")).to_have_value("郑州市金水区花园路街道农业路3号院")
    work.get_by_label("宽带账号").fill("hn37100042")
    work.get_by_label("带宽").select_option("100M")
    work.get_by_label("装机地址").fill("农业路3号院2号楼1单元301")
    work.get_by_role("button", name="下一步").click()
    work.get_by_label("随套餐内手机 18937100042 新开").check()
    work.get_by_role("button", name="下一步").click()
    work.get_by_role("button", name="保存").click()
    expect(work.get_by_role("status")).to_have_text("套餐内宽带保存成功")
    # 5. 提交 → 费用收取: 58 collected, UIM卡费 waived, 100 collected
    order_no = clicks.submit_order(page, work)
    access = re.search(r"0371\d{8}", work.locator(".access-numbers").inner_text())
    assert access
    clicks.lower(work, "UIM卡费", "e9活动UIM卡费免收")
    clicks.shot(page, "03-fees")
    clicks.collect(work)
    # Step 2: the special fund
    serial = clicks.special_fund(page, access.group(0))
    clicks.shot(page, "04-special-fund")

    state = portal.state()
    [customer] = [c for c in state["customers"] if c["name"] == "张三"]
    assert customer["group"] == "家庭"
    [account] = [a for a in state["accounts"] if a["customer_id"] == customer["customer_id"]]
    services = {s["kind"]: s for s in state["services"] if s["order_no"] == order_no}
    assert {s["account_id"] for s in services.values()} == {account["account_id"]}
    assert services["mobile"]["number"] == "18937100042"
    assert services["broadband"]["number"] == access.group(0)
    for service in services.values():
        assert (service["brand"], service["plan"]) == ("我的e家", "e9-C(虚用户对应套餐--手机+ADSL)")
    assert services["mobile"]["evdo"] is False
    fees = [(f["line"], f["final_amount"], f["collected"]) for f in state["fees"]
            if f["order_no"] == order_no]
    assert fees == [("安装调测费", 58, True), ("UIM卡费", 0, True), ("自由话费", 100, True)]
    [order] = state["orders"]
    assert (order["order_no"], order["kind"], order["remark"], order["status"]) == (
        order_no, "新装", REMARK, "已收费")
    assert state["special_funds"] == [{
        "serial_no": serial, "access_number": access.group(0),
        "fund_type": "ADSL月租+加装包功能费+宽带调整月租", "ledger": "账户账本", "amount": 600,
        "staff_id": "GH1001", "time": state["special_funds"][0]["time"]}]
