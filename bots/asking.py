"""Questions a flow puts to a person (an `ask` step) and who answers them.

A flow asks when only a person can go on: the 金库 approver's SMS code before a 下调, the
验证码 of a login page. The step hands a ``Question`` to the run's ``Asker`` and waits for
its answer. This module knows the question and the two askers that need no ledger: nobody
(a run without a person: it ends at once, waiting for one) and the terminal (``bots run``
at a keyboard). The work queue's asker, which puts the question into the ledger for
``bots answer``, is ``bots.worker.asker``. It knows nothing about browsers or SQL.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from bots.errors import AwaitsPerson
from bots.messages import t


@dataclass(frozen=True)
class Question:
    """What the person reads (``text``), sees (``image``: PNG bytes, e.g. a 验证码) and must
    answer in the form ``pattern`` (a regular expression the whole answer must match), and
    how long the run waits for it."""

    text: str
    step: str
    wait_seconds: float
    pattern: str | None = None
    image: bytes | None = None

    def refusal(self, answer: str) -> str | None:
        """Why ``answer`` cannot be the answer (it does not have the asked form), or None."""
        return refusal(self.pattern, answer)


# the forms a person can read: N digits, N to M digits, N letters or digits
_DIGITS = re.compile(r"(?:\\d|\[0-9\])\{(\d+)(?:,(\d+))?\}")
_LETTERS_OR_DIGITS = re.compile(r"\[(?:0-9A-Za-z|A-Za-z0-9)\]\{(\d+)\}")


def form_of(pattern: str) -> str:
    """The asked form in words (``6位数字`` for ``\\d{6}``); another pattern as it is written."""
    if found := _DIGITS.fullmatch(pattern):
        low, high = found.groups()
        if high is None:
            return t("{count}位数字", count=low)
        return t("{low}到{high}位数字", low=low, high=high)
    if found := _LETTERS_OR_DIGITS.fullmatch(pattern):
        return t("{count}位字母或数字", count=found.group(1))
    return pattern


def refusal(pattern: str | None, answer: str) -> str | None:
    """Why ``answer`` does not have the form ``pattern`` asks (the whole answer must match
    it), or None. The ledger checks an answer given by ``bots answer`` with it too."""
    if pattern and not re.fullmatch(pattern, answer):
        return t("回答{answer}的格式不对,应为{form}", answer=answer, form=form_of(pattern))
    return None


class Asker(Protocol):
    def ask(self, question: Question) -> str:
        """The person's answer; raises ``AwaitsPerson`` when none comes in time."""
        ...


def unanswered(question: Question, waited: float, *, login: bool = False) -> AwaitsPerson:
    """The error of a question nobody answered within ``waited`` seconds (``login``: asked
    by a worker's own login, which has no order)."""
    said = (
        t("等待人工回答超时({seconds}秒):{question};这次登录没有完成,工作进程会重新登录并再次提问",
          seconds=round(waited), question=question.text)  # fmt: skip
        if login
        else t("等待人工回答超时({seconds}秒):{question};订单回到队列,下次运行时重新提问",
               seconds=round(waited), question=question.text)  # fmt: skip
    )
    return AwaitsPerson(
        said,
        code="awaits_person",
        retryable=False,
        step=question.step,
    )


class Masked:
    """Another asker, given each question with the run's secrets and personal values
    masked: a question is kept in the ledger and shown by ``bots status``, the console and
    the worker's log, and a flow may put an order's value into it ("…手机 ${{ … }} 收到的…")."""

    def __init__(self, asker: Asker, mask: Callable[[str], str]) -> None:
        self.asker, self.mask = asker, mask

    def ask(self, question: Question) -> str:
        return self.asker.ask(replace(question, text=self.mask(question.text)))


class Again:
    """Another asker, whose next question (of the step ``step``, or any) says why it is asked
    again (``note``: the portal refused the answer, 验证码错误; the session ended before the
    answer was used): asked the same again without a word, a person would think the answer
    was lost, and read the picture the same way."""

    def __init__(self, asker: Asker, note: str, step: str | None = None) -> None:
        self.asker, self.note, self.step = asker, note, step

    def ask(self, question: Question) -> str:
        if self.note and self.step in (None, question.step):
            text = t("{question}({note})", question=question.text, note=self.note)
            self.note = ""  # said once, with the question asked again
            question = replace(question, text=text)
        return self.asker.ask(question)


def refused_note(reason: str) -> str:
    """The note of a question asked again because the portal refused its answer."""
    return t("上次的回答没有通过:{reason}", reason=reason)


class Nobody:
    """No person to ask (a run outside the work queue, not at a keyboard)."""

    def ask(self, question: Question) -> str:
        raise AwaitsPerson(
            t("步骤需要人工回答,但没有人可问:{question}(请通过bots work运行,用bots answer回答)",
              question=question.text),
            code="awaits_person",
            retryable=False,
            step=question.step,
        )


class Terminal:
    """``bots run`` at a keyboard: the question on the terminal, the picture saved beside the
    run, the answer typed (asked again until it has the asked form)."""

    def __init__(self, picture_dir: str) -> None:
        self.picture_dir = picture_dir

    def ask(self, question: Question) -> str:
        if question.image:
            path = Path(self.picture_dir) / f"question-{question.step.replace('/', '-')}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(question.image)
            print(t("图片:{path}", path=path), file=sys.stderr)
        while True:
            try:
                answer = input(f"{question.text}> ").strip()
            except EOFError:  # (Ctrl-D) the person gave no answer: the step waits for one
                raise AwaitsPerson(
                    t("没有回答:{question}", question=question.text),
                    code="awaits_person",
                    retryable=False,
                    step=question.step,
                ) from None
            problem = question.refusal(answer)
            if problem is None:
                return answer
            print(problem, file=sys.stderr)
