"""Browser start-up for ``bots run`` (workers bring their own browser and contexts)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Error, sync_playwright

from bots.browser import launch_options, new_context
from bots.errors import SetupError
from bots.messages import t


@contextmanager
def open_page(headed: bool = False) -> Iterator[Any]:
    """A fresh page in a fresh context of a freshly launched Chromium; closed afterwards."""
    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(**launch_options(headed))  # type: ignore[arg-type]
        except Error as error:
            # no run folder yet: Playwright's first line is the only place the cause shows
            first = error.message.splitlines()[0]
            raise SetupError.said(
                t("浏览器 Chromium 无法启动({error})", error=first),
                t("请运行 bots doctor 检查浏览器和字体"),
                code="browser_failed",
                detail=first,
            ) from None
        try:
            context = new_context(browser)
            yield context.new_page()
            context.close()
        finally:
            browser.close()
