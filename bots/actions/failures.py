"""Playwright's errors as the typed errors the runner decides on."""

from __future__ import annotations

from playwright.sync_api import Error
from playwright.sync_api import TimeoutError as PwTimeout

from bots.errors import BotsError, SystemException

# the portal did not answer: Chromium could not even connect, so the request never
# reached it (a restart, an outage) — the portal provably did nothing with it
UNREACHABLE = "unreachable"
# any other network failure (reset, empty answer, …): the request may have reached the
# portal, so an action that sends a commit has an unknown outcome
CONNECTION_LOST = "connection_lost"
NO_ANSWER = (UNREACHABLE, CONNECTION_LOST)
REFUSED = "ERR_CONNECTION_REFUSED"


def retryable(message: str, code: str) -> SystemException:
    return SystemException(message, code=code, retryable=True)


def network_code(net_error: str) -> str:
    """``unreachable`` or ``connection_lost`` for a Chromium net error (ERR_…)."""
    return UNREACHABLE if REFUSED.lower() in net_error.lower() else CONNECTION_LOST


def translate(error: Error, what: str, timeout_ms: float) -> BotsError:
    """A Playwright error as a typed error. Only the first line: call logs can echo values."""
    first = (error.message or "").strip().splitlines()[0] if error.message else type(error).__name__
    if isinstance(error, PwTimeout):
        return retryable(f"{what}: timed out after {timeout_ms:.0f} ms", "timeout")
    lowered = first.lower()
    if "net::err_" in lowered:
        return retryable(f"{what}: the portal did not answer ({first})", network_code(first))
    if "not attached" in lowered or "detached" in lowered:
        return retryable(f"{what}: the element was detached from the page ({first})", "detached")
    if "strict mode violation" in lowered:
        return retryable(f"{what}: matched more than one element", "not_unique")
    return SystemException(f"{what}: {first}", code="browser_error", retryable=False)
