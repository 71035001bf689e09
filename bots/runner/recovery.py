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
from bots.actions.failures import NO_ANSWER, seconds
from bots.errors import BotsError, SystemException, reason
from bots.flow.models import Flow, Step
from bots.messages import t
from bots.runner.commits import CommitScope, unknown_outcome
from bots.selectors.names import element_words

# failures a recovery gets back from before the step goes again
RECOVERS = ("busy", *NO_ANSWER)


class SessionLost(SystemException):
    """The portal shows its login page: re-login, then resume (handled by the executor)."""

    @classmethod
    def of(cls, error: BotsError) -> SessionLost:
        """``error`` (the login page's marker) as the executor's SessionLost, words kept."""
        # (what the marker's page knew goes along: a login page on a redirect's next hop
        # does not prove the request before it did nothing)
        lost = cls(error.message, code="session_lost", detail=error.detail, **error.context)
        lost.what, lost.advice = error.what, error.advice
        return lost


def still_lost(lost: SessionLost, relogins: int) -> None:
    """The portal asks for a login the run cannot give it (any more): the reason says so,
    in place."""
    if relogins:
        lost.what = t("登录{n}次后营账系统仍要求重新登录", n=relogins)
        lost.advice = t("请确认这个工号没有在别处同时登录、密码仍有效,然后重放")
    else:
        lost.what = t("营账系统要求登录,而这个流程不会重新登录")
        lost.advice = t("请在流程的 session 中配置登录子流程,或先登录后重放")
    lost.message = reason(lost.what, lost.advice)
    lost.args = (lost.message,)


def login_refused(lost: SessionLost) -> None:
    """The login sub-flow itself ended on the login page (the portal did not take the
    staff id and password): the reason says so, in place."""
    lost.what = t("登录后营账系统仍显示登录页面")
    lost.advice = t("请检查凭据中这个工号的密码是否正确、工号是否可用,然后重放")
    lost.message = reason(lost.what, lost.advice)
    lost.args = (lost.message,)


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
    screens = [r for r in (expect, again) if r]
    ignore, only = _answers(session, commit, error, screens)
    shown = session.markers.wait_first(tuple(screens), timeout_ms, ignore, only)
    if shown is None:
        try:
            # a login page (the restarted portal forgot the session), a busy page again,
            # a refusal, the portal gone again
            session.markers.raise_shown(ignore, only=only)
        except SystemException as marker:
            if marker.code == "session_lost":
                raise SessionLost.of(marker) from None
            raise
        names = [element_words(session.target(r)) for r in screens]
        shown = names[0] if len(names) == 1 else t("{a}或{b}", a=names[0], b=names[1])
        lost = SystemException.said(
            t("{after}后{seconds}秒内没有出现{screens}",
              after=after(error), seconds=seconds(timeout_ms), screens=shown),  # fmt: skip
            t("请查看运行报告中的截图,稍后重放"),
            code="screen_lost",
            detail=f"step '{step.id}': after {error.code} the portal showed neither "
            f"{' nor '.join(screens)} within {timeout_ms / 1000:g} s",
            retryable=False,
        )
        if commit is not None:
            sent = bool(error.context.get("sent"))
            raise unknown_outcome(step, commit, lost, sent=sent, settled=True)
        raise lost
    return shown == expect


def _answers(
    session: BrowserSession, commit: CommitScope | None, error: BotsError, screens: list[str]
) -> tuple[frozenset[str], frozenset[str] | None]:
    """Inside a commit, the markers that can answer the step, as ``classify`` takes them:
    not those that showed before its action, only those near the screens awaited (and the
    login page). A message left elsewhere, taken for the answer, would make a change that
    may have gone out pass for refused."""
    if commit is None or session.repository is None:
        return frozenset(), None
    stale = frozenset(error.context.get("stale") or ())
    return stale, session.markers.answering(*(session.target(r) for r in screens))


def after(error: BotsError) -> str:
    """What a step's earlier attempt met, for the lines that say it went through after all."""
    return t("遇到繁忙页面") if error.code == "busy" else t("营账系统恢复响应")
