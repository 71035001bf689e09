"""The browser session on its own: candidates, uniqueness, popups missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.actions import BrowserSession
from bots.errors import SystemException
from bots.messages import t
from bots.selectors.repository import load_repository

pytestmark = pytest.mark.browser


@pytest.fixture
def session(page, pages_url, tmp_path):
    file = tmp_path / "s.yaml"
    file.write_text(
        """
pages:
  form:
    frame: "iframe#main"
    elements:
      twice: [{css: ".submit"}, {css: "button"}]
      good: [{css: "#nope"}, {role: button, name: 查询}]
  pick:
    popup: pick
    elements:
      first: {role: button, name: 选择 18937100001}
""",
        encoding="utf-8",
    )
    page.goto(pages_url + "shell.html")
    s = BrowserSession(page, load_repository([Path(file)]))
    yield s
    s.close()


def test_no_candidate_matching_exactly_one_is_a_clear_error(session, tmp_path):
    with pytest.raises(SystemException) as caught:
        session.act("form.twice", lambda loc, ms: loc.click(timeout=ms), 3000, t("点击{element}"))
    assert str(caught.value) == (
        '点击元素"form.twice"时找不到唯一的元素(选择器 form.twice 没有一个候选恰好匹配一个):'
        f"请按运行报告修正 {tmp_path / 's.yaml'}"
    )
    assert caught.value.detail == (
        "form.twice: candidate 1 css='.submit': 2 matches; candidate 2 css='button': 6 matches"
    )
    assert caught.value.context["retryable"] is True


def test_the_reason_speaks_english_with_bots_lang_en(session, monkeypatch):
    monkeypatch.setenv("BOTS_LANG", "en")
    with pytest.raises(SystemException) as caught:
        session.act("pick.first", lambda loc, ms: loc.click(timeout=ms), 500, t("点击{element}"))
    assert str(caught.value) == (
        "the popup window pick is not open: a step with 'opens: pick' must open it first, so "
        "fix the flow; if the window was closed early, replay later"
    )


def test_later_candidate_heals(session):
    text, candidate = session.act(
        "form.good", lambda loc, ms: loc.inner_text(timeout=ms), 900, "读取{element}", acting=False
    )
    assert (text, candidate) == ("查询", 2)


def test_an_action_is_done_once_on_the_candidate_found(session):
    clicks = []

    def click(loc, t):
        clicks.append(loc)
        loc.click(timeout=t)

    _, candidate = session.act("form.good", click, 3000, "点击{element}")
    assert (candidate, len(clicks)) == (2, 1)
    result = session.page(None).frame_locator("iframe#main").locator("#result")
    assert result.is_visible()


def test_popup_not_open_says_which_step_must_open_it(session):
    with pytest.raises(SystemException) as caught:
        session.act("pick.first", lambda loc, ms: loc.click(timeout=ms), 500, "点击{element}")
    assert str(caught.value) == (
        "弹出窗口pick没有打开:流程须先有一个写着“opens: pick”的步骤打开它,请修正流程;"
        "若窗口被提前关闭,稍后重放"
    )
