"""The browser session on its own: candidates, uniqueness, popups missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.actions import BrowserSession
from bots.errors import SystemException
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


def test_no_candidate_matching_exactly_one_is_a_clear_error(session):
    with pytest.raises(SystemException) as caught:
        session.act("form.twice", lambda loc, t: loc.click(timeout=t), 3000, "clicking")
    assert str(caught.value) == (
        "clicking form.twice: no candidate matched exactly one element "
        "(candidate 1 css='.submit': 2 matches; candidate 2 css='button': 6 matches)"
    )
    assert caught.value.context["retryable"] is True


def test_later_candidate_heals(session):
    text, candidate = session.act(
        "form.good", lambda loc, t: loc.inner_text(timeout=t), 900, "reading", acting=False
    )
    assert (text, candidate) == ("查询", 2)


def test_an_action_is_done_once_on_the_candidate_found(session):
    clicks = []

    def click(loc, t):
        clicks.append(loc)
        loc.click(timeout=t)

    _, candidate = session.act("form.good", click, 3000, "clicking")
    assert (candidate, len(clicks)) == (2, 1)
    result = session.page(None).frame_locator("iframe#main").locator("#result")
    assert result.is_visible()


def test_popup_not_open_says_which_step_must_open_it(session):
    with pytest.raises(SystemException) as caught:
        session.act("pick.first", lambda loc, t: loc.click(timeout=t), 500, "clicking")
    assert (
        str(caught.value)
        == "popup 'pick' is not open; a step with 'opens: pick' must open it first"
    )
