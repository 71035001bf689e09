"""Commit steps: which action sends the change, and what a failure means once it went out.

A commit step (``commit: true``) changes the portal. When it is a click, that click sends
the change. When it runs a sub-flow (the 新装 wizard ending in 提交), only the steps marked
``sends: true`` in it do; the wizard's other clicks (下一步, 增加, 选号) change nothing yet.
A commit sub-flow that marks no step is taken at its worst: every click and press sends.

A sending action is repeated only when the portal proves it did nothing — it answered its
busy page (and, after the recovery, the form is back), refused with a message, asked for a
login, or could not even be connected to (connection refused) — or when the action never
went out. Anything else after it went out (a timeout while waiting for the next screen, a
closed page, a connection reset or an empty answer) is an unknown outcome: look in the
portal before doing it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bots.actions import BrowserSession, Call
from bots.actions.failures import NO_ANSWER
from bots.actions.markers import UNAVAILABLE
from bots.errors import BotsError, BusinessException, UnknownOutcome
from bots.flow.models import SENDING_ACTIONS, Flow, Step
from bots.messages import t

# failures whose page shows the portal's own answer: it did nothing with the request.
# Not ``unreachable``: a refused connection proves only that the last try did not connect.
# Chromium sends a request again by itself, POSTs too, when a kept-alive connection breaks
# before any answer (as when the portal dies while it handles the request), and a refusal
# of that second try is what the page then shows: the first may have been done.
ANSWERED = (
    "busy",
    "refused_for_now",
    "business_error",
    "portal_refused",
    "session_lost",
)
# failures that already say what the page shows: no marker to look for
KNOWN = ("session_lost", "busy", "business_error", "awaits_person", *NO_ANSWER, UNAVAILABLE)


# where a step runs: the id() of each ``run`` step on the way to it, then its own. A
# sub-flow run twice in one commit (two 保存 by one helper) runs its steps in two places
Where = tuple[int, ...]


@dataclass
class CommitScope:
    """The commit step under way and how far its change got."""

    step: Step
    record_id: str
    senders: frozenset[int] | None  # id() of the steps that send; None: every click/press
    started: bool = False  # on_commit_start fired: a sending action is about to go out
    sent_by: str | None = None  # the record id of the sending action that went out
    # the sending actions of the run that went out (where each ran → its record id): none
    # acts again in the run (a retry of a part of the wizard, a redo reaching back over
    # it, a retry around the commit step itself). Shared by the run's commit scopes
    went_out: dict[Where, str] = field(default_factory=dict)
    where: Where = ()  # where the commit step itself runs
    # the commits (where each runs) a sending action of which went out and met something
    # that does not prove the portal did nothing with it. Shared by the run's scopes, as a
    # re-login or a redo runs the commit step again in a new scope
    doubts: set[Where] = field(default_factory=set)

    def sends(self, step: Step) -> bool:
        if step is self.step:
            return step.action != "run"
        if self.senders is None:
            return step.action in SENDING_ACTIONS
        # a commit step of the wizard's own (a helper's 保存) sends, marked or not
        return id(step) in self.senders or (step.commit and step.action != "run")

    def went(self, where: Where, record_id: str) -> None:
        """The sending action of the step running at ``where`` went out (the portal took
        it)."""
        self.sent_by = record_id
        self.went_out[where] = record_id

    def met(self, error: BotsError) -> None:
        """A sending action of this commit went out and failed with ``error``: unless that
        is the portal's own answer to it, the change may have been taken."""
        if not did_nothing(error):
            self.doubts.add(self.where)

    def took_nothing(self) -> bool:
        """Whether the portal answered every sending action of this commit that went out in
        the run itself, having done nothing (the ledger needs no operator then)."""
        mine = len(self.where)
        return self.where not in self.doubts and not any(
            where[:mine] == self.where for where in self.went_out
        )

    def again(self, where: Where, record_id: str) -> UnknownOutcome | None:
        """The error that stops the step at ``where`` from sending once more what it
        already sent in this run; None when it has not sent."""
        if where in self.went_out:
            return UnknownOutcome.said(
                t("“{step}”的请求已发出,不再重复发出", step=self.step.name or self.step.id),
                t("请先在营账系统查询这张订单是否已办理,再决定重放或取消"),
                code="commit_interrupted",
                detail=f"step '{record_id}' would send commit '{self.step.id}' again after "
                f"'{self.went_out[where]}' sent it",
            )
        if self.where in self.doubts:
            # a retry around the commit (its run step's) would send what the portal may
            # have taken: a page after a redirect was busy, and nothing read it back
            return UnknownOutcome.said(
                t("“{step}”的请求可能已被营账系统受理,不再重复发出",
                  step=self.step.name or self.step.id),  # fmt: skip
                t("请先在营账系统查询这张订单是否已办理,再决定重放或取消"),
                code="commit_interrupted",
                detail=f"step '{record_id}' would send commit '{self.step.id}' again after "
                "a send of it met an answer that does not prove the portal did nothing",
            )
        return None


