"""The answers a person gave a run's questions, and what the run says when it asks again.

It knows which step a person last answered and whether a click has since taken the answer
to the portal. It does not ask (the session's ``Asker`` does) nor decide to log in again or
redo a screen (the executor does); it only words the next question of that step: the
portal refused the answer (验证码错误), or the session ended before the answer was used.
"""

from __future__ import annotations

from bots.actions.session import BrowserSession
from bots.asking import Again, refused_note
from bots.errors import SystemException
from bots.flow.models import Step
from bots.masking import Masker
from bots.messages import t
from bots.messages.refusals import answer_refused
from bots.runner import screens


class Answers:
    def __init__(self, session: BrowserSession, masker: Masker) -> None:
        self.session, self.masker = session, masker
        self.step: str | None = None  # the step of the last question a person answered
        self.unsent = False  # that answer has not yet left with a click

    def passed(self, step: Step) -> None:
        if step.action == "ask":
            self.step, self.unsent = step.id, True
        elif screens.leaves_screen(step):
            self.unsent = False  # (what was answered went with it)

    def refused(self, error: SystemException) -> None:
        """The portal refused for now: when it refused a person's answer (a 验证码), the
        question asked again says so."""
        said = error.what or error.message
        if answer_refused(said) and self.step is not None:
            self._again(refused_note(self.masker.text(said)))

    def lost(self) -> None:
        """The session ended: when a person's answer was typed in and not yet sent (a 金库
        code whose 确定 met the login page), the question asked again says so."""
        if self.unsent and self.step is not None:
            self._again(t("上次回答后营账系统的会话已失效,那次的回答没有用上"))
        self.unsent = False

    def _again(self, note: str) -> None:
        self.session.asker = Again(self.session.asker, note, self.step)
