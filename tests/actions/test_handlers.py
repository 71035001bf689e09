"""Handlers on real pages where the page's own behaviour races Playwright."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Error, Locator

from bots.actions import HANDLERS, BrowserSession, Call
from bots.errors import SystemException
from bots.flow import load_flow
from bots.selectors.repository import load_repository

pytestmark = pytest.mark.browser
RUNNER = Path(__file__).resolve().parents[1] / "runner"
SELECTORS = RUNNER / "selectors" / "quick.yaml"
STEP = load_flow(RUNNER / "flows" / "pick_now.yaml").steps[2]  # choose: click pick_now.first


@pytest.fixture
def session(page, pages_url):
    page.goto(pages_url + "quick_pick.html")
    s = BrowserSession(page, load_repository([SELECTORS]))
    s.expect_popup("pick_now", None, lambda: page.get_by_role("button", name="选号").click(), 5000)
    yield s
    s.close()


def closing_click(closes: bool):
    """Locator.click as it goes when the page closes inside the click handler and Playwright
    notices before the click returns (the race, made certain): the click lands, then raises."""

    def click(self: Locator, **kw: object) -> None:
        self.evaluate("b => b.click()") if closes else None
        raise Error("Target page, context or browser has been closed")

    return click


def test_a_click_whose_popup_closed_because_of_it_is_done(session, page, monkeypatch):
    monkeypatch.setattr(Locator, "click", closing_click(closes=True))
    call = Call(STEP, {"target": "pick_now.first"}, 3000)
    assert HANDLERS["click"](session, call) == {}
    assert call.sent is True
    assert page.locator("#number").input_value() == "18937100001"


def test_a_click_failing_while_its_popup_stays_open_is_an_error(session, monkeypatch):
    monkeypatch.setattr(Locator, "click", closing_click(closes=False))
    call = Call(STEP, {"target": "pick_now.first"}, 3000)
    with pytest.raises(SystemException) as failure:
        HANDLERS["click"](session, call)
    assert failure.value.message == (
        '点击"选择 18937100001"按钮时浏览器出错:稍后重放;反复出现请把运行文件夹交给技术人员'
    )
    assert failure.value.detail == (
        "pick_now.first: Target page, context or browser has been closed"
    )
    assert call.sent is False
