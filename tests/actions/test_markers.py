"""Chromium's error page where the portal's answer should be: recognised, and what it means."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bots.actions import BrowserSession
from bots.errors import BusinessException, SystemException
from bots.selectors.repository import load_repository

pytestmark = pytest.mark.browser


@contextmanager
def _session_on(page, url: str, tmp_path: Path, selectors: str) -> Iterator[BrowserSession]:
    """A session on ``url`` whose selector repository is the YAML ``selectors``."""
    file = tmp_path / "s.yaml"
    file.write_text(selectors, encoding="utf-8")
    page.goto(url)
    s = BrowserSession(page, load_repository([file]))
    try:
        yield s
    finally:
        s.close()


def _click(s: BrowserSession, ref: str) -> None:
    s.act(ref, lambda loc, t: loc.click(timeout=t), 5000, "click")


@pytest.fixture
def session(page, pages_url, tmp_path) -> Iterator[BrowserSession]:
    with _session_on(page, pages_url + "shell.html", tmp_path, """
pages:
  form:
    frame: "iframe#main"
    elements:
      query: [{role: button, name: 查询}]
      missing: [{css: "#never"}]
      busy: [{css: ".busy"}]
    markers:
      busy: {element: busy, recover: back}
""") as s:  # fmt: skip
        yield s


def _refused_url() -> str:
    """A port nothing listens on (bound, then closed at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/form"


@pytest.fixture
def hang_up_url() -> Iterator[str]:
    """A server that accepts and closes without a word (the request reached it)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/submit"
    server.close()


def _navigate_frame(page, url: str) -> None:
    page.evaluate("url => { document.querySelector('iframe#main').src = url }", url)


def _error_page_shown(page, session: BrowserSession) -> None:
    """Wait until the frame shows Chromium's error page (the full browser's or the shell's)."""
    for _ in range(100):
        if session.markers.down() is not None:
            return
        page.wait_for_timeout(50)
    raise AssertionError("the frame never showed Chromium's error page")


def test_a_refused_connection_is_unreachable(page, session):
    url = _refused_url()
    _navigate_frame(page, url)
    with pytest.raises(SystemException) as caught:
        session.wait_visible("form.query", 5000)  # ends at the error page, not the timeout
    assert caught.value.code == "unreachable"
    assert str(caught.value) == "营账系统没有响应:稍后重放;一直如此请确认营账系统是否在运行"
    assert caught.value.detail == f"{url}: ERR_CONNECTION_REFUSED"
    assert caught.value.context["retryable"] is True


def test_an_error_page_in_another_frame_does_not_end_the_wait(page, session):
    # a hidden tab or a menu that failed to load says nothing of this screen's request
    url = _refused_url()
    page.evaluate(
        "url => document.body.insertAdjacentHTML('beforeend', `<iframe id=side src=${url}>`)", url
    )
    _error_page_shown(page, session)
    with pytest.raises(SystemException) as caught:
        session.wait_visible("form.missing", 1500)
    assert caught.value.code == "timeout"
    assert caught.value.detail == "form.missing: Locator.wait_for: Timeout 1500ms exceeded."


def test_a_connection_closed_without_an_answer_is_lost(page, session, hang_up_url):
    _navigate_frame(page, hang_up_url)
    with pytest.raises(SystemException) as caught:
        session.wait_visible("form.query", 5000)
    assert caught.value.code == "connection_lost"
    assert str(caught.value) == "营账系统没有响应:稍后重放;一直如此请确认营账系统是否在运行"
    assert caught.value.detail == f"{hang_up_url}: ERR_EMPTY_RESPONSE"


def test_the_portal_down_for_good_ends_the_wait_with_portal_unavailable(page, session, monkeypatch):
    monkeypatch.setattr("bots.actions.markers.DOWN_BUDGET_S", 1.0)
    url = _refused_url()
    _navigate_frame(page, url)
    _error_page_shown(page, session)
    with pytest.raises(SystemException) as caught:
        session.markers.reconnect(2000)
    assert caught.value.code == "portal_unavailable"
    assert caught.value.context["retryable"] is False
    assert str(caught.value) == (
        "营账系统1秒内一直连不上(连接被拒绝):它可能正在重启或已停机;稍后重放,一直如此请联系营账系统的管理员"
    )
    assert caught.value.detail == (
        "loading again after ERR_CONNECTION_REFUSED: "
        f"Frame.goto: net::ERR_CONNECTION_REFUSED at {url}; it did not answer for 1 s"
    )


def test_reconnect_loads_the_frame_again_once_the_portal_answers(page, session, pages_url):
    url = _refused_url()
    _navigate_frame(page, url)
    _error_page_shown(page, session)
    # the portal "comes back": the recorded request now points at a server that answers
    frame = next(f for f in session.markers.requests if f.name == "main")
    sent = session.markers.requests[frame]
    session.markers.requests[frame] = sent._replace(url=pages_url + "form.html")
    session.markers.reconnect(5000)
    assert session.markers.down() is None
    assert session.visible_now("form.query")


def test_the_error_page_where_the_answer_was_awaited_comes_before_a_message_elsewhere(
    page, pages_url, tmp_path
):
    # a refusal from an earlier call still shows in another frame; the request this wait
    # is for got no answer. Taken for the answer, the refusal would make a change that
    # went out pass for refused, and sendable again
    with _session_on(page, pages_url + "shell.html", tmp_path, """
pages:
  form:
    frame: "iframe#main"
    elements:
      done: [{css: "#done:not(:empty)"}]
      error: [{css: "#error:not(:empty)"}]
    markers:
      business_error: error
  side:
    frame: "iframe#side"
    elements:
      check: [{role: button, name: 校验}]
      error: [{css: "#error:not(:empty)"}]
    markers:
      business_error: error
""") as s:  # fmt: skip
        page.evaluate(
            "document.body.insertAdjacentHTML('beforeend', '<iframe id=side src=form.html>')"
        )
        _click(s, "side.check")
        assert s.markers.find() is not None  # the earlier refusal shows
        url = pages_url + "neterror.html"
        _navigate_frame(page, url)  # the full browser's error page ends the wait at once
        with pytest.raises(SystemException) as caught:
            s.wait_visible("form.done", 5000)
        assert caught.value.code == "connection_lost"
        assert caught.value.detail == f"{url}: ERR_CONNECTION_RESET"


def test_a_wait_ended_by_a_new_refusal_is_not_answered_by_a_message_shown_before(
    page, pages_url, tmp_path
):
    # a busy message from an earlier query still shows; the next action is refused. The
    # refusal ended the wait: the busy message, looked at first, is not the answer
    with _session_on(page, pages_url + "shell.html?busy=1", tmp_path, """
pages:
  form:
    frame: "iframe#main"
    elements:
      query: [{role: button, name: 查询}]
      check: [{role: button, name: 校验}]
      done: [{css: "#done:not(:empty)"}]
      busy: [{css: "#busy"}]
    markers:
      busy: busy
  checks:
    frame: "iframe#main"
    elements:
      error: [{css: "#error:not(:empty)"}]
    markers:
      business_error: error
""") as s:  # fmt: skip
        _click(s, "form.query")
        before = s.markers.shown("form.done")
        assert before == frozenset({"form.busy"})
        _click(s, "form.check")
        with pytest.raises(BusinessException) as caught:
            s.wait_visible("form.done", 5000, before)
        assert str(caught.value) == '号码已被占用:请改选号码或填"任意"后重放'


def test_a_marker_that_goes_before_it_is_read_does_not_end_the_wait(
    page, session, monkeypatch
):
    # a busy message shown for a moment ended the wait, and was gone when looked at: no
    # answer came, so the wait goes on to its deadline (it had passed without its screen)
    busy = page.frame_locator("iframe#main").locator("#busy")
    busy.wait_for(state="attached")
    busy.evaluate(
        """busy => setTimeout(() => {
            busy.className = 'busy';
            busy.style.display = 'block';
            setTimeout(() => { busy.style.display = 'none'; }, 150);
        }, 300)"""
    )
    read = session.markers.raise_shown

    def read_once_gone(*args: object, **kwargs: object) -> None:
        busy.wait_for(state="hidden")  # the look comes a moment too late, every time
        read(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(session.markers, "raise_shown", read_once_gone)
    with pytest.raises(SystemException) as caught:
        session.wait_visible("form.missing", 1500)
    assert caught.value.code == "timeout"
    assert caught.value.detail == "form.missing: Locator.wait_for: Timeout 1500ms exceeded."


def test_a_marker_whose_first_match_is_hidden_is_read_where_it_shows(page, session):
    # the wait ends on any match that shows; the look that reads the marker must see the
    # same (a hidden one earlier in the page is no answer, the shown one is)
    page.frame_locator("iframe#main").locator("body").evaluate(
        """() => {
            document.body.insertAdjacentHTML('afterbegin',
                '<div class="busy" style="display:none">old</div>');
            document.body.insertAdjacentHTML('beforeend', '<div class="busy">busy</div>');
        }"""
    )
    # and a marker that shows so before an action is no answer to it
    assert session.markers.shown("form.query") == frozenset({"form.busy"})
    with pytest.raises(SystemException) as caught:
        session.wait_visible("form.missing", 1500)
    assert caught.value.code == "busy"
    assert caught.value.detail == "form.busy shows"


def test_a_frame_that_went_after_its_marker_ended_the_wait_is_looked_in_again(
    page, session, monkeypatch
):
    # a busy message ends the wait; before it is read, the portal replaces its work area
    # and the form shows there: the wait goes on in the new frame and finds it
    frame = page.frame_locator("iframe#main")
    frame.locator("#busy").wait_for(state="attached")
    frame.locator("body").evaluate(
        "() => { const b = document.getElementById('busy'); b.className = 'busy';"
        " b.style.display = 'block'; }"
    )
    session.frames.scope(page, ("iframe#main",))  # the work area is kept
    waited = session._attached
    replaced: list[bool] = []

    def and_then_replaced(*args, **kw):
        found = waited(*args, **kw)
        if not replaced:
            replaced.append(True)
            page.evaluate(
                """() => new Promise(done => {
                    const f = document.createElement('iframe');
                    f.id = 'main'; f.name = 'main'; f.src = 'form.html';
                    f.onload = () => done();
                    document.querySelector('iframe#main').replaceWith(f);
                })"""
            )
        return found

    monkeypatch.setattr(session, "_attached", and_then_replaced)
    session.wait_visible("form.query", 3000)
    assert replaced == [True]
    assert session.visible_now("form.query")
