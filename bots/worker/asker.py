"""The work queue's asker: a flow's question goes into the ledger, where ``bots answer REF
VALUE`` (or anything else that writes the ledger) answers it, while the worker keeps the
order's page as it is and waits.

Waiting is ``bots.pause``: the process's other workers (browser contexts) go on with their
orders meanwhile. No answer in time: the question expires and the run ends with
``AwaitsPerson`` — nothing was sent, so the order goes back to the queue and its next run
starts over (the guards look first) and asks again. A stop (Ctrl-C) or a lost lease ends
the wait at once. It knows the ledger's verbs, not SQL and not the browser.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import replace

from loguru import logger

from bots.asking import Question, unanswered
from bots.ledger.errors import LeaseLost
from bots.ledger.store import Store
from bots.messages import t
from bots.pause import pause
from bots.worker.hooks import Interrupted

POLL_SECONDS = 0.5


def login_reference(staff_id: str) -> str:
    """What a worker's own login asks under (it has no order): one key in every language."""
    return f"login:{staff_id}"


class LedgerAsker:
    def __init__(
        self,
        store: Store,
        reference: str,
        worker: str,
        stop: threading.Event,
        lease_lost: threading.Event | None = None,
        max_wait: float | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.store, self.reference, self.worker = store, reference, worker
        self.stop, self.lease_lost, self.poll = stop, lease_lost, poll_seconds
        self.max_wait = max_wait

    def ask(self, question: Question) -> str:
        if self.max_wait is not None and self.max_wait < question.wait_seconds:
            question = replace(question, wait_seconds=self.max_wait)
        image = base64.b64encode(question.image).decode("ascii") if question.image else None
        asked = self.store.ask(
            self.reference, question.step, question.text, wait_seconds=question.wait_seconds,
            pattern=question.pattern, image=image, worker=self.worker,
        )  # fmt: skip
        logger.warning(
            t("? {reference}等待人工回答:{question}(用 bots answer {reference} 答案 回答)",
              reference=self.reference, question=question.text)
        )
        deadline = time.monotonic() + question.wait_seconds
        while True:
            answer = self.store.take_answer(asked)
            if answer is not None:
                return answer
            if self.stop.is_set():
                self.store.take_answer(asked, give_up=True)
                raise Interrupted(t("等待人工回答时被操作员停止"), code="interrupted")
            if self.lease_lost is not None and self.lease_lost.is_set():
                self.store.take_answer(asked, give_up=True)
                raise LeaseLost(
                    t("{worker}等待人工回答时失去了{reference}的租约", worker=self.worker,
                      reference=self.reference),
                    reference=self.reference,
                )
            if time.monotonic() >= deadline:
                late = self.store.take_answer(asked, give_up=True)
                if late is not None:
                    return late
                raise unanswered(
                    question, question.wait_seconds, login=self.reference.startswith("login:")
                )
            pause(self.poll)
