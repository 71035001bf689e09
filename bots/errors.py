"""The one user-facing error family.

Every error a user can act on is a ``BotsError``. Its class says what happens next
(fix the files, fix the order, an operator decides, retry later, look before replaying);
the CLI's single handler maps the class to an exit code and prints the message.

An error says two things to two readers. Its ``message`` is the *reason* a person reads in
the ledger, ``bots status`` and the batch report: one sentence in the user's language saying
what happened and what to do next (``营账系统繁忙,共尝试5次仍未成功:稍后重放``). Its
``detail`` is the technical detail — Playwright's error, the locator, the timeout, the
candidates' match counts — that only the run folder keeps (``run.json``, ``log.jsonl``)
and the ledger keeps beside the reason (``error_context["detail"]``), never in it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

from bots.messages import t


def reason(what: str, advice: str) -> str:
    """One reason from what happened and what to do next: ``号码已被占用:请改选号码…``."""
    return t("{what}:{advice}", what=what, advice=advice)


class BotsError(Exception):
    """Base of every error shown to a user. ``code`` is a stable machine-readable tag;
    ``message`` the reason for people, ``detail`` the technical detail for the run folder."""

    exit_code = 1
    kind = "error"

    def __init__(
        self, message: str, *, code: str | None = None, detail: str | None = None, **context: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.code = code or self.kind
        self.context = context
        # the reason's two halves, when it was made of them (``said``)
        self.what: str | None = None
        self.advice: str | None = None

    @classmethod
    def said(
        cls,
        what: str,
        advice: str,
        *,
        code: str | None = None,
        detail: str | None = None,
        **context: Any,
    ) -> Self:
        """An error whose reason is ``what`` happened, then ``advice``. The halves are kept,
        so a caller that knows more can say it again (after several attempts, or inside a
        commit whose outcome is unknown, where the first advice would be wrong)."""
        error = cls(reason(what, advice), code=code, detail=detail, **context)
        error.what, error.advice = what, advice
        return error

    def mask(self, hide: Callable[[str], str]) -> None:
        """Pass the reason, its halves and the detail through ``hide`` (a masker's ``text``),
        in place: the caller keeps the class and attributes it may test for."""
        self.message = hide(self.message)
        self.args = (self.message,)
        for name in ("detail", "what", "advice"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, hide(value))

    def __str__(self) -> str:
        return self.message


class SetupError(BotsError):
    """The machine lacks something the command needs (a browser, a font, a database)."""

    exit_code = 8
    kind = "setup_error"


class DefinitionError(BotsError):
    """A flow or selector file is wrong: fix the files; nothing ran."""

    exit_code = 3
    kind = "definition_error"


class SelectorError(DefinitionError):
    """No candidate of an element matched on a page that loaded: the selector file is wrong
    for this portal. Not a glitch, so never retried; the message lists each candidate and
    how many elements it matched."""

    exit_code = 10
    kind = "selector_error"


class BadInput(BotsError):
    """An order (or other input data) is invalid: fix the data; nothing ran."""

    exit_code = 4
    kind = "bad_input"


class BusinessException(BotsError):
    """The portal refused for a business reason. Never retried; an operator decides."""

    exit_code = 5
    kind = "business_exception"


class SystemException(BotsError):
    """Something that may pass (timeout, busy page, lost session). Retried with backoff."""

    exit_code = 6
    kind = "system_exception"


class AwaitsPerson(SystemException):
    """A step asked a person (an approval code, a 验证码) and no answer came in time, or no
    one can be asked: nothing was sent, so the order goes back to the queue and a later run
    starts over (the guards look first) and asks again."""

    exit_code = 12
    kind = "awaits_person"


class UnknownOutcome(BotsError):
    """A commit step was under way when the run stopped: look in the portal before replaying."""

    exit_code = 7
    kind = "unknown_outcome"


class ReviewNeeded(BotsError):
    """Money has moved and what the portal shows afterwards differs from the order (the
    receipt's total, the special-fund record): never retried, an operator must look."""

    exit_code = 9
    kind = "review_needed"


class OrdersNeedAttention(BotsError):
    """A batch ran to its end, but orders it finished failed or need review: for a
    scheduler (cron, a systemd timer) to call a person; ``bots status --failed`` lists them."""

    exit_code = 11
    kind = "orders_need_attention"


EXIT_CODES: dict[str, int] = {
    cls.kind: cls.exit_code
    for cls in (
        BotsError,
        SetupError,
        DefinitionError,
        SelectorError,
        BadInput,
        BusinessException,
        SystemException,
        AwaitsPerson,
        UnknownOutcome,
        ReviewNeeded,
        OrdersNeedAttention,
    )
}
