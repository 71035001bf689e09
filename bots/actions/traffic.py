"""The portal's requests not answered yet, so that a wait for the next screen sleeps
through the portal's latency instead of looking at the page all that time.

Playwright finds an element by polling the page: 0, 20, 50, 100 ms apart, each look one
query per frame on the way to the element (about 5 ms of CPU across the driver, the browser
and the page). A portal that takes 300 ms to answer a click was looked at five or six times
for nothing on every click; with a dozen workers on two cores those looks were about a
tenth of the machine (docs/PERFORMANCE.md §2). While a request of the run's context is in
flight, nothing new can show, so the wait first waits for the answers — an event from the
driver, no look at the page — then looks. It knows nothing of what the requests are for:
any request of the context counts, a popup's too.

It never decides anything: a request that never ends only costs the looks it saved (the
wait looks after ``CAP_MS``, and always has a slice of looking left before its deadline),
a failed one ends the sleep within a slice, so the error page is found as before, and a
request of a window that closed, or of a frame that went, no longer counts (Chromium
tells nothing more of it).
"""

from __future__ import annotations

import time

from playwright.sync_api import BrowserContext, Error, Request
from playwright.sync_api import TimeoutError as PwTimeout

# the longest sleep before looking, and how often a failed request is noticed meanwhile
CAP_MS = 3000.0
SLICE_MS = 500.0
# a request older than this is some other business (a download, a heartbeat): ignored
STALE_S = 5.0


class Traffic:
    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self._open: dict[Request, float] = {}

    def attach(self) -> None:
        self.context.on("request", self._sent)
        self.context.on("requestfinished", self._ended)
        self.context.on("requestfailed", self._ended)

    def detach(self) -> None:
        self.context.remove_listener("request", self._sent)
        self.context.remove_listener("requestfinished", self._ended)
        self.context.remove_listener("requestfailed", self._ended)
        self._open.clear()

    def _sent(self, request: Request) -> None:
        self._open[request] = time.monotonic()

    def _ended(self, request: Request) -> None:
        self._open.pop(request, None)

    def pending(self) -> bool:
        cutoff = time.monotonic() - STALE_S
        for request in [r for r, sent in self._open.items() if sent < cutoff or _gone(r)]:
            del self._open[request]
        return bool(self._open)

    def settle(self, timeout_ms: float) -> None:
        """Wait until no request is in flight, at most ``min(timeout_ms, CAP_MS)``."""
        deadline = time.monotonic() + min(timeout_ms, CAP_MS) / 1000
        while self.pending():
            left = (deadline - time.monotonic()) * 1000
            if left <= 0:
                return
            try:
                # a failed request ends no wait for "requestfinished": the slice notices it
                self.context.wait_for_event(
                    "requestfinished",
                    predicate=lambda _: not self.pending(),
                    timeout=min(SLICE_MS, left),
                )
            except PwTimeout:
                continue


def _gone(request: Request) -> bool:
    """Whether the window or frame that sent ``request`` is gone (no round trip)."""
    try:
        frame = request.frame
    except Error:
        return False  # a popup's first request, before Playwright has its frame
    return frame.is_detached() or frame.page.is_closed()
