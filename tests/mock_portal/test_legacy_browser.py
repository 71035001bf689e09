"""Legacy mode as a browser meets it: the frameset with its tabs, GBK, and pickers that call
window.showModalDialog — which Chromium lacks, and the portal does not polyfill."""

from __future__ import annotations

import pytest
from playwright.sync_api import Dialog, FrameLocator, Page, expect

from bots.actions import modal
from bots.actions.captions import caption_xpath
from tests.fixtures.portal import PortalClient
from tests.fixtures.windows import click_closing

pytestmark = pytest.mark.browser


def _login(page: Page, url: str) -> FrameLocator:
    page.context.set_default_timeout(10_000)
    page.goto(url)
    page.locator(caption_xpath("工号")).fill("GH1001")
    page.locator(caption_xpath("密码")).fill("Tele@1001")
    page.get_by_role("button", name="登录").click()
    menu = page.frame_locator("frame[name=menuFrame]")
    expect(menu.locator(".staff-id")).to_have_text("GH1001")
    return menu


def test_menu_items_open_tabs_and_a_tab_opened_again_starts_afresh(
        page: Page, portal: PortalClient) -> None:
    portal.habits(legacy=True)
    menu = _login(page, portal.url)
    main = page.frame_locator("frame[name=mainFrame]")
    work = main.frame_locator("iframe.work-tab:visible")
    menu.get_by_role("link", name="新装", exact=True).click()
    work.locator(caption_xpath("客户名称")).fill("张三")
    menu.get_by_role("link", name="业务查询", exact=True).click()
    expect(work.locator(".crumb")).to_have_text("营业受理 > 业务查询")
    expect(main.locator(".tab-strip .tab")).to_have_text(["首页", "新装 ×", "业务查询 ×"])
    assert main.locator("iframe.work-tab").count() == 3  # one frame per tab, two hidden
    menu.get_by_role("link", name="新装", exact=True).click()
    expect(work.locator(".crumb")).to_have_text("营业受理 > 新装 > 客户信息")
    expect(work.locator(caption_xpath("客户名称"))).to_have_value("")  # a fresh wizard
    tab = page.frame(name="tab_1")
    assert tab is not None and tab.evaluate("document.characterSet") == "GBK"


def test_a_picker_without_show_modal_dialog_fails(page: Page, portal: PortalClient) -> None:
    portal.habits(legacy=True)
    _login(page, portal.url)
    page.goto(portal.url + "install/mobile")
    with page.expect_event("pageerror") as error:
        page.get_by_role("button", name="选号").click()
    assert "showModalDialog is not a function" in str(error.value)
    assert len(page.context.pages) == 1


def test_with_the_bots_script_the_picker_is_a_window_and_returns(
        page: Page, portal: PortalClient) -> None:
    portal.habits(legacy=True)
    modal.install(page.context, page)
    _login(page, portal.url)
    page.goto(portal.url + "install/mobile")
    with page.expect_popup() as popup:
        page.get_by_role("button", name="选号").click()
    dialog = popup.value
    dialog.locator(caption_xpath("号码前缀")).fill("18937100042")
    dialog.get_by_role("button", name="查询").click()
    click_closing(dialog, dialog.get_by_role("button", name="选择"))
    expect(page.locator(caption_xpath("手机号码"))).to_have_value("18937100042")


def test_a_dialog_page_opened_as_a_page_refuses(page: Page, portal: PortalClient) -> None:
    portal.habits(legacy=True)
    _login(page, portal.url)
    page.goto(portal.url + "popups/numbers?prefix=18937100042")
    alerts: list[str] = []

    def note(dialog: Dialog) -> None:
        alerts.append(dialog.message)
        dialog.accept()

    page.on("dialog", note)
    page.get_by_role("button", name="选择").click()
    expect(page.get_by_role("button", name="选择")).to_be_visible()  # still open
    assert alerts == ["请从业务受理页面打开此窗口"]
