"""After a failure that can pass: recover from a busy page, then look which screen shows.

The portal's busy page answered either the form's POST (it did nothing: the form must be
filled in again) or the GET of the next screen after the POST went through (done). The
recovery (``Markers.recover``) opens the form again, or loads the next screen again, until
no busy page shows; then whichever shows first decides: the step's ``expect`` (its request
went through) or the screen to do again. Neither means the page is lost — and, inside a
commit, that its change may have gone out.

Chromium's error page (the portal did not answer at all, e.g. while it restarts) is got
back from the same way, once the portal answers again (``Markers.reconnect``, bounded).
"""

from __future__ import annotations

from bots.actions import BrowserSession
from bots.actions.failures import NO_ANSWER
from bots.errors import BotsError, SystemException
from bots.flow.models import Flow, Step
from bots.runner.commits import CommitScope, unknown_outcome

# failures a recovery gets back from before the step goes again
RECOVERS = ("busy", *NO_ANSWER)


class SessionLost(SystemException):
    """The portal shows its login page: re-login, then resume (handled by the executor)."""


def screen_of(flow: Flow, index: int) -> str | None:
    """The first element a step from ``index`` on acts on: it shows when that screen is
    back (a ``run`` step's screen is its sub-flow's first)."""
    for step in flow.steps[index:]:
        target = getattr(step.args, "target", None)
        if isinstance(target, str):
            return target
        if step.action == "run":
            return screen_of(flow.subflows[step.args.flow], 0)  # type: ignore[attr-defined]
    return None


def went_through(
    session: BrowserSession,
    commit: CommitScope | None,
    step: Step,
    error: BotsError,
    again: str | None,
    timeout_ms: float,
) -> bool:
    """After a failure that can pass: does the portal show the step's ``expect`` (its
    request went through) rather than the screen to do again? After a busy page the
    recovery runs first, then whichever of the two shows first decides; when neither
    shows, the page is lost (and a commit's change may have gone out)."""
    expect: str | None = getattr(step.args, "expect", None)
    if error.code not in RECOVERS:
        return expect is not None and session.visible_now(expect)
    if error.code != "busy":
        session.markers.reconnect(timeout_ms)  # the portal's first answer may be busy too
    session.markers.recover("busy", timeout_ms)
    if again is None:
        return expect is not None and session.visible_now(expect)
    shown = session.markers.wait_first(tuple(r for r in (expect, again) if r), timeout_ms)
    if shown is None:
        try:
            # a login page (the restarted portal forgot the session), a busy page again,
            # a refusal, the portal gone again
            session.markers.raise_shown()
        except SystemException as marker:
            if marker.code == "session_lost":
                raise SessionLost(marker.message, code="session_lost") from None
            raise
        lost = SystemException(
            f"step '{step.id}': after {after(error)} the portal showed neither "
            f"{' nor '.join(r for r in (expect, again) if r)} "
            f"within {timeout_ms / 1000:g} s",
            code="screen_lost",
            retryable=False,
        )
        if commit is not None:
            sent = bool(error.context.get("sent"))
            raise unknown_outcome(step, commit, lost, sent=sent, settled=True)
        raise lost
    return shown == expect


def after(error: BotsError) -> str:
    """What a step's earlier attempt met, for the lines that say it went through after all."""
    return "the busy page" if error.code == "busy" else "the portal answered again"
