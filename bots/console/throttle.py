"""Sign-in attempts, limited: after ``limit`` failures within ``window`` for one name, or
from one address, further sign-ins for it are refused until the oldest failure is older
than the window — a correct password included, so guessing gains nothing.

Kept in the console process's memory: a restart forgets, and each console process counts
on its own (a guesser gets ``limit`` tries per process per window, not more).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable


class Throttle:
    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        found = self._failures.setdefault(key, deque())
        while found and found[0] <= now - self.window:
            found.popleft()
        return found

    def wait(self, *keys: str) -> float:
        """Seconds until a sign-in for ``keys`` is taken again; 0 when it is now."""
        now = self.clock()
        with self._lock:
            waits = [
                found[0] + self.window - now
                for key in keys
                if len(found := self._recent(key, now)) >= self.limit
            ]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
