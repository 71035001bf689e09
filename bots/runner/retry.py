"""Which errors may pass, and the capped tenacity policy that retries them."""

from __future__ import annotations

from collections.abc import Callable

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from bots.errors import SystemException, reason
from bots.flow.models import Retry, Step
from bots.messages import t
from bots.pause import pause

MAX_WAIT = 10.0
NO_RETRY = Retry(attempts=1, delay=0)


def retry_for(step: Step, default: Retry) -> Retry:
    """A step's attempts: its own ``retry``, else the flow's default — except a step that
    redoes its screen instead (``redo_from``) and steps that do not act on the page."""
    if step.redo_from is not None:
        return NO_RETRY  # the whole screen is done again instead (the executor's _redo)
    if step.retry is not None:
        return step.retry
    if step.is_optional or step.action in ("run", "sleep", "screenshot"):
        return NO_RETRY
    return default


def can_pass(error: BaseException) -> bool:
    """Timeouts, detached elements, busy pages: yes. Business errors, lost sessions
    (handled by re-login, not here), unknown outcomes and definition errors: never."""
    return (
        isinstance(error, SystemException)
        and bool(error.context.get("retryable"))
        and error.code != "session_lost"
    )


def gave_up(error: BaseException, attempts: int) -> BaseException:
    """``error`` after the last of ``attempts`` failed, its reason saying so
    (``营账系统繁忙,共尝试5次仍未成功:稍后重放``). Changed in place: the caller keeps the
    class it decides on."""
    if attempts > 1 and can_pass(error):
        assert isinstance(error, SystemException)
        if error.what is not None and error.advice is not None:
            error.what = t("{what},共尝试{n}次仍未成功", what=error.what, n=attempts)
            error.message = reason(error.what, error.advice)
            error.args = (error.message,)
    return error


def policy(retry: Retry, before_retry: Callable[[int, BaseException], None]) -> Retrying:
    """``before_retry(failed_attempt_number, error)`` runs once per failed attempt that
    will be retried: it logs the line and recovers (e.g. from a busy page)."""

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        if error is not None:
            before_retry(state.attempt_number, error)

    return Retrying(
        stop=stop_after_attempt(retry.attempts),
        wait=wait_exponential(multiplier=retry.delay, min=retry.delay, max=MAX_WAIT),
        retry=retry_if_exception(can_pass),
        before_sleep=before_sleep,
        sleep=pause,  # not time.sleep: the other workers keep going meanwhile
        reraise=True,
    )
