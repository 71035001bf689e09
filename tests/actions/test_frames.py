"""Alternative frame chains (bots/actions/frames.py): the same selector page in a page
with one iframe and in a frameset whose work screen is a tab of its own frame."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Frame, FrameLocator, Page

from bots.actions import BrowserSession
from bots.actions.frames import steady
from bots.errors import SystemException
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


@pytest.mark.parametrize(("link", "kept"), [
    ("iframe#main", True), ("iframe[name=workarea]", True), ('frame[name="a:b=c"]', True),
    ("#main", True), ("iframe[ id = main ]", True), ("iframe[name=a][id=b]", True),
    ("iframe.work-tab", False), ("iframe.work-tab.active", False),
    ("iframe[aria-selected=true]", False), ("iframe[src*=work]", False),
    ("iframe.tab:visible", False), ("iframe >> nth=1", False), ("text=工作区", False),
    ("iframe:nth-match(iframe, 2)", False), ("div iframe", False), ("", False)])
def test_a_link_is_kept_only_when_it_cannot_pick_another_frame_while_this_one_stays(
        link: str, kept: bool) -> None:
    assert steady(link) is kept


WORK_AREA = '<label for=u>客户名称</label><input id=u><button>查询</button>'


NAME_ONLY = "<label for=u>客户名称</label><input id=u>"


def _replace_frame(page: Page, after_ms: int, html: str = WORK_AREA) -> None:
    """The portal's way of reloading its work area: a new iframe in place of the old."""
    page.evaluate("""([html, ms]) => setTimeout(() => {
        const frame = document.createElement('iframe');
        frame.id = 'main'; frame.srcdoc = html;
        document.getElementById('main').replaceWith(frame);
    }, ms)""", [html, after_ms])


def _kept_after_a_fill(session: BrowserSession, page: Page) -> Frame:
    """A work area with only the name field, filled: its frame is the one kept."""
    page.set_content(f'<iframe id="main" srcdoc="{NAME_ONLY}"></iframe>')
    session.act("work.name", lambda loc, t: loc.fill("张三", timeout=t), 5000, "filling")
    kept = session.frames.scope(page, ONE_IFRAME)
    assert isinstance(kept, Frame)
    return kept


def test_looks_go_to_the_frame_found_and_to_the_one_that_takes_its_place(
        session: BrowserSession, page: Page) -> None:
    page.set_content(f'<iframe id="main" srcdoc="{WORK_AREA}"></iframe>')
    assert _read(session, "work.query") == "查询"
    kept = session.frames.scope(page, ONE_IFRAME)
    assert isinstance(kept, Frame) and kept is page.main_frame.child_frames[0]
    assert session.frames.place(page, ONE_IFRAME) == (kept, kept)
    assert session.frames.scope(page, ONE_IFRAME) is kept  # not looked for again
    _replace_frame(page, 0)
    page.wait_for_function("() => document.getElementById('main').contentDocument"
                           ".getElementById('u') !== null")
    session.act("work.name", lambda loc, t: loc.fill("张三", timeout=t), 5000, "filling")
    assert page.frame_locator("iframe#main").locator("#u").input_value() == "张三"
    assert kept.is_detached()
    assert session.frames.scope(page, ONE_IFRAME) is page.main_frame.child_frames[0]


def test_a_wait_begun_before_the_frame_went_finds_its_answer_in_the_new_one(
        session: BrowserSession, page: Page) -> None:
    # the chain is known before the wait: the wait itself must find the new frame
    old = _kept_after_a_fill(session, page)
    _replace_frame(page, 1000)
    session.wait_visible("work.query", 5000)
    assert old.is_detached()
    assert session.frames.scope(page, ONE_IFRAME) is page.main_frame.child_frames[0]


def test_a_frame_not_there_yet_is_waited_for_then_kept(session: BrowserSession,
                                                      page: Page) -> None:
    page.set_content('<p>壳</p>')
    page.evaluate("""html => setTimeout(() => {
        const frame = document.createElement('iframe');
        frame.id = 'main'; frame.srcdoc = html; document.body.appendChild(frame);
    }, 300)""", WORK_AREA)
    assert isinstance(session.frames.scope(page, ONE_IFRAME), FrameLocator)
    assert _read(session, "work.query") == "查询"
    assert isinstance(session.frames.scope(page, ONE_IFRAME), Frame)


