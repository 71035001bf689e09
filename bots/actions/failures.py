"""Playwright's errors as the typed errors the runner decides on.

Each error's reason says, in the user's language, what the step was doing and what to do
next (``点击"收费"按钮超时(30秒):…``); Playwright's own words, the locator and the timeout
go into its detail, which only the run folder keeps.
"""

from __future__ import annotations

from playwright.sync_api import Error
from playwright.sync_api import TimeoutError as PwTimeout

from bots.errors import BotsError, SystemException
from bots.messages import t

# the portal did not answer: Chromium could not even connect on its last try (a restart,
# an outage). Not proof for a commit's send: Chromium retries a request itself when a
# kept-alive connection breaks before any answer (bots.runner.commits)
UNREACHABLE = "unreachable"
# any other network failure (reset, empty answer, …): the request may have reached the
# portal, so an action that sends a commit has an unknown outcome
CONNECTION_LOST = "connection_lost"
NO_ANSWER = (UNREACHABLE, CONNECTION_LOST)
REFUSED = "ERR_CONNECTION_REFUSED"


def passing(what: str, advice: str, code: str, detail: str | None = None) -> SystemException:
    """An error that may pass: the step is tried again (within its attempts)."""
    return SystemException.said(what, advice, code=code, detail=detail, retryable=True)


def later() -> str:
    """The advice for a failure that passes with time."""
    return t("稍后重放")


def seconds(timeout_ms: float) -> str:
    return f"{round(timeout_ms / 1000, 1):g}"  # a deadline's remainder (0.49999) reads 0.5


def network_code(net_error: str) -> str:
    """``unreachable`` or ``connection_lost`` for a Chromium net error (ERR_…)."""
    return UNREACHABLE if REFUSED.lower() in net_error.lower() else CONNECTION_LOST


def first_line(error: Error) -> str:
    """Playwright's first line only: its call log can echo typed values."""
    text = (error.message or "").strip()
    return text.splitlines()[0] if text else type(error).__name__


def translate(error: Error, doing: str, timeout_ms: float, where: str = "") -> BotsError:
    """A Playwright error as a typed error. ``doing`` says for people what the step was
    doing (``点击"收费"按钮``); ``where`` names the locator or URL for the detail."""
    first = first_line(error)
    detail = f"{where}: {first}" if where else first
    if isinstance(error, PwTimeout):
        return passing(
            t("{doing}超时({seconds}秒)", doing=doing, seconds=seconds(timeout_ms)),
            t("营账系统可能繁忙或变慢,稍后重放;反复超时请查看运行报告中的截图"),
            "timeout",
            detail,
        )
    lowered = first.lower()
    if "net::err_" in lowered:
        return passing(
            t("{doing}时营账系统没有响应", doing=doing),
            t("稍后重放;一直如此请确认营账系统是否在运行"),
            network_code(first),
            detail,
        )
    if "not attached" in lowered or "detached" in lowered:
        return passing(t("{doing}时页面发生了变化", doing=doing), later(), "detached", detail)
    if "strict mode violation" in lowered:
        return passing(
            t("{doing}时页面上有不止一个这样的元素", doing=doing),
            t("请按运行报告修正选择器文件,使它只匹配一个元素"),
            "not_unique",
            detail,
        )
    return SystemException.said(
        t("{doing}时浏览器出错", doing=doing),
        t("稍后重放;反复出现请把运行文件夹交给技术人员"),
        code="browser_error",
        detail=detail,
        retryable=False,
    )