def did_nothing(error: BotsError) -> bool:
    """Whether ``error``, met by a sending action that went out, is the portal's own
    answer to that request: its busy page straight back (not on a redirect's next hop, the
    portal having taken the request before it), a refusal, the login page."""
    return (
        error.code in ANSWERED
        and error.context.get("after_send") != "unknown"
        and not error.context.get("redirected")
    )


def scope_for(
    flow: Flow,
    step: Step,
    record_id: str,
    where: Where,
    went_out: dict[Where, str],
    doubts: set[Where],
) -> CommitScope:
    """The scope of commit ``step``, running at ``where``; ``went_out``: the run's sends
    that went out, ``doubts``: its commits whose change may have gone out."""
    marked = (
        frozenset()
        if step.action != "run"
        else frozenset(id(s) for s in flow.run_by(step) if s.sends) or None
    )
    return CommitScope(step, record_id, marked, went_out=went_out, where=where, doubts=doubts)


def unknown_outcome(
    step: Step, commit: CommitScope, error: BotsError, *, sent: bool, settled: bool = False
) -> BotsError:
    """The error to raise for ``step`` (inside ``commit``) after ``error``: unchanged when
    the portal answered it or nothing was sent, else an ``UnknownOutcome``. Once the
    commit's change went out, any failure of the commit step is an ``UnknownOutcome``: a
    busy page or a refusal answers a later request, not the change."""
    if step is commit.step and commit.sent_by is not None:
        return _unknown(
            commit,
            error,
            f"step '{step.id}' (commit) failed after '{commit.sent_by}' sent its change",
        )
    # a page the portal also answers to a request sent twice (a spent form token) proves
    # nothing of the first: Chromium may have sent it, and the portal done it, before
    answered = error.code in ANSWERED and error.context.get("after_send") != "unknown"
    if not settled and (answered or isinstance(error, BusinessException)):
        return error
    if sent and commit.sends(step):
        what = "commit" if step is commit.step else f"sends commit '{commit.step.id}'"
        return _unknown(
            commit, error, f"step '{step.id}' ({what}) failed after its action was sent"
        )
    return error


def _unknown(commit: CommitScope, error: BotsError, how: str) -> UnknownOutcome:
    """The commit's change went out and then ``error`` came: whether the portal did it is
    not known. The reason says what went wrong without its advice (a retry would be wrong
    here); the detail says which step sent what."""
    return UnknownOutcome.said(
        t("“{step}”的请求已发出,但结果不明({what})",
          step=commit.step.name or commit.step.id, what=error.what or error.message),  # fmt: skip
        t("请先在营账系统查询这张订单是否已办理,再决定重放或取消"),
        code="commit_interrupted",
        detail=f"{how}: {error.detail or error.message}",
    )


def classify(
    session: BrowserSession, commit: CommitScope | None, step: Step, call: Call, error: BotsError
) -> BotsError:
    """After an action failed, the page may say why (a login page, a busy page, a red
    message, Chromium's error page); inside a commit, what went out decides whether the
    outcome is unknown."""
    # a sub-flow's step looked already, with what showed before its own action
    looks = step.action != "run" and not isinstance(error, BusinessException)
    if looks and error.code not in KNOWN:
        # inside a commit, a message that showed before the action (a refusal of an
        # earlier try), or one in another frame or window, is not the portal's answer to
        # a sending action: taken for one, a change that went out would pass for refused
        # or busy, and could be sent again
        ignore = call.stale if commit is not None else frozenset()
        only = None
        if call.sends and session.repository is not None:
            # where the action was made, and where its next screen was awaited (a popup's
            # 确定 may answer in its opener); with neither, only the login page
            refs = {call.args.get("target"), call.args.get("expect")} - {None}
            only = session.markers.answering(*(session.target(str(r)) for r in refs))
        try:
            session.markers.raise_shown(ignore, only=only)
        except BotsError as marker:
            error = marker
    if commit is None or error.code == "session_lost":
        # (the executor makes a lost session its SessionLost: the re-login makes every
        # commit's guard look before it acts again)
        return error
    # a busy page or a refusal is the portal saying it did nothing: even a sending action
    # may go again (after the recovery shows the form); anything else, once the action
    # went out, leaves the portal in an unknown state
    return unknown_outcome(step, commit, error, sent=call.sent)
