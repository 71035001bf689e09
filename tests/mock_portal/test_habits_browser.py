"""Habits as a browser meets them: the notice modal, changing ids, the login page in the
iframe after expiry or a second login, the busy page; and the state surviving a restart."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.fixtures.portal import PortalClient
from tests.mock_portal import clicks

pytestmark = pytest.mark.browser


def test_notice_modal_blocks_until_closed(page: Page, portal: PortalClient) -> None:
    portal.habits(notice=True)
    clicks.login(page, portal.url)
    notice = page.get_by_role("dialog", name="系统公告")
    expect(notice).to_be_visible()
    with pytest.raises(PlaywrightTimeoutError, match="intercepts pointer events"):
        # The overlay takes the click: the menu cannot be used until 关闭.
        page.get_by_role("link", name="新装", exact=True).click(timeout=1000)
    notice.get_by_role("button", name="关闭").click()
    expect(notice).to_have_count(0)
    work = clicks.menu(page, "新装")
    expect(work.get_by_label("客户名称")).to_be_visible()


def test_no_notice_modal_when_off(page: Page, portal: PortalClient) -> None:
    clicks.login(page, portal.url)
    expect(page.get_by_role("dialog", name="系统公告")).to_have_count(0)


def test_random_ids_change_but_labels_work(page: Page, portal: PortalClient) -> None:
    portal.habits(random_ids=True)
    clicks.login(page, portal.url)
    work = clicks.menu(page, "新装")
    first = work.get_by_label("客户名称").get_attribute("id")
    work.get_by_label("客户名称").fill("张三")
    clicks.menu(page, "新装")
    expect(work.get_by_label("客户名称")).to_have_value("")
    second = work.get_by_label("客户名称").get_attribute("id")
    assert first and second and first != second
    assert re.fullmatch(r"ext-gen\d+", second)
    expect(work.locator("#name")).to_have_count(0)


def test_ids_are_stable_when_off(page: Page, portal: PortalClient) -> None:
    clicks.login(page, portal.url)
    work = clicks.menu(page, "新装")
    assert work.get_by_label("客户名称").get_attribute("id") == "name"
    clicks.menu(page, "新装")
    expect(work.locator("#name")).to_have_count(1)


def test_session_expiry_lands_on_login_in_the_iframe(page: Page, portal: PortalClient) -> None:
    portal.habits(session_expiry_s=1)
    clicks.login(page, portal.url)
    page.wait_for_timeout(1300)
    work = clicks.menu(page, "加装")
    expect(work.get_by_role("alert")).to_have_text("会话已超时,请重新登录")
    expect(work.get_by_role("button", name="登录")).to_be_visible()
    # Logging in again from the iframe reloads the whole shell.
    work.get_by_label("工号").fill("GH1001")
    work.get_by_label("密码").fill("Tele@1001")
    work.get_by_role("button", name="登录").click()
    expect(page.locator(".staff-id")).to_have_text("GH1001")


def test_second_login_ends_the_first_browser_session(
        browser: Browser, page: Page, portal: PortalClient) -> None:
    clicks.login(page, portal.url, "GH1007")
    other = browser.new_context(locale="zh-CN")
    try:
        clicks.login(other.new_page(), portal.url, "GH1007")
    finally:
        other.close()
    work = clicks.menu(page, "新装")
    expect(work.get_by_role("alert")).to_have_text("您的工号已在别处登录")


def test_busy_page_in_the_work_area(page: Page, portal: PortalClient) -> None:
    clicks.login(page, portal.url)
    portal.habits(busy_share=1.0)
    work = clicks.menu(page, "专款缴费")
    expect(work.locator(".busy")).to_have_text("系统繁忙,请稍后再试")
    portal.habits(busy_share=0.0)
    work = clicks.menu(page, "专款缴费")
    expect(work.get_by_label("宽带接入号")).to_be_visible()


def test_state_survives_a_restart(portal: PortalClient) -> None:
    portal.habits(notice=True)
    portal.fixtures(broadband_users=[{"access_number": "037169990001", "name": "赵六",
                                      "id_number": "410105198503121234",
                                      "term_end": "2030-01-31"}])
    url = portal.url
    portal.restart()
    assert portal.url == url
    numbers = [s["number"] for s in portal.state()["services"]]
    assert "037169990001" in numbers and len(numbers) == 101
    assert httpx.get(url + "qa/habits").json()["notice"] is True
    page = httpx.get(url + "login")
    assert page.status_code == 200


@pytest.mark.parametrize("markup", [
    '<div class="overlay attrs-overlay" hidden><div role="dialog">用户属性信息</div></div>',
    '<table class="form prepaid-row" hidden><tr><td>预存金额</td></tr></table>',
], ids=["attribute-modal", "prepaid-row"])
def test_hidden_wins_over_the_class_display(page: Page, portal: PortalClient, markup: str) -> None:
    # The attribute modal after 保存 is `hidden` until its alert is accepted; the overlay's
    # class shows it as flex, which once let a walk see the modal before the alert came.
    page.goto(portal.url)
    page.set_content(f'<link rel="stylesheet" href="/static/portal.css">{markup}')
    expect(page.locator("[hidden]")).to_be_hidden()
    page.locator("[hidden]").evaluate("e => e.hidden = false")
    expect(page.locator("body > *").last).to_be_visible()
