"""Hand-written Playwright steps shared by the browser walks (what a clerk clicks)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import FrameLocator, Locator, Page, expect

from tests.fixtures.windows import click_closing

SHOTS = Path("/tmp/portal-shots")


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def login(page: Page, url: str, staff_id: str = "GH1001") -> None:
    page.context.set_default_timeout(10_000)
    page.goto(url)
    page.get_by_label("工号").fill(staff_id)
    page.get_by_label("密码").fill("Tele@" + staff_id[2:])
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".staff-id")).to_have_text(staff_id)


def menu(page: Page, item: str) -> FrameLocator:
    """Click a menu entry; the screen opens in the iframe work area."""
    page.get_by_role("link", name=item, exact=True).click()
    return page.frame_locator("iframe[name=workarea]")


def pick_number(page: Page, work: FrameLocator, number: str) -> None:
    """选号: the popup searches by prefix; 选择 writes back to the opener and closes."""
    with page.expect_popup() as popup_info:
        work.get_by_role("button", name="选号").click()
    popup = popup_info.value
    popup.get_by_label("号码前缀").fill(number[:10])
    popup.get_by_role("button", name="查询").click()
    click_closing(popup, popup.get_by_role("row", name=number).get_by_role("button", name="选择"))
    expect(work.get_by_label("手机号码")).to_have_value(number)


def pick_card(work: FrameLocator, iccid: str) -> None:
    work.get_by_label("UIM卡号").fill(iccid)
    work.get_by_role("button", name="选卡").click()
    expect(work.get_by_role("status")).to_have_text("选卡成功,卡号可用")


def add_device(work: FrameLocator, imei: str) -> None:
    """设备信息 → 增加 → 串号, 终端型号 → 保存."""
    work.get_by_role("button", name="增加").click()
    work.get_by_label("串号").fill(imei)
    work.get_by_label("终端型号").fill("天翼 X1 赠机")
    work.get_by_role("button", name="保存").click()
    expect(work.get_by_role("status")).to_have_text("套餐内手机保存成功")


def submit_order(page: Page, work: FrameLocator) -> str:
    """提交 → confirm "确定提交吗?" → the fee page; returns the order number."""
    messages: list[str] = []

    def accept(dialog: object) -> None:
        messages.append(dialog.message)  # type: ignore[attr-defined]
        dialog.accept()  # type: ignore[attr-defined]

    page.once("dialog", accept)
    work.get_by_role("button", name="提交").click()
    expect(work.locator(".crumb")).to_have_text("费用收取")
    assert messages == ["确定提交吗?"]
    return work.locator(".order-no").inner_text()


def fee_row(work: FrameLocator, line: str) -> Locator:
    return work.get_by_role("row").filter(has=work.get_by_role("cell", name=line, exact=True))


def lower(work: FrameLocator, line: str, reason: str) -> None:
    fee_row(work, line).get_by_role("button", name="下调").click()
    work.get_by_label("下调后金额").fill("0")
    work.get_by_label("下调原因").fill(reason)
    work.get_by_role("button", name="确定").click()
    expect(fee_row(work, line).get_by_role("cell").nth(2)).to_have_text("0.00")


def collect(work: FrameLocator) -> None:
    work.get_by_role("button", name="收费").click()
    expect(work.get_by_role("status")).to_have_text("收费成功")


def special_fund(page: Page, access_number: str) -> str:
    """账务管理 → 营业缴费 → 专款缴费: 600 to the 账户账本; returns the 流水号."""
    work = menu(page, "专款缴费")
    work.get_by_label("宽带接入号").fill(access_number)
    work.get_by_role("button", name="查询").click()
    expect(work.locator(".user-info")).to_contain_text(access_number)
    work.get_by_label("专款类型").select_option("ADSL月租+加装包功能费+宽带调整月租")
    work.get_by_label("账本").select_option("账户账本")
    work.get_by_label("金额").fill("600")
    page.once("dialog", lambda dialog: dialog.accept())
    work.get_by_role("button", name="提交").click()
    expect(work.get_by_role("status")).to_have_text("受理成功")
    return work.locator(".serial-no").inner_text()
