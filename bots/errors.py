"""The one user-facing error family.

Every error a user can act on is a ``BotsError``. Its class says what happens next
(fix the files, fix the order, an operator decides, retry later, look before replaying);
the CLI's single handler maps the class to an exit code and prints the message.
"""

from __future__ import annotations

from typing import Any


class BotsError(Exception):
    """Base of every error shown to a user. ``code`` is a stable machine-readable tag."""

    exit_code = 1
    kind = "error"

    def __init__(self, message: str, *, code: str | None = None, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.kind
        self.context = context

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
