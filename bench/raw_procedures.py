"""The procedures by hand: plain Playwright doing the clicks the flows do, as a careful
person would write them (no screenshots, no markers, no guards, no masking).

Only Playwright is imported here, so a script built on it (``bench/peer/plain_new_install.py``)
starts as fast as a plain Playwright script does. ``bench/bench_procedures.py`` and
``bench/bench_peer.py`` compare the flows with these functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import FrameLocator, Page, expect

STAFF, PASSWORD = "GH1001", "Tele@1001"
WORK = "iframe[name=workarea]"


def login(page: Page, base: str) -> None:
    page.goto(base + "login")
    page.get_by_label("工号").fill(STAFF)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".topbar .staff-id")).to_have_text(STAFF)


def row_button(work: FrameLocator, row: str, button: str) -> Any:
    return work.locator(f'role=row[name=/^{row}/] >> role=button[name="{button}"]')


def pick_number(page: Page, work: FrameLocator, number: str) -> None:
    with page.expect_popup() as info:
        work.get_by_role("button", name="选号").click()
    popup = info.value
    popup.get_by_label("号码前缀").fill(number)
    popup.get_by_role("button", name="查询").click()
    expect(popup.get_by_role("button", name="选择")).to_be_visible()
    popup.get_by_role("button", name="选择").click()
    expect(work.get_by_label("手机号码")).to_have_value(number)


def card_and_remark(work: FrameLocator, data: dict[str, Any]) -> None:
    work.get_by_label("UIM卡号").fill(data["mobile"]["uim"])
    work.get_by_role("button", name="选卡").click()
    expect(work.get_by_role("status")).to_be_visible()
    work.get_by_label("备注").fill(data["remark"])
    if work.get_by_label("EVDO上网").count():  # absent with the portal's defect
        work.get_by_label("EVDO上网").check()


def device(work: FrameLocator, data: dict[str, Any], then: Any) -> None:
    work.get_by_role("button", name="增加").click()
    work.get_by_label("串号").fill(data["phone"]["imei"])
    work.get_by_label("终端型号").fill(data["phone"]["model"])
    work.get_by_role("button", name="保存").click()
    expect(then).to_be_visible()
    expect(work.get_by_role("status")).to_have_text("套餐内手机保存成功")


def submit(page: Page, work: FrameLocator) -> str:
    page.once("dialog", lambda dialog: dialog.accept())
    work.get_by_role("button", name="提交").click()
    expect(work.locator(".order-no")).to_be_visible()
    return work.locator(".order-no").inner_text()


def lower(work: FrameLocator, line: str, fee: dict[str, Any]) -> None:
    work.locator(f'role=row[name=/^{line}/] >> role=button[name="下调"]').click()
    work.get_by_label("下调后金额").fill(str(fee["final"]))
    work.get_by_label("下调原因").fill(fee["reason"])
    work.get_by_role("button", name="确定").click()
    expect(work.get_by_role("button", name="收费")).to_be_visible()


def collect(work: FrameLocator) -> str:
    work.get_by_role("button", name="收费").click()
    expect(work.locator(".panel.receipt")).to_be_visible()
    return work.locator("table.fees .total").inner_text()


def special_fund(page: Page, work: FrameLocator, access: str, data: dict[str, Any]) -> str:
    page.get_by_role("link", name="专款缴费").click()
    work.get_by_label("宽带接入号").fill(access)
    work.get_by_role("button", name="查询").click()
    expect(work.locator("table.user-info")).to_contain_text(access)
    work.get_by_label("专款类型").select_option(label=data["special_fund"]["type"])
    work.get_by_label("账本").select_option(label=data["special_fund"]["ledger"])
    work.get_by_label("金额").fill(str(data["special_fund"]["amount"]))
    page.once("dialog", lambda dialog: dialog.accept())
    work.get_by_role("button", name="提交").click()
    expect(work.locator(".serial-no")).to_be_visible()
    return work.locator(".serial-no").inner_text()


def raw_new_install(
    page: Page, base: str, data: dict[str, Any], at: Callable[[str, str], None] | None = None
) -> dict[str, str]:
    """flows/e9_new_install.yaml + new_install_order.yaml + special_fund.yaml, by hand.
    ``at(point, access_number)``, when given, is called where the bots' guards look or wait
    (``start``, ``before_submit``, ``entered``, ``before_deposit``) and where they read back
    (``end``): ``bench/bench_lookahead.py`` adds the look-ups there."""
    at = at or (lambda point, access: None)
    page.goto(base)
    expect(page.locator(".topbar .staff-id")).to_be_visible()
    work = page.frame_locator(WORK)
    at("start", "")
    page.get_by_role("link", name="新装", exact=True).click()
    customer = data["customer"]
    work.get_by_label("客户名称").fill(customer["name"])
    work.get_by_label("证件类型").select_option(label="身份证")
    work.get_by_label("证件号码").fill(customer["id_number"])
    work.get_by_label("联系电话").fill(customer["contact_phone"])
    work.get_by_label("联系地址").fill(customer["address"])
    work.get_by_label("客户分群").select_option(label=customer["group"])
    work.get_by_role("button", name="下一步").click()
    work.get_by_label("品牌").select_option(label=data["brand"])
    work.get_by_label("计划").select_option(label=data["plan_label"])
    work.get_by_role("button", name="下一步").click()
    row_button(work, "套餐内手机", "增加").click()
    pick_number(page, work, data["mobile"]["number"])
    card_and_remark(work, data)
    work.get_by_role("button", name="增加").click()
    work.get_by_label("预存金额").fill(str(data["free_credit"]))
    work.get_by_role("button", name="下一步").click()
    device(work, data, row_button(work, "套餐内宽带", "增加"))
    row_button(work, "套餐内宽带", "增加").click()
    broadband = data["broadband"]
    with page.expect_popup() as info:
        work.get_by_role("button", name="选择地址").click()
    popup = info.value
    popup.get_by_label("地址编码或名称").fill(broadband["standard_address"])
    popup.get_by_role("button", name="查询").click()
    expect(popup.get_by_role("button", name="选择")).to_be_visible()
    popup.get_by_role("button", name="选择").click()
    expect(work.get_by_label("标准化地址")).not_to_have_value("")
    work.get_by_label("宽带账号").fill(broadband["account"])
    work.get_by_label("带宽").select_option(label=broadband["bandwidth"])
    work.get_by_label("装机地址").fill(broadband["install_address"])
    work.get_by_role("button", name="下一步").click()
    work.get_by_label("随套餐内手机", exact=False).check()
    work.get_by_role("button", name="下一步").click()
    expect(work.get_by_text("宽带信息确认")).to_be_visible()
    work.get_by_role("button", name="保存").click()
    expect(work.get_by_role("status")).to_have_text("套餐内宽带保存成功")
    at("before_submit", "")
    order_no = submit(page, work)
    found = re.search(r"0371\d{8}", work.locator(".access-numbers").inner_text())
    assert found, "no broadband access number on the fee page"
    at("entered", found.group(0))
    work.locator("td.access-numbers + th + td").inner_text()
    lower(work, "UIM卡费", data["fees_to_lower"][0])
    collect(work)
    at("before_deposit", found.group(0))
    serial = special_fund(page, work, found.group(0), data)
    at("end", found.group(0))
    return {"order_no": order_no, "serial_no": serial}


def raw_renewal(page: Page, base: str, data: dict[str, Any]) -> dict[str, str]:
    """flows/e9_renewal.yaml + renewal_order.yaml + special_fund.yaml, by hand."""
    page.goto(base)
    expect(page.locator(".topbar .staff-id")).to_be_visible()
    work = page.frame_locator(WORK)
    access = data["broadband"]["access_number"]
    page.get_by_role("link", name="加装", exact=True).click()
    work.get_by_label("宽带接入号").fill(access)
    work.get_by_role("button", name="查询").click()
    work.locator("table.user-info tr:nth-child(2) td:nth-child(7)").inner_text()
    work.locator(".business-date").inner_text()
    work.get_by_role("button", name="组合产品包").click()
    work.get_by_label(data["plan"]).check()
    work.get_by_role("button", name="下一步").click()
    work.get_by_role("button", name="变更").click()
    address = work.locator("table.original tr:nth-child(2) td:nth-child(4)").inner_text()
    work.get_by_role("button", name="下一步").click()
    work.get_by_label("品牌").select_option(label=data["brand"])
    work.get_by_role("button", name="查询").click()
    expect(work.locator("table.promotions tbody tr").first).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    work.get_by_role("button", name="保存").click()
    dialog = work.get_by_role("dialog", name="用户属性信息")
    dialog.get_by_label("联系人").fill(data["customer"]["name"])
    dialog.get_by_label("联系电话").fill(data["customer"]["contact_phone"])
    dialog.get_by_label("装机地址").fill(address)
    dialog.get_by_label("用户类型").select_option(label="家庭用户")
    dialog.get_by_role("button", name="确定").click()
    expect(work.get_by_role("row", name="老宽带用户", exact=False)).to_contain_text(data["brand"])
    row_button(work, "套餐内手机", "增加").click()
    pick_number(page, work, data["mobile"]["number"])
    card_and_remark(work, data)
    work.get_by_role("button", name="下一步").click()
    work.get_by_label("所用账户", exact=False).check()
    work.get_by_role("button", name="增加").click()
    work.get_by_label("预存金额").fill(str(data["free_credit"]))
    work.get_by_role("button", name="下一步").click()
    device(work, data, work.get_by_role("button", name="提交"))
    order_no = submit(page, work)
    work.locator("td.access-numbers + th + td").inner_text()
    for line, fee in zip(("安装调测费", "UIM卡费", "手机费用"), data["fees_to_lower"], strict=True):
        lower(work, line, fee)
    collect(work)
    serial = special_fund(page, work, access, data)
    return {"order_no": order_no, "serial_no": serial}
