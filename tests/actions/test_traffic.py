"""The wait for the next screen sleeps through the requests in flight, and never longer."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bots.actions import BrowserSession, traffic
from bots.actions.traffic import Traffic
from bots.selectors.repository import load_repository

pytestmark = pytest.mark.browser


class _Slow(BaseHTTPRequestHandler):
    """/answer answers after 0.4 s, /never after 30 s; /drop hangs up after 0.3 s."""

    def do_GET(self) -> None:
        if self.path == "/drop":
            time.sleep(0.3)
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        time.sleep(0.4 if self.path == "/answer" else 30)
        body = b"<html><body><p id=done>done</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture(scope="module")
def slow_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def watched(page) -> Iterator[Traffic]:
    seen = Traffic(page.context)
    seen.attach()
    yield seen
    seen.detach()


@pytest.fixture
def session(page, pages_url, tmp_path) -> Iterator[BrowserSession]:
    """A session on the test shell, whose frame iframe#main shows form.html or a slow page."""
    file = tmp_path / "s.yaml"
    file.write_text(
        'pages:\n  form:\n    frame: "iframe#main"\n    elements:\n'
        '      user: [{css: "#user"}]\n      done: [{css: "#done"}]\n',
        encoding="utf-8",
    )
    page.goto(pages_url + "shell.html")
    s = BrowserSession(page, load_repository([Path(file)]))
    yield s
    s.close()


def _seen(page, watched: Traffic, what: str) -> None:
    for _ in range(200):  # the request's event comes from the driver a moment later
        if watched.pending():
            return
        page.wait_for_timeout(10)
    raise AssertionError(f"{what} was never seen")


def _send(page, watched: Traffic, url: str) -> None:
    page.evaluate("url => { fetch(url).catch(() => {}) }", url)
    _seen(page, watched, url)


def test_it_sleeps_until_the_answer_has_come(page, watched, slow_url):
    page.goto(slow_url + "/answer")
    _send(page, watched, slow_url + "/answer")
    assert watched.pending() is True
    started = time.monotonic()
    watched.settle(5000)
    slept = time.monotonic() - started
    assert watched.pending() is False
    assert 0.05 < slept < 2.0  # it slept, and not beyond the answer


def test_nothing_in_flight_costs_nothing(page, watched, slow_url):
    page.goto(slow_url + "/answer")
    started = time.monotonic()
    watched.settle(5000)
    assert watched.pending() is False
    assert time.monotonic() - started < 0.05


def test_a_request_that_fails_ends_the_sleep_within_a_slice(page, watched, slow_url):
    page.goto(slow_url + "/answer")
    _send(page, watched, slow_url + "/drop")
    started = time.monotonic()
    watched.settle(10000)
    assert watched.pending() is False
    assert time.monotonic() - started < 0.3 + traffic.SLICE_MS / 1000 + 0.5


def test_a_request_that_never_ends_costs_at_most_the_cap(page, watched, slow_url, monkeypatch):
    monkeypatch.setattr(traffic, "CAP_MS", 800.0)
    page.goto(slow_url + "/answer")
    _send(page, watched, slow_url + "/never")
    started = time.monotonic()
    watched.settle(10000)
    slept = time.monotonic() - started
    assert watched.pending() is True  # still in flight: the wait goes on by looking
    assert 0.7 < slept < 2.5


def test_the_step_s_own_timeout_bounds_the_sleep(page, watched, slow_url):
    page.goto(slow_url + "/answer")
    _send(page, watched, slow_url + "/never")
    started = time.monotonic()
    watched.settle(300)
    assert 0.25 < time.monotonic() - started < 1.5


def test_the_wait_for_the_next_screen_sleeps_before_it_looks(
    page, session, slow_url, monkeypatch
):
    asleep: list[bool] = []
    settle = Traffic.settle

    def spy(self: Traffic, timeout_ms: float) -> None:
        asleep.append(self.pending())
        settle(self, timeout_ms)
        asleep.append(self.pending())

    monkeypatch.setattr(Traffic, "settle", spy)
    url = slow_url + "/answer"
    page.evaluate("url => { document.querySelector('iframe#main').src = url }", url)
    _seen(page, session.traffic, url)
    session.wait_visible("form.done", 5000)
    assert asleep == [True, False]  # in flight when the wait began; answered before a look
    assert page.frame_locator("iframe#main").locator("#done").inner_text() == "done"


def test_a_request_of_a_window_that_closed_no_longer_counts(page, watched, slow_url):
    page.goto(slow_url + "/answer")
    popup = page.context.new_page()
    popup.goto(slow_url + "/answer")
    _send(popup, watched, slow_url + "/never")
    popup.close()
    assert watched.pending() is False


def test_a_stuck_request_leaves_a_short_wait_a_slice_to_find_what_shows(
    page, session, slow_url
):
    _send(page, session.traffic, slow_url + "/never")
    session.wait_visible("form.user", 1000)  # on screen all along: no false timeout
    assert session.traffic.pending() is True
