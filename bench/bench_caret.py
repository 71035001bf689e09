"""What a blinking caret costs an idle browser, and what the steady caret of
``bots.browser.new_context`` saves.

    .venv/bin/python bench/bench_caret.py [--windows 12] [--seconds 10] [--rounds 2]

One Chromium as the bots launch it; ``--windows`` contexts, each a page with a frame whose
text box has the focus (as between a fill and the next click of a run), made either the
plain way (``browser.new_context()``) or the bots' way. Nothing happens in them: the CPU of
this process, Playwright's driver and Chromium over ``--seconds`` is what the windows cost
to keep on screen. The two ways alternate, ``--rounds`` each; medians and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from bench.common import tree_cpu  # noqa: E402
from bots.browser import launch_options, new_context  # noqa: E402

OUTER = b"<html><body><form><input name=a></form><iframe src='/inner'></iframe></body></html>"
INNER = b"<html><body><input name=customer></body></html>"


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = INNER if self.path == "/inner" else OUTER
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


@contextmanager
def pages() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def idle_cpu(browser: Browser, url: str, ours: bool, windows: int, seconds: float) -> float:
    """CPU seconds a second of ``windows`` idle windows with a focused text box."""
    contexts = [new_context(browser) if ours else browser.new_context() for _ in range(windows)]
    try:
        for context in contexts:
            page = context.new_page()
            page.goto(url)
            page.frame_locator("iframe").locator("input[name=customer]").fill("王敏")
        time.sleep(1.0)
        before = tree_cpu(skip=0)
        time.sleep(seconds)
        return (tree_cpu(skip=0) - before) / seconds
    finally:
        for context in contexts:
            context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    seen: dict[str, list[float]] = {"blinking": [], "steady": []}
    with pages() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
        for _ in range(args.rounds):
            for name, ours in (("blinking", False), ("steady", True)):
                cpu = idle_cpu(browser, url, ours, args.windows, args.seconds)
                seen[name].append(cpu)
                print(f"  {name:<8} {cpu * 1000:6.1f} ms of CPU a second", flush=True)
        browser.close()
    blinking, steady = (statistics.median(seen[k]) for k in ("blinking", "steady"))
    print(f"{args.windows} idle windows, a text box in focus: blinking caret "
          f"{blinking * 1000:.1f} ms of CPU a second, steady {steady * 1000:.1f} "
          f"(steady / blinking {steady / blinking:.2f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
