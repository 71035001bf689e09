"""A Chromium that does not start: a setup error that says so and what to run next."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bots.actions.launch import open_page
from bots.browser import ENV_VAR
from bots.errors import SetupError

pytestmark = pytest.mark.browser

CLOSED = "BrowserType.launch: Target page, context or browser has been closed"


def start() -> None:
    with open_page():
        pass


@pytest.mark.parametrize("lang,reason", [
    ("zh", f"浏览器 Chromium 无法启动({CLOSED}):请运行 bots doctor 检查浏览器和字体"),
    ("en", f"Chromium did not start ({CLOSED}): run bots doctor to check the browser and the "
           "fonts"),
])  # fmt: skip
def test_a_browser_that_exits_at_once(monkeypatch, lang: str, reason: str) -> None:
    monkeypatch.setenv("BOTS_LANG", lang)
    monkeypatch.setenv(ENV_VAR, "/bin/false")  # executable, but no browser
    # in a thread of its own: the session's Playwright (the page fixture) holds this one's
    with ThreadPoolExecutor(1) as thread, pytest.raises(SetupError) as caught:
        thread.submit(start).result()
    assert (caught.value.code, caught.value.message) == ("browser_failed", reason)
    assert caught.value.detail == CLOSED
    assert caught.value.exit_code == 8