def test_the_tab_that_shows_is_found_on_every_look(session: BrowserSession, page: Page,
                                                   pages_url: str) -> None:
    page.goto(pages_url + "tabs.html?stay")
    work = page.frame(name="work")
    assert work is not None
    work.wait_for_load_state()
    work.evaluate("""html => { document.body.innerHTML =
        '<iframe class="tab" id="a"></iframe><iframe class="tab" id="b" hidden></iframe>';
        for (const tab of document.querySelectorAll('iframe')) tab.srcdoc = html; }""",
                  WORK_AREA)
    tabs = page.frame_locator("frame[name=work]")
    tabs.frame_locator("#b").locator("#u").wait_for(state="attached")

    def fill(value: str) -> None:
        session.act("work.name", lambda loc, t: loc.fill(value, timeout=t), 5000, "filling")

    fill("一")
    assert session.frames.chosen(session.target("work.name")) == FRAMESET
    # the frameset's frame is kept; the tab in it is looked for on each call
    kept, scope = session.frames.place(page, FRAMESET)
    assert kept is work and isinstance(scope, FrameLocator)
    work.evaluate("() => { document.getElementById('a').hidden = true;"
                  " document.getElementById('b').hidden = false; }")
    fill("二")
    assert tabs.frame_locator("#a").locator("#u").input_value() == "一"
    assert tabs.frame_locator("#b").locator("#u").input_value() == "二"


def test_a_marker_in_a_frame_that_took_the_kept_one_s_place_unheard_is_found(
        session: BrowserSession, page: Page) -> None:
    old = _kept_after_a_fill(session, page)
    _replace_frame(page, 50, "<p id=before>号码已被占用</p>")
    time.sleep(0.5)  # no call meanwhile: Playwright's client has not heard the frame went
    assert not old.is_detached()
    shown = session.markers.find()
    assert shown is not None
    assert (shown.marker.target.ref, shown.text, shown.chain) == (
        "work.counter", "号码已被占用", ONE_IFRAME)


def test_an_element_of_a_hidden_kept_frame_does_not_show(session: BrowserSession,
                                                        page: Page) -> None:
    page.set_content(f'<iframe id="main" srcdoc="{WORK_AREA}"></iframe>')
    assert _read(session, "work.query") == "查询"
    assert isinstance(session.frames.scope(page, ONE_IFRAME), Frame)
    assert session.visible_now("work.query") is True
    page.evaluate("document.getElementById('main').style.display = 'none'")
    assert session.visible_now("work.query") is False


def test_a_picture_after_the_kept_frame_went_unheard_masks_the_new_one(
        page: Page, tmp_path: Path) -> None:
    file = tmp_path / "m.yaml"
    file.write_text("""
pages:
  work:
    frame: "iframe#main"
    elements:
      id_number: {candidates: [{label: 证件号码}], sensitive: true}
""", encoding="utf-8")
    session = BrowserSession(page, load_repository([file]))
    field = "<label for=i>证件号码</label><input id=i value=410105199001011234>"
    page.set_content(f'<iframe id="main" srcdoc="{field}"></iframe>')
    session.wait_visible("work.id_number", 5000)
    old = session.frames.scope(page, ("iframe#main",))
    assert isinstance(old, Frame)
    _replace_frame(page, 50, field)
    time.sleep(0.5)
    assert not old.is_detached()
    session.screenshot(str(tmp_path / "shot.jpg"), None)
    assert (tmp_path / "shot.jpg").stat().st_size > 0
    assert old.is_detached()
    session.close()


def test_a_look_in_a_frame_that_took_the_kept_one_s_place_unheard_is_made_there(
        session: BrowserSession, page: Page) -> None:
    page.set_content(f'<iframe id="main" srcdoc="{WORK_AREA}"></iframe>')
    assert _read(session, "work.query") == "查询"
    old = session.frames.scope(page, ONE_IFRAME)
    _replace_frame(page, 50)
    time.sleep(0.5)  # no call meanwhile: Playwright's client has not heard the frame went
    assert isinstance(old, Frame) and not old.is_detached()
    assert _read(session, "work.query") == "查询"
    assert old.is_detached()


def test_an_action_in_a_frame_that_went_unheard_is_not_made_again(
        session: BrowserSession, page: Page) -> None:
    page.set_content(f'<iframe id="main" srcdoc="{WORK_AREA}"></iframe>')
    assert _read(session, "work.query") == "查询"
    old = session.frames.scope(page, ONE_IFRAME)
    _replace_frame(page, 50)
    time.sleep(0.5)
    assert isinstance(old, Frame) and not old.is_detached()
    with pytest.raises(SystemException) as failed:
        session.act("work.name", lambda loc, t: loc.fill("张三", timeout=t), 5000,
                    "填写{element}")
    assert failed.value.code == "detached"
    assert failed.value.what == '填写"客户名称"栏时页面发生了变化'
    assert page.frame_locator("iframe#main").locator("#u").input_value() == ""
