"""The browser session on its own: candidates, uniqueness, popups missing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bots.actions import BrowserSession
from bots.errors import SelectorError, SystemException
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


@pytest.fixture
def plain(page, tmp_path):
    """A session on a page of its own (set by the test), one field and a busy marker."""
    file = tmp_path / "plain.yaml"
    file.write_text("""
pages:
  form:
    elements:
      name: {css: "#name"}
      busy: {css: ".busy"}
    markers:
      busy: busy
""", encoding="utf-8")  # fmt: skip
    s = BrowserSession(page, load_repository([file]))
    yield s
    s.close()


def _fill(s: BrowserSession, watched: bool = True) -> None:
    s.act("form.name", lambda loc, ms: loc.fill("张伟", timeout=ms), 10_000, "填写{element}",
          watched=watched)  # fmt: skip


def test_a_fill_met_by_the_busy_page_ends_when_it_shows_not_at_the_timeout(page, plain):
    page.set_content("<p class=busy>系统繁忙,请稍后再试</p>")
    started = time.monotonic()
    with pytest.raises(SystemException) as caught:
        _fill(plain)
    assert caught.value.code == "busy"
    assert time.monotonic() - started < 5  # the step's timeout is 10 s


def test_a_field_that_comes_late_is_still_filled(page, plain):
    page.set_content(
        "<div id=box></div><script>setTimeout(() => {"
        " document.getElementById('box').innerHTML = '<input id=name>' }, 2500)</script>"
    )
    _fill(plain)
    assert page.input_value("#name") == "张伟"


def test_a_field_that_never_comes_is_a_wrong_selector_after_the_whole_timeout(page, plain):
    page.set_content("<p>别的页面</p>")
    started = time.monotonic()
    with pytest.raises(SelectorError) as caught:
        plain.act("form.name", lambda loc, ms: loc.fill("张伟", timeout=ms), 4000,
                  "填写{element}", watched=True)  # fmt: skip
    assert caught.value.code == "no_candidate_matched"
    assert caught.value.what == "找不到选择器 form.name 所指的元素(1个候选都未匹配)"
    assert time.monotonic() - started >= 3.9
