"""Alternative frame chains (bots/actions/frames.py): the same selector page in a page
with one iframe and in a frameset whose work screen is a tab of its own frame."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from bots.actions import BrowserSession
from bots.selectors.repository import load_repository

pytestmark = pytest.mark.browser

ONE_IFRAME = ("iframe#main",)
FRAMESET = ("frame[name=work]", "iframe.tab:visible")


@pytest.fixture
def session(page: Page, tmp_path: Path) -> Iterator[BrowserSession]:
    file = tmp_path / "s.yaml"
    file.write_text("""
pages:
  work:
    frames: ["iframe#main", ["frame[name=work]", "iframe.tab:visible"]]
    elements:
      query: [{role: button, name: 查询}]
      name: [{caption: 客户名称}, {label: 客户名称}]
      nothing: [{css: "#nothing"}]
      counter: [{css: "#before"}]
    markers:
      business_error: counter
""", encoding="utf-8")
    s = BrowserSession(page, load_repository([file]))
    yield s
    s.close()


def _read(session: BrowserSession, ref: str) -> str:
    text, _ = session.act(ref, lambda loc, t: loc.inner_text(timeout=t), 5000, "reading",
                          acting=False)
    return str(text)


def test_one_iframe(session: BrowserSession, page: Page, pages_url: str) -> None:
    page.goto(pages_url + "shell.html")
    assert _read(session, "work.query") == "查询"
    assert session.frames.chosen(session.target("work.name")) == ONE_IFRAME  # one per set
    assert session.frame_of("work", 1000).url.endswith("/form.html")


def test_a_tab_of_a_frameset_that_comes_later(session: BrowserSession, page: Page,
                                              pages_url: str) -> None:
    page.goto(pages_url + "tabs.html")
    # the form's tab is made 300 ms after the frameset loads: the look waits for it
    session.act("work.name", lambda loc, t: loc.fill("张三", timeout=t), 5000, "filling")
    assert session.frames.chosen(session.target("work.query")) == FRAMESET
    frame = session.frame_of("work", 1000)
    assert frame.url.endswith("/form.html")
    assert frame.locator("#user").input_value() == "张三"


def test_a_marker_answers_for_the_chain_but_is_not_kept(session: BrowserSession, page: Page,
                                                         pages_url: str) -> None:
    page.goto(pages_url + "tabs.html?stay")
    page.frame(name="work").wait_for_load_state()  # type: ignore[union-attr]
    # the visible tab shows the marker, not the element: that chain, for this look only
    query = session.target("work.query")
    assert session.frames.resolve(query, 3000) == FRAMESET
    assert session.frames.chosen(query) is None
    assert session.frames.current(query) == FRAMESET  # until the next look


def test_nothing_anywhere_is_the_first_chain_unkept(session: BrowserSession, page: Page,
                                                    pages_url: str) -> None:
    page.goto(pages_url + "app.html")
    nothing = session.target("work.nothing")
    assert session.frames.resolve(nothing, 200) == ONE_IFRAME
    assert session.frames.chosen(nothing) is None
    assert session.frames.current(nothing) == ONE_IFRAME


@pytest.mark.parametrize(("start", "top_level"), [
    ("shell.html", False), ("tabs.html", False), ("tabs.html", True)])
def test_a_sensitive_field_in_any_chain_is_masked(page: Page, pages_url: str, tmp_path: Path,
                                                  start: str, top_level: bool) -> None:
    file = tmp_path / "m.yaml"
    file.write_text("""
pages:
  top:
    elements:
      staff: {css: "#nothing-at-the-top", sensitive: true}
  work:
    frames: ["iframe#main", ["frame[name=work]", "iframe.tab:visible"]]
    elements:
      id_number: {candidates: [{label: 证件号码}], sensitive: true}
""" if top_level else """
pages:
  work:
    frames: ["iframe#main", ["frame[name=work]", "iframe.tab:visible"]]
    elements:
      id_number: {candidates: [{label: 证件号码}], sensitive: true}
""", encoding="utf-8")
    session = BrowserSession(page, load_repository([file]))
    page.goto(pages_url + start)
    session.wait_visible("work.id_number", 5000)
    camera = session.camera
    # one query per frame chain: a composite locator counts only in its first part's frame
    assert camera._present(camera._masks(page, None, ())) is True
    session.screenshot(str(tmp_path / "shot.jpg"), None)
    assert (tmp_path / "shot.jpg").stat().st_size > 0
    session.close()
