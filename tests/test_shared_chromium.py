"""One Chromium, several threads each with its own Playwright and context."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

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
        profile = Path(chromium._profile)
        assert process is not None and process.poll() is None
        assert profile.is_dir()
    assert seen == {0: "工号 0", 1: "工号 1", 2: "工号 2"}
    assert process.poll() is not None
    assert not profile.exists()


def test_chromium_dies_with_a_killed_parent(tmp_path: Path) -> None:
    """``bots work`` killed with SIGKILL must not leave its Chromium running."""
    script = (
        "import sys, time\n"
        "from bots.browser import SharedChromium\n"
        "with SharedChromium() as c:\n"
        "    print(c._process.pid, flush=True)\n"
        "    time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    chromium_pid = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{chromium_pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    status = Path(f"/proc/{chromium_pid}/status")
    alive = status.exists() and "zombie" not in status.read_text()
    assert not alive
