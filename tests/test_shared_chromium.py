"""One Chromium, several threads each with its own Playwright and context."""

from __future__ import annotations

import threading

from playwright.sync_api import sync_playwright

from bots.browser import SharedChromium


def test_threads_share_one_chromium() -> None:
    seen: dict[int, str] = {}

    def drive(i: int, endpoint: str) -> None:
        with sync_playwright() as pw:
            browser = pw.chromium.connect_over_cdp(endpoint)
            context = browser.new_context()
            page = context.new_page()
            page.set_content(f"<p>工号 {i}</p>")
            seen[i] = page.inner_text("p")
            context.close()

    with SharedChromium() as chromium:
        threads = [threading.Thread(target=drive, args=(i, chromium.endpoint)) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        process = chromium._process
        assert process is not None and process.poll() is None
    assert seen == {0: "工号 0", 1: "工号 1", 2: "工号 2"}
    assert process.poll() is not None
