"""Waiting without holding up the other workers.

``bots work`` runs its workers as greenlets on one Playwright connection (see
``bots.worker.fibers``): a plain ``time.sleep`` in one of them would freeze them all.
Code that waits on the clock (retry back-off, the ``sleep`` action, an idle worker's
poll) calls ``pause``, which yields to the others when the thread has installed a
cooperative sleeper, and sleeps the thread otherwise.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

_local = threading.local()


def install(sleeper: Callable[[float], None] | None) -> None:
    """Make ``pause`` call ``sleeper`` in this thread (``None`` restores ``time.sleep``)."""
    _local.sleeper = sleeper


def pause(seconds: float) -> None:
    sleeper = getattr(_local, "sleeper", None) or time.sleep
    sleeper(max(0.0, seconds))
