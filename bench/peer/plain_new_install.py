"""The new install as a plain Playwright script, in a process of its own: launch Chromium,
log in, do the clicks of ``bench/raw_procedures.py``, close. ``bench/bench_peer.py`` runs it
beside ``bots run`` and the Robot Framework suite.

    python bench/peer/plain_new_install.py RUN.json

``RUN.json`` (written by the bench) holds the portal URL, the order as flows see it and the
Chromium launch options (the same binary and flags ``bots run`` uses). Prints one line,
``outputs {"order_no": …, "serial_no": …}``. Imports Playwright and nothing of ``bots``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.raw_procedures import login, raw_new_install  # noqa: E402

VIEWPORT = {"width": 1280, "height": 900}  # as bots.browser's contexts
TIMEOUT_MS = 10_000  # as the flows' defaults.timeout


def main() -> None:
    run = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**run["launch"])
        context = browser.new_context(locale="zh-CN", viewport=VIEWPORT)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        login(page, run["portal"])
        outputs = raw_new_install(page, run["portal"], run["order"])
        browser.close()
    print("outputs " + json.dumps(outputs, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
