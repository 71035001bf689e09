"""N workers on one Playwright connection: one browser, N contexts, one thread.

Playwright's sync API binds everything to the thread that started it, but inside that
thread it already runs event handlers as greenlets that wait on the driver cooperatively.
The workers run the same way: each is a greenlet whose Playwright calls yield to the
others while the browser works, so one Node driver and one Chromium serve them all and
no connection ever sees (and dismisses) another worker's dialogs.

This leans on two attributes of the sync API (``_loop``, ``_dispatcher_fiber``) and its
``_sync``; tests/worker/test_fibers.py pins the behaviour we rely on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from greenlet import greenlet
from playwright.sync_api import Error

from bots import pause


class DriverGone(Exception):
    """Playwright's driver went away under the workers: none of them can go on."""


class Fibers:
    """``spawn`` workers, then ``join``: returns once every one has returned, and raises
    the first error one of them raised, only after all the others have stopped."""

    def __init__(self, playwright: Any) -> None:
        self._pw = playwright
        self._running = 0
        self._all_done: asyncio.Future[None] = playwright._loop.create_future()
        self.errors: list[BaseException] = []
        pause.install(self.sleep)

    def sleep(self, seconds: float) -> None:
        self._pw._sync(asyncio.sleep(seconds))

    def spawn(self, body: Callable[[], None]) -> None:
        def run() -> None:
            try:
                body()
            # A greenlet's error is thrown into its parent, the dispatcher: the other
            # workers would die mid-step. Keep it; ``join`` raises it when all have ended.
            except BaseException as error:  # noqa: BLE001
                self.errors.append(error)
            finally:
                self._running -= 1
                if self._running == 0 and not self._all_done.done():
                    self._all_done.set_result(None)

        self._running += 1
        fiber = greenlet(run, parent=self._pw._dispatcher_fiber)
        self._pw._loop.call_soon(fiber.switch)

    def join(self) -> None:
        async def everyone() -> None:
            await self._all_done

        try:
            if self._running:
                self._pw._sync(everyone())
        except Error as error:
            # everyone() raises nothing: only the connection to Playwright's driver can
            # fail here (the driver killed), leaving every worker stopped where it was. The
            # answers they waited for will never be read: asyncio would print each at exit
            self._pw._loop.set_exception_handler(lambda _loop, _context: None)
            raise DriverGone(str(error)) from error
        finally:
            pause.install(None)
        if self.errors:
            raise self.errors[0]
